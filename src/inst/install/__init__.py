"""Installing wheels into an environment; ``placement`` checks where a wheel goes before any write."""

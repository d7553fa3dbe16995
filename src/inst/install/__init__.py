"""Installing wheels into an environment; ``validate`` checks a wheel before any write."""

"""PEP 751 lock files (pylock.toml): writing them (``write``, ``toml``) and reading
them (``read``)."""

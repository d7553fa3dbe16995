"""PEP 751 lock files (``pylock.toml``): reading them (``read``: validated by
``packaging.pylock``, selected for a target) and writing them (``write``)."""

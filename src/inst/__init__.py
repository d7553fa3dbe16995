"""inst: a pip-style installer for Python packages."""

__version__ = "0.1.0"

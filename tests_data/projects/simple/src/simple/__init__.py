"""Tiny test package; its version comes from the installed metadata."""

from importlib.metadata import version

# Read from the metadata so wheels built with another version report it.
__version__ = version("simple")

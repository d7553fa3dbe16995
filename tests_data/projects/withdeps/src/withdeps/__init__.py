"""Tiny test package that imports its dependency."""

import simple

SIMPLE_VERSION = simple.__version__

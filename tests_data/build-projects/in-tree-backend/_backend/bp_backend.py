"""In-tree build backend: setuptools.build_meta's hooks under another name."""

from setuptools.build_meta import *  # noqa: F403

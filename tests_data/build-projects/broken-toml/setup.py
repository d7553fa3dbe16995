# Present so that a frontend cannot excuse the broken pyproject.toml by
# falling back to setup.py: the build must fail on the TOML error.
from setuptools import setup

setup(name="bp-broken-toml", version="1.0", packages=["bp_broken_toml"])

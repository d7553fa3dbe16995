# bp_missing_compile_dep is declared nowhere and installed nowhere: every hook
# that runs this file fails with ModuleNotFoundError.
import bp_missing_compile_dep  # noqa: F401
from setuptools import setup

setup()

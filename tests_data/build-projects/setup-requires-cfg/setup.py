import os

from setuptools import setup
from setuptools.command.build_py import build_py

PACKAGE = "bp_setup_requires_cfg"


class build_py_with_stamp(build_py):
    """build_py, then bp_build_helper.stamp() on the built package."""

    def run(self):
        super().run()
        # bp-build-helper is a setup_requires (declared in setup.cfg): only
        # importable once the frontend installed it.
        import bp_build_helper

        bp_build_helper.stamp(os.path.join(self.build_lib, PACKAGE))


setup(cmdclass={"build_py": build_py_with_stamp})

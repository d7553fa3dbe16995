import os

# An old habit: import a build-time helper at the top of setup.py. setup.cfg
# declares it; this works only where the frontend installs what setup.cfg asks
# for before running this file (inst's setup.py interface), or where it is
# already installed (--no-build-isolation in an environment that has it).
# (The word for setup.cfg's option is left out of this file on purpose: inst
# runs a setup.py that mentions it to learn more of them.)
import bp_build_helper
from setuptools import setup
from setuptools.command.build_py import build_py

PACKAGE = "bp_legacy_top_import"


class build_py_with_stamp(build_py):
    def run(self):
        super().run()
        bp_build_helper.stamp(os.path.join(self.build_lib, PACKAGE))


setup(cmdclass={"build_py": build_py_with_stamp})

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PACKAGE = "bp_setup_requires_py"


class build_py_with_stamp(build_py):
    """build_py, then bp_build_helper.stamp() on the built package."""

    def run(self):
        super().run()
        # Imported here, not at the top: setup.py must run (so the frontend can
        # learn setup_requires) before bp-build-helper is installed.
        import bp_build_helper

        bp_build_helper.stamp(os.path.join(self.build_lib, PACKAGE))


setup(
    name="bp-setup-requires-py",
    version="1.0",
    description="inst build-layer test tree: setup_requires in setup.py",
    packages=[PACKAGE],
    python_requires=">=3.9",
    setup_requires=["bp-build-helper"],
    cmdclass={"build_py": build_py_with_stamp},
)

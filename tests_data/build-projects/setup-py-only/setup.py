from setuptools import setup

setup(
    name="bp-setup-py-only",
    version="1.0",
    description="inst build-layer test tree: setup.py only",
    packages=["bp_setup_py_only"],
    python_requires=">=3.9",
)

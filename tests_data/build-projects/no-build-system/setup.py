from setuptools import setup

setup(
    name="bp-no-build-system",
    version="1.0",
    description="inst build-layer test tree: pyproject.toml without [build-system]",
    packages=["bp_no_build_system"],
    python_requires=">=3.9",
)

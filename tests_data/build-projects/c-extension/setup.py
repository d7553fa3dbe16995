from setuptools import Extension, setup

setup(
    name="bp-c-extension",
    version="1.0",
    description="inst build-layer test tree: a C extension module",
    packages=["bp_cext"],
    ext_modules=[Extension("bp_cext._speed", ["bp_cext/_speed.c"])],
    python_requires=">=3.9",
)

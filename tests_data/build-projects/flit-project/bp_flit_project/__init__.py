"""inst build-layer test tree built with flit_core."""


def hello():
    return "flit-project"

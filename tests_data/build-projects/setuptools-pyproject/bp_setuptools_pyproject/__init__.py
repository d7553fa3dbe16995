def hello():
    return "setuptools-pyproject"

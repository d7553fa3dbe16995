def hello():
    return "second-setuptools-project"

def hello():
    return "setup-py-only"

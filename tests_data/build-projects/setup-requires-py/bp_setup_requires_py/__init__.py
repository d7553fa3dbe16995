def hello():
    return "setup-requires-py"

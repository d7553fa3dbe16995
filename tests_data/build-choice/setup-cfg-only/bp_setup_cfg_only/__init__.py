def hello():
    return "setup-cfg-only"

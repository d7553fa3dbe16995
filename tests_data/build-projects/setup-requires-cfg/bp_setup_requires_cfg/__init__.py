def hello():
    return "setup-requires-cfg"

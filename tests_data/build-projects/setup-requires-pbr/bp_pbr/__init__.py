def hello():
    return "setup-requires-pbr"

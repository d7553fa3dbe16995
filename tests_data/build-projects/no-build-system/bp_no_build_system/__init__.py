def hello():
    return "no-build-system"

def hello():
    return "missing-build-requirement"

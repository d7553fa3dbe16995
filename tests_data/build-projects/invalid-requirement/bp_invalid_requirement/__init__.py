def hello():
    return "invalid-requirement"

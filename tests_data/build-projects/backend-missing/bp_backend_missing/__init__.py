def hello():
    return "backend-missing"

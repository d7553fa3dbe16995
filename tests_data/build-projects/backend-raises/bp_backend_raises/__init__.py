def hello():
    return "backend-raises"

def hello():
    return "no-build-backend"

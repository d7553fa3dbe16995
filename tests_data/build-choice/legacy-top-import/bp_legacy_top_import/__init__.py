def hello():
    return "legacy-top-import"

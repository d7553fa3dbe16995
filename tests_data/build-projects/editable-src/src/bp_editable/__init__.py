def hello():
    return "editable-src"

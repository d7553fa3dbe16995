def hello():
    return "import-error"

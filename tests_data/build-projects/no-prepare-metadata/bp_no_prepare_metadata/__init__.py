def hello():
    return "no-prepare-metadata"

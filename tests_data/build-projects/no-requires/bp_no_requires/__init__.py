def hello():
    return "no-requires"

def hello():
    return "dynamic-requires"

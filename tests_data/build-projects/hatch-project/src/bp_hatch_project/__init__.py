def hello():
    return "hatch-project"

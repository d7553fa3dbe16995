def hello():
    return "broken-toml"

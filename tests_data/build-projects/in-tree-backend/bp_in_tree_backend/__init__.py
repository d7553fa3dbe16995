def hello():
    return "in-tree-backend"

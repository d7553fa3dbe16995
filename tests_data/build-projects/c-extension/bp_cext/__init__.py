from bp_cext import _speed


def hello():
    return _speed.hello()

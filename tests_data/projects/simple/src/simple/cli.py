from simple import __version__


def main() -> int:
    print(f"simple {__version__}")
    return 0

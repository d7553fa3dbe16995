"""``python -m inst``: as pip, it works on the interpreter running it (no
looking for an active environment, which the ``inst`` program does)."""

import sys

from inst.cli.main import main

if __name__ == "__main__":
    sys.exit(main(discover=False))

"""``python -m inst``."""

import sys

from inst.cli.main import main

if __name__ == "__main__":
    sys.exit(main())

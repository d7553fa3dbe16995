#!/usr/bin/env python3
"""Write docs/reference/options.md from inst's option table.

python tools/gen_options_reference.py          # rewrite the page
python tools/gen_options_reference.py --check  # exit 1 if the committed page is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reference" / "options.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only check, write nothing"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    from inst.settings.reference import render

    page = render()
    current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else None
    if args.check:
        if current != page:
            print(
                f"{PAGE} is stale: run python tools/gen_options_reference.py",
                file=sys.stderr,
            )
            return 1
        print(f"{PAGE.relative_to(ROOT)} is up to date")
        return 0
    if current != page:
        PAGE.parent.mkdir(parents=True, exist_ok=True)
        PAGE.write_text(page, encoding="utf-8")
        print(f"wrote {PAGE.relative_to(ROOT)}")
    else:
        print(f"{PAGE.relative_to(ROOT)} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

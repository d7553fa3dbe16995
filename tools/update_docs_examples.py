#!/usr/bin/env python3
"""Run the runnable examples of docs/ (console blocks after ``<!-- run -->``) and write
what they printed into the pages, so no example output is written by hand.

python tools/update_docs_examples.py                 # every page with examples
python tools/update_docs_examples.py docs/tutorial.md
python tools/update_docs_examples.py --check         # say what differs, write nothing
python tools/update_docs_examples.py --check --loose # ... compared as the suite does

Each page runs in a fresh sandbox against the docs index (see
tests/harness/docs_examples.py); tests/functional/test_docs_examples.py runs the same
check in the suite.

The suite compares loosely (every number forgotten, so that a page passes on any
machine: another Python 3.11.x bundles another pip in its venvs). --check compares
strictly: only timings, sizes, hashes, the Python patch version and the bundled
pip/setuptools versions may differ, so a stale version or count on a page is found.
Run it after a change of versions (the pins, inst's own) and rewrite what it names.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "pages", nargs="*", type=Path, help="pages to run (default: all)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only compare, write nothing"
    )
    parser.add_argument(
        "--loose",
        action="store_true",
        help="with --check: forget every number, as the suite does",
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "src"))
    from harness import docs_examples as examples

    missing = examples.unsupported_here() or examples.missing_index_data()
    if missing:
        print(f"cannot run the examples: {missing}", file=sys.stderr)
        return 1
    pages = [page.resolve() for page in args.pages] or examples.pages()
    differing = 0
    with tempfile.TemporaryDirectory(prefix="docs-examples-") as work:
        index = examples.build_docs_index(Path(work) / "index")
        with examples.serving(index) as server:
            for page in pages:
                sandbox = examples.sandbox_for(page, Path(work) / "pages", server)
                text, mismatches = examples.run_page(
                    page, sandbox, strict=args.check and not args.loose
                )
                name = page.relative_to(ROOT)
                for mismatch in mismatches:
                    print(mismatch, end="\n\n")
                differing += bool(mismatches)
                if args.check:
                    print(f"{name}: {'differs' if mismatches else 'up to date'}")
                elif text != page.read_text(encoding="utf-8"):
                    page.write_text(text, encoding="utf-8")
                    print(f"wrote {name}")
                else:
                    print(f"{name} is up to date")
    return 1 if args.check and differing else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Write the files generated from inst's option table and parser: the options reference
page (docs/reference/options.md), the command reference (docs/reference/commands.md
and a page per command in docs/reference/commands/), the typed view of the settings
(src/inst/settings/typed.py) and the stored help texts (src/inst/cli/help_texts.py).

python tools/gen_options_reference.py          # rewrite what is stale
python tools/gen_options_reference.py --check  # exit 1 if a committed file is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reference" / "options.md"
TYPED = ROOT / "src" / "inst" / "settings" / "typed.py"
HELP = ROOT / "src" / "inst" / "cli" / "help_texts.py"
REFERENCE = ROOT / "docs" / "reference"
COMMAND_PAGES = REFERENCE / "commands"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only check, write nothing"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT / "tools"))
    from command_reference import render_all

    from inst.cli import parser as cli_parser
    from inst.settings import codegen, reference

    generated = {
        PAGE: reference.render(),
        TYPED: codegen.render(),
        HELP: cli_parser.render_help_texts(),
    }
    for name, text in render_all().items():
        generated[REFERENCE / name] = text
    stale = 0
    for path in sorted(COMMAND_PAGES.glob("*.md")):
        if path not in generated:  # a command that no longer exists
            if args.check:
                print(
                    f"{path} is stale: run python tools/gen_options_reference.py",
                    file=sys.stderr,
                )
                stale += 1
            else:
                path.unlink()
                print(f"removed {path.relative_to(ROOT)}")
    for path, text in generated.items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        name = path.relative_to(ROOT)
        if current == text:
            print(f"{name} is up to date")
        elif args.check:
            print(
                f"{path} is stale: run python tools/gen_options_reference.py",
                file=sys.stderr,
            )
            stale += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {name}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())

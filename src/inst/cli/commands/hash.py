"""``inst hash FILE...``: the --hash lines for requirements files, as pip prints them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from inst import ui

if TYPE_CHECKING:
    from inst.settings.resolve import Settings

SUMMARY = "Print the hash of local archives, as --hash options for requirements files."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="FILE", help="a file to hash")


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.errors import InstError
    from inst.hashing import file_digest

    algorithm = settings.algorithm
    for path in args.paths:
        try:
            digest = file_digest(path, algorithm)[1].hex()
        except OSError as exc:
            raise InstError(
                f"cannot hash {path}",
                why=exc.strerror or str(exc),
                hint="give the path of a file you can read",
            ) from None
        ui.output(f"{path}:\n--hash={algorithm}:{digest}", verbatim=True)
    return 0

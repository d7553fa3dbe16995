"""``inst build [DIR] [--sdist] [--wheel] [-o DIR]``: a project's sdist and wheel, as
``python -m build`` makes them (pip has no such command): by default the sdist, then
the wheel built from it; ``--sdist`` and ``--wheel`` build each one named, from the
tree."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import UsageError

if TYPE_CHECKING:
    from inst.settings.resolve import Settings

SUMMARY = "Build a project's sdist and wheel for publishing, as python -m build."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "srcdir",
        nargs="?",
        default=".",
        metavar="DIR",
        help="the project directory (default: the current directory)",
    )
    parser.add_argument(
        "--sdist",
        "-s",
        action="store_true",
        help="build an sdist (without it and --wheel: the sdist, then the wheel from "
        "the sdist)",
    )
    parser.add_argument(
        "--wheel",
        "-w",
        action="store_true",
        help="build a wheel from the tree",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.reporters import text_reporters
    from inst.session import target_environment
    from inst.session.distributions import DistributionsRequest, build_distributions

    tree = Path(args.srcdir).expanduser()
    if not os.path.isdir(tree):
        raise UsageError(
            f"{args.srcdir} is not a directory",
            hint="give the directory holding the project's pyproject.toml or setup.py",
        )
    tree = tree.resolve()
    outdir = (
        Path(settings.outdir).expanduser().absolute()
        if settings.outdir
        else tree / "dist"
    )
    both = not (args.sdist or args.wheel)
    request = DistributionsRequest(
        tree=tree,
        outdir=outdir,
        sdist=both or args.sdist,
        wheel=both or args.wheel,
        wheel_from_sdist=both,
    )
    environment = target_environment(settings)
    built = build_distributions(
        settings, request, environment, text_reporters(settings)
    )
    ui.info(f"Successfully built {' and '.join(path.name for path in built.files)}")
    return 0

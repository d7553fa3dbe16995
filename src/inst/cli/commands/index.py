"""``inst index versions NAME``: the versions the indexes offer, as pip prints them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import InstError, UsageError

if TYPE_CHECKING:
    from packaging.version import Version

    from inst.environment import Environment
    from inst.settings.resolve import Settings

SUMMARY = "Ask the package indexes about a project: `inst index versions NAME`."

ACTIONS = ("versions",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=ACTIONS, help="what to ask: versions")
    parser.add_argument("name", nargs="?", metavar="NAME", help="the project's name")


def run(settings: Settings, args: argparse.Namespace) -> int:
    from packaging.utils import canonicalize_name

    from inst.session import target_environment

    if not args.name:
        raise UsageError(
            "inst index versions needs the name of a project",
            hint="run `inst index versions NAME`",
        )
    environment = target_environment(settings)
    versions = _versions(settings, environment, args.name)
    latest = versions[0]
    ui.output(f"{args.name} ({latest})")
    ui.output("Available versions: " + ", ".join(str(v) for v in versions))
    installed = environment.installed().get(canonicalize_name(args.name))
    if installed is not None:
        # pip's indented lines about the installed version.
        if installed.version == latest:
            ui.output(f"  INSTALLED: {installed.version} (latest)")
        else:
            ui.output(f"  INSTALLED: {installed.version}")
            if latest.is_prerelease:
                ui.output(
                    f"  LATEST:    {latest} (pre-release; install with "
                    "`inst install --pre`)"
                )
            else:
                ui.output(f"  LATEST:    {latest}")
    return 0


def _versions(settings: Settings, environment: Environment, name: str) -> list[Version]:
    """The versions with a file the target can use, newest first: yanked files never
    count, pre-releases only with --pre (as pip, with no fallback to them)."""
    from packaging.specifiers import SpecifierSet

    from inst.cli.reporters import text_reporters
    from inst.requirements.inputs import Inputs
    from inst.session import open_session

    with open_session(
        settings, Inputs(), environment, text_reporters(settings)
    ) as session:
        releases = session.finder.matching(name, SpecifierSet())
    versions = sorted({release.version for release in releases}, reverse=True)
    if not settings.pre:
        versions = [version for version in versions if not version.is_prerelease]
    if not versions:
        raise InstError(
            f"no matching distribution found for {name}",
            why="the indexes offer no "
            + ("" if settings.pre else "final ")
            + "release of it with a file this environment can use",
            hint="check the name and the index options (--index-url, --find-links)",
        )
    return versions

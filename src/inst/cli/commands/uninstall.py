"""``inst uninstall NAME... [-r FILE] [-y]``: remove installed distributions.

Every distribution named is removed in one transaction: if any file cannot be taken
away, nothing is. Output follows pip's, except that without ``-y`` and without a
terminal to ask on, inst stops with an error instead of waiting for an answer.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import InstError, UsageError
from inst.install.reporting import UninstallReporter

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from packaging.utils import NormalizedName

    from inst.environment import Environment, InstalledDist
    from inst.install.target import InstallTarget
    from inst.install.uninstall import RemovalPlan
    from inst.settings.resolve import Settings

SUMMARY = "Uninstall packages."

#: How many paths outside the target one distribution's warning names at most.
_OUTSIDE_SHOWN = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="an installed distribution's name (a version specifier is allowed and "
        "ignored)",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.install.target import check_externally_managed, install_target
    from inst.session import target_environment
    from inst.session.uninstalling import select_installed

    names = _names(settings, args.names)
    environment = target_environment(settings)
    target = install_target(environment)
    check_externally_managed(
        environment, break_system_packages=settings.break_system_packages
    )
    chosen = select_installed(names, environment, target, _TextUninstallReporter())
    if not chosen:
        return 0
    yes = settings.yes
    if not yes and not _can_ask():
        raise InstError(
            "inst uninstall needs a confirmation, and standard input is not a terminal",
            why="without -y inst asks before removing anything",
            hint="pass -y (--yes) to uninstall without asking",
        )
    _uninstall(settings, environment, target, names, chosen, yes=yes)
    return 0


def _names(settings: Settings, texts: Sequence[str]) -> dict[NormalizedName, str]:
    """The distribution names of the command line and the -r files, each once (as
    first written)."""
    from pathlib import Path

    from inst.requirements.files import read_requirements
    from inst.requirements.specs import RequirementSpec, parse_requirement

    specs: list[RequirementSpec] = []
    for path in settings.requirement:
        specs += read_requirements(path).requirements
    base_dir = Path.cwd()
    specs += [
        parse_requirement(text, origin="the command line", base_dir=base_dir)
        for text in texts
    ]
    if not specs:
        raise UsageError(
            "`inst uninstall` needs at least one package name",
            hint="name installed distributions (inst uninstall requests), or give a "
            "file with -r",
        )
    names: dict[NormalizedName, str] = {}
    for spec in specs:
        if spec.requirement is None or spec.name is None or spec.editable:
            raise UsageError(
                f"{spec.origin}: {spec.line!r} does not name a distribution",
                why="inst uninstall removes installed distributions by their name; a "
                "path or URL names none",
                hint="write the project's name instead (as `inst list` shows it)",
            )
        names.setdefault(spec.name, spec.requirement.name)
    return names


def _uninstall(
    settings: Settings,
    environment: Environment,
    target: InstallTarget,
    names: Mapping[NormalizedName, str],
    candidates: Sequence[InstalledDist],
    *,
    yes: bool,
) -> None:
    from inst.cli.reporters.install import TextInstallReporter
    from inst.session.uninstalling import uninstall_distributions

    plans = uninstall_distributions(
        environment,
        target,
        candidates,
        names=names,
        lock_timeout=settings.lock_timeout,
        confirm=lambda plan: yes or _confirm(plan, target),
        reporter=_TextUninstallReporter(),
        install_reporter=TextInstallReporter(),
    )
    for plan in plans:
        label = f"{plan.dist.display_name}-{plan.dist.version}"
        ui.info(f"Uninstalling {label}:")
        ui.info(f"  Successfully uninstalled {label}")


class _TextUninstallReporter(UninstallReporter):
    """pip's words for what uninstall finds."""

    def not_installed(self, name: str) -> None:
        ui.warning(f"Skipping {name} as it is not installed.")

    def not_owned(self, dist: InstalledDist, label: str) -> None:
        ui.warning(
            f"Not uninstalling {dist.display_name} at {dist.location}, outside {label}"
        )

    def found(self, plan: RemovalPlan, label: str) -> None:
        dist = plan.dist
        for path in plan.interpreter:
            ui.warning(f"not removing {path}: it is the Python of {label}")
        ui.info(f"Found existing installation: {dist.display_name} {dist.version}")
        for outside in plan.outside[:_OUTSIDE_SHOWN]:
            ui.warning(f"not removing {outside}: it is outside {label}")
        more = len(plan.outside) - _OUTSIDE_SHOWN
        if more > 0:
            ui.warning(
                f"and {more} more paths of {plan.dist.display_name} outside {label}"
            )


def _can_ask() -> bool:
    stdin = sys.stdin
    return stdin is not None and bool(getattr(stdin, "isatty", lambda: False)())


def _confirm(plan: RemovalPlan, target: InstallTarget) -> bool:
    from inst.install.uninstall import compress_listing

    label = f"{plan.dist.display_name}-{plan.dist.version}"
    ui.output("Would remove:")
    for line in compress_listing(plan.files, target.keep_dirs):
        ui.output(f"  {line}")
    sys.stdout.write("Proceed (Y/n)? ")
    sys.stdout.flush()
    answer = sys.stdin.readline()
    if not answer:  # end of input: no answer is no
        ui.output("")
        ui.info(f"Not uninstalling {label}.")
        return False
    if answer.strip().lower() in ("", "y", "yes"):
        return True
    ui.info(f"Not uninstalling {label}.")
    return False

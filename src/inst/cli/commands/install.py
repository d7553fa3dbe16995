"""``inst install REQUIREMENT... [-r FILE] [--dry-run] [--report FILE]``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from inst import ui
from inst.cli.commands import RESOLVING

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from inst.environment import Environment, InstalledDist
    from inst.requirements.inputs import Inputs
    from inst.resolution.resolver import Resolution
    from inst.settings.resolve import Settings

SUMMARY = "Install packages: resolve requirements, download and install them."
#: What run() imports after the target's probe (see inst.cli.commands).
PRELOAD = (
    *RESOLVING,
    "inst.session.installing",
    "inst.install.installation",
    "inst.install.unpacked",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "requirements",
        nargs="*",
        metavar="REQUIREMENT",
        help="a PEP 508 requirement (name[extras]>=1.0; marker), name @ URL, or a path "
        "to a wheel, sdist or project directory",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.session import gather_inputs, target_environment

    lock = _lock_file(settings, args.requirements)
    if lock is not None:
        from inst.cli.commands.sync import run_lock

        run_lock(settings, lock, target_environment(settings), remove_extraneous=False)
        return 0
    if settings.extra:
        from inst.errors import UsageError

        raise UsageError(
            "--extra selects the extras of a lock file",
            hint="give a pylock.toml with -r, or name extras in the requirement "
            "(name[extra])",
        )
    if settings.report == "-":
        ui.info_to_stderr()
    inputs = gather_inputs(settings, args.requirements, "install")
    environment = target_environment(settings)
    if settings.dry_run:
        _resolve_only(settings, inputs, environment)
        return 0
    _install(settings, inputs, environment)
    return 0


def _lock_file(settings: Settings, requirements: list[str]) -> str | None:
    """The PEP 751 lock given with -r, which is installed as locked (no resolver);
    None when -r names none. A lock goes alone: its packages are the whole set."""
    if not settings.requirement:
        return None
    from inst.pylock.names import is_lock_path

    locks = [path for path in settings.requirement if is_lock_path(path)]
    if not locks:
        return None
    from inst.errors import UsageError

    # Constraints (-c, or pip's configuration) narrow a resolution; a lock has none.
    others = [*requirements, *settings.editable]
    others += [path for path in settings.requirement if path not in locks]
    if len(locks) > 1 or others:
        raise UsageError(
            f"{locks[0]} is a lock file, and a lock is installed alone",
            why="its packages are the whole set, installed without resolving; "
            f"it cannot be combined with {', '.join([*locks[1:], *others])}",
            hint="install the lock on its own, then the rest with another inst install",
        )
    if settings.report:
        raise UsageError(
            "--report describes a resolution, and a lock is installed without one",
            hint="leave out --report, or use --dry-run to see what the lock changes",
        )
    if "://" in locks[0]:
        raise UsageError(
            f"{locks[0]} is a lock file named by a URL",
            hint="download it first and give its local path",
        )
    return locks[0]


def _resolve_only(settings: Settings, inputs: Inputs, environment: Environment) -> None:
    from inst.cli.reporters import text_reporters
    from inst.session import open_session
    from inst.session.installing import provider_options

    options = provider_options(settings, ignore_installed=bool(settings.target))
    reporters = text_reporters(settings)
    with open_session(settings, inputs, environment, reporters) as session:
        resolution = session.resolve(inputs, options)
    _resolved(settings, resolution)
    names = " ".join(
        f"{d.metadata.display_name if d.metadata else d.name}-{d.candidate.version}"
        for d in sorted(resolution.to_fetch, key=lambda d: d.name)
    )
    if names:
        ui.info(f"Would install {names}")


def _install(settings: Settings, inputs: Inputs, environment: Environment) -> None:
    from inst.cli.reporters import text_reporters
    from inst.session.installing import install_requirements

    result = install_requirements(
        settings,
        inputs,
        environment,
        text_reporters(settings),
        resolved=lambda resolution: _resolved(settings, resolution),
    )
    for dist in result.satisfied:
        _say_satisfied(dist)
    if result.installed:
        names = " ".join(
            f"{m.display_name}-{m.version}"
            for m in sorted(result.installed, key=lambda m: m.name)
        )
        ui.info(f"Successfully installed {names}")
        if result.target.kind != "target":
            _warn_broken(environment, {m.name for m in result.installed})


def _resolved(settings: Settings, resolution: Resolution) -> None:
    """What a resolution is followed by: --report (as pip: the report describes a
    real install too). What is installed already the resolver's reporter said."""
    if settings.report:
        _write_report(resolution, settings.report)


def _say_satisfied(dist: InstalledDist) -> None:
    ui.info(
        f"Requirement already satisfied: {dist.display_name} in {dist.location} "
        f"({dist.version})"
    )


def _warn_broken(environment: Environment, changed: set[NormalizedName]) -> None:
    from inst.resolution.installed import broken_requirements

    for line in broken_requirements(environment, changed):
        ui.warning(line)


def _write_report(resolution: Resolution, target: str) -> None:
    from inst.resolution.report import installation_report

    text = json.dumps(installation_report(resolution), indent=2) + "\n"
    if target == "-":
        ui.output(text.rstrip("\n"))
        return
    from inst import fileio

    try:
        fileio.write_text(target, text)
    except OSError as exc:
        raise fileio.os_error(
            exc,
            f"cannot write the report to {target}",
            hint="choose a writable path, or - for standard output",
        ) from None

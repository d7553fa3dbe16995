"""``inst install REQUIREMENT... [-r FILE] [--dry-run] [--report FILE]``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from inst import __version__, ui
from inst.errors import InstError

if TYPE_CHECKING:
    from inst.resolution.resolver import Resolution
    from inst.settings.resolve import Settings

SUMMARY = "Install packages: resolve requirements, download and install them."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "requirements",
        nargs="*",
        metavar="REQUIREMENT",
        help="a PEP 508 requirement (name[extras]>=1.0; marker), name @ URL, or a path "
        "to a wheel, sdist or project directory",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.resolving import (
        gather_inputs,
        open_session,
        resolve_inputs,
        target_environment,
    )
    from inst.resolution.provider import ProviderOptions

    if not settings.dry_run:
        raise InstError(
            f"inst {__version__} can resolve but not yet install",
            hint="add --dry-run to see what would be installed, and --report FILE for "
            "pip's JSON report",
        )
    if settings.report and str(settings.report) == "-":
        ui.info_to_stderr()
    inputs = gather_inputs(settings, args.requirements, "install")
    environment = target_environment(settings)
    options = ProviderOptions(
        no_deps=bool(settings.no_deps),
        ignore_installed=bool(settings.ignore_installed),
        force_reinstall=bool(settings.force_reinstall),
        upgrade=bool(settings.upgrade),
        eager=settings.upgrade_strategy == "eager",
        ignore_requires_python=bool(settings.ignore_requires_python),
    )
    with open_session(settings, inputs, environment) as session:
        resolution = resolve_inputs(session, inputs, options)
    _say_satisfied(resolution)
    if settings.report:
        _write_report(resolution, str(settings.report))
    names = " ".join(
        f"{d.metadata.display_name if d.metadata else d.name}-{d.candidate.version}"
        for d in sorted(resolution.to_fetch, key=lambda d: d.name)
    )
    if names:
        ui.info(f"Would install {names}")
    return 0


def _say_satisfied(resolution: Resolution) -> None:
    for dist in resolution.satisfied:
        if dist.requested:
            from inst.resolution.candidates import InstalledCandidate

            assert isinstance(dist.candidate, InstalledCandidate)
            installed = dist.candidate.dist
            ui.info(
                f"Requirement already satisfied: {installed.display_name} in "
                f"{installed.location} ({installed.version})"
            )


def _write_report(resolution: Resolution, target: str) -> None:
    from inst.resolution.report import installation_report

    text = json.dumps(installation_report(resolution), indent=2) + "\n"
    if target == "-":
        ui.output(text.rstrip("\n"))
        return
    import os

    temporary = f"{target}.inst-tmp"
    try:
        with open(temporary, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except OSError as exc:
        raise InstError(
            f"cannot write the report to {target}",
            why=exc.strerror or str(exc),
            hint="choose a writable path, or - for standard output",
        ) from None

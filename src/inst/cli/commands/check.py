"""``inst check``: the installed distributions whose requirements are not met."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from inst import ui

if TYPE_CHECKING:
    from inst.settings.resolve import Settings

SUMMARY = "Check that the installed distributions have what they require."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No positional arguments: the options come from the table."""


def run(settings: Settings, args: argparse.Namespace) -> int:
    from packaging.utils import canonicalize_name

    from inst.cli.reporters.install import TextInstallReporter
    from inst.resolution.installed import unmet_requirements
    from inst.session import settled_environment

    environment = settled_environment(settings, TextInstallReporter())
    unmet = unmet_requirements(environment)
    # pip's lines, word for word (scripts read them): names canonical, every missing
    # requirement first, then every conflicting one.
    missing = sorted(
        {
            (u.dist.name, str(u.dist.version), canonicalize_name(u.requirement.name))
            for u in unmet
            if u.have is None
        }
    )
    for name, version, wanted in missing:
        ui.output(f"{name} {version} requires {wanted}, which is not installed.")
    conflicting = sorted(
        (u for u in unmet if u.have is not None),
        key=lambda u: (
            u.dist.name,
            canonicalize_name(u.requirement.name),
            str(u.requirement),
        ),
    )
    for u in conflicting:
        have = u.have
        if have is not None:
            ui.output(
                f"{u.dist.name} {u.dist.version} has requirement {u.requirement}, "
                f"but you have {have.name} {have.version}."
            )
    if unmet:
        return 1
    ui.output("No broken requirements found.")
    return 0

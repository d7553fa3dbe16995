"""``inst freeze``: the installed distributions as requirement lines."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from inst import ui

if TYPE_CHECKING:
    from inst.settings.resolve import Settings

SUMMARY = "Print the installed distributions as requirements (name==version)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No positional arguments: the options come from the table."""


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.reporters.install import TextInstallReporter
    from inst.inspect import freeze_lines, freeze_skipped
    from inst.session import settled_environment

    environment = settled_environment(settings, TextInstallReporter())
    skipped = freeze_skipped(environment)
    dists = [
        dist for name, dist in environment.installed().items() if name not in skipped
    ]
    # pip's order here is by the name as written, lower-cased (not canonicalised).
    for dist in sorted(dists, key=lambda dist: dist.display_name.lower()):
        for line in freeze_lines(dist, environment, ui.warning):
            ui.output(line, verbatim=True)
    return 0

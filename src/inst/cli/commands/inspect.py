"""``inst inspect``: the environment as JSON, in pip's inspect report format (version 1)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from inst import ui

if TYPE_CHECKING:
    from inst.environment import Environment, InstalledDist
    from inst.settings.resolve import Settings

SUMMARY = "Describe the installed distributions and the environment as a JSON report."

#: The format of the report: pip's inspect report, version 1.
REPORT_VERSION = "1"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No positional arguments: the options come from the table."""


def run(settings: Settings, args: argparse.Namespace) -> int:
    import json

    from inst import __version__
    from inst.cli.reporters.install import TextInstallReporter
    from inst.inspect import listed
    from inst.session import settled_environment

    environment = settled_environment(settings, TextInstallReporter())
    report = {
        "version": REPORT_VERSION,
        # Tools read this key whatever installer wrote the report: inst's version.
        "pip_version": __version__,
        "installed": [_entry(dist, environment) for dist in listed(environment)],
        "environment": dict(environment.markers),
    }
    ui.output(json.dumps(report, indent=2), verbatim=True)
    return 0


def _entry(dist: InstalledDist, environment: Environment) -> dict[str, Any]:
    """One installed distribution, with the keys pip gives it."""
    import copy

    from inst.core_metadata import metadata_json
    from inst.fileurls import file_url
    from inst.inspect import editable_location, installer

    message = dist.metadata()
    is_dist_info = dist.path.name.lower().endswith(".dist-info")
    if not is_dist_info and not message.get_all("Requires-Dist"):
        # As pip: an egg-info's requirements come from its requires.txt (added to
        # a copy: the distribution keeps its metadata as read).
        message = copy.deepcopy(message)
        for requirement in dist.requires:
            message["Requires-Dist"] = str(requirement)
    entry: dict[str, Any] = {
        "metadata": metadata_json(message),
        "metadata_location": str(dist.path),
    }
    direct_url = dist.direct_url
    if direct_url is not None:
        entry["direct_url"] = direct_url
    else:
        # A legacy editable install (an .egg-link) gets the direct_url it would have.
        location = editable_location(dist, environment)
        if location is not None:
            entry["direct_url"] = {
                "url": file_url(location),
                "dir_info": {"editable": True},
            }
    if installer(dist):
        entry["installer"] = installer(dist)
    if is_dist_info:
        entry["requested"] = dist.requested
    return entry

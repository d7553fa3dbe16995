"""``inst show NAME... [-f]``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.utils import NormalizedName

    from inst.environment import Environment, InstalledDist
    from inst.settings.resolve import Settings

SUMMARY = "Show the details of installed distributions."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="an installed distribution's name"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from packaging.utils import canonicalize_name

    from inst.cli.reporters.install import TextInstallReporter
    from inst.session import settled_environment

    if not args.names:
        raise UsageError(
            "`inst show` needs at least one package name",
            hint="name installed distributions, as in: inst show requests",
        )
    environment = settled_environment(settings, TextInstallReporter())
    installed = environment.installed()
    wanted = [canonicalize_name(name) for name in args.names]
    missing = sorted(
        name for name, key in zip(args.names, wanted) if key not in installed
    )
    if missing:
        ui.warning(f"Package(s) not found: {', '.join(missing)}")
    found = [installed[key] for key in wanted if key in installed]
    for index, dist in enumerate(found):
        if index:
            ui.output("---")
        for line in _details(
            dist,
            installed,
            environment,
            verbose=settings.verbose >= 1,
            files=settings.files,
        ):
            ui.output(line)
    return 0 if found else 1


def _details(
    dist: InstalledDist,
    installed: Mapping[NormalizedName, InstalledDist],
    environment: Environment,
    *,
    verbose: bool,
    files: bool,
) -> list[str]:
    """pip show's lines for one distribution."""
    from inst import inspect

    metadata = dist.metadata()

    def field(name: str) -> str:
        return str(metadata.get(name, "") or "")

    license_name, license_value = inspect.license_field(dist)
    lines = [
        f"Name: {dist.display_name}",
        f"Version: {field('Version').strip() or dist.version}",
        f"Summary: {field('Summary')}",
        f"Home-page: {inspect.home_page(dist)}",
        f"Author: {field('Author')}",
        f"Author-email: {field('Author-email')}",
        f"{license_name}: {license_value}",
        f"Location: {dist.location}",
    ]
    editable = inspect.editable_location(dist, environment)
    if editable is not None:
        lines.append(f"Editable project location: {editable}")
    requires = inspect.requirement_names(dist, environment)
    lines.append(f"Requires: {', '.join(requires)}")
    required_by = inspect.required_by(dist, installed, environment)
    lines.append(f"Required-by: {', '.join(required_by)}")
    if verbose:
        lines.append(f"Metadata-Version: {field('Metadata-Version')}")
        lines.append(f"Installer: {inspect.installer(dist)}")
        lines.append("Classifiers:")
        lines += [f"  {value}" for value in metadata.get_all("Classifier") or []]
        lines.append("Entry-points:")
        lines += [f"  {entry.strip()}" for entry in inspect.entry_point_lines(dist)]
        lines.append("Project-URLs:")
        lines += [f"  {url}" for url in inspect.project_urls(dist)]
    if files:
        lines.append("Files:")
        declared = inspect.declared_files(dist)
        if declared is None:
            lines.append("Cannot locate RECORD or installed-files.txt")
        else:
            lines += [f"  {path.strip()}" for path in declared]
    return lines

"""``inst list [--format columns|freeze|json] [--outdated]``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from inst import ui
from inst._records import dataclass
from inst.errors import InstError, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from inst.environment import Environment, InstalledDist
    from inst.settings.resolve import Settings

SUMMARY = "List the installed distributions, or only those with newer versions."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No positional arguments: the options come from the table."""


@dataclass(frozen=True)
class Row:
    """One line of `inst list`."""

    dist: InstalledDist
    editable: str | None
    latest: str | None = None  # the newest version on the indexes (--outdated)
    filetype: str | None = None  # "wheel" or "sdist": its best file


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.reporters.install import TextInstallReporter
    from inst.inspect import editable_location, listed
    from inst.session import settled_environment

    list_format = settings.format
    if settings.outdated and list_format == "freeze":
        raise UsageError(
            "--format freeze cannot be used with --outdated",
            why="freeze lines have no room for the newer version",
            hint="use --format columns or --format json",
        )
    environment = settled_environment(settings, TextInstallReporter())
    dists = listed(environment)
    rows = [Row(dist, editable_location(dist, environment)) for dist in dists]
    if settings.outdated:
        rows = _outdated(settings, environment, rows)
    verbose = settings.verbose >= 1  # pip: -v, whatever -q says
    if list_format == "json":
        ui.output(_json(rows, verbose, settings.outdated))
    elif list_format == "freeze":
        for row in rows:
            line = f"{row.dist.display_name}=={row.dist.version}"
            ui.output(f"{line} ({row.dist.location})" if verbose else line)
    elif rows:
        for line in _columns(rows, verbose, settings.outdated):
            ui.output(line)
    return 0


def _outdated(
    settings: Settings, environment: Environment, rows: Sequence[Row]
) -> list[Row]:
    """The rows with a newer version on the indexes (pre-releases only with --pre;
    yanked files and files that do not fit the target never count), as pip."""
    from packaging.specifiers import SpecifierSet

    from inst.cli.reporters import text_reporters
    from inst.requirements.inputs import Inputs
    from inst.session import open_session

    result: list[Row] = []
    failures: list[tuple[Row, InstError]] = []
    with open_session(
        settings, Inputs(), environment, text_reporters(settings)
    ) as session:
        finder = session.finder
        finder.prefetch(row.dist.name for row in rows)
        for row in rows:
            try:
                releases = finder.matching(row.dist.name, SpecifierSet())
            except InstError as refused:
                # One project the index refuses (or fails on) is no reason to hide
                # the others: as pip, warn and go on.
                failures.append((row, refused))
                continue
            if not settings.pre:
                releases = [r for r in releases if not r.version.is_prerelease]
            if not releases:
                continue  # on no index: pip leaves it out too
            newest = releases[0]
            if newest.version > row.dist.version:
                filetype = "wheel" if newest.best.is_wheel else "sdist"
                result.append(
                    Row(row.dist, row.editable, str(newest.version), filetype)
                )
    if failures and len(failures) == len(rows):
        raise failures[0][1]  # nothing could be looked up: an error, not a list
    for row, error in failures:
        ui.warning(
            f"cannot tell whether {row.dist.display_name} is outdated: "
            f"{error.paragraph()}"
        )
    return result


def _columns(rows: Sequence[Row], verbose: bool, outdated: bool) -> list[str]:
    """pip's table: a header, dashes as wide as each column, left-aligned cells."""
    header = ["Package", "Version"]
    if outdated:
        header += ["Latest", "Type"]
    editables = any(row.editable for row in rows)
    if editables:
        header.append("Editable project location")
    if verbose:
        header += ["Location", "Installer"]
    table = [header]
    for row in rows:
        cells = [row.dist.display_name, str(row.dist.version)]
        if outdated:
            cells += [row.latest or "", row.filetype or ""]
        if editables:
            cells.append(row.editable or "")
        if verbose:
            cells += [str(row.dist.location), _installer(row.dist)]
        table.append(cells)
    widths = [max(len(cells[i]) for cells in table) for i in range(len(header))]
    lines = [
        " ".join(cell.ljust(width) for cell, width in zip(cells, widths)).strip()
        for cells in table
    ]
    lines.insert(1, " ".join("-" * width for width in widths))
    return lines


def _json(rows: Sequence[Row], verbose: bool, outdated: bool) -> str:
    data: list[dict[str, str]] = []
    for row in rows:
        entry = {"name": row.dist.display_name, "version": str(row.dist.version)}
        if verbose:
            entry["location"] = str(row.dist.location)
            entry["installer"] = _installer(row.dist)
        if outdated:
            entry["latest_version"] = row.latest or ""
            entry["latest_filetype"] = row.filetype or ""
        if row.editable:
            entry["editable_project_location"] = row.editable
        data.append(entry)
    return json.dumps(data)


def _installer(dist: InstalledDist) -> str:
    from inst.inspect import installer

    return installer(dist)

"""Ask the index why one tool passed over the version the other chose.

Only for differences, so a run asks little of the network: for each project whose
versions differ, the index's JSON page of that project (PEP 691) is read once, and the
newer of the two versions described: its files (wheels for this target or not, sdists),
requires-python, yanked, pre-release. The index is pip's default, named by pip at run
time (envs.describe).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import defaultdict
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

ACCEPT = "application/vnd.pypi.simple.v1+json"


def fetch_page(index: str, project: str, timeout: float = 60) -> dict[str, Any] | None:
    url = f"{index.rstrip('/')}/{canonicalize_name(project)}/"
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            page = json.load(response)
    except (OSError, urllib.error.URLError, json.JSONDecodeError):
        return None
    return page if isinstance(page, dict) else None


def files_by_version(page: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in page.get("files", []):
        filename = str(entry.get("filename", ""))
        try:
            if filename.endswith(".whl"):
                version = parse_wheel_filename(filename)[1]
            else:
                version = parse_sdist_filename(filename)[1]
        except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
            continue
        grouped[str(version)].append(entry)
    return grouped


def describe_version(
    files: list[dict[str, Any]], version: str, tags: list[str], python: str
) -> str:
    """One line on a version's files as the target sees them."""
    if not files:
        return f"{version}: no files on the index"
    tag_set = set(tags)
    wheels = [f for f in files if str(f["filename"]).endswith(".whl")]
    sdists = [f for f in files if not str(f["filename"]).endswith(".whl")]
    fitting = [
        f
        for f in wheels
        if {str(t) for t in parse_wheel_filename(str(f["filename"]))[3]} & tag_set
    ]
    facts = [
        f"{len(wheels)} wheel(s), {len(fitting)} for this target, {len(sdists)} sdist(s)"
    ]
    try:
        if Version(version).is_prerelease:
            facts.append("a pre-release")
    except InvalidVersion:
        pass
    yanked = [f for f in files if f.get("yanked")]
    if yanked:
        reason = next(
            (f["yanked"] for f in yanked if isinstance(f["yanked"], str)), None
        )
        facts.append(
            f"{len(yanked)} of {len(files)} file(s) yanked"
            + (f" ({reason!r})" if reason else "")
        )
    excluded = set()
    for entry in files:
        spec = entry.get("requires-python")
        if not spec:
            continue
        try:
            if not SpecifierSet(spec).contains(python, prereleases=True):
                excluded.add(spec)
        except (InvalidSpecifier, InvalidVersion):
            excluded.add(f"{spec} (invalid)")
    if excluded:
        facts.append(f"requires-python {', '.join(sorted(excluded))} excludes {python}")
    return f"{version}: {'; '.join(facts)}"


def explain(
    index: str,
    name: str,
    inst_version: str | None,
    pip_version: str | None,
    tags: list[str],
    python: str,
) -> str | None:
    """What the index says about the versions at stake, newer one first."""
    page = fetch_page(index, name)
    if page is None:
        return None
    grouped = files_by_version(page)
    versions = [v for v in (inst_version, pip_version) if v]
    try:
        versions.sort(key=Version, reverse=True)
    except InvalidVersion:
        pass
    lines = [describe_version(grouped.get(v, []), v, tags, python) for v in versions]
    if versions:
        try:
            newest = max(
                (Version(v) for v in grouped if not Version(v).is_prerelease),
                default=None,
            )
        except InvalidVersion:
            newest = None
        if newest is not None and str(newest) not in versions:
            lines.append(f"newest final release on the index: {newest}")
    return "; ".join(lines)

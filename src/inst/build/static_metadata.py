"""Core metadata from a tree's ``[project]`` table (PEP 621), without running its
backend, when the table leaves nothing to it.

A build needs the metadata of a tree before its wheel: to resolve the tree's
dependencies. When ``[project]`` names the project and its version and lists nothing in
``dynamic``, PEP 621 makes those fields the backend's too, so asking the backend
(``prepare_metadata_for_build_wheel``, in a build environment made for it) only repeats
the table. Only what resolution reads is made here (name, version, Requires-Python,
Requires-Dist, Provides-Extra, and the summary); the wheel built later carries the
backend's own full METADATA, and ``matches()`` checks that it says the same.

Not used when a setup.py or setup.cfg sits beside it: a setuptools older than 61 ignores
``[project]`` and takes everything from them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from inst.core_metadata import Metadata, MetadataError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on old interpreters only
    import tomli as tomllib


def static_metadata(tree: Path) -> Metadata | None:
    """The metadata [project] fixes, or None when the backend must be asked (no such
    table, a dynamic field, a setup.py or setup.cfg, anything unexpected)."""
    if (tree / "setup.py").exists() or (tree / "setup.cfg").exists():
        return None
    try:
        data = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    project = data.get("project")
    if not isinstance(project, dict) or project.get("dynamic"):
        return None
    try:
        text = _core_metadata(project)
        return Metadata.parse(text.encode("utf-8"), f"[project] of {tree}")
    except (
        MetadataError,
        InvalidRequirement,
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
    ):
        return None  # the backend says what is wrong, in its words
    except InvalidSpecifier:
        return None


def _core_metadata(project: dict[str, Any]) -> str:
    name, version = project["name"], project["version"]
    if not isinstance(name, str) or not isinstance(version, str):
        raise TypeError("name and version are strings")
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    description = project.get("description")
    if isinstance(description, str) and "\n" not in description:
        lines.append(f"Summary: {description}")
    requires_python = project.get("requires-python")
    if requires_python is not None:
        lines.append(f"Requires-Python: {SpecifierSet(_string(requires_python))}")
    for text in project.get("dependencies", []):
        lines.append(f"Requires-Dist: {Requirement(_string(text))}")
    for extra, requirements in project.get("optional-dependencies", {}).items():
        extra = canonicalize_name(_string(extra))
        lines.append(f"Provides-Extra: {extra}")
        for text in requirements:
            lines.append(
                f"Requires-Dist: {_with_extra(Requirement(_string(text)), extra)}"
            )
    return "\n".join(lines) + "\n"


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _with_extra(requirement: Requirement, extra: str) -> str:
    text = str(requirement)
    if requirement.marker is None:
        return f'{text}; extra == "{extra}"'
    base = text.split(";", 1)[0].rstrip()
    return f'{base}; ({requirement.marker}) and extra == "{extra}"'


def matches(static: Metadata, built: Metadata) -> bool:
    """Whether the built wheel's metadata says what [project] did, for what resolution
    read: name, version, Requires-Python, and the dependencies (compared by name,
    extras and versions: backends spell markers differently)."""

    def requirements(metadata: Metadata) -> set[tuple[str, frozenset[str], str]]:
        return {
            (
                canonicalize_name(r.name),
                frozenset(canonicalize_name(e) for e in r.extras),
                str(r.specifier),
            )
            for r in metadata.requires_dist
        }

    return (
        static.name == built.name
        and static.version == built.version
        and SpecifierSet(static.requires_python or "")
        == SpecifierSet(built.requires_python or "")
        and requirements(static) == requirements(built)
        and static.provides_extra <= built.provides_extra
    )

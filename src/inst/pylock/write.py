"""What ``inst lock`` writes: the locked packages of one or more targets merged into
one PEP 751 document, validated with ``packaging.pylock`` and serialized by our own
deterministic TOML writer.

Each target was resolved on its own (``TargetLock``); a package that every target
needs, for every selection, has no marker; one that only some targets need gets a
marker naming them (by the marker variables in which the targets differ); one that
only a dependency group or an extra needs gets ``'NAME' in dependency_groups`` /
``'NAME' in extras``, as PEP 751 evaluates them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from packaging.markers import Marker
from packaging.utils import NormalizedName
from packaging.version import Version

from inst.errors import InstError
from inst.pylock import toml

LOCK_VERSION = "1.0"
CREATED_BY = "inst"
#: The marker variables that tell targets apart, in the order markers name them.
TARGET_VARIABLES = (
    "implementation_name",
    "python_version",
    "sys_platform",
    "platform_machine",
)


@dataclass(frozen=True)
class LockedFile:
    """A wheel or sdist (or a direct archive) in the lock."""

    name: str
    url: str
    size: int
    sha256: str

    def as_dict(self, *, with_name: bool = True) -> dict[str, object]:
        entry: dict[str, object] = {}
        if with_name:
            entry["name"] = self.name
        entry["url"] = self.url
        entry["size"] = self.size
        entry["hashes"] = {"sha256": self.sha256}
        return entry


#: Why a package is in one target's set: "" for the base requirements, else
#: "group:NAME" or "extra:NAME" (normalized names).
Need = str
BASE: Need = ""


@dataclass(frozen=True)
class LockedPackage:
    """One package as one target's resolution locked it."""

    name: NormalizedName
    version: Version | None
    index: str | None = None
    requires_python: str | None = None
    wheels: tuple[LockedFile, ...] = ()
    sdist: LockedFile | None = None
    archive: LockedFile | None = None
    directory: tuple[str, bool] | None = None  # (path, editable)
    tool: Mapping[str, object] | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        source = (
            self.directory[0]
            if self.directory
            else self.archive.url
            if self.archive
            else ""
        )
        return (self.name, str(self.version or ""), source)


@dataclass(frozen=True)
class TargetLock:
    """One target's resolution: its marker values and each package with the needs
    (base, groups, extras) that bring it in."""

    label: str
    markers: Mapping[str, str]
    packages: Sequence[tuple[LockedPackage, frozenset[Need]]]


@dataclass(frozen=True)
class LockDocument:
    targets: Sequence[TargetLock]
    requires_python: str | None = None
    extras: Sequence[str] = ()
    groups: Sequence[str] = ()
    notes: list[str] = field(default_factory=list)


def build(document: LockDocument) -> dict[str, object]:
    """The pylock dict: keys in PEP 751's order, packages sorted by name, version."""
    targets = document.targets
    varying = [
        variable
        for variable in TARGET_VARIABLES
        if len({t.markers.get(variable) for t in targets}) > 1
    ]
    merged: dict[tuple[str, str, str], tuple[LockedPackage, dict[int, frozenset[Need]]]]
    merged = {}
    for number, target in enumerate(targets):
        for package, needs in target.packages:
            entry = merged.setdefault(package.key, (package, {}))
            # Files fitting another target join those already known (same version).
            entry = (_union(entry[0], package), entry[1])
            entry[1][number] = needs
            merged[package.key] = entry
    result: dict[str, object] = {"lock-version": LOCK_VERSION}
    result["environments"] = [_environment(t.markers) for t in targets]
    if document.requires_python:
        result["requires-python"] = document.requires_python
    if document.extras:
        result["extras"] = list(document.extras)
    if document.groups:
        result["dependency-groups"] = list(document.groups)
    result["created-by"] = CREATED_BY
    packages = []
    for key in sorted(merged, key=_sort_key):
        package, per_target = merged[key]
        marker = _package_marker(per_target, targets, varying)
        packages.append(_package_dict(package, marker))
    result["packages"] = packages
    return result


def dumps(data: Mapping[str, object]) -> str:
    """The lock as TOML text, once packaging.pylock accepts it: inst never writes a
    lock that another tool would refuse."""
    from packaging.pylock import Pylock, PylockValidationError

    try:
        Pylock.from_dict(data)
    except PylockValidationError as error:
        raise InstError(
            "the lock inst made is not a valid PEP 751 lock, so it was not written",
            why=str(error),
            hint="this is a bug in inst; please report it with the command line",
        ) from None
    return toml.dumps(data)


def _sort_key(key: tuple[str, str, str]) -> tuple[str, Version | str, str]:
    name, version, source = key
    try:
        return (name, Version(version), source)
    except ValueError:
        return (name, version, source)


def _union(old: LockedPackage, new: LockedPackage) -> LockedPackage:
    if old is new:
        return old
    wheels = {w.name: w for w in (*old.wheels, *new.wheels)}
    return LockedPackage(
        name=old.name,
        version=old.version,
        index=old.index or new.index,
        requires_python=old.requires_python or new.requires_python,
        wheels=tuple(wheels[name] for name in sorted(wheels)),
        sdist=old.sdist or new.sdist,
        archive=old.archive or new.archive,
        directory=old.directory or new.directory,
        tool=old.tool or new.tool,
    )


def _environment(markers: Mapping[str, str]) -> str:
    return " and ".join(
        f'{variable} == "{markers[variable]}"'
        for variable in TARGET_VARIABLES
        if variable in markers
    )


def _package_marker(
    needs: Mapping[int, frozenset[Need]],
    targets: Sequence[TargetLock],
    varying: Sequence[str],
) -> str | None:
    """None when every target needs the package whatever is selected; else the
    condition, one alternative per target (or one for all, when they agree)."""
    conditions = {number: _need_condition(needs[number]) for number in needs}
    every_target = len(needs) == len(targets)
    if every_target and len(set(conditions.values())) == 1:
        condition = next(iter(conditions.values()))
        return _normalized(condition) if condition else None
    alternatives = []
    for number in sorted(needs):
        parts = [
            f'{variable} == "{targets[number].markers.get(variable, "")}"'
            for variable in varying
        ]
        if conditions[number]:
            parts.append(f"({conditions[number]})")
        alternatives.append(" and ".join(parts))
    if len(alternatives) == 1:
        return _normalized(alternatives[0])
    return _normalized(" or ".join(f"({a})" for a in alternatives))


def _need_condition(needs: frozenset[Need]) -> str:
    """ "" when the base needs it; else the groups and extras that do, or-ed."""
    if BASE in needs or not needs:
        return ""
    terms = []
    for need in sorted(needs):
        kind, _, name = need.partition(":")
        variable = "dependency_groups" if kind == "group" else "extras"
        terms.append(f"'{name}' in {variable}")
    return " or ".join(terms)


def _normalized(text: str) -> str:
    return str(Marker(text))


def _package_dict(package: LockedPackage, marker: str | None) -> dict[str, object]:
    entry: dict[str, object] = {"name": package.name}
    if package.version is not None and package.directory is None:
        entry["version"] = str(package.version)
    if marker:
        entry["marker"] = marker
    if package.requires_python:
        entry["requires-python"] = package.requires_python
    if package.directory is not None:
        path, editable = package.directory
        entry["directory"] = {"path": path, "editable": editable}
    if package.archive is not None:
        entry["archive"] = package.archive.as_dict(with_name=False)
    if package.index:
        entry["index"] = package.index
    if package.sdist is not None:
        entry["sdist"] = package.sdist.as_dict()
    if package.wheels:
        entry["wheels"] = [wheel.as_dict() for wheel in package.wheels]
    if package.tool:
        entry["tool"] = dict(package.tool)
    return entry

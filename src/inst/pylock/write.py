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

import itertools
from collections.abc import Mapping, Sequence

from packaging.markers import Marker
from packaging.utils import NormalizedName
from packaging.version import Version

from inst._records import dataclass
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
    #: For an sdist: the interface inst's policy chose ("pyproject" or "setup.py")
    #: and the wheels its build requirements resolved to for this target; None when
    #: they could not all be locked as wheels.
    build_interface: str | None = None
    build_packages: tuple[LockedPackage, ...] | None = None

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
    """A lock file to write, with what it was made from."""

    targets: Sequence[TargetLock]
    requires_python: str | None = None
    extras: Sequence[str] = ()
    groups: Sequence[str] = ()


def build(document: LockDocument) -> dict[str, object]:
    """The pylock dict: keys in PEP 751's order, packages sorted by name, version."""
    targets = document.targets
    result: dict[str, object] = {"lock-version": LOCK_VERSION}
    result["environments"] = [_environment(t.markers) for t in targets]
    if document.requires_python:
        result["requires-python"] = document.requires_python
    if document.extras:
        result["extras"] = list(document.extras)
    if document.groups:
        result["dependency-groups"] = list(document.groups)
    result["created-by"] = CREATED_BY
    result["packages"] = _merged(targets)
    return result


def _merged(targets: Sequence[TargetLock]) -> list[dict[str, object]]:
    """The packages of every target as pylock entries, each once, with markers."""
    varying = [
        variable
        for variable in TARGET_VARIABLES
        if len({t.markers.get(variable) for t in targets}) > 1
    ]
    merged: dict[tuple[str, str, str], dict[int, tuple[LockedPackage, frozenset[Need]]]]
    merged = {}
    for number, target in enumerate(targets):
        for package, needs in target.packages:
            merged.setdefault(package.key, {})[number] = (package, needs)
    entries = []
    for key in sorted(merged, key=_sort_key):
        per_target = merged[key]
        package = _union([package for package, _ in per_target.values()])
        by_target = {number: needs for number, (_, needs) in per_target.items()}
        marker = _package_marker(by_target, targets, varying)
        entry = _package_dict(package, marker)
        tool = _build_tool(per_target, targets)
        if tool is not None:
            entry["tool"] = {"inst": tool}
        entries.append(entry)
    return entries


def _build_tool(
    per_target: Mapping[int, tuple[LockedPackage, frozenset[Need]]],
    targets: Sequence[TargetLock],
) -> dict[str, object] | None:
    """``[packages.tool.inst]`` of an sdist: its build interface and build packages,
    merged over the targets that need it (markers relative to those targets); None
    unless every such target locked them."""
    locked = [
        (number, package)
        for number, (package, _) in sorted(per_target.items())
        if package.sdist is not None
    ]
    if not locked or any(package.build_packages is None for _, package in locked):
        return None
    interfaces = {package.build_interface for _, package in locked}
    sub = [
        TargetLock(
            targets[number].label,
            targets[number].markers,
            [(build, frozenset({BASE})) for build in package.build_packages or ()],
        )
        for number, package in locked
    ]
    tool: dict[str, object] = {}
    if len(interfaces) == 1 and None not in interfaces:
        tool["build-interface"] = interfaces.pop()
    tool["build-packages"] = _merged(sub)
    return tool


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


def _union(packages: Sequence[LockedPackage]) -> LockedPackage:
    """One version as several targets locked it: the wheels of all of them."""
    first = packages[0]
    wheels = {w.name: w for package in packages for w in package.wheels}
    return LockedPackage(
        name=first.name,
        version=first.version,
        index=next((p.index for p in packages if p.index), None),
        requires_python=next(
            (p.requires_python for p in packages if p.requires_python), None
        ),
        wheels=tuple(wheels[name] for name in sorted(wheels)),
        sdist=next((p.sdist for p in packages if p.sdist), None),
        archive=first.archive,
        directory=first.directory,
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
    condition: the targets that need it, named by as few of the variables in which
    the targets differ as tell them apart, and the groups or extras that need it."""
    conditions = {number: _need_condition(needs[number]) for number in needs}
    if len(set(conditions.values())) == 1:
        condition = next(iter(conditions.values()))
        where = _targets_marker(sorted(needs), targets, varying)
        parts = [f"({text})" for text in (where, condition) if text]
        return _normalized(" and ".join(parts)) if parts else None
    alternatives = []
    for number in sorted(needs):
        where = _targets_marker([number], targets, varying)
        parts = [f"({text})" for text in (where, conditions[number]) if text]
        alternatives.append(" and ".join(parts) or 'python_version >= "0"')
    return _normalized(" or ".join(f"({a})" for a in alternatives))


def _targets_marker(
    present: Sequence[int], targets: Sequence[TargetLock], varying: Sequence[str]
) -> str:
    """A marker true on the targets numbered ``present`` and false on the others,
    using the smallest set of varying variables that can say it; "" for all."""
    if len(present) == len(targets):
        return ""
    others = [n for n in range(len(targets)) if n not in present]
    chosen: tuple[str, ...] = tuple(varying)
    for size in range(1, len(varying) + 1):
        found = next(
            (
                names
                for names in itertools.combinations(varying, size)
                if not {_project(targets[n], names) for n in present}
                & {_project(targets[n], names) for n in others}
            ),
            None,
        )
        if found is not None:
            chosen = found
            break
    alternatives = list(dict.fromkeys(_project(targets[n], chosen) for n in present))
    terms = [
        " and ".join(f'{name} == "{value}"' for name, value in zip(chosen, values))
        for values in alternatives
    ]
    if len(terms) == 1:
        return terms[0]
    return " or ".join(f"({term})" for term in terms)


def _project(target: TargetLock, names: Sequence[str]) -> tuple[str, ...]:
    return tuple(target.markers.get(name, "") for name in names)


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
    return entry

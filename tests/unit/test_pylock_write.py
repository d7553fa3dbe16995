"""The lock writer's pieces: the TOML writer round-trips what it writes, and the
merge of targets gives the markers PEP 751 selection needs."""

from __future__ import annotations

import tomllib
from packaging.utils import canonicalize_name
from packaging.version import Version

from inst.pylock import toml
from inst.pylock.write import (
    BASE,
    LockDocument,
    LockedFile,
    LockedPackage,
    TargetLock,
    build,
)


def test_toml_round_trips_odd_strings_and_nesting() -> None:
    data = {
        "lock-version": "1.0",
        "environments": ['a == "1"', "b\\c\n\t\u0001 é"],
        "packages": [
            {
                "name": "x",
                "wheels": [{"name": "w", "size": 3, "hashes": {"sha256": "ab"}}],
                "tool": {"inst": {"flag": True, "build-packages": [{"name": "y"}]}},
            }
        ],
        "odd key": 1,
    }
    assert tomllib.loads(toml.dumps(data)) == data


def _package(name: str, version: str = "1.0") -> LockedPackage:
    wheel = LockedFile(f"{name}-{version}-py3-none-any.whl", "file:///w", 1, "00")
    return LockedPackage(canonicalize_name(name), Version(version), wheels=(wheel,))


def test_markers_name_only_the_differing_variables_and_needs() -> None:
    common = {"implementation_name": "cpython", "sys_platform": "linux"}
    first = TargetLock(
        "a",
        {**common, "python_version": "3.11"},
        [(_package("all"), frozenset({BASE})), (_package("only"), frozenset({BASE}))],
    )
    second = TargetLock(
        "b",
        {**common, "python_version": "3.12"},
        [
            (_package("all"), frozenset({BASE})),
            (_package("dev"), frozenset({"group:dev"})),
        ],
    )
    found = {p["name"]: p for p in build(LockDocument([first, second]))["packages"]}  # type: ignore[union-attr]
    assert "marker" not in found["all"]
    assert found["only"]["marker"] == 'python_version == "3.11"'
    assert (
        found["dev"]["marker"]
        == 'python_version == "3.12" and "dev" in dependency_groups'
    )


def test_packages_are_sorted_by_name_then_version() -> None:
    target = TargetLock(
        "a",
        {},
        [
            (_package("b"), frozenset({BASE})),
            (_package("a", "10.0"), frozenset({BASE})),
            (_package("a", "9.0"), frozenset({BASE})),
        ],
    )
    names = [
        (p["name"], p["version"]) for p in build(LockDocument([target]))["packages"]
    ]  # type: ignore[union-attr]
    assert names == [("a", "9.0"), ("a", "10.0"), ("b", "1.0")]


def test_markers_use_as_few_variables_as_tell_the_targets_apart() -> None:
    locks = []
    for python in ("3.11", "3.12"):
        for system, machine in (("linux", "x86_64"), ("darwin", "arm64")):
            markers = {
                "implementation_name": "cpython",
                "python_version": python,
                "sys_platform": system,
                "platform_machine": machine,
            }
            version = "2.4" if python == "3.11" else "2.5"
            found = [(_package("numpy", version), frozenset({BASE}))]
            if system == "linux" and python == "3.11":
                found.append((_package("one"), frozenset({BASE})))
            locks.append(TargetLock(python + system, markers, found))
    entries = build(LockDocument(locks))["packages"]
    markers = {(p["name"], p["version"]): p["marker"] for p in entries}  # type: ignore[union-attr]
    assert markers == {
        ("numpy", "2.4"): 'python_version == "3.11"',
        ("numpy", "2.5"): 'python_version == "3.12"',
        ("one", "1.0"): 'python_version == "3.11" and sys_platform == "linux"',
    }

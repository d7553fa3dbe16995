"""inst.environment.installed: the scan of site directories for installed
distributions (fake site directories, no subprocess)."""

from __future__ import annotations

import json
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import Version

from inst.environment import InstalledDist, InstalledSet


def scan(*directories: Path) -> dict[NormalizedName, InstalledDist]:
    return InstalledSet(tuple(str(d) for d in directories)).distributions()


def write_dist(
    site: Path, dirname: str, metadata: str, **files: str
) -> Path:  # files: INSTALLER="inst", ...
    path = site / dirname
    path.mkdir(parents=True)
    metadata_file = "METADATA" if dirname.endswith(".dist-info") else "PKG-INFO"
    (path / metadata_file).write_text(metadata, encoding="utf-8")
    for name, text in files.items():
        (path / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return path


# --- installed distributions ---------------------------------------------------------


def test_installed_reads_names_and_versions(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_dist(
        site,
        "Foo_Bar-1.0.dist-info",
        "Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.0\n"
        "Requires-Dist: simple>=1\nRequires-Dist: not a [requirement\n"
        'Requires-Dist: pytest; extra == "test"\nRequires-Python: >=3.8\n\nText.\n',
        INSTALLER="inst\n",
        REQUESTED="",
        direct_url__json=json.dumps({"url": "file:///src", "dir_info": {}}),
    )
    write_dist(
        site, "legacy-2.0-py3.11.egg-info", "Metadata-Version: 1.2\nName: legacy\n"
    )
    # A develop checkout's egg-info carries no version in its name: METADATA decides.
    write_dist(
        site,
        "checkout.egg-info",
        "Metadata-Version: 1.2\nName: Check-Out\nVersion: 0.3.dev1\n",
        requires__txt="six\n\n[tests]\npytest\n\n[:python_version < '3.9']\nbackport\n",
    )
    (site / "single-1.5-py3.11.egg-info").write_text(
        "Metadata-Version: 1.0\nName: single\nVersion: 1.5\n", encoding="utf-8"
    )
    (site / "notadist").mkdir()
    (site / "broken-notaversion.dist-info").mkdir()  # no METADATA: skipped

    installed = scan(site)
    assert {name: str(d.version) for name, d in installed.items()} == {
        "foo-bar": "1.0",
        "legacy": "2.0",
        "check-out": "0.3.dev1",
        "single": "1.5",
    }
    foo = installed["foo-bar"]
    assert foo.display_name == "Foo.Bar"
    assert foo.version == Version("1.0")
    assert foo.path == site / "Foo_Bar-1.0.dist-info"
    assert foo.location == site
    assert [str(r) for r in foo.requires] == ["simple>=1", 'pytest; extra == "test"']
    assert foo.requires_python == ">=3.8"
    assert foo.installer == "inst"
    assert foo.requested
    assert foo.direct_url == {"url": "file:///src", "dir_info": {}}
    assert foo.metadata() is foo.metadata()  # parsed once

    legacy = installed["legacy"]
    assert legacy.installer is None
    assert not legacy.requested
    assert legacy.direct_url is None
    assert legacy.requires_python is None
    checkout = installed["check-out"]
    assert checkout.display_name == "Check-Out"
    assert [str(r) for r in checkout.requires] == [
        "six",
        'pytest; extra == "tests"',
        'backport; python_version < "3.9"',
    ]
    assert installed["single"].display_name == "single"


def test_installed_first_on_sys_path_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_dist(first, "dup-2.0.dist-info", "Name: dup\nVersion: 2.0\n")
    write_dist(second, "DUP-1.0.dist-info", "Name: DUP\nVersion: 1.0\n")
    write_dist(second, "only_second-1.0.dist-info", "Name: only-second\nVersion: 1\n")
    installed = scan(tmp_path / "missing", first, tmp_path / "a.zip", second, first)
    assert installed["dup"].version == Version("2.0")
    assert installed["dup"].location == first
    assert installed["only-second"].location == second
    assert scan(second, first)["dup"].version == Version("1.0")


def test_installed_is_a_fresh_scan(tmp_path: Path) -> None:
    installed_set = InstalledSet((str(tmp_path),))
    assert installed_set.distributions() == {}
    write_dist(tmp_path, "late-1.0.dist-info", "Name: late\nVersion: 1.0\n")
    assert list(installed_set.distributions()) == ["late"]


def test_installed_reads_metadata_when_the_directory_name_has_no_version(
    tmp_path: Path,
) -> None:
    write_dist(tmp_path, "odd.dist-info", "Name: Odd\nVersion: 4.2\n")
    write_dist(tmp_path, "bad-1.0_x.dist-info", "Name: bad\nVersion: 1.0+local\n")
    installed = scan(tmp_path)
    assert installed["odd"].version == Version("4.2")
    assert installed["bad"].version == Version("1.0+local")


def test_installed_finds_an_egg_on_sys_path(tmp_path: Path) -> None:
    egg = tmp_path / "eggy-3.1-py3.11.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    (egg / "EGG-INFO" / "PKG-INFO").write_text("Name: eggy\nVersion: 3.1\n")
    dist = scan(egg)["eggy"]
    assert dist.version == Version("3.1")
    assert dist.display_name == "eggy"
    assert dist.location == egg


def test_an_empty_or_repeated_directory_is_skipped(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_dist(first, "dup-2.0.dist-info", "Name: dup\nVersion: 2.0\n")
    write_dist(second, "dup-1.0.dist-info", "Name: dup\nVersion: 1.0\n")
    write_dist(second, "two-1.0.dist-info", "Name: two\nVersion: 1.0\n")
    installed = InstalledSet(
        (str(first), "", str(tmp_path / "missing"), str(second), str(first))
    ).distributions()
    assert sorted(installed) == ["dup", "two"]
    assert installed["dup"].location == first  # the first found per name wins
    assert scan(second, first)["dup"].version == Version("1.0")
    assert InstalledSet(()).distributions() == {}


def test_headers_are_read_without_the_description(tmp_path: Path) -> None:
    # A long README after the headers, a folded License and a blank line falling on
    # the boundary of the reads: the headers are those the email parser finds.
    import email.parser

    for padding in (8190, 8191, 8192, 20_000):
        head = (
            "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
            "License: Line one\n        line two\n"
            "Requires-Dist: a>=1\nRequires-Dist: b; extra == 'x'\n"
        )
        head += "Summary: " + "s" * max(0, padding - len(head) - 10) + "\n"
        text = head + "\n" + "Requires-Dist: not-a-header\n" + "é" * 30_000
        site = tmp_path / str(padding)
        write_dist(site, "demo-1.0.dist-info", text)
        (dist,) = scan(site).values()
        whole = email.parser.Parser().parsestr(text)
        for field in ("Name", "License", "Requires-Dist", "Summary"):
            assert dist.headers.get_all(field) == whole.get_all(field), field
        assert [str(r) for r in dist.requires] == ["a>=1", 'b; extra == "x"']

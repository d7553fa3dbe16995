"""The harness writes valid, reproducible wheels and sdists."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from installer.sources import WheelFile
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from harness import (
    DistFactory,
    make_sdist,
    make_wheel,
    parse_metadata,
    read_metadata,
    sdist_from_tree,
    wheel_from_tree,
)

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib


def record_rows(zf: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    record_name = next(n for n in zf.namelist() if n.endswith(".dist-info/RECORD"))
    rows = csv.reader(io.StringIO(zf.read(record_name).decode("utf-8")))
    return {path: (digest, size) for path, digest, size in rows}


def assert_valid_wheel(wheel: Path) -> None:
    parse_wheel_filename(wheel.name)
    with zipfile.ZipFile(wheel) as zf:
        assert zf.testzip() is None
        rows = record_rows(zf)
        assert set(rows) == set(zf.namelist())
        for name in zf.namelist():
            digest, size = rows[name]
            if name.endswith("/RECORD"):
                assert (digest, size) == ("", "")
                continue
            data = zf.read(name)
            expected = (
                base64.urlsafe_b64encode(hashlib.sha256(data).digest())
                .rstrip(b"=")
                .decode()
            )
            assert digest == f"sha256={expected}"
            assert int(size) == len(data)
    with WheelFile.open(wheel) as source:
        source.validate_record()


@pytest.mark.parametrize(
    "project", ["simple", "withdeps", "another", "needs-py-new", "withdata"]
)
def test_every_project_tree_makes_a_valid_wheel(
    dist_factory: DistFactory, project: str
) -> None:
    assert_valid_wheel(dist_factory.wheel(project))


def test_wheel_from_tree_metadata(projects_dir: Path, tmp_path: Path) -> None:
    wheel = wheel_from_tree(projects_dir / "withdeps", tmp_path, version="1.5")
    assert wheel.name == "withdeps-1.5-py3-none-any.whl"
    metadata = parse_metadata(read_metadata(wheel))
    assert metadata["Metadata-Version"] == "2.1"
    assert (metadata["Name"], metadata["Version"]) == ("withdeps", "1.5")
    assert metadata["Requires-Python"] == ">=3.8"
    assert metadata.get_all("Provides-Extra") == ["fancy"]
    requires = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    assert [(r.name, str(r.marker)) for r in requires] == [
        ("simple", "None"),
        ("another", 'extra == "fancy"'),
    ]


def test_wheel_from_tree_scripts_and_data(projects_dir: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(wheel_from_tree(projects_dir / "simple", tmp_path)) as zf:
        wheel_text = zf.read("simple-1.0.dist-info/WHEEL").decode()
        entry_points = zf.read("simple-1.0.dist-info/entry_points.txt").decode()
    assert "Root-Is-Purelib: true" in wheel_text
    assert "Tag: py3-none-any" in wheel_text
    assert entry_points == "[console_scripts]\nsimple = simple.cli:main\n"
    with zipfile.ZipFile(wheel_from_tree(projects_dir / "withdata", tmp_path)) as zf:
        assert zf.read("withdata/data/greeting.txt") == b"hello from withdata\n"


def test_wheels_are_reproducible(projects_dir: Path, tmp_path: Path) -> None:
    first = wheel_from_tree(projects_dir / "simple", tmp_path / "a")
    second = wheel_from_tree(projects_dir / "simple", tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_make_wheel_normalizes_name_and_expands_tags(tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path, "Foo.Bar_baz", "1.0.0-alpha1", tag="py2.py3-none-any", build="1"
    )
    assert wheel.name == "foo_bar_baz-1.0.0a1-1-py2.py3-none-any.whl"
    name, version, build, _ = parse_wheel_filename(wheel.name)
    assert (name, version, build) == ("foo-bar-baz", Version("1.0.0a1"), (1, ""))
    assert_valid_wheel(wheel)
    with zipfile.ZipFile(wheel) as zf:
        assert "foo_bar_baz/__init__.py" in zf.namelist()
        wheel_text = zf.read("foo_bar_baz-1.0.0a1.dist-info/WHEEL").decode()
    assert "Tag: py2-none-any\nTag: py3-none-any\n" in wheel_text
    assert parse_metadata(read_metadata(wheel))["Name"] == "Foo.Bar_baz"


def test_make_wheel_platform_tag_is_not_purelib(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "plat", "1", tag="cp311-cp311-manylinux_2_17_x86_64")
    with zipfile.ZipFile(wheel) as zf:
        assert "Root-Is-Purelib: false" in zf.read("plat-1.dist-info/WHEEL").decode()


def test_make_wheel_extra_with_marker(tmp_path: Path) -> None:
    wheel = make_wheel(
        tmp_path,
        "pkg",
        "1.0",
        requires=["dep>=1"],
        extras={"Win_Only": ["pywin>=2; sys_platform == 'win32'"]},
        requires_python=">=3.9",
        files={"pkg.py": "X = 1\n"},
        entry_points={"console_scripts": {"pkg": "pkg:main"}},
    )
    metadata = parse_metadata(read_metadata(wheel))
    assert metadata.get_all("Provides-Extra") == ["win-only"]
    extra_req = Requirement(metadata.get_all("Requires-Dist")[1])
    assert extra_req.marker is not None
    assert extra_req.marker.evaluate({"extra": "win-only", "sys_platform": "win32"})
    assert not extra_req.marker.evaluate({"extra": "win-only", "sys_platform": "linux"})
    assert not extra_req.marker.evaluate({"extra": "", "sys_platform": "win32"})
    assert Marker(str(extra_req.marker))  # round-trips through the parser
    assert_valid_wheel(wheel)


def test_sdist_from_tree_layout(projects_dir: Path, tmp_path: Path) -> None:
    sdist = sdist_from_tree(projects_dir / "needs-py-new", tmp_path, version="2.0")
    assert sdist.name == "needs_py_new-2.0.tar.gz"
    assert parse_sdist_filename(sdist.name) == ("needs-py-new", Version("2.0"))
    assert sdist.read_bytes()[4:8] == b"\0\0\0\0"  # gzip header mtime
    with tarfile.open(sdist, "r:gz") as tar:
        names = tar.getnames()
        assert {n.split("/")[0] for n in names} == {"needs_py_new-2.0"}
        assert "needs_py_new-2.0/src/needs_py_new/__init__.py" in names
        assert all(m.mtime == tar.getmembers()[0].mtime for m in tar.getmembers())
        pyproject = tomllib.loads(
            tar.extractfile("needs_py_new-2.0/pyproject.toml").read().decode()
        )
    assert pyproject["project"]["version"] == "2.0"  # rewritten to match
    metadata = parse_metadata(read_metadata(sdist))
    assert (metadata["Name"], metadata["Version"]) == ("needs-py-new", "2.0")
    assert metadata["Requires-Python"] == ">=3.99"


def test_sdists_are_reproducible(projects_dir: Path, tmp_path: Path) -> None:
    first = sdist_from_tree(projects_dir / "withdeps", tmp_path / "a")
    second = sdist_from_tree(projects_dir / "withdeps", tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_make_sdist_pyproject_matches_pkg_info(tmp_path: Path) -> None:
    sdist = make_sdist(
        tmp_path,
        "My.Pkg",
        "3",
        requires=['dep; python_version < "4"'],
        extras={"x": ["other"]},
    )
    assert sdist.name == "my_pkg-3.tar.gz"
    with tarfile.open(sdist, "r:gz") as tar:
        pyproject = tomllib.loads(
            tar.extractfile("my_pkg-3/pyproject.toml").read().decode()
        )
        assert "my_pkg-3/src/my_pkg/__init__.py" in tar.getnames()
    project = pyproject["project"]
    assert (project["name"], project["version"]) == ("My.Pkg", "3")
    assert project["dependencies"] == ['dep; python_version < "4"']
    assert project["optional-dependencies"] == {"x": ["other"]}
    assert pyproject["build-system"]["build-backend"] == "setuptools.build_meta"
    metadata = parse_metadata(read_metadata(sdist))
    assert metadata.get_all("Requires-Dist") == [
        'dep; python_version < "4"',
        'other; extra == "x"',
    ]


def test_dist_factory_caches(dist_factory: DistFactory) -> None:
    assert dist_factory.wheel("simple", "2.0") is dist_factory.wheel("simple", "2.0")
    assert dist_factory.sdist("simple").name == "simple-1.0.tar.gz"
    with pytest.raises(ValueError, match="no project tree"):
        dist_factory.wheel("missing")

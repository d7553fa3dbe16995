"""PEP 625 sdist names, and the check of an sdist's name against its PKG-INFO."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from packaging.version import Version

from inst.build.runner import BuildFailed
from inst.build.sdists import check_sdist, check_wheel_name, sdist_filename


def make_sdist(
    path: Path, top: str, name: str = "Foo.Bar", version: str = "1.0"
) -> Path:
    data = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize(
    ("name", "version", "expected"),
    [
        ("demo", "1.0", "demo-1.0.tar.gz"),
        ("Foo.Bar", "1.0", "foo_bar-1.0.tar.gz"),
        ("foo--bar__baz", "2.0.0", "foo_bar_baz-2.0.0.tar.gz"),
        ("Demo", "1.0-Alpha1", "demo-1.0a1.tar.gz"),
    ],
)
def test_pep_625_names(name: str, version: str, expected: str) -> None:
    assert sdist_filename(name, Version(version)) == expected


def test_a_conforming_name_passes(tmp_path: Path) -> None:
    checked = check_sdist(make_sdist(tmp_path / "foo_bar-1.0.tar.gz", "foo_bar-1.0"))
    assert checked.expected_name is None
    assert checked.metadata.display_name == "Foo.Bar"


@pytest.mark.parametrize(
    "filename", ["Foo.Bar-1.0.tar.gz", "foo-bar-1.0.tar.gz", "foo_bar-1.0.zip"]
)
def test_the_same_project_spelled_otherwise_is_reported(
    tmp_path: Path, filename: str
) -> None:
    path = tmp_path / "x.tar.gz"
    make_sdist(path, "Foo.Bar-1.0")
    checked = check_sdist(path.rename(tmp_path / filename))
    assert checked.expected_name == "foo_bar-1.0.tar.gz"


@pytest.mark.parametrize(
    "filename", ["baz-1.0.tar.gz", "foo_bar-1.1.tar.gz", "foo_bar.tar.gz"]
)
def test_another_project_or_version_is_an_error(tmp_path: Path, filename: str) -> None:
    path = make_sdist(tmp_path / filename, "foo_bar-1.0")
    with pytest.raises(BuildFailed, match="not named for Foo.Bar 1.0"):
        check_sdist(path)


def test_pkg_info_must_be_in_the_top_directory(tmp_path: Path) -> None:
    path = make_sdist(tmp_path / "foo_bar-1.0.tar.gz", "foo_bar-1.0/sub")
    with pytest.raises(BuildFailed, match="has no PKG-INFO"):
        check_sdist(path)


def test_wheel_names(tmp_path: Path) -> None:
    check_wheel_name(
        tmp_path / "foo_bar-1.0-py3-none-any.whl", "Foo.Bar", Version("1.0")
    )
    with pytest.raises(BuildFailed, match="for Foo.Bar 1.0"):
        check_wheel_name(
            tmp_path / "foo_bar-1.1-py3-none-any.whl", "Foo.Bar", Version("1.0")
        )
    with pytest.raises(BuildFailed, match="not a valid wheel name"):
        check_wheel_name(tmp_path / "foo.whl", "Foo.Bar", Version("1.0"))

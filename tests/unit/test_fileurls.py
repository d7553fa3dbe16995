"""inst.fileurls: file: URLs and paths, converted in one place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inst import inspect
from inst.fileurls import file_url, is_file_url, path_from_file_url

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX paths")


@posix_only
@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("file:///tmp/a%20b/x.whl", "/tmp/a b/x.whl"),
        ("file://localhost/tmp/x.whl", "/tmp/x.whl"),
        ("file://LocalHost/tmp/x.whl", "/tmp/x.whl"),
        ("file://server/share/x.whl", "//server/share/x.whl"),
        ("file:/tmp/x", "/tmp/x"),
        ("file:///tmp/a%2541", "/tmp/a%41"),  # decoded once, never twice
    ],
)
def test_path_from_file_url(url: str, path: str) -> None:
    assert path_from_file_url(url) == Path(path)


@posix_only
def test_file_url_round_trips(tmp_path: Path) -> None:
    odd = tmp_path / "a b%c#d"
    url = file_url(odd)
    assert url.startswith("file:///")
    assert " " not in url and "#" not in url
    assert path_from_file_url(url) == odd
    with pytest.raises(ValueError):
        file_url("relative/path")


def test_is_file_url() -> None:
    assert is_file_url("FILE:///x") and is_file_url("file:x")
    assert not is_file_url("https://example.org/x") and not is_file_url("fil")


@posix_only
def test_editable_location_of_a_path_with_a_percent_sign() -> None:
    # pip writes direct_url.json with one level of percent-encoding.
    assert inspect.file_url_path("file:///src/a%2541") == "/src/a%41"
    assert inspect.file_url_path("https://example.org/x") == "https://example.org/x"

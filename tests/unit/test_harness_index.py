"""The harness index follows PEP 503 / 658 / 691 / 714 and works over file://."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urldefrag, urljoin

from packaging.version import Version

from harness import (
    SAMPLE_RELEASES,
    SAMPLE_YANK_REASON,
    LocalIndex,
    make_wheel,
    read_metadata,
)


class LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []
        self.meta: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))
        elif tag == "meta":
            values = dict(attrs)
            self.meta[values["name"] or ""] = values.get("content")


def parse_page(path: Path) -> LinkParser:
    parser = LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def anchors_by_name(
    index: LocalIndex, project: str
) -> dict[str, dict[str, str | None]]:
    page = parse_page(index.project_dir(project) / "index.html")
    assert page.meta == {"pypi:repository-version": "1.1"}
    return {urldefrag(a["href"] or "").url.rsplit("/", 1)[-1]: a for a in page.anchors}


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_pep691_project(page: dict[str, Any]) -> None:
    """Shape of a PEP 691 (v1.1, with PEP 700/714 keys) project page."""
    assert page["meta"] == {"api-version": "1.1"}
    assert isinstance(page["name"], str)
    assert all(isinstance(v, str) for v in page["versions"])
    for f in page["files"]:
        assert isinstance(f["filename"], str) and isinstance(f["url"], str)
        assert set(f["hashes"]) == {"sha256"} and len(f["hashes"]["sha256"]) == 64
        assert f["requires-python"] is None or isinstance(f["requires-python"], str)
        assert isinstance(f["yanked"], (bool, str))
        assert f["core-metadata"] is False or set(f["core-metadata"]) == {"sha256"}
        assert f["dist-info-metadata"] == f["core-metadata"]
        assert isinstance(f["size"], int) and isinstance(f["upload-time"], str)


def test_sample_index_layout(sample_index: LocalIndex) -> None:
    projects = sorted({name for name, _ in SAMPLE_RELEASES})
    root_page = parse_page(sample_index.simple_dir / "index.html")
    assert [a["href"] for a in root_page.anchors] == [f"{p}/" for p in projects]
    root_json = json.loads((sample_index.simple_dir / "index.json").read_text())
    assert root_json == {
        "meta": {"api-version": "1.1"},
        "projects": [{"name": p} for p in projects],
    }
    assert len(list(sample_index.find_links_dir.glob("*.tar.gz"))) == len(
        SAMPLE_RELEASES
    )
    assert sample_index.file_url.startswith(
        "file://"
    ) and sample_index.file_url.endswith("/simple/")


def test_html_attributes(sample_index: LocalIndex) -> None:
    anchors = anchors_by_name(sample_index, "another")
    assert set(anchors) == {
        "another-1.0-py3-none-any.whl",
        "another-1.0.tar.gz",
        "another-1.1-py3-none-any.whl",
        "another-1.1.tar.gz",
    }
    for filename, attrs in anchors.items():
        dist = sample_index.dist_path(filename)
        assert attrs["href"] == f"../../files/{filename}#sha256={sha256_of(dist)}"
        assert attrs["data-requires-python"] == ">=3.8"  # unescaped by the parser
        if filename.endswith(".whl"):
            metadata = dist.with_name(filename + ".metadata")
            assert metadata.read_text(encoding="utf-8") == read_metadata(dist)
            assert attrs["data-core-metadata"] == f"sha256={sha256_of(metadata)}"
            assert attrs["data-dist-info-metadata"] == attrs["data-core-metadata"]
        else:
            assert "data-core-metadata" not in attrs
        expected_yank = SAMPLE_YANK_REASON if "-1.1" in filename else None
        assert attrs.get("data-yanked", None) == expected_yank
    assert (
        anchors_by_name(sample_index, "needs-py-new")["needs_py_new-1.0.tar.gz"][
            "data-requires-python"
        ]
        == ">=3.99"
    )
    raw = (sample_index.project_dir("needs-py-new") / "index.html").read_text()
    assert 'data-requires-python="&gt;=3.99"' in raw


def test_json_pages(sample_index: LocalIndex) -> None:
    for project in {name for name, _ in SAMPLE_RELEASES}:
        page = json.loads(
            (sample_index.project_dir(project) / "index.json").read_text()
        )
        check_pep691_project(page)
        assert page["name"] == project
    page = json.loads((sample_index.project_dir("another") / "index.json").read_text())
    assert page["versions"] == ["1.0", "1.1"]
    files = {f["filename"]: f for f in page["files"]}
    assert files["another-1.1.tar.gz"]["yanked"] == SAMPLE_YANK_REASON
    assert files["another-1.0.tar.gz"]["yanked"] is False
    wheel = files["another-1.0-py3-none-any.whl"]
    dist = sample_index.dist_path(wheel["filename"])
    assert wheel["hashes"]["sha256"] == sha256_of(dist)
    assert wheel["size"] == dist.stat().st_size
    assert wheel["core-metadata"] == {
        "sha256": sha256_of(dist.with_name(dist.name + ".metadata"))
    }


def test_names_are_normalized_and_yank_without_reason(
    make_index: Callable[..., LocalIndex], tmp_path: Path
) -> None:
    wheels = [make_wheel(tmp_path / "w", "Foo.Bar", v) for v in ("1.0", "1.10", "1.9")]
    index = make_index(
        wheels, yanked={"foo_bar-1.9-py3-none-any.whl": True}, metadata_files=False
    )
    assert [p.name for p in index.simple_dir.iterdir() if p.is_dir()] == ["foo-bar"]
    page = json.loads((index.project_dir("Foo_Bar") / "index.json").read_text())
    check_pep691_project(page)
    assert page["versions"] == ["1.0", "1.9", "1.10"]  # version order, not text order
    assert [f["yanked"] for f in page["files"]] == [False, True, False]
    assert all(f["core-metadata"] is False for f in page["files"])
    anchors = anchors_by_name(index, "foo-bar")
    assert (
        anchors["foo_bar-1.9-py3-none-any.whl"]["data-yanked"] is None
    )  # present, empty
    assert "data-yanked" not in anchors["foo_bar-1.0-py3-none-any.whl"]
    assert not list(index.find_links_dir.glob("*.metadata"))


def test_add_rebuilds(make_index: Callable[..., LocalIndex], tmp_path: Path) -> None:
    index = make_index([make_wheel(tmp_path, "pkg", "1.0")])
    index.add(
        [make_wheel(tmp_path, "pkg", "2.0"), make_wheel(tmp_path, "other", "1.0")]
    )
    assert {(f.project, f.version) for f in index.files} == {
        ("pkg", Version("1.0")),
        ("pkg", Version("2.0")),
        ("other", Version("1.0")),
    }
    page = json.loads((index.project_dir("pkg") / "index.json").read_text())
    assert page["versions"] == ["1.0", "2.0"]


def test_file_urls_resolve_to_the_files(sample_index: LocalIndex) -> None:
    page_url = sample_index.file_url + "simple/"  # the page of project "simple"
    with urllib.request.urlopen(urljoin(page_url, "index.json")) as response:
        page = json.load(response)
    for f in page["files"]:
        with urllib.request.urlopen(urljoin(page_url, f["url"])) as response:
            assert hashlib.sha256(response.read()).hexdigest() == f["hashes"]["sha256"]
    html_page = parse_page(sample_index.project_dir("simple") / "index.html")
    href = html_page.anchors[0]["href"] or ""
    with urllib.request.urlopen(urljoin(page_url, urldefrag(href).url)) as response:
        assert (
            hashlib.sha256(response.read()).hexdigest()
            == urldefrag(href).fragment.split("=")[1]
        )

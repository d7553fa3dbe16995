"""Parsing of simple-API pages (inst.index.simple): PEP 503 HTML, PEP 691 JSON and the
PEP 592 / 658 / 700 / 714 fields, without any I/O."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from harness import SAMPLE_YANK_REASON, LocalIndex
from inst.index.simple import MalformedPage, parse_html_page, parse_json_page
from inst.index.sources import parse_page
from inst.models import DistFile

PAGE = "https://index.invalid/simple/demo/"
SOURCE = "https://index.invalid/simple/"
SHA = "a" * 64
JSON_V1 = "application/vnd.pypi.simple.v1+json"


def json_page(*files: dict[str, Any], version: str = "1.1") -> bytes:
    return json.dumps({"meta": {"api-version": version}, "files": list(files)}).encode()


def json_file(
    filename: str = "demo-1.0-py3-none-any.whl", **keys: Any
) -> dict[str, Any]:
    return {
        "filename": filename,
        "url": f"../../files/{filename}",
        "hashes": {},
        **keys,
    }


def html_page(*anchors: str, head: str = "") -> str:
    links = "\n".join(anchors)
    return f"<!DOCTYPE html><html><head>{head}</head><body>{links}</body></html>"


def one(files: list[DistFile]) -> DistFile:
    assert len(files) == 1, files
    return files[0]


def comparable(file: DistFile) -> tuple[object, ...]:
    # JSON pages carry the size (PEP 700), HTML pages cannot.
    return (
        file.filename,
        file.url,
        dict(file.hashes),
        file.requires_python,
        file.yanked,
        None if file.metadata_hashes is None else dict(file.metadata_hashes),
    )


# -- the sample index: both formats agree ----------------------------------------------


@pytest.mark.parametrize("project", ["simple", "another", "needs-py-new", "withdeps"])
def test_json_and_html_pages_give_the_same_files(
    sample_index: LocalIndex, project: str
) -> None:
    directory = sample_index.project_dir(project)
    page_url = directory.resolve().as_uri() + "/"
    from_json = parse_json_page(
        (directory / "index.json").read_bytes(), page_url, sample_index.file_url
    )
    from_html = parse_html_page(
        (directory / "index.html").read_text(encoding="utf-8"),
        page_url,
        sample_index.file_url,
    )
    assert from_json
    assert [comparable(f) for f in from_json] == [comparable(f) for f in from_html]
    by_name = {f.filename: f for f in sample_index.files}
    for file in from_json:
        described = by_name[file.filename]
        assert file.url == sample_index.dist_path(file.filename).resolve().as_uri()
        assert file.hashes == {"sha256": described.sha256}
        assert file.size == described.size
        assert file.project == project
        assert file.source == sample_index.file_url
    for file in from_html:
        assert file.size is None


def test_sample_yanked_release_and_metadata(sample_index: LocalIndex) -> None:
    directory = sample_index.project_dir("another")
    page_url = directory.resolve().as_uri() + "/"
    for files in (
        parse_json_page((directory / "index.json").read_bytes(), page_url, ""),
        parse_html_page((directory / "index.html").read_text("utf-8"), page_url, ""),
    ):
        yanked = {f.filename: f.yanked for f in files}
        assert yanked == {
            "another-1.0-py3-none-any.whl": None,
            "another-1.0.tar.gz": None,
            "another-1.1-py3-none-any.whl": SAMPLE_YANK_REASON,
            "another-1.1.tar.gz": SAMPLE_YANK_REASON,
        }
        for file in files:
            # The harness writes PEP 658 files for wheels only.
            assert (file.metadata_hashes is not None) == file.is_wheel
            if file.metadata_hashes is not None:
                metadata = sample_index.dist_path(file.filename + ".metadata")
                assert file.metadata_url == file.url + ".metadata"
                digest = hashlib.sha256(metadata.read_bytes()).hexdigest()
                assert dict(file.metadata_hashes) == {"sha256": digest}


# -- PEP 691 JSON --------------------------------------------------------------------------


def test_json_urls_resolve_against_the_page_and_drop_the_fragment() -> None:
    page = json_page(
        json_file(url="../../files/demo-1.0-py3-none-any.whl#sha512=ABC"),
        json_file("demo-1.0.tar.gz", url="https://files.invalid/d/demo-1.0.tar.gz"),
    )
    wheel, sdist = parse_json_page(page, PAGE, SOURCE)
    assert wheel.url == "https://index.invalid/files/demo-1.0-py3-none-any.whl"
    assert wheel.hashes == {"sha512": "abc"}  # from the fragment when nothing else
    assert sdist.url == "https://files.invalid/d/demo-1.0.tar.gz"


def test_json_hashes_are_lowercased_and_weak_ones_dropped() -> None:
    file = one(
        parse_json_page(
            json_page(json_file(hashes={"sha256": SHA.upper(), "md5": "0" * 32})),
            PAGE,
            SOURCE,
        )
    )
    assert file.hashes == {"sha256": SHA}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(False, None), (True, ""), ("broken", "broken"), ("", None), (None, None)],
)
def test_json_yanked(value: object, expected: str | None) -> None:
    file = one(parse_json_page(json_page(json_file(yanked=value)), PAGE, SOURCE))
    assert file.yanked == expected


def test_json_yanked_missing_means_not_yanked() -> None:
    assert one(parse_json_page(json_page(json_file()), PAGE, SOURCE)).yanked is None


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({}, None),
        ({"core-metadata": True}, {}),
        ({"core-metadata": {"sha256": SHA.upper()}}, {"sha256": SHA}),
        ({"core-metadata": False}, None),
        ({"dist-info-metadata": True}, {}),
        ({"dist-info-metadata": {"sha256": SHA}}, {"sha256": SHA}),
        # PEP 714: the new name wins whenever present, even when false.
        ({"core-metadata": False, "dist-info-metadata": True}, None),
        (
            {"core-metadata": {"sha256": SHA}, "dist-info-metadata": {"sha256": "b"}},
            {"sha256": SHA},
        ),
        ({"core-metadata": {"md5": "0" * 32}}, {}),
    ],
)
def test_json_core_metadata(
    keys: dict[str, object], expected: dict[str, str] | None
) -> None:
    file = one(parse_json_page(json_page(json_file(**keys)), PAGE, SOURCE))
    assert file.metadata_hashes == expected
    if expected is not None:
        assert file.metadata_url == file.url + ".metadata"


def test_json_requires_python_and_size() -> None:
    file = one(
        parse_json_page(
            json_page(json_file(**{"requires-python": ">=3.8, <4", "size": 1234})),
            PAGE,
            SOURCE,
        )
    )
    assert file.requires_python == ">=3.8, <4"
    assert file.size == 1234
    bare = one(parse_json_page(json_page(json_file()), PAGE, SOURCE))
    assert bare.requires_python is None
    assert bare.size is None


def test_json_invalid_filenames_are_skipped() -> None:
    page = json_page(
        json_file("demo-1.0-py3-none-any.whl"),
        json_file("not a dist.txt"),
        json_file("demo-1.0-badtag.whl"),
        json_file("demo.tar.gz"),
    )
    assert [f.filename for f in parse_json_page(page, PAGE, SOURCE)] == [
        "demo-1.0-py3-none-any.whl"
    ]


def test_json_api_version_1_minor_versions_are_accepted() -> None:
    for version in ("1.0", "1.1", "1.4", "1"):
        assert parse_json_page(json_page(json_file(), version=version), PAGE, SOURCE)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[]", "not a JSON object"),
        (json.dumps({"files": []}).encode(), "api-version"),
        (json_page(json_file(), version="2.0"), "version 2.0"),
        (json_page(json_file(), version="latest"), "not a version"),
        (json.dumps({"meta": {"api-version": "1.0"}}).encode(), "no list of files"),
        (json_page("demo-1.0.tar.gz"), "not an object"),  # type: ignore[arg-type]
        (json_page({"url": "x"}), "no filename"),
    ],
)
def test_malformed_json_pages(data: bytes, why: str) -> None:
    with pytest.raises(MalformedPage) as raised:
        parse_json_page(data, "https://user:secret@index.invalid/simple/demo/", SOURCE)
    text = raised.value.paragraph()
    assert why in text
    assert "https://user:****@index.invalid/simple/demo/" in text
    assert "secret" not in text


def test_source_is_redacted() -> None:
    source = "https://user:secret@index.invalid/simple/"
    (file,) = parse_json_page(json_page(json_file()), PAGE, source)
    assert file.source == "https://user:****@index.invalid/simple/"
    (file,) = parse_html_page(
        html_page('<a href="demo-1.0.tar.gz">x</a>'), PAGE, source
    )
    assert file.source == "https://user:****@index.invalid/simple/"


# -- PEP 503 HTML --------------------------------------------------------------------------


def test_html_links_hashes_and_filenames() -> None:
    files = parse_html_page(
        html_page(
            f'<a href="../../files/demo-1.0-py3-none-any.whl#sha256={SHA.upper()}">w</a>',
            '<a href="/files/demo-1.0.tar.gz#md5=00ff">s</a>',
            '<a href="demo-2.0.zip">z</a>',
            '<a href="../other/">a project link, not a file</a>',
            '<a href="README.txt">readme</a>',
            "<a>no href</a>",
            '<a href="">empty</a>',
        ),
        PAGE,
        SOURCE,
    )
    assert [(f.filename, f.url, dict(f.hashes)) for f in files] == [
        (
            "demo-1.0-py3-none-any.whl",
            "https://index.invalid/files/demo-1.0-py3-none-any.whl",
            {"sha256": SHA},
        ),
        ("demo-1.0.tar.gz", "https://index.invalid/files/demo-1.0.tar.gz", {}),
        ("demo-2.0.zip", "https://index.invalid/simple/demo/demo-2.0.zip", {}),
    ]
    assert all(f.yanked is None and f.metadata_hashes is None for f in files)


def test_html_base_href_is_honoured() -> None:
    page = html_page(
        '<a href="demo-1.0.tar.gz">s</a>',
        head='<base href="https://mirror.invalid/pkgs/"><base href="/ignored/">',
    )
    assert one(parse_html_page(page, PAGE, SOURCE)).url == (
        "https://mirror.invalid/pkgs/demo-1.0.tar.gz"
    )
    relative = html_page(
        '<a href="demo-1.0.tar.gz">s</a>', head='<base href="../../files/">'
    )
    assert one(parse_html_page(relative, PAGE, SOURCE)).url == (
        "https://index.invalid/files/demo-1.0.tar.gz"
    )


def test_html_requires_python_is_unescaped() -> None:
    page = html_page(
        '<a href="demo-1.0.tar.gz" data-requires-python="&gt;=3.8,&lt;4.0">s</a>',
        '<a href="demo-2.0.tar.gz" data-requires-python="&#62;=3.9">s</a>',
        '<a href="demo-3.0.tar.gz" data-requires-python="">s</a>',
    )
    assert [f.requires_python for f in parse_html_page(page, PAGE, SOURCE)] == [
        ">=3.8,<4.0",
        ">=3.9",
        None,
    ]


def test_html_yanked() -> None:
    page = html_page(
        '<a href="demo-1.0.tar.gz" data-yanked>bare</a>',
        '<a href="demo-2.0.tar.gz" data-yanked="">empty</a>',
        '<a href="demo-3.0.tar.gz" data-yanked="Broken &amp; bad">reason</a>',
        '<a href="demo-4.0.tar.gz">not yanked</a>',
    )
    assert [f.yanked for f in parse_html_page(page, PAGE, SOURCE)] == [
        "",
        "",
        "Broken & bad",
        None,
    ]


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ("", None),
        ('data-core-metadata="true"', {}),
        (f'data-core-metadata="sha256={SHA.upper()}"', {"sha256": SHA}),
        ('data-dist-info-metadata="true"', {}),
        (f'data-dist-info-metadata="sha256={SHA}"', {"sha256": SHA}),
        (
            f'data-core-metadata="sha256={SHA}" data-dist-info-metadata="sha256=bb"',
            {"sha256": SHA},
        ),
        ('data-core-metadata="md5=00ff"', {}),  # exists, hash not checkable
        ('data-core-metadata="false"', None),
        ("data-core-metadata", None),
    ],
)
def test_html_core_metadata(attributes: str, expected: dict[str, str] | None) -> None:
    page = html_page(f'<a href="demo-1.0-py3-none-any.whl" {attributes}>w</a>')
    assert one(parse_html_page(page, PAGE, SOURCE)).metadata_hashes == expected


def test_html_tolerates_sloppy_markup() -> None:
    page = (
        "<html><body><A HREF='demo-1.0.tar.gz' DATA-YANKED>one<br>"
        '<a href="demo-2.0.tar.gz">two'  # unclosed, no </body>
    )
    files = parse_html_page(page, PAGE, SOURCE)
    assert [(f.filename, f.yanked) for f in files] == [
        ("demo-1.0.tar.gz", ""),
        ("demo-2.0.tar.gz", None),
    ]


def test_html_hrefs_with_spaces_are_quoted() -> None:
    file = one(
        parse_html_page(
            html_page('<a href=" dir with space/demo-1.0.tar.gz ">s</a>'), PAGE, SOURCE
        )
    )
    assert (
        file.url
        == "https://index.invalid/simple/demo/dir%20with%20space/demo-1.0.tar.gz"
    )
    assert file.filename == "demo-1.0.tar.gz"
    encoded = one(
        parse_html_page(html_page('<a href="a%20b/demo-1.0.tar.gz">s</a>'), PAGE, "")
    )
    assert encoded.url.endswith("/a%20b/demo-1.0.tar.gz")  # not encoded twice


def test_html_repository_version() -> None:
    link = '<a href="demo-1.0.tar.gz">s</a>'
    meta = '<meta name="pypi:repository-version" content="{}">'
    assert parse_html_page(html_page(link, head=meta.format("1.3")), PAGE, SOURCE)
    with pytest.raises(MalformedPage) as raised:
        parse_html_page(html_page(link, head=meta.format("2.0")), PAGE, SOURCE)
    assert "version 2.0 of the simple API" in raised.value.paragraph()


def test_html_with_no_links_is_empty() -> None:
    assert parse_html_page("", PAGE, SOURCE) == []
    assert parse_html_page("just text, no markup", PAGE, SOURCE) == []


# -- dispatch by Content-Type ------------------------------------------------------------


def test_parse_page_by_content_type() -> None:
    data = json_page(json_file())
    assert one(parse_page(data, JSON_V1, PAGE, SOURCE)).filename == (
        "demo-1.0-py3-none-any.whl"
    )
    html = html_page('<a href="d\u00e9mo/demo-1.0.tar.gz">s</a>')
    for content_type, encoding in [
        ("text/html", "utf-8"),
        ("text/html; charset=ISO-8859-1", "latin-1"),
        ('application/vnd.pypi.simple.v1+html; charset="utf-8"', "utf-8"),
        ("text/html; charset=no-such-codec", "utf-8"),
        ("", "utf-8"),
    ]:
        file = one(parse_page(html.encode(encoding), content_type, PAGE, SOURCE))
        assert file.url.endswith("/d%C3%A9mo/demo-1.0.tar.gz"), content_type


def test_parse_page_refuses_other_json_api_versions() -> None:
    with pytest.raises(MalformedPage) as raised:
        parse_page(b"{}", "application/vnd.pypi.simple.v2+json", PAGE, SOURCE)
    assert "does not understand" in raised.value.paragraph()

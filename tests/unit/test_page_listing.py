"""An index page's files are made only when the finder reaches their version (a
Listing), and that gives what making them all at once gave: the same releases, the
same skipped files and sources, the same first-source-wins choice among files of one
name (a later one when the first entry's link is no URL)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from inst.environment import current_environment
from inst.index.finder import Finder, FinderPolicy
from inst.index.listing import Listing
from inst.index.simple import MalformedPage, json_listing, parse_json_page
from inst.models import DistFile

ENVIRONMENT = current_environment()
PAGE_URL = "https://pypi.example/simple/a/"


def _page(entries: list[dict[str, object]]) -> bytes:
    return json.dumps({"meta": {"api-version": "1.1"}, "files": entries}).encode()


def _entry(filename: str, link: str, requires_python: str | None) -> dict[str, object]:
    return {
        "filename": filename,
        "url": link,
        "hashes": {"sha256": "AB" * 32},
        "requires-python": requires_python,
        "yanked": False,
    }


class PagesSource:
    """An index whose page for "a" is given as JSON, read as the real index reads it
    (lazily, with project_listing) or all at once (as before: project_files)."""

    def __init__(self, data: bytes, display: str, *, lazy: bool) -> None:
        self.data = data
        self.display = display
        self.lazy = lazy

    def project_listing(self, client: object, project: str) -> Listing | None:
        if self.lazy:
            return json_listing(self.data, PAGE_URL, self.display)
        files = parse_json_page(self.data, PAGE_URL, self.display, check_names=False)
        return Listing.of(files)


def _found(pages: list[bytes], *, lazy: bool, first_index: bool) -> object:
    sources = [
        PagesSource(page, f"https://index{n}.example/", lazy=lazy)
        for n, page in enumerate(pages)
    ]
    finder = Finder(
        None,  # type: ignore[arg-type]
        sources,  # type: ignore[arg-type]
        [],
        ENVIRONMENT,
        FinderPolicy(first_index=first_index),
    )
    try:
        found = finder.find("a")
        return (
            [
                (r.version, [(f.filename, f.url) for f in r.files])
                for r in found.releases
            ],
            [(s.file.filename, s.reason) for s in found.skipped],
            found.sources,
        )
    finally:
        finder.close()


NAMES = [
    "a-1.0.tar.gz",
    "a-1.0-py3-none-any.whl",
    "a-2.0-py3-none-any.whl",
    "a-2.0.zip",
    "a-2.0-1-py3-none-any.whl",
    "a-3.0rc1.tar.gz",
    "a-1.0-cp27-cp27m-win32.whl",
    "a-bad.tar.gz",  # a version that does not parse
    "a_b-1.0.tar.gz",  # another project
    "notes.txt",  # no distribution
    "a-1.0-x-y-z-w-v.whl",  # a wheel name that does not parse
]
LINKS = [
    "https://files.example/{n}",
    "../../files/{n}",
    "https://files.example/{n}#sha256=cd",
    "http://[::1/{n}",  # no URL: left out
]
entries = st.builds(
    lambda name, link, python: _entry(name, link.format(n=name), python),
    st.sampled_from(NAMES),
    st.sampled_from(LINKS),
    st.sampled_from([None, "<3", ">=3"]),
)
pages = st.lists(st.lists(entries, max_size=8).map(_page), min_size=1, max_size=3)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(pages=pages, first_index=st.booleans())
def test_files_made_when_asked_are_those_made_at_once(
    pages: list[bytes], first_index: bool
) -> None:
    assert _found(pages, lazy=True, first_index=first_index) == _found(
        pages, lazy=False, first_index=first_index
    )


def test_a_later_entry_of_a_name_is_used_when_the_first_is_no_url() -> None:
    page = _page(
        [
            _entry("a-1.0.tar.gz", "http://[::1/a-1.0.tar.gz", None),
            _entry("a-1.0.tar.gz", "https://files.example/a-1.0.tar.gz", None),
        ]
    )
    releases = _found([page], lazy=True, first_index=True)[0]  # type: ignore[index]
    assert releases == [
        (Version("1.0"), [("a-1.0.tar.gz", "https://files.example/a-1.0.tar.gz")])
    ]


def test_only_the_files_of_the_versions_asked_for_are_made() -> None:
    names = [f"a-1.{n}.tar.gz" for n in range(1000)]
    made: list[int] = []

    def make(position: int) -> DistFile:
        made.append(position)
        return DistFile(names[position], f"https://files.example/{names[position]}")

    found = Finder(
        None,  # type: ignore[arg-type]
        [],
        [],
        ENVIRONMENT,
        FinderPolicy(),
    )._evaluate("a", [Listing(names, make)])  # type: ignore[arg-type]

    release = found.release(Version("1.500"))

    assert release is not None and release.best.filename == "a-1.500.tar.gz"
    assert made == [500]
    assert len(found.candidate_versions) == 1000


def test_a_malformed_entry_refuses_the_page_whatever_is_asked() -> None:
    data = _page([_entry("a-1.0.tar.gz", "https://f.example/a-1.0.tar.gz", None)])
    page = json.loads(data)
    page["files"].append({"filename": "a-2.0.tar.gz"})  # no url
    with pytest.raises(MalformedPage, match="not a valid simple repository page"):
        json_listing(json.dumps(page).encode(), PAGE_URL, "index")
    page["files"][-1] = ["not", "an", "object"]
    with pytest.raises(MalformedPage, match="not a valid simple repository page"):
        json_listing(json.dumps(page).encode(), PAGE_URL, "index")

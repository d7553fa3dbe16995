"""The shortcuts a backtracking resolve takes give what the general paths give, for
any input: absolute links taken as they are on index pages, core metadata read up to
its headers only, dependencies whose text is made only when shown."""

from __future__ import annotations

import email.parser

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement

from inst.core_metadata import Metadata, _header_message
from inst.index.simple import _absolute_url, _resolved_url
from inst.resolution.candidates import SpecifierRequirement

# Pieces of URLs, the ordinary and the odd: what quoting, joining and parsing treat
# specially (spaces, "%", "#", "?", ";", "..", brackets, ports, upper case, unicode).
URL_PIECES = [
    "https://",
    "http://",
    "HTTPS://",
    "file://",
    "//",
    "files.example.org",
    "127.0.0.1",
    ":8080",
    ":99999",
    "[::1]",
    "[::1",
    "user:pw@",
    "/",
    "/packages/ab/cd/",
    "a-1.0-py3-none-any.whl",
    "a-1.0.tar.gz",
    "..",
    ".",
    "%20",
    "%",
    " ",
    "\t",
    "#",
    "#sha256=ab12",
    "#md5=",
    "?",
    "q=1",
    ";",
    "&",
    "=",
    "+",
    "~",
    "é",
    "\\",
    '"',
    "A",
    "z",
    "0",
]
urls = st.lists(st.sampled_from(URL_PIECES), max_size=8).map("".join)
# Links shaped like an index's (most of them take the shortcut), with odd parts.
index_links = st.tuples(
    st.sampled_from(["https://", "http://", "HTTP://", "https:/", "ftp://"]),
    st.sampled_from(["files.example.org", "H.example", "127.0.0.1:8080", "", "a@b"]),
    st.lists(
        st.sampled_from(["/", "/ab", "/..", "/.", "/a%2Bb", "/x y", "/é", "/a+b~c"]),
        max_size=4,
    ).map("".join),
    st.sampled_from(["", "/a-1.0.tar.gz", "/a-1.0-py3-none-any.whl"]),
    st.sampled_from(["", "#", "#sha256=AB12", "#sha256=ab&md5=cd", "?x=1", ";p"]),
).map("".join)
bases = st.one_of(
    st.sampled_from(
        [
            "https://pypi.example/simple/a/",
            "http://127.0.0.1:8080/simple/a/",
            "https://h/simple/a/index.json",
            "http://[::1]:80/simple/a/",
            "file:///srv/simple/a/",
        ]
    ),
    urls,
)


@settings(max_examples=2000, deadline=None)
@given(base=bases, link=st.one_of(urls, index_links))
def test_links_taken_as_they_are_resolve_as_the_general_path_resolves_them(
    base: str, link: str
) -> None:
    assert _absolute_url(base, link) == _resolved_url(base, link)


#: What resolution reads of core metadata (Metadata.parse), in varied case.
FIELDS = ["Name", "version", "Requires-Dist", "REQUIRES-PYTHON", "Provides-Extra"]
HEADER_LINES = [
    "Metadata-Version: 2.1\n",
    "Name: demo\n",
    "Version: 1.0\n",
    "Requires-Dist: b (<2,>=1)\n",
    "Requires-Dist: c; extra == 'x'\n",
    "Provides-Extra: x\n",
    "Requires-Python: >=3.8\n",
    "requires-dist:d\n",
    "Requires-Dist:   \t e >= 1 \n",
    "Name:\n",
    "Version: 1.0 ; x\n",
    "Requires_Dist: f\n",
    "Provides-Extra: y:z\n",
    "X-Odd.Name: 1\n",
    "-Bad: 1\n",
    "Requires-Dist : g\n",
    "Summary: a\n",
    "  continued line\n",
    "\tcontinued by a tab\n",
    "not a header line\n",
    "From nobody\n",
    "Name : spaced\n",
    "Réquires: é\n",
    "\n",
    "\r\n",
    "\r",
    "Version: 2.0\r\n",
    "body text\n",
    "",
]
texts = st.lists(st.sampled_from(HEADER_LINES), max_size=14).map("".join)


@settings(max_examples=1500, deadline=None)
@given(text=texts)
def test_metadata_headers_are_those_of_the_whole_message(text: str) -> None:
    whole = email.parser.Parser().parsestr(text)
    headers = _header_message(text.encode())
    for field in FIELDS:
        assert headers.get(field) == whole.get(field), field
        assert headers.get_all(field) == whole.get_all(field), field


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(["a", "A.b_c", "zope.interface"]),
    extras=st.sampled_from(["", "[x]", "[y,x]"]),
    specifier=st.sampled_from(["", ">=1", "<2,>=1.0", "==1.*", "(~=1.2)", " (>1)"]),
    marker=st.sampled_from(["", "; python_version >= '3'", ';extra == "x"']),
)
def test_dependency_text_made_late_is_the_text_made_at_once(
    name: str, extras: str, specifier: str, marker: str
) -> None:
    written = Requirement(f"{name}{extras}{specifier}{marker}")
    late = SpecifierRequirement(
        "a", frozenset(), written.specifier, "", None, written=written
    )
    assert str(late) == str(written).split(";")[0].strip()


def test_metadata_parsed_from_its_headers_keeps_the_whole_file() -> None:
    data = (
        b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
        b"Requires-Dist: b>=1\n\nRequires-Dist: not-a-header\n"
    )
    metadata = Metadata.parse(data, "demo")
    assert [str(r) for r in metadata.requires_dist] == ["b>=1"]
    assert metadata.raw == data
    assert "description" in metadata.as_json()


def test_an_index_link_takes_the_shortcut() -> None:
    link = "https://files.example.org/packages/ab/a-1.0-py3-none-any.whl#sha256=ab12"
    assert _absolute_url("https://pypi.example/simple/a/", link) == link

"""Parsing of simple-API project pages: PEP 691 JSON and PEP 503 HTML. Pure: no I/O.

Both formats give the same ``DistFile`` values: absolute URLs without fragment, hashes,
Requires-Python (PEP 503 data attribute / PEP 691 key), yanking (PEP 592), the core
metadata file (PEP 658, under its PEP 714 name first) and the size (PEP 700).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from inst.errors import InstError
from inst.index.listing import Listing
from inst.models import (
    HASH_ALGORITHMS,
    DistFile,
    parse_dist_file,
    split_hash_fragment,
    url_filename,
)
from inst.ui import redact

SUPPORTED_MAJOR = 1


class MalformedPage(InstError):
    """An index or find-links page that inst cannot read."""


def _malformed(page_url: str, why: str) -> MalformedPage:
    return MalformedPage(
        f"the page {redact(page_url)} is not a valid simple repository page",
        why,
        "check that the URL points to a package index (PEP 503/691) or a page of links",
    )


def _check_api_version(version: object, page_url: str) -> None:
    # PEP 629: a client must refuse a major version it does not know; minors are fine.
    if not isinstance(version, str):
        raise _malformed(page_url, "its api-version is missing or not a string")
    major = version.strip().partition(".")[0]
    if not major.isdigit():
        raise _malformed(page_url, f"its api-version {version!r} is not a version")
    if int(major) != SUPPORTED_MAJOR:
        raise _malformed(
            page_url,
            f"it uses version {version} of the simple API; "
            f"inst understands version {SUPPORTED_MAJOR}.x",
        )


def _known_hashes(hashes: Mapping[str, object]) -> dict[str, str]:
    """The hashes inst can check, values lowercased; others (md5, ...) are dropped."""
    return {
        algorithm: value.lower()
        for algorithm, value in hashes.items()
        if algorithm in HASH_ALGORITHMS and isinstance(value, str) and value
    }


def _clean_url(url: str) -> str:
    """Percent-encode characters that are not allowed in a URL path (spaces, ...)."""
    parts = urllib.parse.urlsplit(url)
    # "%" is kept as safe so that existing escapes are not encoded twice.
    path = urllib.parse.quote(parts.path, safe="/%:@!$&'()*+,;=~")
    return urllib.parse.urlunsplit(parts._replace(path=path))


#: A link that is already an absolute http(s) URL which resolving and cleaning leave
#: as it is: lowercase scheme, a plain host without port or credentials, a path of
#: characters never quoted, and a non-empty fragment (an empty "#" would be dropped).
#: Every file of PyPI's pages looks like this; a page lists thousands of them, and
#: urljoin + quote cost most of reading one.
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+/[A-Za-z0-9._~/%+-]*(?:#[A-Za-z0-9=&]+)?", re.ASCII
)
#: A base that parses (no brackets of an IPv6 host, nothing a NFKC check could
#: refuse): against it, an absolute link resolves to itself.
_PLAIN_BASE = re.compile(r"[!#-Z^-~]*", re.ASCII)


def _absolute_url(base: str, link: str) -> str | None:
    """``link`` resolved against ``base`` and cleaned; None when either is not a URL
    (``http://[::1/``, a port out of range): such a link is skipped, like a link to a
    file that is not a distribution."""
    if _PLAIN_URL.fullmatch(link) and _PLAIN_BASE.fullmatch(base):
        return link
    return _resolved_url(base, link)


def _resolved_url(base: str, link: str) -> str | None:
    """_absolute_url's general path, for any link."""
    try:
        url = _clean_url(urllib.parse.urljoin(base, link))
        urllib.parse.urlsplit(url).port  # noqa: B018 - raises on a bad host or port
    except ValueError:
        return None
    return url


def _named(check: bool, file: DistFile) -> DistFile | None:
    return parse_dist_file(file) if check else file


# -- PEP 691 JSON -------------------------------------------------------------------


def _json_yanked(value: object) -> str | None:
    # A reason string means yanked; True yanked without reason. An empty string is not
    # allowed by PEP 691; like pip it counts as not yanked.
    if isinstance(value, str):
        return value or None
    return "" if value is True else None


def _json_metadata(entry: Mapping[str, Any]) -> dict[str, str] | None:
    # PEP 714: the new key wins whenever it is present, even when false.
    key = "core-metadata" if "core-metadata" in entry else "dist-info-metadata"
    value = entry.get(key)
    if value is True:
        return {}
    if isinstance(value, dict):
        return _known_hashes(value)
    return None


def parse_json_page(
    data: bytes, page_url: str, source: str, *, check_names: bool = True
) -> list[DistFile]:
    """The files of a PEP 691 project page (``application/vnd.pypi.simple.v1+json``).

    check_names: leave out files whose names do not parse. An index's page is read
    without (the finder parses the names of the versions it looks at, and leaves
    out those that do not parse then)."""
    files = json_listing(data, page_url, source).files()
    if not check_names:
        return files
    return [file for file in files if parse_dist_file(file) is not None]


def json_listing(data: bytes, page_url: str, source: str) -> Listing:
    """The files of a PEP 691 project page as a Listing: the page and each entry's
    shape are checked now (a malformed page is refused whole, whatever the resolver
    later looks at), each entry is made into a DistFile when first asked for."""
    try:
        page = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise _malformed(page_url, f"it is not valid JSON ({error})") from None
    if not isinstance(page, dict):
        raise _malformed(page_url, "it is not a JSON object")
    meta = page.get("meta")
    _check_api_version(
        meta.get("api-version") if isinstance(meta, dict) else None, page_url
    )
    entries = page.get("files")
    if not isinstance(entries, list):
        raise _malformed(page_url, "it has no list of files")
    filenames = _json_filenames(entries, page_url)
    source = redact(source)
    plain_base = _PLAIN_BASE.fullmatch(page_url) is not None

    def make(position: int) -> DistFile | None:
        return _json_file(entries[position], page_url, plain_base, source)

    return Listing(filenames, make)


def _json_filenames(entries: list[Any], page_url: str) -> list[str]:
    """The filename of each entry; MalformedPage unless every entry is an object
    with a string filename and url."""
    try:
        # Thousands of entries: checked in comprehensions first (json.loads makes
        # exact dicts and strs), one by one only to say what is wrong.
        filenames = [entry["filename"] for entry in entries if type(entry) is dict]
        if (
            len(filenames) == len(entries)
            and all(type(name) is str for name in filenames)
            and all(type(entry["url"]) is str for entry in entries)
        ):
            return filenames
    except KeyError:
        pass
    for entry in entries:
        if not isinstance(entry, dict):
            raise _malformed(page_url, "an entry of its files list is not an object")
        filename = entry.get("filename")
        if not isinstance(filename, str) or not isinstance(entry.get("url"), str):
            raise _malformed(page_url, "a file has no filename or url")
    raise AssertionError("unreachable: the entries passed the check one by one")


def _json_file(
    entry: Mapping[str, Any], page_url: str, plain_base: bool, source: str
) -> DistFile | None:
    """The DistFile of one (checked) entry of a JSON page; None when its url is no
    URL. plain_base: _PLAIN_BASE matches page_url (checked once per page)."""
    filename, url = entry["filename"], entry["url"]
    # (_absolute_url, with the base checked once per page)
    if plain_base and _PLAIN_URL.fullmatch(url):
        absolute: str | None = url
    else:
        absolute = _resolved_url(page_url, url)
    if absolute is None:
        return None
    if "#" in absolute:
        base, fragment_hashes = split_hash_fragment(absolute)
    else:
        base, fragment_hashes = absolute, {}
    hashes = entry.get("hashes")
    known = _known_hashes(hashes) if isinstance(hashes, dict) else {}
    requires_python = entry.get("requires-python")
    size = entry.get("size")
    return DistFile(
        filename=filename,
        url=base,
        # The hashes key is the authority; a URL fragment only fills gaps.
        hashes={**fragment_hashes, **known} if fragment_hashes else known,
        requires_python=(
            requires_python.strip() or None
            if isinstance(requires_python, str)
            else None
        ),
        yanked=_json_yanked(entry.get("yanked")),
        metadata_hashes=_json_metadata(entry),
        size=size if isinstance(size, int) and size >= 0 else None,
        source=source,
    )


# -- PEP 503 HTML -------------------------------------------------------------------


def _link_collector() -> Any:
    """A new HTML parser for one page. The class is made here, not at import:
    indexes that answer JSON (PyPI) never need html.parser."""
    from html.parser import HTMLParser

    class LinkCollector(HTMLParser):
        """Collects <a> attributes, the first <base href> and the repository version."""

        def __init__(self) -> None:
            # convert_charrefs (the default) also unescapes attribute values: "&gt;=3.8".
            super().__init__(convert_charrefs=True)
            self.base_href: str | None = None
            self.api_version: str | None = None
            self.anchors: list[dict[str, str | None]] = []

        def handle_starttag(
            self, tag: str, attrs: list[tuple[str, str | None]]
        ) -> None:
            if tag == "a":
                self.anchors.append(dict(attrs))
            elif tag == "base" and self.base_href is None:
                # HTML uses the first <base> with an href; later ones are ignored.
                href = dict(attrs).get("href")
                if href:
                    self.base_href = href.strip()
            elif tag == "meta":
                values = dict(attrs)
                if values.get("name") == "pypi:repository-version":
                    self.api_version = values.get("content")

    return LinkCollector()


def _html_metadata(anchor: Mapping[str, str | None]) -> dict[str, str] | None:
    key = "data-core-metadata"
    if key not in anchor:
        key = "data-dist-info-metadata"
    value = anchor.get(key)
    if value is None:
        return None
    value = value.strip()
    if value == "true":
        return {}
    algorithm, equals, digest = value.partition("=")
    if not equals or not digest:
        return None  # "false" or junk: no usable metadata file
    # A metadata file with a hash inst cannot check is still a metadata file.
    return _known_hashes({algorithm.strip(): digest.strip()})


def parse_html_page(
    text: str, page_url: str, source: str, *, check_names: bool = True
) -> list[DistFile]:
    """The files linked from a PEP 503 project page or any HTML page of links
    (check_names: as parse_json_page's)."""
    collector = _link_collector()
    try:
        collector.feed(text)
        collector.close()
    except Exception as error:  # noqa: BLE001 - html.parser may raise on odd markup
        raise _malformed(page_url, f"its HTML could not be parsed ({error})") from None
    if collector.api_version is not None:
        _check_api_version(collector.api_version, page_url)
    base_url = page_url
    if collector.base_href:
        base_url = _absolute_url(page_url, collector.base_href) or page_url
    source = redact(source)
    files: list[DistFile] = []
    for anchor in collector.anchors:
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        absolute = _absolute_url(base_url, href)
        if absolute is None:
            continue
        url, hashes = split_hash_fragment(absolute)
        requires_python = (anchor.get("data-requires-python") or "").strip()
        # A bare attribute (no value) is a yank without reason.
        yanked = (anchor["data-yanked"] or "") if "data-yanked" in anchor else None
        file = _named(
            check_names,
            DistFile(
                filename=url_filename(url),
                url=url,
                hashes=hashes,
                requires_python=requires_python or None,
                yanked=yanked,
                metadata_hashes=_html_metadata(anchor),
                source=source,
            ),
        )
        if file is not None:
            files.append(file)
    return files

"""Where distribution files are listed: simple-API indexes and find-links locations.

An index answers per project (``{root}{name}/``); a find-links location is one listing
(a directory, an HTML page of links, or a single archive) read once and filtered.
"""

from __future__ import annotations

import codecs
import os
import re
import threading
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName

from inst._records import dataclass
from inst.errors import InstError
from inst.fileurls import file_url, path_from_file_url
from inst.index.http import NetworkError
from inst.index.listing import Listing
from inst.index.reporting import IndexReporter
from inst.index.simple import (
    MalformedPage,
    json_listing,
    parse_html_page,
    parse_json_page,
)
from inst.models import DistFile, is_dist_filename, parse_dist_file
from inst.ui import redact

if TYPE_CHECKING:
    import requests

    from inst.index.http import HttpClient

JSON_V1 = "application/vnd.pypi.simple.v1+json"
#: JSON first, as PEP 691 recommends; HTML as the fallback for PEP 503-only indexes.
INDEX_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
FIND_LINKS_ACCEPT = "text/html"

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_SIMPLE_JSON = re.compile(r"^application/vnd\.pypi\.simple\.(v\d+|latest)\+json$")
_MISSING = (404, 410)
_REFUSED = (401, 403)


def parse_page(
    data: bytes,
    content_type: str,
    page_url: str,
    source: str,
    *,
    check_names: bool = True,
) -> list[DistFile]:
    """Parse a fetched page by its Content-Type: PEP 691 JSON, else HTML
    (check_names: see parse_json_page)."""
    if _is_json(content_type, page_url):
        return parse_json_page(data, page_url, source, check_names=check_names)
    return parse_html_page(
        _decode(data, content_type), page_url, source, check_names=check_names
    )


def page_listing(data: bytes, content_type: str, page_url: str, source: str) -> Listing:
    """An index's page, parsed by its Content-Type, as a Listing: a JSON page's
    files are made as the finder asks for them (names not checked, as
    parse_page(check_names=False))."""
    if _is_json(content_type, page_url):
        return json_listing(data, page_url, source)
    html = _decode(data, content_type)
    return Listing.of(parse_html_page(html, page_url, source, check_names=False))


def _is_json(content_type: str, page_url: str) -> bool:
    """Whether a page served as content_type is PEP 691 JSON (else it is HTML)."""
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type in (JSON_V1, "application/json"):
        return True
    if _SIMPLE_JSON.match(media_type):
        # Another version of the JSON API: refuse rather than guess (PEP 691).
        raise MalformedPage(
            f"the page {redact(page_url)} is not a valid simple repository page",
            f"it is served as {media_type}, which inst does not understand",
            "use an index that offers version 1 of the simple API",
        )
    return False


def _decode(data: bytes, content_type: str) -> str:
    charset = "utf-8"  # PEP 503 pages are UTF-8 unless the server says otherwise
    for param in content_type.partition(";")[2].split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    # Replacement characters can only break names that would not parse anyway.
    return data.decode(charset, errors="replace")


def _sniff(path: Path, data: bytes) -> str:
    """A Content-Type for a page read from disk, where nobody negotiates."""
    if path.suffix == ".json":
        return JSON_V1
    if path.suffix in (".html", ".htm"):
        return "text/html"
    return JSON_V1 if data.lstrip()[:1] == b"{" else "text/html"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise InstError(
            f"could not read {path}", error.strerror or str(error), ""
        ) from None


def _read_local_page(path: Path, page_url: str, source: str) -> list[DistFile]:
    data = _read_bytes(path)
    return parse_page(data, _sniff(path, data), page_url, source)


def _read_local_listing(path: Path, page_url: str, source: str) -> Listing:
    data = _read_bytes(path)
    return page_listing(data, _sniff(path, data), page_url, source)


def _refused(kind: str, url: str, status: int, client: HttpClient) -> InstError:
    return InstError(
        f"the {kind} {redact(url)} refused access (HTTP {status})",
        "it needs credentials that inst did not send or that it did not accept",
        redact(client.auth_hint(url)),
    )


def _http_failure(url: str, response: requests.Response) -> NetworkError:
    reason = f"the server answered HTTP {response.status_code}"
    if response.reason:
        reason += f" {response.reason}"
    return NetworkError.for_url(url, reason)


def _forget(
    client: HttpClient,
    url: str,
    headers: dict[str, str],
    response: requests.Response,
    reporter: IndexReporter,
) -> bool:
    """A page that does not parse must not stay in the HTTP cache. Returns whether
    it came from there (then it is worth asking the server once more)."""
    from inst.index.cache import is_from_cache

    client.forget(url, headers)
    if not is_from_cache(response):
        return False
    reporter.cached_page_dropped(redact(url))
    return True


@dataclass(frozen=True)
class IndexSource:
    """A simple-API index (PEP 503/691): one page per project under ``url``."""

    url: str  # the root, always with a trailing slash
    reporter: IndexReporter = field(
        default_factory=IndexReporter, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if not self.url.endswith("/"):
            object.__setattr__(self, "url", self.url + "/")

    @property
    def display(self) -> str:
        """The root as it may be shown: credentials hidden."""
        return redact(self.url)

    def project_url(self, name: NormalizedName) -> str:
        return f"{self.url}{name}/"

    @property
    def is_local(self) -> bool:
        """A file:// index: its pages are read from disk."""
        return self.url.partition(":")[0].lower() == "file"

    def project_files(
        self, client: HttpClient, name: NormalizedName
    ) -> list[DistFile] | None:
        """The files of a project; None when this index does not have it."""
        listing = self.project_listing(client, name)
        return None if listing is None else listing.files()

    def project_listing(
        self, client: HttpClient, name: NormalizedName
    ) -> Listing | None:
        """project_files() as a Listing (files made when asked for)."""
        url = self.project_url(name)
        scheme = url.partition(":")[0].lower()
        if scheme in ("http", "https"):
            return self._fetch(client, url)
        if scheme == "file":
            return self._read_local(name)
        raise InstError(
            f"the index URL {self.display} is not usable",
            f"inst reads indexes over http, https and file, not {scheme}",
        )

    def _fetch(self, client: HttpClient, url: str) -> Listing | None:
        headers = {"Accept": INDEX_ACCEPT}
        response = client.get(url, headers=headers, cache=True)
        status = response.status_code
        if status in _MISSING:
            return None
        if status in _REFUSED:
            raise _refused("index", self.url, status, client)
        if not 200 <= status < 300:
            raise _http_failure(url, response)
        try:
            return page_listing(
                response.content,
                response.headers.get("Content-Type", ""),
                # After redirects, relative links resolve against where the page is.
                response.url or url,
                self.display,
            )
        except MalformedPage:
            if not _forget(client, url, headers, response, self.reporter):
                raise
            return self._fetch(client, url)  # the entry is gone: the server answers

    def _read_local(self, name: NormalizedName) -> Listing | None:
        root = path_from_file_url(self.url)
        project = root / name
        # os.path answers False for a name the filesystem cannot hold (ENAMETOOLONG).
        if os.path.isdir(project):
            # No negotiation on disk: JSON first, as PEP 691 prefers.
            for page in ("index.json", "index.html"):
                if os.path.isfile(project / page):
                    page_url = f"{self.project_url(name)}{page}"
                    return _read_local_listing(project / page, page_url, self.display)
            return None
        if os.path.isfile(project):
            # A flat layout with one page file per project.
            return _read_local_listing(project, f"{self.url}{name}", self.display)
        return None


class FindLinksSource:
    """A --find-links location: a local directory, a local HTML file, a single archive,
    or the URL of an HTML page (file://, http://, https://).

    The listing is read once per run (the first caller reads, others wait) and then
    filtered per project.
    """

    def __init__(self, location: str, reporter: IndexReporter | None = None) -> None:
        self.location = location
        self.reporter = reporter or IndexReporter()
        self._lock = threading.Lock()
        self._by_project: dict[NormalizedName, list[DistFile]] | None = None

    def __repr__(self) -> str:
        return f"FindLinksSource({redact(self.location)!r})"

    @property
    def display(self) -> str:
        return redact(self.location)

    @property
    def is_local(self) -> bool:
        """A path or a file:// URL: read from disk."""
        location = self.location
        return not _SCHEME.match(location) or (
            location.partition(":")[0].lower() == "file"
        )

    def project_files(self, client: HttpClient, name: NormalizedName) -> list[DistFile]:
        with self._lock:
            if self._by_project is None:
                grouped: dict[NormalizedName, list[DistFile]] = {}
                for file in self._list(client):
                    grouped.setdefault(file.project, []).append(file)
                self._by_project = grouped
            return list(self._by_project.get(name, ()))

    def _list(self, client: HttpClient) -> list[DistFile]:
        location = self.location
        if not _SCHEME.match(location):
            return self._list_path(Path(location).expanduser(), None)
        scheme = location.partition(":")[0].lower()
        if scheme == "file":
            return self._list_path(path_from_file_url(location), location)
        if scheme in ("http", "https"):
            return self._fetch(client)
        raise InstError(
            f"the find-links location {self.display} is not usable",
            f"inst reads find-links over http, https and file, not {scheme}",
        )

    def _list_path(self, path: Path, url: str | None) -> list[DistFile]:
        if os.path.isdir(path):  # os.path: False for a name too long, not a crash
            return self._list_directory(path)
        if os.path.isfile(path):
            page_url = url or file_url(path.absolute())
            if is_dist_filename(path.name):
                return self._listed([path])
            return _read_local_page(path, page_url, self.display)
        self.reporter.warning(
            f"the find-links location {self.display} does not exist; it is ignored"
        )
        return []

    def _list_directory(self, directory: Path) -> list[DistFile]:
        try:
            with os.scandir(directory) as entries:
                paths = [
                    Path(entry.path)
                    for entry in entries
                    if is_dist_filename(entry.name) and entry.is_file()
                ]
        except OSError as error:
            raise InstError(
                f"could not list the find-links directory {directory}",
                error.strerror or str(error),
            ) from None
        return self._listed(sorted(paths))

    def _listed(self, paths: list[Path]) -> list[DistFile]:
        files = []
        for path in paths:
            file = parse_dist_file(
                DistFile(
                    filename=path.name,
                    url=file_url(path.absolute()),
                    source=self.display,
                )
            )
            if file is not None:
                files.append(file)
        return files

    def _fetch(self, client: HttpClient) -> list[DistFile]:
        headers = {"Accept": FIND_LINKS_ACCEPT}
        response = client.get(self.location, headers=headers, cache=True)
        status = response.status_code
        if status in _MISSING:
            self.reporter.warning(
                f"the find-links page {self.display} was not found "
                f"(HTTP {status}); it is ignored"
            )
            return []
        if status in _REFUSED:
            raise _refused("find-links page", self.location, status, client)
        if not 200 <= status < 300:
            raise _http_failure(self.location, response)
        try:
            return parse_page(
                response.content,
                response.headers.get("Content-Type", ""),
                response.url or self.location,
                self.display,
            )
        except MalformedPage:
            if not _forget(client, self.location, headers, response, self.reporter):
                raise
            return self._fetch(client)  # the entry is gone: the server answers

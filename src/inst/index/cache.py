"""A small HTTP cache on disk for index pages and PEP 658 metadata files.

One file per (URL, Accept) pair under ``cache_dir/http/``, holding the status, the
headers that matter for caching and the body. Freshness follows the response's
Cache-Control: ``max-age`` makes an entry usable without a request for that long,
``no-cache`` or a stale entry is revalidated with If-None-Match / If-Modified-Since,
``no-store`` is never written. Entries are written whole (``inst.fileio``: a temporary
file moved into place), so concurrent threads and processes only ever see whole
entries; anything unreadable is treated as a miss and overwritten. Only bodies that
arrived whole are stored (the client checks them against Content-Length), and a body
that then fails its caller's check (a page that does not parse, a metadata file with
the wrong hash) is dropped again with ``HttpClient.forget``.

Why not CacheControl (pip's choice): measured against it with the same server, a fresh
hit here costs 0.03-0.12 ms against 0.3-1.0 ms (1.5 KB and 1.2 MB pages), revalidation
costs the same (the round trip dominates), and it needs no msgpack or filelock.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from inst import fileio
from inst._records import dataclass

if TYPE_CHECKING:
    import requests

    from inst.cache import HttpPages

_MAGIC = b"inst-http-cache 1\n"

# The response headers kept with an entry: what freshness, revalidation and the
# caller (content type for parsing) need.
KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Date")

#: Set on responses that came from the cache (fresh, or revalidated by a 304).
FROM_CACHE = "from_cache"


def parse_cache_control(value: str | None) -> dict[str, str | None]:
    """``"max-age=60, no-cache"`` → {"max-age": "60", "no-cache": None}."""
    directives: dict[str, str | None] = {}
    for part in (value or "").split(","):
        name, equals, argument = part.strip().partition("=")
        if name:
            directives[name.lower()] = argument.strip().strip('"') if equals else None
    return directives


def _max_age(directives: Mapping[str, str | None]) -> int | None:
    value = directives.get("max-age")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # an unreadable max-age counts as none: revalidate


@dataclass(frozen=True)
class CacheEntry:
    """One stored response."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    stored_at: float  # when stored or last revalidated (time.time()), minus any Age
    # Where the body came from after redirects: relative links resolve against it.
    final_url: str = ""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def is_fresh(self, now: float) -> bool:
        directives = parse_cache_control(self.header("Cache-Control"))
        if "no-cache" in directives or "no-store" in directives:
            return False
        max_age = _max_age(directives)
        age = now - self.stored_at
        # A clock that went backwards (negative age) is not trusted either.
        return max_age is not None and 0 <= age < max_age

    def validators(self) -> dict[str, str]:
        """Headers for a conditional request that revalidates this entry."""
        headers = {}
        etag = self.header("ETag")
        if etag:
            headers["If-None-Match"] = etag
        last_modified = self.header("Last-Modified")
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return headers


def storable(status: int, headers: Mapping[str, str]) -> bool:
    """Whether a response is worth keeping: a 200 that may be stored and is either
    fresh for a while or can be revalidated."""
    if status != 200:
        return False
    lowered = {k.lower(): v for k, v in headers.items()}
    directives = parse_cache_control(lowered.get("cache-control"))
    if "no-store" in directives:
        return False
    max_age = _max_age(directives)
    return bool(
        (max_age and max_age > 0) or lowered.get("etag") or lowered.get("last-modified")
    )


def _kept(headers: Mapping[str, str]) -> dict[str, str]:
    lowered = {k.lower(): v for k, v in headers.items()}
    return {
        name: lowered[name.lower()] for name in KEPT_HEADERS if name.lower() in lowered
    }


def _age(headers: Mapping[str, str]) -> float:
    # An Age header says how long the response already sat in a proxy cache.
    value = next((v for k, v in headers.items() if k.lower() == "age"), "0")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 0.0


class HttpCache:
    """The entries of the cache's HTTP bucket (``cache_dir/http``); over the null
    cache's, nothing is kept."""

    def __init__(self, pages: HttpPages) -> None:
        self.pages = pages

    @property
    def keeps(self) -> bool:
        return self.pages.keeps

    def path_for(self, url: str, accept: str) -> Path | None:
        import hashlib  # here: a run on file:// indexes and local files needs none

        key = hashlib.sha256(f"{url}\n{accept}".encode()).hexdigest()
        return self.pages.entry(key)

    def load(self, url: str, accept: str) -> CacheEntry | None:
        path = self.path_for(url, accept)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        entry = _decode(data)
        if entry is None or entry.url != url:
            # Corrupt (or, absurdly, a hash collision): a miss; the next store rewrites it.
            _unlink(path)
            return None
        return entry

    def store(self, accept: str, entry: CacheEntry) -> None:
        """Write an entry atomically; a cache that cannot be written is just skipped."""
        path = self.path_for(entry.url, accept)
        if path is None:
            return
        header = {
            "url": entry.url,
            "status": entry.status,
            "headers": dict(entry.headers),
            "stored_at": entry.stored_at,
            "length": len(entry.body),
            "final_url": entry.final_url,
        }
        data = _MAGIC + json.dumps(header).encode() + b"\n" + entry.body
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fileio.write_bytes(path, data)
        except OSError:
            pass  # a full or read-only cache only costs speed (as pip)

    def delete(self, url: str, accept: str) -> None:
        path = self.path_for(url, accept)
        if path is not None:
            _unlink(path)

    def fetch(
        self,
        url: str,
        headers: Mapping[str, str],
        send: Callable[[Mapping[str, str]], requests.Response],
    ) -> requests.Response:
        """GET ``url`` through the cache; ``send(headers)`` does the real request."""
        accept = next((v for k, v in headers.items() if k.lower() == "accept"), "")
        request_directives = parse_cache_control(
            next((v for k, v in headers.items() if k.lower() == "cache-control"), None)
        )
        # A request asking for a fresh answer (e.g. max-age=0) skips fresh entries.
        may_serve_fresh = (
            "no-cache" not in request_directives and _max_age(request_directives) != 0
        )
        entry = self.load(url, accept)
        now = time.time()
        if entry is not None and may_serve_fresh and entry.is_fresh(now):
            return to_response(entry)

        conditional = dict(headers)
        if entry is not None:
            conditional.update(entry.validators())
        response = send(conditional)

        if response.status_code == 304 and entry is not None:
            # The server confirmed our copy: keep the body, take the new validators
            # and freshness, and count the age from now.
            merged = {**entry.headers, **_kept(response.headers)}
            entry = replace(
                entry, headers=merged, stored_at=time.time() - _age(response.headers)
            )
            self.store(accept, entry)
            response.close()
            return to_response(entry)
        if storable(response.status_code, response.headers):
            self.store(
                accept,
                CacheEntry(
                    url=url,
                    status=response.status_code,
                    headers=_kept(response.headers),
                    body=response.content,
                    stored_at=time.time() - _age(response.headers),
                    final_url=response.url,
                ),
            )
        elif entry is not None and response.status_code == 200:
            self.delete(url, accept)  # e.g. now no-store: the old copy must go
        return response


def _decode(data: bytes) -> CacheEntry | None:
    if not data.startswith(_MAGIC):
        return None
    header_line, newline, body = data[len(_MAGIC) :].partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(header_line)
        url, status, headers = header["url"], header["status"], header["headers"]
        stored_at, length = float(header["stored_at"]), header["length"]
        final_url = header.get("final_url") or url
    except (ValueError, KeyError, TypeError):
        return None
    if (
        not isinstance(url, str)
        or not isinstance(status, int)
        or not isinstance(final_url, str)
        or not isinstance(headers, dict)
        or not all(isinstance(v, str) for v in headers.values())
        or length != len(body)  # truncated or padded: not ours to trust
    ):
        return None
    return CacheEntry(url, status, headers, body, stored_at, final_url)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def to_response(entry: CacheEntry) -> requests.Response:
    """A requests.Response carrying a cached entry, marked ``from_cache = True``."""
    import requests  # deferred: not needed to import this module
    from requests.structures import CaseInsensitiveDict
    from requests.utils import get_encoding_from_headers

    response = requests.Response()
    response.status_code = entry.status
    response.reason = "OK"
    response.url = entry.final_url or entry.url
    response.headers = CaseInsensitiveDict(entry.headers)
    response.encoding = get_encoding_from_headers(response.headers)
    response._content = entry.body
    response._content_consumed = True  # type: ignore[attr-defined]
    setattr(response, FROM_CACHE, True)  # not a declared attribute
    return response


def is_from_cache(response: requests.Response) -> bool:
    """Whether a response was served from the HTTP cache."""
    return bool(getattr(response, FROM_CACHE, False))

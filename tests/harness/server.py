"""A local HTTP server for a LocalIndex directory, with hooks for failure tests.

It speaks enough HTTP for an installer's client: content negotiation of the
simple API (PEP 691), redirects for slashless directories, Range requests,
ETag/Last-Modified revalidation, HEAD, and optional basic auth. It listens on
127.0.0.1 only, on a free port, from a background thread.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import html
import mimetypes
import os
import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self needs Python 3.11

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html; charset=utf-8"

# Accepted media type -> (page file in the directory, Content-Type sent back).
_NEGOTIABLE: dict[str, tuple[str, str]] = {
    JSON_V1: ("index.json", JSON_V1),
    "application/vnd.pypi.simple.latest+json": ("index.json", JSON_V1),
    HTML_V1: ("index.html", HTML_V1),
    "application/vnd.pypi.simple.latest+html": ("index.html", HTML_V1),
    "text/html": ("index.html", TEXT_HTML),
    "text/*": ("index.html", TEXT_HTML),
    "*/*": ("index.html", TEXT_HTML),
}

_CONTENT_TYPES = {
    ".whl": "application/octet-stream",
    ".metadata": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".html": TEXT_HTML,
}

MAX_STALL_SECONDS = 30.0  # a stall never outlives this, whatever a test asks
STOP_TIMEOUT_SECONDS = 5.0


@dataclass
class RequestRecord:
    """One request as the server saw it; status is set once answered."""

    method: str
    path: str  # the request target as sent, query included
    headers: Message
    status: int | None = None


@dataclass
class _Rule:
    prefix: str
    remaining: int | None  # None: every matching request
    status: int = 0
    seconds: float = 0.0
    how: str = ""  # break_body(): "short", "reset" or "stall"
    exact: bool = False  # the path itself, not everything it starts

    def take(self, path: str) -> bool:
        matches = path == self.prefix if self.exact else path.startswith(self.prefix)
        if not matches or self.remaining == 0:
            return False
        if self.remaining is not None:
            self.remaining -= 1
        return True


@dataclass
class _Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    cut: _Rule | None = None  # break the body after half of it (break_body())


#: How a body can break (break_body()).
BODY_BREAKS = ("short", "reset", "stall")


class _RangeNotSatisfiable(Exception):
    pass


def parse_accept(value: str | None) -> list[str]:
    """Media types from an Accept header, most preferred first, q=0 dropped."""
    if not value:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(value.split(",")):
        media_type, *params = (part.strip() for part in item.split(";"))
        if not media_type:
            continue
        quality = 1.0
        for param in params:
            key, _, raw = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(raw)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media_type.lower()))
    ranked.sort()  # by quality descending, then by order in the header
    return [media_type for negative_q, _, media_type in ranked if negative_q < 0]


def negotiate(accept: str | None, directory: Path) -> tuple[Path, str] | None:
    """The page of a simple API directory to serve for this Accept header."""
    wanted = parse_accept(accept) or ["*/*"]
    for media_type in wanted:
        choice = _NEGOTIABLE.get(media_type)
        if choice and (directory / choice[0]).is_file():
            return directory / choice[0], choice[1]
    return None


def parse_range(value: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive byte positions, or None to ignore the header.

    Raises _RangeNotSatisfiable when the range lies outside the content.
    Multiple ranges are ignored (serving the whole body is allowed by RFC 9110).
    """
    unit, _, spec = value.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec or "-" not in spec:
        return None
    first_text, _, last_text = (part.strip() for part in spec.partition("-"))
    try:
        if not first_text:  # suffix range: the last N bytes
            suffix = int(last_text)
            if suffix <= 0 or size == 0:
                raise _RangeNotSatisfiable
            return max(0, size - suffix), size - 1
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
    except ValueError:
        return None
    if first < 0 or (last_text and last < first):
        return None  # syntactically invalid: ignore it
    if first >= size:
        raise _RangeNotSatisfiable
    return first, min(last, size - 1)


def _etag_matches(header: str, etag: str) -> bool:
    tags = [t.strip() for t in header.split(",")]
    # Weak comparison, as If-None-Match requires.
    return "*" in tags or etag in (t.removeprefix("W/") for t in tags)


def _not_modified_since(header: str, mtime: int) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    return since is not None and mtime <= since.timestamp()


def _listing(directory: Path, url_path: str) -> bytes:
    """A plain HTML listing of a directory: makes files/ usable as --find-links over HTTP."""
    links = "".join(
        f'<a href="{html.escape(p.name + ("/" if p.is_dir() else ""))}">{html.escape(p.name)}</a><br>\n'
        for p in sorted(directory.iterdir())
    )
    title = html.escape(f"Index of {url_path}")
    return f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>\n{links}</body></html>\n".encode()


def _error(status: int, message: str = "") -> _Response:
    body = (message or f"{status}\n").encode("utf-8")
    return _Response(status, {"Content-Type": "text/plain; charset=utf-8"}, body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a handler thread never keeps the process alive
    owner: IndexServer

    def __init__(self, owner: IndexServer) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn) that can
        # take seconds on machines without DNS; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = super().get_request()
        # Headers and body go out in two sends; without this, Nagle's algorithm
        # meets the client's delayed ACK and every keep-alive request costs 40 ms.
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(conn)
        return conn, addr

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handlers blocked on idle keep-alive connections."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up (timeouts, stop()) are expected in tests: stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, as real indexes do
    timeout = 10  # idle keep-alive connections end on their own

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def _handle(self, *, send_body: bool) -> None:
        owner = self.server.owner
        record = RequestRecord(self.command, self.path, self.headers)
        with owner._lock:
            owner.requests.append(record)
        response = owner._respond(self.path, self.headers)
        record.status = response.status
        # A 304 carries the length of the body it stands for, others their own.
        length = response.headers.pop("Content-Length", str(len(response.body)))
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", length)
        self.end_headers()
        if send_body and response.status != 304:
            if response.cut is not None and response.body:
                self._send_broken(response.body, response.cut)
                return
            self.wfile.write(response.body)

    def _send_broken(self, body: bytes, rule: _Rule) -> None:
        """Half the body, then: close ("short"), abort with a TCP reset ("reset"),
        or silence for rule.seconds and then close ("stall")."""
        self.close_connection = True
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        if rule.how == "stall":
            self.server.owner._stopping.wait(rule.seconds)
        elif rule.how == "reset":
            # SO_LINGER 0: close() sends RST instead of FIN.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
        self.connection.close()


class IndexServer:
    """Serve a directory (usually LocalIndex.root) on http://127.0.0.1:<port>/.

    Use as a context manager or call start()/stop(). Hooks (fail, stall,
    require_auth, add_headers) apply to requests whose path starts with a prefix.
    """

    def __init__(self, directory: os.PathLike[str] | str) -> None:
        self.directory = Path(directory).resolve()
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._fail_rules: list[_Rule] = []
        self._stall_rules: list[_Rule] = []
        self._break_rules: list[_Rule] = []
        self._header_rules: list[tuple[str, dict[str, str]]] = []
        self._auth: tuple[str, str] | None = None
        self._auth_prefix = "/"
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown()
            name=f"IndexServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; bounded even when handlers are stalled or connections idle."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        self._stopping.set()  # wakes stalled handlers
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        thread.join(STOP_TIMEOUT_SECONDS)
        self._httpd = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("IndexServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return self.url + "simple/"

    @property
    def files_url(self) -> str:
        return self.url + "files/"

    def url_with_auth(self, user: str, password: str, path: str = "simple/") -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}/{path}"

    # -- test hooks --------------------------------------------------------------

    def fail(self, path_prefix: str, status: int = 500, times: int = 2) -> None:
        """Answer the next `times` requests under path_prefix with `status`."""
        with self._lock:
            self._fail_rules.append(_Rule(path_prefix, times, status=status))

    def stall(self, path_prefix: str, seconds: float, times: int | None = None) -> None:
        """Delay responses under path_prefix (capped at MAX_STALL_SECONDS; stop() ends it)."""
        with self._lock:
            self._stall_rules.append(
                _Rule(path_prefix, times, seconds=min(seconds, MAX_STALL_SECONDS))
            )

    def break_body(
        self,
        path_prefix: str,
        how: str = "short",
        times: int | None = 1,
        seconds: float = 5.0,
        exact: bool = False,
    ) -> None:
        """Send only half the body of the next `times` answers (None: all) under
        path_prefix (exact: that path only), with the whole body's Content-Length:
        "short" then closes the connection, "reset" aborts it with a TCP reset,
        "stall" sends nothing more for `seconds` (capped at MAX_STALL_SECONDS; stop()
        ends it) and closes."""
        if how not in BODY_BREAKS:
            raise ValueError(f"how must be one of {BODY_BREAKS}, not {how!r}")
        with self._lock:
            self._break_rules.append(
                _Rule(
                    path_prefix,
                    times,
                    seconds=min(seconds, MAX_STALL_SECONDS),
                    how=how,
                    exact=exact,
                )
            )

    def require_auth(
        self, user: str | None, password: str = "", path_prefix: str = "/"
    ) -> None:
        """Demand HTTP basic auth (401 otherwise); user=None turns it off."""
        with self._lock:
            self._auth = None if user is None else (user, password)
            self._auth_prefix = path_prefix

    def add_headers(self, path_prefix: str, headers: dict[str, str]) -> None:
        """Send extra headers (e.g. Cache-Control) on responses under path_prefix."""
        with self._lock:
            self._header_rules.append((path_prefix, dict(headers)))

    def reset_hooks(self) -> None:
        with self._lock:
            self._fail_rules.clear()
            self._stall_rules.clear()
            self._break_rules.clear()
            self._header_rules.clear()
            self._auth = None

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def requests_to(
        self, path_prefix: str, method: str | None = None
    ) -> list[RequestRecord]:
        with self._lock:
            return [
                r
                for r in self.requests
                if urlsplit(r.path).path.startswith(path_prefix)
                and (method is None or r.method == method)
            ]

    # -- request handling ------------------------------------------------------

    def _respond(self, target: str, headers: Message) -> _Response:
        path = urlsplit(target).path
        with self._lock:
            stall = next((r for r in self._stall_rules if r.take(path)), None)
            fail = next((r for r in self._fail_rules if r.take(path)), None)
            auth = (
                self._auth
                if self._auth and path.startswith(self._auth_prefix)
                else None
            )
            extra = {
                k: v
                for prefix, h in self._header_rules
                if path.startswith(prefix)
                for k, v in h.items()
            }
        if stall is not None:
            self._stopping.wait(stall.seconds)
        if fail is not None:
            return _error(fail.status)
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            if headers.get("Authorization") != f"Basic {token}":
                response = _error(401)
                response.headers["WWW-Authenticate"] = 'Basic realm="inst-test"'
                return response
        response = self._serve_path(target, path, headers)
        response.headers.update(extra)
        if response.status in (200, 206) and response.body:
            with self._lock:
                response.cut = next(
                    (r for r in self._break_rules if r.take(path)), None
                )
        return response

    def _serve_path(self, target: str, path: str, headers: Message) -> _Response:
        parts = [p for p in unquote(path).split("/") if p]
        if any(p in (".", "..") or "\\" in p for p in parts):
            return _error(404)
        local = self.directory.joinpath(*parts)
        content_type: str | None = None
        vary = False
        if local.is_dir():
            if not path.endswith("/"):
                query = urlsplit(target).query
                location = path + "/" + (f"?{query}" if query else "")
                return _Response(301, {"Location": location, "Content-Type": TEXT_HTML})
            if (local / "index.html").is_file() or (local / "index.json").is_file():
                chosen = negotiate(headers.get("Accept"), local)
                if chosen is None:
                    return _error(406)
                local, content_type = chosen
                vary = True
            else:
                response = _Response(
                    200, {"Content-Type": TEXT_HTML}, _listing(local, path)
                )
                return response
        elif not local.is_file():
            return _error(404)
        return self._serve_file(local, content_type, headers, vary)

    def _serve_file(
        self, local: Path, content_type: str | None, headers: Message, vary: bool
    ) -> _Response:
        body = local.read_bytes()
        mtime = int(local.stat().st_mtime)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if content_type is None:
            suffix = next((s for s in _CONTENT_TYPES if local.name.endswith(s)), "")
            content_type = (
                _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(local.name)[0]
            )
        common = {
            "Content-Type": content_type or "application/octet-stream",
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(mtime, usegmt=True),
            "Accept-Ranges": "bytes",
        }
        if vary:
            common["Vary"] = "Accept"

        if_none_match = headers.get("If-None-Match")
        if if_none_match is not None:
            not_modified = _etag_matches(if_none_match, etag)
        else:
            not_modified = _not_modified_since(
                headers.get("If-Modified-Since", ""), mtime
            )
        if not_modified:
            # Content-Length of a 304 must equal that of the 200 it stands for.
            return _Response(304, {**common, "Content-Length": str(len(body))})

        range_header = headers.get("Range")
        if_range = headers.get("If-Range")
        if range_header and (
            if_range is None or if_range in (etag, common["Last-Modified"])
        ):
            try:
                byte_range = parse_range(range_header, len(body))
            except _RangeNotSatisfiable:
                return _Response(
                    416, {**common, "Content-Range": f"bytes */{len(body)}"}
                )
            if byte_range is not None:
                first, last = byte_range
                common["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
                return _Response(206, common, body[first : last + 1])
        return _Response(200, common, body)

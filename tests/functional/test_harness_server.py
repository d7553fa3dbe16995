"""The harness HTTP server behaves like a package index for an installer's client."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Callable
from urllib.parse import urljoin

import pytest
import requests

from harness import IndexServer, LocalIndex

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"

Serve = Callable[[LocalIndex], IndexServer]


@pytest.fixture
def server(index_server: Serve, sample_index: LocalIndex) -> IndexServer:
    return index_server(sample_index)


@pytest.fixture
def session() -> requests.Session:
    with requests.Session() as s:
        yield s


def test_urls(server: IndexServer) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}/"
    assert server.simple_url == server.url + "simple/"


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/html", "text/html"),
        (JSON_V1, JSON_V1),
        ("application/vnd.pypi.simple.latest+json", JSON_V1),
        (HTML_V1, HTML_V1),
        (f"{JSON_V1}, text/html;q=0.2", JSON_V1),
        (f"text/html, {JSON_V1};q=0.1", "text/html"),
        (f"{HTML_V1};q=0.5, {JSON_V1};q=0.9, */*;q=0.1", JSON_V1),
    ],
)
def test_content_negotiation(
    server: IndexServer,
    session: requests.Session,
    accept: str | None,
    content_type: str,
) -> None:
    headers = {"Accept": accept} if accept else {}
    if accept is None:
        session.headers.pop("Accept", None)  # requests sends */* by default
    for page in ("", "simple/"):
        response = session.get(server.simple_url + page, headers=headers)
        assert response.status_code == 200
        assert response.headers["Content-Type"].split(";")[0] == content_type
        assert response.headers["Vary"] == "Accept"
        if content_type == JSON_V1:
            assert response.json()["meta"] == {"api-version": "1.1"}
        else:
            assert (
                '<meta name="pypi:repository-version" content="1.1">' in response.text
            )


def test_unacceptable_type_is_406(server: IndexServer) -> None:
    assert (
        requests.get(
            server.simple_url, headers={"Accept": "application/xml"}
        ).status_code
        == 406
    )


def test_slashless_directory_redirects_and_missing_is_404(server: IndexServer) -> None:
    response = requests.get(server.simple_url + "simple", allow_redirects=False)
    assert response.status_code == 301
    assert response.headers["Location"] == "/simple/simple/"
    assert (
        requests.get(server.simple_url + "simple").url == server.simple_url + "simple/"
    )
    assert requests.get(server.simple_url + "nope/").status_code == 404
    assert (
        requests.get(server.url + "files/%2e%2e/%2e%2e/etc/passwd").status_code == 404
    )


def test_files_match_index_hashes(
    server: IndexServer, session: requests.Session
) -> None:
    page_url = server.simple_url + "withdeps/"
    page = session.get(page_url, headers={"Accept": JSON_V1}).json()
    for f in page["files"]:
        response = session.get(urljoin(page_url, f["url"]))
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == f["hashes"]["sha256"]
        assert int(response.headers["Content-Length"]) == f["size"]
        if f["core-metadata"]:
            metadata = session.get(urljoin(page_url, f["url"]) + ".metadata").content
            assert hashlib.sha256(metadata).hexdigest() == f["core-metadata"]["sha256"]
    listing = session.get(server.files_url).text  # flat --find-links page
    assert 'href="withdeps-1.0.tar.gz"' in listing


def test_range_requests(
    server: IndexServer, sample_index: LocalIndex, session: requests.Session
) -> None:
    name = "simple-1.0-py3-none-any.whl"
    data = sample_index.dist_path(name).read_bytes()
    url = server.files_url + name
    size = len(data)
    for header, first, last in [
        ("bytes=0-9", 0, 9),
        ("bytes=10-", 10, size - 1),
        ("bytes=-22", size - 22, size - 1),
    ]:
        response = session.get(url, headers={"Range": header})
        assert response.status_code == 206
        assert response.content == data[first : last + 1]
        assert response.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
        assert response.headers["Accept-Ranges"] == "bytes"
    response = session.get(url, headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"
    head = session.head(url)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["Content-Length"]) == size


def test_conditional_requests(server: IndexServer, session: requests.Session) -> None:
    url = server.simple_url + "simple/"
    first = session.get(url, headers={"Accept": JSON_V1})
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = session.get(url, headers={"Accept": JSON_V1, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.raw.headers.getlist("Content-Length") == [
        first.headers["Content-Length"]
    ]
    assert again.headers["ETag"] == etag
    assert (
        session.get(url, headers={"If-Modified-Since": last_modified}).status_code
        == 304
    )
    # The HTML variant has another ETag, so the JSON one does not validate it.
    assert (
        session.get(
            url, headers={"Accept": "text/html", "If-None-Match": etag}
        ).status_code
        == 200
    )
    assert session.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_fail_hook(server: IndexServer, session: requests.Session) -> None:
    server.fail("/simple/simple/", status=503, times=2)
    statuses = [
        session.get(server.simple_url + "simple/").status_code for _ in range(3)
    ]
    assert statuses == [503, 503, 200]
    assert session.get(server.simple_url + "another/").status_code == 200
    records = server.requests_to("/simple/simple/")
    assert [r.status for r in records] == statuses
    assert records[0].method == "GET" and records[0].headers["Accept"] == "*/*"


def test_stall_hook_times_out_client(server: IndexServer) -> None:
    server.stall("/files/", 5, times=1)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(server.files_url + "simple-1.0.tar.gz", timeout=0.2)
    assert time.monotonic() - started < 2
    assert (
        requests.get(server.files_url + "simple-1.0.tar.gz", timeout=5).status_code
        == 200
    )


def test_stop_does_not_wait_for_stalled_requests(sample_index: LocalIndex) -> None:
    server = IndexServer(sample_index.root).start()
    server.stall("/", 30)
    url = server.simple_url
    client = threading.Thread(target=_swallow, args=(url,))
    client.start()
    assert _wait(lambda: len(server.requests) == 1)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    client.join(5)
    assert not client.is_alive()


def _swallow(url: str) -> None:
    try:
        requests.get(url, timeout=30)
    except requests.RequestException:
        pass  # the server going away mid-request is the point of the test


def _wait(predicate: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_basic_auth(server: IndexServer) -> None:
    server.require_auth("user", "s3cret")
    response = requests.get(server.simple_url)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic")
    assert requests.get(server.simple_url, auth=("user", "wrong")).status_code == 401
    assert requests.get(server.simple_url, auth=("user", "s3cret")).status_code == 200
    assert requests.get(server.url_with_auth("user", "s3cret")).status_code == 200


def test_extra_headers_and_json_body(server: IndexServer) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=0"})
    response = requests.get(server.simple_url, headers={"Accept": JSON_V1})
    assert response.headers["Cache-Control"] == "max-age=0"
    assert {"name": "simple"} in json.loads(response.content)["projects"]

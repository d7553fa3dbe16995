"""The index client against real indexes: file:// trees and the harness HTTP server
(negotiation, retries, timeouts, auth, the HTTP cache, find-links, threads)."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Union

import pytest

from harness import (
    SAMPLE_YANK_REASON,
    DistFactory,
    IndexServer,
    LocalIndex,
)
from inst.cache import NULL_CACHE, Cache
from inst.cli.reporters.index import TextIndexReporter
from inst.errors import InstError
from inst.index import (
    FindLinksSource,
    HttpClient,
    HttpConfig,
    IndexSource,
    MalformedPage,
    NetworkError,
    is_from_cache,
)
from inst.index.cache import HttpCache
from inst.index.sources import INDEX_ACCEPT
from inst.models import DistFile, canonical

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"

Serve = Callable[[Union[LocalIndex, Path]], IndexServer]
MakeClient = Callable[..., HttpClient]


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[MakeClient]:
    """make_client(**HttpConfig fields) -> HttpClient with a cache in tmp_path, fast
    timeouts and retries unless given."""
    clients: list[HttpClient] = []

    def make(**fields: object) -> HttpClient:
        defaults: dict[str, object] = {
            "timeout": 5.0,
            "retries": 2,
            "pages": Cache(tmp_path / "cache").http,
        }
        client = HttpClient(HttpConfig(**{**defaults, **fields}))  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> HttpClient:
    return make_client()


@pytest.fixture
def server(index_server: Serve, sample_index: LocalIndex) -> IndexServer:
    return index_server(sample_index)


def shape(files: list[DistFile] | None) -> list[tuple[object, ...]]:
    """What must agree between formats and transports (not the URL base, nor the size
    that only JSON pages carry)."""
    assert files is not None
    return [
        (
            f.filename,
            f.url.rsplit("/files/", 1)[1],
            dict(f.hashes),
            f.requires_python,
            f.yanked,
            None if f.metadata_hashes is None else dict(f.metadata_hashes),
        )
        for f in files
    ]


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def message(error: pytest.ExceptionInfo[InstError]) -> str:
    return error.value.paragraph()


# -- negotiation and formats ---------------------------------------------------------------


def test_http_index_negotiates_json(
    server: IndexServer, client: HttpClient, sample_index: LocalIndex
) -> None:
    files = IndexSource(server.simple_url).project_files(client, canonical("another"))
    (request,) = server.requests_to("/simple/another/")
    assert request.headers["Accept"] == INDEX_ACCEPT
    assert files is not None
    assert [f.filename for f in files] == [
        "another-1.0-py3-none-any.whl",
        "another-1.0.tar.gz",
        "another-1.1-py3-none-any.whl",
        "another-1.1.tar.gz",
    ]
    assert all(f.size for f in files)  # only the JSON page has sizes
    assert files[0].url == server.files_url + "another-1.0-py3-none-any.whl"
    assert files[0].source == server.simple_url
    assert files[2].yanked == SAMPLE_YANK_REASON


def test_html_only_index_gives_the_same_files(
    index_server: Serve, sample_index: LocalIndex, make_client: MakeClient
) -> None:
    json_files = IndexSource(sample_index.file_url).project_files(
        make_client(pages=NULL_CACHE.http), canonical("another")
    )
    for page in sample_index.simple_dir.glob("*/index.json"):
        page.unlink()
    server = index_server(sample_index)
    html_files = IndexSource(server.simple_url).project_files(
        make_client(pages=NULL_CACHE.http), canonical("another")
    )
    assert shape(html_files) == shape(json_files)
    assert html_files is not None
    assert all(f.size is None for f in html_files)


def test_file_index_reads_json_then_html(
    sample_index: LocalIndex, client: HttpClient
) -> None:
    source = IndexSource(sample_index.file_url.rstrip("/"))
    assert source.url == sample_index.file_url  # the slash is added
    from_json = source.project_files(client, canonical("simple"))
    assert from_json is not None
    assert all(f.size for f in from_json)
    assert from_json[0].url == sample_index.dist_path(from_json[0].filename).as_uri()
    (sample_index.project_dir("simple") / "index.json").unlink()
    from_html = source.project_files(client, canonical("simple"))
    assert shape(from_html) == shape(from_json)
    assert from_html is not None
    assert all(f.size is None for f in from_html)


def test_file_index_project_as_a_file(tmp_path: Path, client: HttpClient) -> None:
    root = tmp_path / "flat"
    root.mkdir()
    (root / "demo").write_text(
        '<a href="demo-1.0.tar.gz#sha256=' + "a" * 64 + '">d</a>'
    )
    files = IndexSource(root.as_uri()).project_files(client, canonical("demo"))
    assert files is not None
    assert [(f.url, dict(f.hashes)) for f in files] == [
        ((root / "demo-1.0.tar.gz").as_uri(), {"sha256": "a" * 64})
    ]


def test_missing_project_is_none(
    server: IndexServer, sample_index: LocalIndex, client: HttpClient
) -> None:
    name = canonical("no-such-project")
    assert IndexSource(server.simple_url).project_files(client, name) is None
    assert IndexSource(sample_index.file_url).project_files(client, name) is None
    assert IndexSource("file:///no/such/index/").project_files(client, name) is None


def test_yanked_with_and_without_reason(
    index_server: Serve,
    make_index: Callable[..., LocalIndex],
    dist_factory: DistFactory,
    client: HttpClient,
) -> None:
    index = make_index(
        [*dist_factory.both("simple", "1.0"), *dist_factory.both("simple", "2.0")],
        yanked={"simple==1.0": True, "simple-2.0.tar.gz": "bad <sdist> & more"},
    )
    server = index_server(index)
    expected = {
        "simple-1.0-py3-none-any.whl": "",
        "simple-1.0.tar.gz": "",
        "simple-2.0-py3-none-any.whl": None,
        "simple-2.0.tar.gz": "bad <sdist> & more",
    }
    from_json = IndexSource(server.simple_url).project_files(
        client, canonical("simple")
    )
    assert {f.filename: f.yanked for f in from_json or []} == expected
    for page in index.simple_dir.glob("*/index.json"):
        page.unlink()
    from_html = IndexSource(index.file_url).project_files(client, canonical("simple"))
    assert {f.filename: f.yanked for f in from_html or []} == expected


def test_requires_python_through_html_escaping(
    server: IndexServer, sample_index: LocalIndex, client: HttpClient
) -> None:
    html = (sample_index.project_dir("needs-py-new") / "index.html").read_text()
    assert "&gt;=3.99" in html  # the page really escapes it
    for page in sample_index.simple_dir.glob("*/index.json"):
        page.unlink()
    files = IndexSource(server.simple_url).project_files(
        client, canonical("needs-py-new")
    )
    assert files
    assert {f.requires_python for f in files} == {">=3.99"}


def test_metadata_hashes(
    server: IndexServer,
    sample_index: LocalIndex,
    make_index: Callable[..., LocalIndex],
    dist_factory: DistFactory,
    client: HttpClient,
) -> None:
    files = IndexSource(server.simple_url).project_files(client, canonical("withdeps"))
    assert files
    for file in files:
        if file.is_wheel:
            metadata = sample_index.dist_path(file.filename + ".metadata").read_bytes()
            digest = hashlib.sha256(metadata).hexdigest()
            assert file.metadata_hashes == {"sha256": digest}
            assert file.metadata_url is not None
            response = client.get(file.metadata_url, cache=True)
            assert hashlib.sha256(response.content).hexdigest() == digest
        else:
            assert file.metadata_hashes is None
    without = make_index(dist_factory.both("withdeps", "1.0"), metadata_files=False)
    plain = IndexSource(without.file_url).project_files(client, canonical("withdeps"))
    assert plain
    assert all(f.metadata_hashes is None for f in plain)


# -- find-links ------------------------------------------------------------------------------


def test_find_links_directory(sample_index: LocalIndex, client: HttpClient) -> None:
    for location in (
        str(sample_index.find_links_dir),
        sample_index.find_links_dir.resolve().as_uri(),
    ):
        source = FindLinksSource(location)
        files = source.project_files(client, canonical("simple"))
        assert [f.filename for f in files] == [
            "simple-1.0-py3-none-any.whl",
            "simple-1.0.tar.gz",
            "simple-2.0-py3-none-any.whl",
            "simple-2.0.tar.gz",
        ]
        assert (
            files[0].url == sample_index.dist_path(files[0].filename).resolve().as_uri()
        )
        assert files[0].source == location
        assert source.project_files(client, canonical("nothing-here")) == []


def test_find_links_single_archive(
    sample_index: LocalIndex, client: HttpClient
) -> None:
    archive = sample_index.dist_path("simple-1.0.tar.gz")
    files = FindLinksSource(str(archive)).project_files(client, canonical("simple"))
    assert [f.filename for f in files] == ["simple-1.0.tar.gz"]


def test_find_links_local_html_page(
    tmp_path: Path, sample_index: LocalIndex, client: HttpClient
) -> None:
    page = tmp_path / "links.html"
    files_dir = sample_index.find_links_dir.resolve()
    page.write_text(
        "<html><body>"
        f'<a href="{files_dir.as_uri()}/another-1.0.tar.gz">abs</a>'
        '<a href="relative/another-1.1.tar.gz" data-yanked="old">rel</a>'
        '<a href="simple-1.0.tar.gz">other project</a>'
        "</body></html>"
    )
    for location in (str(page), page.as_uri()):
        files = FindLinksSource(location).project_files(client, canonical("another"))
        assert [(f.url, f.yanked) for f in files] == [
            (f"{files_dir.as_uri()}/another-1.0.tar.gz", None),
            (f"{tmp_path.as_uri()}/relative/another-1.1.tar.gz", "old"),
        ]


def test_find_links_http_page_is_read_once(
    server: IndexServer, client: HttpClient
) -> None:
    source = FindLinksSource(server.files_url)
    simple = source.project_files(client, canonical("simple"))
    another = source.project_files(client, canonical("another"))
    assert [f.filename for f in simple][:2] == [
        "simple-1.0-py3-none-any.whl",
        "simple-1.0.tar.gz",
    ]
    assert simple[0].url == server.files_url + "simple-1.0-py3-none-any.whl"
    assert len(another) == 4
    assert len(server.requests_to("/files/")) == 1


def test_find_links_missing_location_is_a_warning(
    tmp_path: Path,
    server: IndexServer,
    client: HttpClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for location in (str(tmp_path / "nowhere"), server.url + "nowhere/"):
        source = FindLinksSource(location, TextIndexReporter())  # the CLI's words
        assert source.project_files(client, canonical("x")) == []
        assert "is ignored" in capsys.readouterr().err


# -- failures ------------------------------------------------------------------------------


def test_server_errors_are_retried(server: IndexServer, client: HttpClient) -> None:
    server.fail("/simple/simple/", status=503, times=2)
    started = time.monotonic()
    files = IndexSource(server.simple_url).project_files(client, canonical("simple"))
    assert files
    assert [r.status for r in server.requests_to("/simple/simple/")] == [503, 503, 200]
    assert time.monotonic() - started < 5  # the backoff stays small


def test_server_errors_past_the_retries(
    server: IndexServer, make_client: MakeClient
) -> None:
    server.fail("/simple/simple/", status=500, times=10)
    client = make_client(retries=1)
    with pytest.raises(NetworkError) as raised:
        IndexSource(server.simple_url).project_files(client, canonical("simple"))
    text = message(raised)
    assert f"{server.simple_url}simple/" in text
    assert "HTTP 500" in text
    assert "tried 2 times" in text
    assert "--retries" in text
    assert len(server.requests_to("/simple/simple/")) == 2


def test_other_statuses_are_not_retried(
    server: IndexServer, client: HttpClient
) -> None:
    server.fail("/simple/simple/", status=418, times=1)
    with pytest.raises(NetworkError) as raised:
        IndexSource(server.simple_url).project_files(client, canonical("simple"))
    assert "HTTP 418" in message(raised)
    assert len(server.requests_to("/simple/simple/")) == 1
    response = client.get(server.url + "no-such-file.whl")
    assert response.status_code == 404  # the caller decides


def test_stalled_server_times_out(server: IndexServer, make_client: MakeClient) -> None:
    server.stall("/simple/", seconds=10)
    client = make_client(timeout=0.3, retries=1)
    started = time.monotonic()
    with pytest.raises(NetworkError) as raised:
        IndexSource(server.simple_url).project_files(client, canonical("simple"))
    assert time.monotonic() - started < 5
    text = message(raised)
    assert "no answer within 0.3 s" in text
    assert "--timeout" in text
    assert len(server.requests_to("/simple/")) == 2


def test_connection_refused(make_client: MakeClient) -> None:
    url = f"http://127.0.0.1:{unused_port()}/simple/"
    client = make_client(retries=1)
    with pytest.raises(NetworkError) as raised:
        IndexSource(url).project_files(client, canonical("simple"))
    text = message(raised)
    assert "could not fetch " + url + "simple/" in text
    assert "connection was refused" in text
    assert "Traceback" not in text and "HTTPConnection" not in text


def test_unreachable_proxy(server: IndexServer, make_client: MakeClient) -> None:
    client = make_client(proxy=f"http://127.0.0.1:{unused_port()}", retries=0)
    with pytest.raises(NetworkError) as raised:
        client.get(server.simple_url)
    assert "proxy" in message(raised)


def test_malformed_pages(
    server: IndexServer, sample_index: LocalIndex, client: HttpClient
) -> None:
    (sample_index.project_dir("simple") / "index.json").write_text("{not json")
    with pytest.raises(MalformedPage) as raised:
        IndexSource(server.simple_url).project_files(client, canonical("simple"))
    assert f"{server.simple_url}simple/" in message(raised)
    with pytest.raises(MalformedPage):
        IndexSource(sample_index.file_url).project_files(client, canonical("simple"))

    project = sample_index.project_dir("another")
    (project / "index.json").unlink()
    (project / "index.html").write_text(
        '<meta name="pypi:repository-version" content="2.0">'
        '<a href="../../files/another-1.0.tar.gz">a</a>'
    )
    with pytest.raises(MalformedPage) as raised:
        IndexSource(server.simple_url).project_files(client, canonical("another"))
    assert "version 2.0" in message(raised)


# -- credentials ---------------------------------------------------------------------------


def test_basic_auth_from_url_credentials(
    server: IndexServer, client: HttpClient
) -> None:
    server.require_auth("alice", "s3cret")
    with pytest.raises(InstError) as raised:
        IndexSource(server.simple_url).project_files(client, canonical("simple"))
    assert "refused access (HTTP 401)" in message(raised)
    assert "~/.netrc" in message(raised)

    source = IndexSource(server.url_with_auth("alice", "s3cret"))
    files = source.project_files(client, canonical("simple"))
    assert files
    assert files[0].source == f"http://alice:****@127.0.0.1:{server.port}/simple/"
    assert "s3cret" not in files[0].url  # later URLs get the remembered credentials
    response = client.get(files[0].url)
    assert response.status_code == 200
    assert (
        response.content
        == Path(server.directory, "files", files[0].filename).read_bytes()
    )
    assert all(
        r.headers["Authorization"] is not None for r in server.requests_to("/")[1:]
    )


def test_credentials_never_appear_in_errors(
    server: IndexServer, make_client: MakeClient
) -> None:
    server.require_auth("alice", "right")
    client = make_client(retries=0)
    with pytest.raises(InstError) as raised:
        IndexSource(server.url_with_auth("alice", "wrong")).project_files(
            client, canonical("simple")
        )
    assert "wrong" not in message(raised)
    assert f"http://alice:****@127.0.0.1:{server.port}/simple/" in message(raised)

    server.fail("/simple/", status=502, times=5)
    with pytest.raises(NetworkError) as raised_network:
        IndexSource(server.url_with_auth("alice", "right")).project_files(
            client, canonical("simple")
        )
    assert "right" not in message(raised_network)
    assert "HTTP 502" in message(raised_network)

    refused = f"http://bob:hunter2@127.0.0.1:{unused_port()}/simple/"
    with pytest.raises(NetworkError) as raised_refused:
        IndexSource(refused).project_files(client, canonical("simple"))
    assert "hunter2" not in message(raised_refused)
    assert "hunter2" not in repr(raised_refused.value.args)


def test_token_credentials(server: IndexServer, client: HttpClient) -> None:
    server.require_auth("tok3n", "")
    url = f"http://tok3n@127.0.0.1:{server.port}/simple/"
    assert IndexSource(url).project_files(client, canonical("simple"))


# -- the HTTP cache -------------------------------------------------------------------------


def test_fresh_cache_entries_need_no_request(
    server: IndexServer, client: HttpClient
) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=600"})
    source = IndexSource(server.simple_url)
    first = source.project_files(client, canonical("simple"))
    second = source.project_files(client, canonical("simple"))
    assert first == second
    assert len(server.requests_to("/simple/simple/")) == 1
    response = client.get(
        server.simple_url + "simple/", headers={"Accept": INDEX_ACCEPT}, cache=True
    )
    assert is_from_cache(response)
    assert response.headers["Content-Type"] == JSON_V1
    # Another Accept header is another entry (the page varies by Accept).
    html = client.get(
        server.simple_url + "simple/", headers={"Accept": "text/html"}, cache=True
    )
    assert not is_from_cache(html)
    assert html.headers["Content-Type"].startswith("text/html")


def test_cached_pages_keep_their_redirected_url(
    server: IndexServer, client: HttpClient
) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=600"})
    slashless = server.simple_url + "simple"  # the server redirects to simple/
    first = client.get(slashless, cache=True)
    second = client.get(slashless, cache=True)
    assert is_from_cache(second)
    assert first.url == second.url == slashless + "/"


def test_a_request_can_ask_to_skip_fresh_entries(
    server: IndexServer, client: HttpClient
) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=600"})
    url = server.simple_url + "simple/"
    client.get(url, cache=True)
    refreshed = client.get(url, headers={"Cache-Control": "max-age=0"}, cache=True)
    assert is_from_cache(refreshed)  # revalidated: 304
    assert [r.status for r in server.requests_to("/simple/simple/")] == [200, 304]


def test_stale_entries_are_revalidated(server: IndexServer, client: HttpClient) -> None:
    url = server.simple_url + "simple/"
    first = client.get(url, headers={"Accept": INDEX_ACCEPT}, cache=True)
    assert not is_from_cache(first)
    second = client.get(url, headers={"Accept": INDEX_ACCEPT}, cache=True)
    assert is_from_cache(second)
    assert second.content == first.content
    assert second.headers["Content-Type"] == JSON_V1
    requests = server.requests_to("/simple/simple/")
    assert [r.status for r in requests] == [200, 304]
    assert requests[1].headers["If-None-Match"] == first.headers["ETag"]
    assert requests[1].headers["If-Modified-Since"] == first.headers["Last-Modified"]


def test_no_cache_entries_are_revalidated_every_time(
    server: IndexServer, client: HttpClient
) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=600, no-cache"})
    url = server.simple_url + "simple/"
    for _ in range(3):
        client.get(url, cache=True)
    assert [r.status for r in server.requests_to("/simple/simple/")] == [200, 304, 304]


def test_a_304_refreshes_freshness(server: IndexServer, client: HttpClient) -> None:
    url = server.simple_url + "simple/"
    server.add_headers("/simple/", {"Cache-Control": "max-age=0"})
    client.get(url, cache=True)  # stored, immediately stale
    server.reset_hooks()
    server.add_headers("/simple/", {"Cache-Control": "max-age=600"})
    assert is_from_cache(client.get(url, cache=True))  # 304 with a new max-age
    assert is_from_cache(client.get(url, cache=True))  # now fresh: no request
    assert [r.status for r in server.requests_to("/simple/simple/")] == [200, 304]


def test_changed_pages_replace_the_entry(
    server: IndexServer, sample_index: LocalIndex, client: HttpClient
) -> None:
    url = server.simple_url + "simple/"
    client.get(url, headers={"Accept": "text/html"}, cache=True)
    page = sample_index.project_dir("simple") / "index.html"
    page.write_text(page.read_text() + "<!-- changed -->\n")
    changed = client.get(url, headers={"Accept": "text/html"}, cache=True)
    assert not is_from_cache(changed)
    assert b"changed" in changed.content
    again = client.get(url, headers={"Accept": "text/html"}, cache=True)
    assert is_from_cache(again)
    assert b"changed" in again.content


def test_no_store_is_never_stored(
    server: IndexServer, client: HttpClient, tmp_path: Path
) -> None:
    server.add_headers("/simple/", {"Cache-Control": "no-store"})
    url = server.simple_url + "simple/"
    client.get(url, cache=True)
    client.get(url, cache=True)
    assert [r.status for r in server.requests_to("/simple/simple/")] == [200, 200]
    assert "If-None-Match" not in server.requests_to("/simple/simple/")[1].headers
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]


def test_cache_false_and_no_cache_dir_bypass_the_cache(
    server: IndexServer, make_client: MakeClient, tmp_path: Path
) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=600"})
    url = server.simple_url + "simple/"
    client = make_client()
    client.get(url)
    client.get(url)
    uncached = make_client(pages=NULL_CACHE.http)
    uncached.get(url, cache=True)
    uncached.get(url, cache=True)
    assert len(server.requests_to("/simple/simple/")) == 4
    assert not (tmp_path / "cache").exists()


def test_corrupt_entries_are_ignored_and_rewritten(
    server: IndexServer, client: HttpClient, tmp_path: Path
) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=600"})
    url = server.simple_url + "simple/"
    body = client.get(url, headers={"Accept": JSON_V1}, cache=True).content
    entry = HttpCache(Cache(tmp_path / "cache").http).path_for(url, JSON_V1)
    assert entry.is_file()
    good = entry.read_bytes()
    for corrupt in (
        b"",
        b"garbage",
        good[:-10],
        good[:40],
        good.replace(b'"status"', b'"x"'),
    ):
        entry.write_bytes(corrupt)
        response = client.get(url, headers={"Accept": JSON_V1}, cache=True)
        assert not is_from_cache(response)
        assert response.content == body
        assert entry.read_bytes()[:40] == good[:40]  # rewritten whole
    assert not list(entry.parent.glob(".tmp-*"))


def test_unwritable_cache_is_skipped(
    server: IndexServer, make_client: MakeClient, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    client = make_client(pages=Cache(blocker).http)
    response = client.get(server.simple_url + "simple/", cache=True)
    assert response.status_code == 200


# -- threads and the rest ------------------------------------------------------------------


def test_concurrent_gets(server: IndexServer, make_client: MakeClient) -> None:
    client = make_client(max_connections=4)
    names = ["simple", "another", "withdeps", "withdata", "needs-py-new"]
    sources = [IndexSource(server.simple_url)] * 20
    with ThreadPoolExecutor(20) as pool:
        results = list(
            pool.map(
                lambda i: sources[i].project_files(
                    client, canonical(names[i % len(names)])
                ),
                range(20),
            )
        )
    for i, files in enumerate(results):
        assert files
        assert {f.project for f in files} == {names[i % len(names)]}

    find_links = FindLinksSource(server.files_url)
    with ThreadPoolExecutor(20) as pool:
        listed = list(
            pool.map(
                lambda i: find_links.project_files(client, canonical(names[i % 5])),
                range(20),
            )
        )
    assert all(listed)
    assert len(server.requests_to("/files/")) == 1

    with ThreadPoolExecutor(20) as pool:
        bodies = list(
            pool.map(
                lambda _: client.get(server.files_url + "simple-1.0.tar.gz").content,
                range(20),
            )
        )
    assert len(set(bodies)) == 1


def test_file_urls_through_get(sample_index: LocalIndex, client: HttpClient) -> None:
    path = sample_index.dist_path("simple-1.0.tar.gz")
    response = client.get(path.resolve().as_uri(), stream=True)
    assert response.status_code == 200
    assert b"".join(response.iter_content(1024)) == path.read_bytes()
    assert response.headers["Content-Length"] == str(path.stat().st_size)
    missing = client.get(path.with_name("nope.tar.gz").resolve().as_uri())
    assert missing.status_code == 404


def test_invalid_urls_are_an_inst_error(client: HttpClient) -> None:
    with pytest.raises(InstError) as raised:
        client.get("http://user:pw@[::1:80/simple/")
    assert "is not valid" in message(raised)
    assert ":pw@" not in message(raised)


def test_trusted_hosts(make_client: MakeClient) -> None:
    client = make_client(trusted_hosts=("internal.invalid", "127.0.0.1:8443"))
    assert client.is_trusted("https://internal.invalid/simple/")
    assert client.is_trusted("http://INTERNAL.invalid:8080/simple/")
    assert client.is_trusted("https://127.0.0.1:8443/simple/")
    assert not client.is_trusted("https://127.0.0.1:9443/simple/")
    assert not client.is_trusted("https://other.invalid/simple/")


def test_importing_the_index_client_does_not_import_requests() -> None:
    code = (
        "import sys, inst.index; "
        "assert 'requests' not in sys.modules and 'urllib3' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

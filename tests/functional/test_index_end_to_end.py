"""The index and transport layer as the commands use it: `inst download` and
`inst install --dry-run` in a subprocess against the harness HTTP server, with the
server's request log as the witness of what went over the wire (metadata sources,
retries, timeouts, credentials, the HTTP cache) and the disk as the witness of what
stayed behind."""

from __future__ import annotations

import copy
import random
import socket
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any, Callable, Union

import pytest

from harness import IndexServer, LocalIndex, build_index, make_wheel
from harness.checks import leftovers, names

Serve = Callable[[Union[LocalIndex, Path]], IndexServer]
RunInst = Callable[..., Any]  # run_inst: (*args) -> Run(code, out, err)

APP = "e2e_app-1.0-py3-none-any.whl"
LIB = "e2e_lib-1.1-py3-none-any.whl"
PASSWORD = "hunter2pass"


# -- helpers ---------------------------------------------------------------------------


def assert_one_error(run: Any) -> str:
    """Exit 1, one `error:` paragraph on stderr, no traceback; the paragraph."""
    code, out, err = run.code, run.out, run.err
    assert code == 1, (out, err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert "Traceback" not in err + out
    assert "internal error" not in err
    return str(errors[0])


def wheel_gets(server: IndexServer) -> list[tuple[str, str | None, int | None]]:
    """(path, Range header, status) of every GET of a wheel (not of a .metadata)."""
    return [
        (r.path, r.headers.get("Range"), r.status)
        for r in server.requests_to("/files/", "GET")
        if r.path.endswith(".whl")
    ]


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def inst(run_inst: RunInst, out: Path, cache: Path) -> RunInst:
    """inst("download", *args) adds -d OUT; every command gets --cache-dir CACHE,
    --retries 0 and --timeout 5 unless the arguments set them."""

    def run(command: str, *args: str) -> Any:
        extra = ["-d", str(out)] if command == "download" else []
        if "--no-cache-dir" not in args:
            extra += ["--cache-dir", str(cache)]
        if "--retries" not in args:
            extra += ["--retries", "0"]
        if "--timeout" not in args:
            extra += ["--timeout", "5"]
        return run_inst(command, *extra, *args)

    return run


def make_dists(dists: Path) -> list[Path]:
    """e2e-app 1.0 needs e2e-lib; e2e-lib 1.1 is bigger than the first range request
    (random bytes do not compress), so reading its metadata remotely needs a range."""
    data = random.Random(0).getrandbits(8 * 150_000).to_bytes(150_000, "little")
    return [
        make_wheel(dists, "e2e-app", "1.0", requires=["e2e-lib>=1"]),
        make_wheel(dists, "e2e-lib", "1.0"),
        make_wheel(
            dists,
            "e2e-lib",
            "1.1",
            files={"e2e_lib/__init__.py": "", "e2e_lib/blob.bin": data},
        ),
    ]


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    return build_index(tmp_path / "index", make_dists(tmp_path / "dists"))


@pytest.fixture
def bare_index(tmp_path: Path) -> LocalIndex:
    """The same index without PEP 658 metadata files."""
    return build_index(
        tmp_path / "bare-index", make_dists(tmp_path / "dists"), metadata_files=False
    )


@pytest.fixture
def server(index_server: Serve, index: LocalIndex) -> IndexServer:
    return index_server(index)


# -- where metadata comes from ---------------------------------------------------------


def test_metadata_from_pep658_files(
    inst, server: IndexServer, index: LocalIndex, out: Path
) -> None:
    run = inst("download", "e2e-app", "-i", server.simple_url)
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    paths = [r.path for r in server.requests]
    for wheel in (APP, LIB):
        assert paths.count(f"/files/{wheel}.metadata") == 1
    # Every wheel is fetched once, whole, and only after all the metadata: the
    # resolution never touched a wheel.
    assert sorted(wheel_gets(server)) == [
        (f"/files/{APP}", None, 200),
        (f"/files/{LIB}", None, 200),
    ]
    last_metadata = max(i for i, p in enumerate(paths) if p.endswith(".metadata"))
    first_wheel = min(i for i, p in enumerate(paths) if p.endswith(".whl"))
    assert last_metadata < first_wheel
    assert not server.requests_to("/files/e2e_lib-1.0")


def test_metadata_by_range_requests_without_pep658(
    inst, index_server: Serve, bare_index: LocalIndex, out: Path
) -> None:
    server = index_server(bare_index)
    run = inst("download", "e2e-app", "-i", server.simple_url)
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    assert not [r for r in server.requests if r.path.endswith(".metadata")]
    gets = wheel_gets(server)
    for wheel in (APP, LIB):
        mine = [
            (rng, status) for path, rng, status in gets if path == f"/files/{wheel}"
        ]
        # First the tail of the zip for the metadata, then the whole file once.
        assert mine[0] == ("bytes=-65536", 206)
        assert mine[-1] == (None, 200)
        assert all(status == 206 for _, status in mine[:-1])
    size = bare_index.dist_path(LIB).stat().st_size
    assert size > 65536  # so its tail really was only a part of it
    assert f"Downloading {LIB} ({size // 1000} kB)" in run.out


class NoRangeServer(IndexServer):
    """A server that ignores Range headers and always sends the whole file."""

    def _respond(self, target: str, headers: Message) -> Any:
        headers = copy.deepcopy(headers)  # the request log keeps the original
        del headers["Range"]
        return super()._respond(target, headers)


@pytest.fixture
def no_range_server(bare_index: LocalIndex) -> Iterator[IndexServer]:
    server = NoRangeServer(bare_index.root).start()
    yield server
    server.stop()


@pytest.mark.parametrize("cache_option", ["--cache-dir", "--no-cache-dir"])
def test_server_without_range_support_sends_each_wheel_once(
    inst,
    no_range_server: IndexServer,
    bare_index: LocalIndex,
    out: Path,
    tmp_path: Path,
    cache_option: str,
) -> None:
    args = ["--no-cache-dir"] if cache_option == "--no-cache-dir" else []
    run = inst("download", "e2e-app", "-i", no_range_server.simple_url, *args)
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    for wheel in (APP, LIB):
        assert (out / wheel).read_bytes() == bare_index.dist_path(wheel).read_bytes()
    # The whole file, sent for the metadata, is the one saved: no second transfer.
    assert sorted(wheel_gets(no_range_server)) == [
        (f"/files/{APP}", "bytes=-65536", 200),
        (f"/files/{LIB}", "bytes=-65536", 200),
    ]
    assert leftovers(tmp_path) == []


# -- retries, timeouts, unreachable and missing things ---------------------------------


def test_server_errors_are_retried(
    inst, server: IndexServer, index: LocalIndex, out: Path
) -> None:
    server.fail("/simple/e2e-app/", 500, times=2)
    server.fail(f"/files/{LIB}", 503, times=2)  # the .metadata first, then the wheel
    run = inst("download", "e2e-app", "-i", server.simple_url, "--retries", "3")
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    assert (out / LIB).read_bytes() == index.dist_path(LIB).read_bytes()
    assert [r.status for r in server.requests_to("/simple/e2e-app/")] == [500, 500, 200]
    assert [r.status for r in server.requests_to(f"/files/{LIB}")][:3] == [
        503,
        503,
        200,
    ]


def test_server_errors_without_retries(inst, server: IndexServer, out: Path) -> None:
    server.fail("/simple/e2e-app/", 500, times=2)
    run = inst("download", "e2e-app", "-i", server.simple_url, "--retries", "0")
    message = assert_one_error(run)
    assert message.startswith(
        f"error: could not fetch {server.simple_url}e2e-app/. "
        "The server answered HTTP 500"
    )
    assert "--retries" in message  # the hint says what to raise
    assert len(server.requests_to("/simple/e2e-app/")) == 1
    assert not out.exists()


def test_file_server_error_leaves_nothing(
    inst, server: IndexServer, out: Path, cache: Path, tmp_path: Path
) -> None:
    server.fail(f"/files/{LIB}", 503, times=10)
    run = inst("download", "e2e-app", "-i", server.simple_url, "--no-deps")
    assert run.code == 0, run.err  # e2e-app itself is fine
    run = inst("download", "e2e-app", "-i", server.simple_url)
    message = assert_one_error(run)
    assert message.startswith(f"error: could not fetch {server.files_url}{LIB}")
    assert "HTTP 503" in message
    assert names(out) == [APP]  # from the first run; the failed one added nothing
    assert leftovers(out, cache) == []


def test_stalled_server_times_out_quickly(inst, server: IndexServer) -> None:
    server.stall("/simple/e2e-app/", 20)
    url = server.url_with_auth("user", PASSWORD)
    started = time.monotonic()
    run = inst("download", "e2e-app", "-i", url, "--timeout", "1", "--retries", "0")
    elapsed = time.monotonic() - started
    message = assert_one_error(run)
    assert elapsed < 10
    assert f"127.0.0.1:{server.port}/simple/e2e-app/" in message
    assert "The server sent no answer within 1 s" in message
    assert PASSWORD not in run.out + run.err


def test_stalled_file_leaves_nothing_behind(
    inst, server: IndexServer, out: Path, cache: Path
) -> None:
    server.stall(f"/files/{LIB}", 20)
    run = inst("download", "e2e-app", "-i", server.simple_url, "--timeout", "1")
    message = assert_one_error(run)
    assert f"could not fetch {server.files_url}{LIB}" in message
    assert names(out) == []
    assert leftovers(out, cache) == []


def test_connection_refused(inst, out: Path, cache: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}/simple/"
    run = inst("download", "e2e-app", "-i", url)
    message = assert_one_error(run)
    assert message.startswith(f"error: could not fetch {url}e2e-app/.")
    assert "The connection was refused" in message
    assert not out.exists()
    assert leftovers(out, cache) == []


def test_missing_project(inst, server: IndexServer, out: Path) -> None:
    run = inst("download", "no-such-project", "-i", server.simple_url)
    message = assert_one_error(run)
    assert message.startswith("error: no matching distribution found for no-such-proj")
    assert "no index or find-links location has a project named no-such-project" in (
        message.lower()
    )
    assert server.simple_url in message  # where inst looked
    assert [r.status for r in server.requests_to("/simple/no-such-project/")] == [404]
    assert not out.exists()


@pytest.mark.parametrize(
    ("page", "why"),
    [
        (b"{this is not json", "not valid JSON"),
        (b'{"meta": {"api-version": "2.0"}, "files": []}', "version 2.0"),
        (b'{"meta": {"api-version": "1.0"}}', "no list of files"),
    ],
)
def test_malformed_page(
    inst, server: IndexServer, index: LocalIndex, out: Path, page: bytes, why: str
) -> None:
    (index.project_dir("e2e-app") / "index.json").write_bytes(page)
    run = inst("download", "e2e-app", "-i", server.simple_url)
    message = assert_one_error(run)
    assert message.startswith(
        f"error: the page {server.simple_url}e2e-app/ is not a valid simple "
        "repository page"
    )
    assert why in message
    assert not out.exists()


# -- credentials -----------------------------------------------------------------------


def test_index_refuses_without_credentials(inst, server: IndexServer) -> None:
    server.require_auth("user", PASSWORD)
    run = inst("download", "e2e-app", "-i", server.simple_url)
    message = assert_one_error(run)
    assert message.startswith(
        f"error: the index {server.simple_url} refused access (HTTP 401)"
    )
    assert "~/.netrc" in message


@pytest.mark.parametrize("verbose", [[], ["-v"], ["-vv"]])
def test_credentials_in_the_index_url(
    inst, server: IndexServer, out: Path, verbose: list[str]
) -> None:
    server.require_auth("user", PASSWORD)
    url = server.url_with_auth("user", PASSWORD)
    run = inst("download", "e2e-app", "-i", url, *verbose)
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    assert PASSWORD not in run.out + run.err
    # Every request carried them: the files too, not only the pages.
    assert all(r.status == 200 for r in server.requests)


@pytest.mark.parametrize("verbose", [[], ["-v"]])
def test_wrong_credentials_are_never_shown(
    inst, server: IndexServer, verbose: list[str]
) -> None:
    server.require_auth("user", PASSWORD)
    url = server.url_with_auth("user", "wrong" + PASSWORD)
    run = inst("download", "e2e-app", "-i", url, *verbose)
    assert run.code == 1
    assert "refused access (HTTP 401)" in run.err
    assert f"http://user:****@127.0.0.1:{server.port}/simple/" in run.err
    assert PASSWORD not in run.out + run.err
    if not verbose:
        assert_one_error(run)


# -- the HTTP cache --------------------------------------------------------------------


def test_fresh_pages_need_no_request(inst, server: IndexServer) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=600"})
    first = inst("install", "--dry-run", "e2e-app", "-i", server.simple_url)
    assert first.code == 0, first.err
    assert "Would install e2e-app-1.0 e2e-lib-1.1" in first.out
    server.clear_requests()
    second = inst("install", "--dry-run", "e2e-app", "-i", server.simple_url)
    assert second.code == 0, second.err
    assert second.out == first.out
    assert server.requests_to("/simple/") == []
    # The metadata files carry only an ETag: revalidated, never sent again.
    assert all(r.status == 304 for r in server.requests_to("/files/"))


def test_etag_pages_are_revalidated(inst, server: IndexServer) -> None:
    first = inst("install", "--dry-run", "e2e-app", "-i", server.simple_url)
    assert first.code == 0, first.err
    server.clear_requests()
    second = inst("install", "--dry-run", "e2e-app", "-i", server.simple_url)
    assert second.code == 0, second.err
    assert second.out == first.out
    pages = server.requests_to("/simple/")
    assert sorted(r.path for r in pages) == ["/simple/e2e-app/", "/simple/e2e-lib/"]
    assert all(r.status == 304 for r in pages)
    assert all(r.headers.get("If-None-Match") for r in pages)


def test_no_cache_dir_writes_no_cache(
    inst, server: IndexServer, out: Path, cache: Path, tmp_path: Path
) -> None:
    run = inst("download", "e2e-app", "-i", server.simple_url, "--no-cache-dir")
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    assert not cache.exists()
    server.clear_requests()
    run = inst("download", "e2e-app", "-i", server.simple_url, "--no-cache-dir")
    assert run.code == 0, run.err
    assert [r.status for r in server.requests_to("/simple/")] == [200, 200]
    assert "File was already downloaded" in run.out


# -- bad input leaves nothing ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["e2e-app>>1"], "error: invalid requirement 'e2e-app>>1'"),
        (["-r", "does-not-exist.txt"], "error: cannot read requirements file"),
        (
            ["e2e-app", "-i", "ftp://example.invalid/simple/"],
            "error: the index URL ftp://example.invalid/simple/ is not usable",
        ),
        (["e2e-app==9"], "error: no matching distribution found for e2e-app==9"),
    ],
)
def test_bad_input_leaves_nothing(
    inst,
    server: IndexServer,
    out: Path,
    cache: Path,
    tmp_path: Path,
    args: list[str],
    expected: str,
) -> None:
    if "-i" not in args:
        args = [*args, "-i", server.simple_url]
    run = inst("download", *args)
    assert assert_one_error(run).startswith(expected)
    assert not out.exists()
    assert leftovers(tmp_path) == []
    assert wheel_gets(server) == []

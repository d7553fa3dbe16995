"""Downloads: parallel, hash-checked, cached, and never leaving partial files behind.

Driven in-process against the harness server (HTTP on 127.0.0.1) and file:// URLs."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Callable

import pytest
import requests

from harness import IndexServer, LocalIndex
from harness.index import IndexFile
from inst import ui
from inst.cache import NULL_CACHE, Cache
from inst.cli.reporters.download import TextDownloadReporter
from inst.download import (
    Downloaded,
    Downloader,
    DownloadError,
    DownloadRequest,
    HashMismatch,
)
from inst.errors import InstError
from inst.models import DistFile
from inst.ui import progress

Serve = Callable[[LocalIndex], IndexServer]
WRONG = "0" * 64


class SessionFetcher:
    """The Fetcher protocol over a plain requests.Session (no retries, no cache)."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or .netrc from the machine

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        cache: bool = False,
    ) -> requests.Response:
        try:
            return self.session.get(
                url, headers=dict(headers or {}), stream=stream, timeout=10
            )
        except requests.ConnectionError as exc:
            raise InstError(f"could not fetch {ui.redact(url)}", str(exc)) from None


class FakeRaw:
    """A response body that yields chunks, then maybe fails."""

    def __init__(self, chunks: list[bytes], error: BaseException | None) -> None:
        self.chunks = chunks
        self.error = error

    def stream(self, amt: int, decode_content: bool) -> Iterator[bytes]:
        yield from self.chunks
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        pass


class FakeFetcher:
    """Answers every GET with 200, the given chunks and headers, then ``error``."""

    def __init__(
        self,
        chunks: list[bytes],
        *,
        error: BaseException | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.chunks = chunks
        self.error = error
        self.headers = dict(headers or {})
        self.calls = 0

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        cache: bool = False,
    ) -> requests.Response:
        self.calls += 1
        response = requests.Response()
        response.status_code = 200
        response.headers.update(self.headers)
        response.raw = FakeRaw(self.chunks, self.error)
        return response


@pytest.fixture
def server(index_server: Serve, sample_index: LocalIndex) -> IndexServer:
    return index_server(sample_index)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / "work"


def dist_file(
    base_url: str, entry: IndexFile, *, hashes: bool = True, user: str = ""
) -> DistFile:
    url = base_url + entry.filename
    if user:
        url = url.replace("://", f"://{user}@", 1)
    return DistFile(
        filename=entry.filename,
        url=url,
        hashes={"sha256": entry.sha256} if hashes else {},
        size=entry.size,
    )


def downloader(
    cache: Path | None, work: Path, fetcher: object = None, **kwargs: object
) -> Downloader:
    kwargs.setdefault("reporter", TextDownloadReporter(progress=False))
    return Downloader(
        fetcher or SessionFetcher(),
        cache=Cache(cache).downloads,
        work_dir=work,
        progress=False,
        **kwargs,
    )


def files_under(*roots: Path) -> list[Path]:
    return sorted(
        p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()
    )


def partials(*roots: Path) -> list[Path]:
    return [p for p in files_under(*roots) if p.name.endswith((".part", ".tmp"))]


def wheel(index: LocalIndex, project: str = "simple") -> IndexFile:
    return next(f for f in index.files if f.project == project and f.is_wheel)


# -- over HTTP -----------------------------------------------------------------------


def test_fetch_all_downloads_every_file_in_order_and_verifies_it(
    server: IndexServer,
    sample_index: LocalIndex,
    cache: Path,
    work: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entries = sample_index.files
    requests_ = [DownloadRequest(dist_file(server.files_url, e)) for e in entries]

    results = downloader(cache, work, max_workers=4).fetch_all(requests_)

    assert [r.file.filename for r in results] == [e.filename for e in entries]
    for result, entry in zip(results, entries):
        assert result.sha256 == entry.sha256
        assert not result.from_cache
        assert result.path.name == entry.filename
        assert result.path.is_relative_to(cache / "files" / "sha256")
        assert (
            result.path.read_bytes()
            == sample_index.dist_path(entry.filename).read_bytes()
        )
    assert len(server.requests_to("/files/")) == len(entries)
    out = capsys.readouterr().out
    for entry in entries:
        assert (
            f"Downloading {entry.filename} ({progress.format_size(entry.size)})" in out
        )
    assert partials(cache, work) == []


def test_without_a_cache_files_go_to_the_work_dir(
    server: IndexServer, sample_index: LocalIndex, work: Path
) -> None:
    entry = wheel(sample_index)
    result = downloader(None, work).fetch(
        DownloadRequest(dist_file(server.files_url, entry))
    )
    assert result.path.is_relative_to(work)
    assert result.path.name == entry.filename
    assert hashlib.sha256(result.path.read_bytes()).hexdigest() == entry.sha256


def test_dest_dir_gets_a_hard_link_to_the_cached_file(
    server: IndexServer,
    sample_index: LocalIndex,
    cache: Path,
    work: Path,
    tmp_path: Path,
) -> None:
    dest = tmp_path / "dest"
    entry = wheel(sample_index)
    file = dist_file(server.files_url, entry)

    result = downloader(cache, work).fetch(DownloadRequest(file, dest_dir=dest))

    assert result.path == dest / entry.filename
    [cached] = files_under(cache)
    assert os.path.samefile(result.path, cached)  # same filesystem: linked, not copied
    assert files_under(dest) == [result.path]


def test_existing_identical_file_in_dest_dir_is_reused(
    server: IndexServer,
    sample_index: LocalIndex,
    work: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dest = tmp_path / "dest"
    file = dist_file(server.files_url, wheel(sample_index))
    downloader(None, work).fetch(DownloadRequest(file, dest_dir=dest))
    server.clear_requests()

    result = downloader(None, tmp_path / "work2").fetch(
        DownloadRequest(file, dest_dir=dest)
    )

    assert result.from_cache
    assert server.requests_to("/files/") == []
    assert (
        f"File was already downloaded {dest / file.filename}" in capsys.readouterr().out
    )


def test_damaged_file_in_dest_dir_is_replaced(
    server: IndexServer, sample_index: LocalIndex, work: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    entry = wheel(sample_index)
    dest.mkdir()
    (dest / entry.filename).write_bytes(b"not the wheel")

    result = downloader(None, work).fetch(
        DownloadRequest(dist_file(server.files_url, entry), dest_dir=dest)
    )

    assert result.sha256 == entry.sha256
    assert (
        hashlib.sha256((dest / entry.filename).read_bytes()).hexdigest() == entry.sha256
    )


# -- file:// ---------------------------------------------------------------------------


def test_file_url_is_used_in_place(
    sample_index: LocalIndex, cache: Path, work: Path
) -> None:
    entry = wheel(sample_index)
    source = sample_index.dist_path(entry.filename)
    file = dist_file(sample_index.find_links_dir.resolve().as_uri() + "/", entry)

    result = downloader(cache, work).fetch(DownloadRequest(file))

    assert result.path == source.resolve()
    assert result.sha256 == entry.sha256
    assert files_under(cache, work) == []  # no copy anywhere


def test_file_url_is_copied_to_dest_dir(
    sample_index: LocalIndex, cache: Path, work: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "dest"
    entry = wheel(sample_index)
    source = sample_index.dist_path(entry.filename)
    file = dist_file(sample_index.find_links_dir.resolve().as_uri() + "/", entry)

    result = downloader(cache, work).fetch(DownloadRequest(file, dest_dir=dest))

    assert result.path == dest / entry.filename
    assert result.path.read_bytes() == source.read_bytes()
    assert source.is_file()
    assert files_under(dest) == [result.path]


def test_missing_file_url_is_a_clear_error(tmp_path: Path, work: Path) -> None:
    missing = tmp_path / "nowhere" / "simple-1.0-py3-none-any.whl"
    file = DistFile(filename=missing.name, url=missing.as_uri())

    with pytest.raises(DownloadError) as caught:
        downloader(None, work).fetch(DownloadRequest(file))

    assert f"cannot find {missing.name}" in caught.value.paragraph()
    assert str(missing) in caught.value.paragraph()


def test_file_url_with_wrong_hash_is_refused(
    sample_index: LocalIndex, work: Path
) -> None:
    entry = wheel(sample_index)
    file = dist_file(sample_index.find_links_dir.resolve().as_uri() + "/", entry)

    with pytest.raises(HashMismatch):
        downloader(None, work).fetch(
            DownloadRequest(file, hashes={"sha256": frozenset({WRONG})})
        )


# -- hashes ------------------------------------------------------------------------------


def test_hash_mismatch_names_both_hashes_and_leaves_no_file(
    server: IndexServer,
    sample_index: LocalIndex,
    cache: Path,
    work: Path,
    tmp_path: Path,
) -> None:
    dest = tmp_path / "dest"
    entry = wheel(sample_index)
    request = DownloadRequest(
        dist_file(server.files_url, entry, hashes=False),
        hashes={"sha256": frozenset({WRONG})},
        dest_dir=dest,
    )

    with pytest.raises(HashMismatch) as caught:
        downloader(cache, work).fetch(request)

    message = caught.value.paragraph()
    assert message.startswith(f"hash mismatch for {entry.filename}.")
    assert f"Expected sha256 {WRONG} (from --hash), got {entry.sha256}." in message
    assert "requirements file is outdated" in message
    assert files_under(dest, cache, work) == []


def test_index_hash_is_always_checked(
    server: IndexServer, sample_index: LocalIndex, cache: Path, work: Path
) -> None:
    entry = wheel(sample_index)
    file = DistFile(
        filename=entry.filename,
        url=server.files_url + entry.filename,
        hashes={"sha256": WRONG},
    )

    with pytest.raises(HashMismatch) as caught:
        downloader(cache, work).fetch(DownloadRequest(file))

    assert caught.value.origin == "the index"
    assert f"expected sha256 {WRONG} (from the index), got {entry.sha256}" in str(
        caught.value.why
    )
    assert files_under(cache, work) == []


def test_any_of_several_allowed_hashes_and_other_algorithms(
    server: IndexServer, sample_index: LocalIndex, work: Path
) -> None:
    entry = wheel(sample_index)
    data = sample_index.dist_path(entry.filename).read_bytes()
    request = DownloadRequest(
        dist_file(server.files_url, entry, hashes=False),
        hashes={
            "sha256": frozenset({WRONG, entry.sha256.upper()}),
            "sha512": frozenset({hashlib.sha512(data).hexdigest()}),
        },
    )
    assert downloader(None, work).fetch(request).sha256 == entry.sha256


def test_weak_hash_algorithms_are_refused(
    server: IndexServer, sample_index: LocalIndex, work: Path
) -> None:
    request = DownloadRequest(
        dist_file(server.files_url, wheel(sample_index)),
        hashes={"md5": frozenset({"x"})},
    )
    with pytest.raises(InstError, match="cannot check the md5 hash"):
        downloader(None, work).fetch(request)


# -- HTTP errors -------------------------------------------------------------------------


def test_404_is_a_download_error(server: IndexServer, work: Path) -> None:
    file = DistFile(
        filename="missing-1.0.tar.gz", url=server.files_url + "missing-1.0.tar.gz"
    )

    with pytest.raises(DownloadError) as caught:
        downloader(None, work).fetch(DownloadRequest(file))

    message = caught.value.paragraph()
    assert "cannot download missing-1.0.tar.gz" in message
    assert f"{file.url} answered HTTP 404" in message
    assert files_under(work) == []


def test_credentials_never_appear_in_errors(
    server: IndexServer, sample_index: LocalIndex, work: Path
) -> None:
    entry = wheel(sample_index)
    file = dist_file(server.files_url, entry, user="alice:s3cret")
    server.fail("/files/", status=403, times=1)

    with pytest.raises(DownloadError) as caught:
        downloader(None, work).fetch(DownloadRequest(file))

    message = caught.value.paragraph()
    assert "s3cret" not in message and "s3cret" not in str(caught.value)
    assert "alice:****@127.0.0.1" in message
    assert "HTTP 403" in message


def test_short_transfer_is_an_error_and_leaves_nothing(cache: Path, work: Path) -> None:
    fetcher = FakeFetcher([b"abc"], headers={"Content-Length": "10"})
    file = DistFile(filename="x-1.0.tar.gz", url="http://127.0.0.1:9/x-1.0.tar.gz")

    with pytest.raises(DownloadError) as caught:
        downloader(cache, work, fetcher).fetch(DownloadRequest(file))

    assert "ended after 3 of 10 bytes" in caught.value.paragraph()

    assert files_under(cache, work) == []


def test_broken_connection_is_a_download_error(cache: Path, work: Path) -> None:
    fetcher = FakeFetcher([b"abc"], error=requests.ConnectionError("reset by peer"))
    file = DistFile(filename="x-1.0.tar.gz", url="http://u:pw@127.0.0.1:9/x-1.0.tar.gz")

    with pytest.raises(DownloadError) as caught:
        downloader(cache, work, fetcher).fetch(DownloadRequest(file))

    assert "broke: reset by peer" in caught.value.paragraph()
    assert ":pw@" not in caught.value.paragraph()
    assert files_under(cache, work) == []


class FlakyFetcher(FakeFetcher):
    """Breaks the first ``failures`` transfers half-way, then sends the whole body."""

    def __init__(self, body: bytes, failures: int) -> None:
        super().__init__([body], headers={"Content-Length": str(len(body))})
        self.body = body
        self.failures = failures

    def get(self, url: str, **kwargs: object) -> requests.Response:
        response = super().get(url)
        if self.calls <= self.failures:
            response.raw = FakeRaw(
                [self.body[:5]], requests.exceptions.ChunkedEncodingError("cut")
            )
        return response


def test_a_broken_transfer_is_tried_again(
    cache: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = b"0123456789" * 10
    fetcher = FlakyFetcher(body, failures=1)
    file = DistFile(
        filename="x-1.0.tar",
        url="http://127.0.0.1:9/x-1.0.tar",
        hashes={"sha256": hashlib.sha256(body).hexdigest()},
    )

    got = downloader(cache, work, fetcher).fetch(DownloadRequest(file))

    assert got.path.read_bytes() == body and fetcher.calls == 2
    assert "broke: cut; trying again" in capsys.readouterr().err


def test_a_transfer_that_keeps_breaking_says_how_often_it_was_tried(
    cache: Path, work: Path
) -> None:
    fetcher = FlakyFetcher(b"0123456789", failures=5)
    file = DistFile(filename="x-1.0.tar", url="http://127.0.0.1:9/x-1.0.tar")

    with pytest.raises(DownloadError) as caught:
        downloader(cache, work, fetcher, retries=1).fetch(DownloadRequest(file))

    assert "(tried 2 times)" in caught.value.paragraph()
    assert fetcher.calls == 2 and files_under(cache, work) == []


@pytest.mark.parametrize("filename", ["x-1.0-py3-none-any.whl", "x-1.0.tar.gz"])
def test_an_unhashed_file_that_is_not_a_whole_archive_is_not_kept(
    cache: Path, work: Path, tmp_path: Path, filename: str
) -> None:
    import gzip
    import zipfile

    whole = tmp_path / filename
    if filename.endswith(".whl"):
        with zipfile.ZipFile(whole, "w") as archive:
            archive.writestr("x/__init__.py", "x = 1\n" * 1000)
    else:
        whole.write_bytes(gzip.compress(os.urandom(4000)))
    cut = whole.read_bytes()[:-40]
    fetcher = FakeFetcher([cut], headers={"Content-Length": str(len(cut))})
    file = DistFile(filename=filename, url=f"http://127.0.0.1:9/{filename}")

    with pytest.raises(DownloadError) as caught:
        downloader(cache, work, fetcher, retries=0).fetch(
            DownloadRequest(file, dest_dir=tmp_path / "dest")
        )

    assert "is not whole" in caught.value.paragraph()
    assert files_under(cache, work, tmp_path / "dest") == []


def test_a_cache_that_cannot_be_written_is_skipped_with_a_warning(
    server: IndexServer,
    sample_index: LocalIndex,
    cache: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (cache).mkdir()
    (cache / "files").write_text("a file where the cache's directory should be")
    entry = wheel(sample_index)
    request = DownloadRequest(dist_file(server.files_url, entry))

    got = downloader(cache, tmp_path / "work").fetch(request)

    assert got.path.is_relative_to(tmp_path / "work") and not got.from_cache
    err = capsys.readouterr().err
    assert f"the cache directory {cache} cannot be written" in err
    assert partials(cache, tmp_path / "work") == []


def test_interrupt_mid_download_leaves_no_partial_file(
    cache: Path, work: Path, tmp_path: Path
) -> None:
    fetcher = FakeFetcher([b"a" * 1000, b"b" * 1000], error=KeyboardInterrupt())
    file = DistFile(filename="x-1.0.tar.gz", url="http://127.0.0.1:9/x-1.0.tar.gz")

    with pytest.raises(KeyboardInterrupt):
        downloader(cache, work, fetcher).fetch(
            DownloadRequest(file, dest_dir=tmp_path / "dest")
        )

    assert files_under(cache, work, tmp_path / "dest") == []


def test_one_failure_stops_the_batch_and_cleans_up(
    server: IndexServer,
    sample_index: LocalIndex,
    cache: Path,
    work: Path,
    tmp_path: Path,
) -> None:
    dest = tmp_path / "dest"
    entries = sample_index.files
    files = [dist_file(server.files_url, e) for e in entries]
    bad = DistFile(
        filename="missing-1.0.tar.gz", url=server.files_url + "missing-1.0.tar.gz"
    )
    # The good files answer late: the failure comes first, while they are running.
    # (the first matching stall rule applies: the missing file answers at once)
    server.stall("/files/missing", 0.0)
    server.stall("/files/", 1.0)
    server.fail("/files/missing", status=404)

    batch = [DownloadRequest(f, dest_dir=dest) for f in files[:3]]
    batch.append(DownloadRequest(bad, dest_dir=dest))
    batch += [DownloadRequest(f, dest_dir=dest) for f in files[3:]]

    with pytest.raises(DownloadError, match="missing-1.0.tar.gz"):
        downloader(cache, work, max_workers=4).fetch_all(batch)

    assert files_under(cache, work, dest) == []
    # Pending downloads were cancelled, never requested.
    assert len(server.requests_to("/files/")) < len(batch)


def test_network_errors_pass_through(work: Path) -> None:
    http = pytest.importorskip("inst.index.http")
    client = http.HttpClient(http.HttpConfig(retries=0, timeout=2))
    with socket_closed_port() as port:
        file = DistFile(
            filename="x-1.0.tar.gz", url=f"http://127.0.0.1:{port}/x-1.0.tar.gz"
        )
        with pytest.raises(http.NetworkError):
            Downloader(
                client, cache=NULL_CACHE.downloads, work_dir=work, progress=False
            ).fetch(DownloadRequest(file))


def test_http_client_satisfies_the_fetcher_protocol(
    server: IndexServer, sample_index: LocalIndex, work: Path
) -> None:
    http = pytest.importorskip("inst.index.http")
    entry = wheel(sample_index)
    client = http.HttpClient(http.HttpConfig(retries=0))
    result = Downloader(
        client, cache=NULL_CACHE.downloads, work_dir=work, progress=False
    ).fetch(DownloadRequest(dist_file(server.files_url, entry)))
    assert result.sha256 == entry.sha256


class socket_closed_port:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        pass


# -- the cache -----------------------------------------------------------------------------


def test_second_run_uses_the_cache_without_any_request(
    server: IndexServer,
    sample_index: LocalIndex,
    cache: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    entry = wheel(sample_index)
    request = DownloadRequest(dist_file(server.files_url, entry))
    first = downloader(cache, tmp_path / "w1").fetch(request)
    server.clear_requests()
    capsys.readouterr()

    again = downloader(cache, tmp_path / "w2")
    second = again.fetch(request)
    third = again.fetch(request)  # metadata, then the install: one line per run

    assert second.from_cache and not first.from_cache
    assert second.path == first.path and second.sha256 == entry.sha256
    assert third.path == first.path
    assert server.requests == []
    size = progress.format_size(entry.size)
    out = capsys.readouterr().out
    assert out.count(f"Using cached {entry.filename} ({size})") == 1, out
    sha = entry.sha256
    assert first.path == cache / "files" / "sha256" / sha[:2] / sha[2:] / entry.filename


def test_files_without_sha256_are_cached_by_url(
    server: IndexServer, sample_index: LocalIndex, cache: Path, tmp_path: Path
) -> None:
    entry = wheel(sample_index)
    file = dist_file(server.files_url, entry, hashes=False)
    first = downloader(cache, tmp_path / "w1").fetch(DownloadRequest(file))
    assert first.path.is_relative_to(cache / "files" / "url")
    server.clear_requests()

    second = downloader(cache, tmp_path / "w2").fetch(DownloadRequest(file))
    # Asked with a hash this time: the URL entry is re-hashed and still good.
    third = downloader(cache, tmp_path / "w3").fetch(
        DownloadRequest(file, hashes={"sha256": frozenset({entry.sha256})})
    )

    assert second.from_cache and third.from_cache
    assert second.path == third.path == first.path
    assert server.requests == []


def test_stale_url_cache_entry_is_downloaded_again(
    server: IndexServer, sample_index: LocalIndex, cache: Path, tmp_path: Path
) -> None:
    entry = wheel(sample_index)
    file = dist_file(server.files_url, entry, hashes=False)
    first = downloader(cache, tmp_path / "w1").fetch(DownloadRequest(file))
    first.path.write_bytes(b"an older file at that URL")

    again = downloader(cache, tmp_path / "w2").fetch(
        DownloadRequest(file, hashes={"sha256": frozenset({entry.sha256})})
    )

    assert not again.from_cache
    assert hashlib.sha256(again.path.read_bytes()).hexdigest() == entry.sha256


def test_damaged_cache_entry_is_dropped_and_downloaded_again(
    server: IndexServer, sample_index: LocalIndex, cache: Path, tmp_path: Path
) -> None:
    entry = wheel(sample_index)
    request = DownloadRequest(dist_file(server.files_url, entry))
    first = downloader(cache, tmp_path / "w1").fetch(request)
    first.path.write_bytes(b"bit rot")

    assert downloader(cache, tmp_path / "w2").cached(request.file) is None
    again = downloader(cache, tmp_path / "w3").fetch(request)

    assert not again.from_cache
    assert hashlib.sha256(again.path.read_bytes()).hexdigest() == entry.sha256


def test_cached_and_store(
    server: IndexServer,
    sample_index: LocalIndex,
    cache: Path,
    work: Path,
    tmp_path: Path,
) -> None:
    entry = wheel(sample_index)
    file = dist_file(server.files_url, entry)
    elsewhere = tmp_path / "resolver" / entry.filename
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(sample_index.dist_path(entry.filename).read_bytes())
    loader = downloader(cache, work)
    assert loader.cached(file) is None

    stored = loader.store(file, elsewhere)

    assert stored.is_relative_to(cache) and elsewhere.is_file()
    assert loader.cached(file) == stored
    assert downloader(cache, tmp_path / "w2").fetch(DownloadRequest(file)).from_cache
    assert server.requests == []


def test_store_without_a_cache_serves_later_fetches_of_this_run(
    server: IndexServer, sample_index: LocalIndex, work: Path, tmp_path: Path
) -> None:
    entry = wheel(sample_index)
    file = dist_file(server.files_url, entry)
    elsewhere = tmp_path / entry.filename
    elsewhere.write_bytes(sample_index.dist_path(entry.filename).read_bytes())
    loader = downloader(None, work)

    stored = loader.store(file, elsewhere)
    result = loader.fetch(DownloadRequest(file))

    assert stored.is_relative_to(work)
    assert result.path == stored and result.from_cache
    assert server.requests == []


def test_store_refuses_a_file_with_the_wrong_hash(
    sample_index: LocalIndex, cache: Path, work: Path, tmp_path: Path
) -> None:
    entry = wheel(sample_index)
    file = DistFile(
        filename=entry.filename,
        url="http://x/" + entry.filename,
        hashes={"sha256": WRONG},
    )
    with pytest.raises(HashMismatch):
        downloader(cache, work).store(file, sample_index.dist_path(entry.filename))
    assert files_under(cache) == []


def test_cached_file_url_is_its_own_path(sample_index: LocalIndex, work: Path) -> None:
    entry = wheel(sample_index)
    file = dist_file(sample_index.find_links_dir.resolve().as_uri() + "/", entry)
    assert (
        downloader(None, work).cached(file)
        == sample_index.dist_path(entry.filename).resolve()
    )


def test_unsafe_file_names_are_refused(work: Path) -> None:
    file = DistFile(
        filename="../evil-1.0.tar.gz", url="http://127.0.0.1:9/evil-1.0.tar.gz"
    )
    with pytest.raises(DownloadError, match="refusing"):
        downloader(None, work).fetch(DownloadRequest(file))


def test_parallel_processes_style_concurrent_fetches_of_one_file(
    server: IndexServer, sample_index: LocalIndex, cache: Path, tmp_path: Path
) -> None:
    # Several Downloaders (as several inst processes) fill the same cache entry at once.
    entry = wheel(sample_index)
    request = DownloadRequest(dist_file(server.files_url, entry))
    results: list[Downloaded] = []

    def run(n: int) -> None:
        results.append(downloader(cache, tmp_path / f"w{n}").fetch(request))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 4 and {r.sha256 for r in results} == {entry.sha256}
    assert partials(cache) == []


# -- progress and output ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (1000, "1000 bytes"),
        (1500, "1.5 kB"),
        (101_234, "101 kB"),
        (12_345_678, "12.3 MB"),
    ],
)
def test_sizes_read_like_pip(size: int, text: str) -> None:
    assert progress.format_size(size) == text


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bars_only_on_a_terminal_and_not_when_quiet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not progress.Progress(True).enabled
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    assert progress.Progress(True).enabled
    assert not progress.Progress(False).enabled  # --progress-bar off
    monkeypatch.setitem(ui._state, "verbosity", -1)
    assert not progress.Progress(True).enabled


def test_a_slow_download_draws_a_bar(
    monkeypatch: pytest.MonkeyPatch,
    server: IndexServer,
    sample_index: LocalIndex,
    work: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)  # "slow" from the start
    entry = wheel(sample_index)
    loader = Downloader(
        SessionFetcher(),
        cache=NULL_CACHE.downloads,
        work_dir=work,
        progress=True,
        reporter=TextDownloadReporter(progress=True),  # the CLI's words and bars
    )

    loader.fetch(DownloadRequest(dist_file(server.files_url, entry)))

    drawn = terminal.getvalue()
    assert entry.filename[:20] in drawn and "kB" in drawn
    assert f"Downloading {entry.filename}" in capsys.readouterr().out


def test_a_quick_download_draws_no_bar(
    monkeypatch: pytest.MonkeyPatch,
    server: IndexServer,
    sample_index: LocalIndex,
    work: Path,
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "DELAY_SECONDS", 60.0)
    loader = Downloader(
        SessionFetcher(),
        cache=NULL_CACHE.downloads,
        work_dir=work,
        progress=True,
        reporter=TextDownloadReporter(progress=True),  # the CLI's words and bars
    )

    loader.fetch(DownloadRequest(dist_file(server.files_url, wheel(sample_index))))

    assert "simple" not in terminal.getvalue()


def test_importing_downloads_loads_neither_tqdm_nor_requests() -> None:
    code = (
        "import sys, inst.download, inst.ui.progress; "
        "print(sorted(m for m in ('tqdm', 'requests', 'urllib3') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


# -- local files: hashed once while unchanged ------------------------------------------


def _local_copy(sample_index: LocalIndex, tmp_path: Path) -> tuple[IndexFile, Path]:
    entry = wheel(sample_index)
    local = tmp_path / "links" / entry.filename
    local.parent.mkdir()
    local.write_bytes(sample_index.dist_path(entry.filename).read_bytes())
    return entry, local


def test_a_local_file_is_hashed_once_while_it_is_unchanged(
    sample_index: LocalIndex,
    cache: Path,
    work: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry, local = _local_copy(sample_index, tmp_path)
    file = dist_file(local.parent.as_uri() + "/", entry)
    memo = Cache(cache).local_hashes
    first = downloader(cache, work, local_hashes=memo).fetch(DownloadRequest(file))
    assert first.sha256 == entry.sha256
    assert len(files_under(cache / "local-hashes")) == 1

    def no_hashing(*args: object, **kwargs: object) -> None:
        raise AssertionError("hashed again")

    monkeypatch.setattr(Downloader, "_hash", no_hashing)
    again = downloader(cache, work, local_hashes=memo).fetch(DownloadRequest(file))
    assert again.path == local and again.sha256 == entry.sha256


def test_a_local_file_changed_with_its_mtime_put_back_is_hashed_again(
    sample_index: LocalIndex, cache: Path, work: Path, tmp_path: Path
) -> None:
    entry, local = _local_copy(sample_index, tmp_path)
    file = dist_file(local.parent.as_uri() + "/", entry)
    memo = Cache(cache).local_hashes
    downloader(cache, work, local_hashes=memo).fetch(DownloadRequest(file))
    before = local.stat()
    data = bytearray(local.read_bytes())
    data[-1] ^= 0xFF  # same size, other bytes
    local.write_bytes(bytes(data))
    os.utime(local, ns=(before.st_atime_ns, before.st_mtime_ns))

    with pytest.raises(HashMismatch):
        downloader(cache, work, local_hashes=memo).fetch(DownloadRequest(file))

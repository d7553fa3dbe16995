"""Faults on the HTTP side, injected by the harness server: bodies that break half-way
(a clean close before Content-Length is reached, a TCP reset, a stall past --timeout),
truncated and damaged files, an index that refuses one project.

Each fault must end in one clear `error:` paragraph and exit code 1 when it lasts, or a
retry and exit code 0 when it passes; either way nothing broken stays in any cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness import IndexServer, LocalIndex, build_index, make_wheel
from harness.build_projects import assert_ok, inst_traceback
from harness.checks import leftovers
from harness.server import BODY_BREAKS
from inst.cache import Cache
from inst.index.cache import HttpCache
from inst.index.sources import INDEX_ACCEPT

PY3 = "py3-none-any"
BETA = f"beta-1.0-{PY3}.whl"

#: What can break: the project page, its PEP 658 metadata file, the wheel itself.
TARGETS = {
    "page": "/simple/beta/",
    "metadata": f"/files/{BETA}.metadata",
    "wheel": f"/files/{BETA}",
}
#: Every HTTP fault the suite injects: (target, how). Shown in the test ids.
HTTP_FAULTS = [(target, how) for target in TARGETS for how in BODY_BREAKS]
FAULT_IDS = [f"{target}-{how}" for target, how in HTTP_FAULTS]
#: Passing faults: the page and the metadata file share one client path, so the page
#: stands for both; the wheel goes through the downloader's own retries.
PASSING = [(target, how) for target, how in HTTP_FAULTS if target != "metadata"]


def assert_clear_error(run: Any, *fragments: str) -> str:
    assert run.code == 1, (run.out, run.err)
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert not inst_traceback(run), run.err
    assert "internal error" not in run.err, run.err
    for fragment in fragments:
        assert fragment in run.err, run.err
    return errors[0]


def cached_names(cache: Path) -> list[str]:
    """The distribution files in the download cache."""
    return sorted(p.name for p in (cache / "files").rglob("*") if p.is_file())


def http_entry(cache: Path, url: str, accept: str = "") -> Path:
    return Path(str(HttpCache(Cache(cache).http).path_for(url, accept)))


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    wheels = tmp_path / "wheels"
    return build_index(
        tmp_path / "index",
        [
            make_wheel(wheels, "alpha", "1.0", requires=["beta"]),
            make_wheel(wheels, "beta", "1.0"),
        ],
    )


@pytest.fixture
def server(index: LocalIndex) -> Iterator[IndexServer]:
    with IndexServer(index.root) as running:
        yield running


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def download(run_inst, server: IndexServer, cache: Path, tmp_path: Path):
    """`inst download alpha -d DEST` from the server: one retry, a 0.5 s timeout."""

    def run(*args: str, dest: Path | None = None, index_url: str | None = None) -> Any:
        return run_inst(
            "download",
            "alpha",
            "-d",
            str(dest or tmp_path / "dest"),
            "--index-url",
            index_url or server.simple_url,
            "--retries",
            "1",
            "--timeout",
            "0.5",
            *args,
            env={"INST_CACHE_DIR": str(cache)},
        )

    return run


# -- bodies that break ---------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("target", "how"), HTTP_FAULTS, ids=FAULT_IDS)
def test_a_body_that_always_breaks_is_one_error_and_nothing_is_kept(
    download, server: IndexServer, cache: Path, tmp_path: Path, target: str, how: str
) -> None:
    server.break_body(TARGETS[target], how, times=None, seconds=2, exact=True)

    run = download()

    message = assert_clear_error(run)
    assert "beta" in message or "could not fetch" in message, message
    assert not (tmp_path / "dest").exists()  # -d made by this run: gone again
    assert BETA not in cached_names(cache)
    url = server.url.rstrip("/") + TARGETS[target]
    assert not http_entry(cache, url, INDEX_ACCEPT).exists()
    assert not http_entry(cache, url).exists()
    assert leftovers(cache, tmp_path / "dest") == []
    tries = [r for r in server.requests if r.path == TARGETS[target]]
    assert len(tries) == 2, tries  # tried once more (--retries 1), then gave up


@pytest.mark.parametrize(
    ("target", "how"), PASSING, ids=[f"{target}-{how}" for target, how in PASSING]
)
def test_a_body_that_breaks_once_is_fetched_again(
    download, server: IndexServer, cache: Path, tmp_path: Path, target: str, how: str
) -> None:
    server.break_body(TARGETS[target], how, times=1, seconds=2, exact=True)

    run = download()

    assert_ok(run)
    assert sorted(os.listdir(tmp_path / "dest")) == [f"alpha-1.0-{PY3}.whl", BETA]
    assert leftovers(cache, tmp_path / "dest") == []


# -- files that are not whole ------------------------------------------------------------


def unhashed_index(index: LocalIndex, server: IndexServer) -> str:
    """A find-links style page for beta without hashes, with its metadata file: the
    wheel itself is then vouched for by nothing but its own structure."""
    page = index.root / "nohash" / "beta"
    page.mkdir(parents=True)
    (page / "index.html").write_text(
        "<!DOCTYPE html><html><body>"
        f'<a href="../../files/{BETA}" data-dist-info-metadata="true">{BETA}</a>'
        "</body></html>\n",
        encoding="utf-8",
    )
    alpha = index.root / "nohash" / "alpha"
    alpha.mkdir()
    name = f"alpha-1.0-{PY3}.whl"
    (alpha / "index.html").write_text(
        f'<a href="../../files/{name}" data-dist-info-metadata="true">{name}</a>\n',
        encoding="utf-8",
    )
    return server.url + "nohash/"


def test_a_truncated_wheel_is_never_cached(
    download, index: LocalIndex, server: IndexServer, cache: Path, tmp_path: Path
) -> None:
    url = unhashed_index(index, server)
    wheel = index.dist_path(BETA)
    whole = wheel.read_bytes()
    wheel.write_bytes(whole[: len(whole) // 2])  # served whole-looking: its own length

    broken = download(index_url=url)

    assert_clear_error(broken, "not whole")
    assert cached_names(cache) == [] or BETA not in cached_names(cache)
    wheel.write_bytes(whole)  # the server is mended: the next run must not fail

    assert_ok(download(index_url=url))
    assert BETA in os.listdir(tmp_path / "dest")


def test_a_damaged_cached_wheel_is_dropped_and_fetched_again(
    download, index: LocalIndex, server: IndexServer, cache: Path
) -> None:
    url = unhashed_index(index, server)
    assert_ok(download(index_url=url))
    (entry,) = [p for p in (cache / "files").rglob(BETA)]
    entry.write_bytes(entry.read_bytes()[:100])  # cut short on disk

    run = download(dest=cache.parent / "dest2", index_url=url)

    assert_ok(run)
    assert run.err.count(f"the cached copy of {BETA} is damaged") == 1, run.err
    with zipfile.ZipFile(cache.parent / "dest2" / BETA) as archive:
        assert archive.testzip() is None
    assert (cache.parent / "dest2" / BETA).read_bytes() == index.dist_path(
        BETA
    ).read_bytes()


def test_a_cached_wheel_that_fails_its_hash_is_dropped_with_a_warning(
    download, index: LocalIndex, cache: Path, tmp_path: Path
) -> None:
    assert_ok(download())
    (entry,) = [p for p in (cache / "files").rglob(BETA)]
    entry.write_bytes(b"bit rot")

    run = download(dest=tmp_path / "dest2")

    assert_ok(run)
    assert f"the cached copy of {BETA} is damaged" in run.err
    data = (tmp_path / "dest2" / BETA).read_bytes()
    assert (
        hashlib.sha256(data).hexdigest()
        == hashlib.sha256(index.dist_path(BETA).read_bytes()).hexdigest()
    )


def test_an_installed_wheel_damaged_in_the_cache_is_fetched_again(
    run_inst, index: LocalIndex, server: IndexServer, cache: Path, tmp_path: Path
) -> None:
    url = unhashed_index(index, server)
    env = {"INST_CACHE_DIR": str(cache), "INST_INDEX_URL": url}
    target = tmp_path / "target"
    assert_ok(run_inst("download", "beta", "-d", str(tmp_path / "d"), env=env))
    (entry,) = [p for p in (cache / "files").rglob(BETA)]
    # A flipped byte inside a member's data: the zip directory reads, the CRC fails.
    data = bytearray(entry.read_bytes())
    with zipfile.ZipFile(entry) as archive:
        info = archive.getinfo("beta/__init__.py")
    data[info.header_offset + 30 + len(info.filename) + 2] ^= 0xFF
    entry.write_bytes(bytes(data))

    run = run_inst("install", "--target", str(target), "beta", env=env)

    assert_ok(run)
    assert f"the cached copy of {BETA} cannot be installed" in run.err
    assert (target / "beta" / "__init__.py").is_file()


def test_a_cached_page_that_does_not_parse_is_fetched_again(
    download, server: IndexServer, cache: Path
) -> None:
    server.add_headers("/simple/", {"Cache-Control": "max-age=600"})
    assert_ok(download())
    url = server.simple_url + "beta/"
    entry = http_entry(cache, url, INDEX_ACCEPT)
    cache_entry = HttpCache(Cache(cache).http).load(url, INDEX_ACCEPT)
    assert cache_entry is not None
    HttpCache(Cache(cache).http).store(
        INDEX_ACCEPT, replace(cache_entry, body=b'{"meta": "not a page"')
    )
    assert entry.exists()

    run = download()

    assert_ok(run)
    assert "does not parse; it is dropped and fetched again" in run.err


def test_a_metadata_file_with_the_wrong_hash_is_not_kept(
    download, index: LocalIndex, server: IndexServer, cache: Path
) -> None:
    metadata = index.dist_path(BETA + ".metadata")
    metadata.write_text(metadata.read_text() + "Summary: changed\n")

    assert_clear_error(download(), "hash mismatch for the metadata file")

    url = server.files_url + BETA + ".metadata"
    assert not http_entry(cache, url).exists()
    sha256 = hashlib.sha256(index.dist_path(BETA).read_bytes()).hexdigest()
    assert not (cache / "metadata" / "sha256" / sha256[:2] / sha256[2:]).exists()


# -- an index that refuses one project ----------------------------------------------


def test_list_outdated_warns_for_a_refused_project_and_lists_the_rest(
    run_inst, venv, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    for name in ("alpha", "beta"):
        wheel = make_wheel(wheels, name, "1.0")
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(venv.site_packages)
    index = build_index(
        tmp_path / "newer",
        [
            make_wheel(wheels / "2", "alpha", "2.0"),
            make_wheel(wheels / "2", "beta", "2.0"),
        ],
    )
    with IndexServer(index.root) as server:
        server.fail("/simple/beta/", status=403, times=100)
        args = ["--python", str(venv.python), "--index-url", server.simple_url]

        run = run_inst("list", "--outdated", "--format", "json", *args)
        assert run.code == 0, run.err
        assert [row["name"] for row in json.loads(run.out)] == ["alpha"]
        assert "warning: cannot tell whether beta is outdated" in run.err
        assert "HTTP 403" in run.err

        server.fail("/simple/alpha/", status=403, times=100)
        everything_refused = run_inst("list", "--outdated", *args)
        assert_clear_error(everything_refused, "HTTP 403")

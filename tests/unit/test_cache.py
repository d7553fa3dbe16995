"""inst.cache: one Cache per run, a bucket per kind of entry, and the null cache.

The paths are spelled out literally here: they are where every earlier inst wrote its
entries, and a cache they left must still be read."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any, Callable

import pytest

from harness import IndexServer, LocalIndex
from harness.config_home import ConfigHome
from harness.trees import snapshot
from inst.cache import NULL_CACHE, BuildEnvironments, Cache, Unpacked

H = "0123456789abcdef" * 4  # a sha256 hex digest
Serve = Callable[[LocalIndex], IndexServer]


def test_buckets_name_the_paths_earlier_inst_versions_wrote(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    assert cache.keeps and cache.directory == tmp_path
    assert cache.http.entry(H) == tmp_path / "http" / H[:2] / H[2:4] / H[4:]
    assert cache.downloads.by_sha256(H, "a-1.0.tar.gz") == (
        tmp_path / "files" / "sha256" / H[:2] / H[2:] / "a-1.0.tar.gz"
    )
    assert cache.downloads.by_url(H, "a-1.0.tar.gz") == (
        tmp_path / "files" / "url" / H / "a-1.0.tar.gz"
    )
    assert cache.metadata.by_sha256(H) == (
        tmp_path / "metadata" / "sha256" / H[:2] / H[2:]
    )
    assert cache.built_wheels.entry(H) == tmp_path / "wheels" / H[:2] / H[2:]
    assert cache.unpacked.entry(H) == tmp_path / "unpacked" / H[:2] / H[2:]
    assert cache.interpreters.probe(H) == tmp_path / "interpreters" / f"{H[:32]}.json"
    environments = cache.build_environments(tmp_path / "work")
    assert environments.entry(H) == tmp_path / "build-envs" / H[:2] / H[2:34]
    assert environments.fallback is not None
    assert environments.fallback.entry(H) == (
        tmp_path / "work" / "build-envs" / H[:2] / H[2:34]
    )
    assert environments.fallback.fallback is None


def test_the_http_cache_keeps_its_entries_where_its_bucket_says(
    tmp_path: Path,
) -> None:
    from inst.index.cache import HttpCache

    url, accept = "https://example.invalid/simple/a/", "text/html"
    key = hashlib.sha256(f"{url}\n{accept}".encode()).hexdigest()
    pages = Cache(tmp_path).http
    assert HttpCache(pages).path_for(url, accept) == pages.entry(key)


def test_a_bucket_holds_only_what_lies_in_it(tmp_path: Path) -> None:
    downloads = Cache(tmp_path / "cache").downloads
    assert downloads.holds(tmp_path / "cache" / "files" / "url" / "k" / "a.whl")
    assert not downloads.holds(tmp_path / "cache" / "metadata" / "x")
    assert not downloads.holds(tmp_path / "cache" / "files-not" / "a.whl")
    assert not downloads.holds(tmp_path / "elsewhere" / "a.whl")


def test_unpacked_entries_leave_out_temporary_and_stray_directories(
    tmp_path: Path,
) -> None:
    unpacked = Cache(tmp_path).unpacked
    for name in (H[2:], ".tmp-x", ".old-y"):
        (tmp_path / "unpacked" / H[:2] / name).mkdir(parents=True)
    (tmp_path / "unpacked" / "not-a-shard" / H[2:]).mkdir(parents=True)
    assert unpacked.entries() == [tmp_path / "unpacked" / H[:2] / H[2:]]
    assert Unpacked(Cache(tmp_path), tmp_path / "absent").entries() == []


def test_a_failed_write_makes_the_cache_unwritable_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = Cache(tmp_path / "cache")
    assert cache.writable and cache.downloads.writable
    cache.downloads.cannot_write(OSError(28, "No space left on device"))
    cache.unpacked.cannot_write(OSError(28, "No space left on device"))
    assert not cache.writable and not cache.unpacked.writable
    assert cache.keeps  # what it holds is still read
    err = capsys.readouterr().err
    assert err.count("cannot be written (No space left on device)") == 1, err


def test_the_null_cache_keeps_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    null = NULL_CACHE
    assert null.directory is None
    assert not null.keeps and not null.writable
    for bucket in (
        null.http,
        null.downloads,
        null.metadata,
        null.built_wheels,
        null.unpacked,
        null.interpreters,
    ):
        assert not bucket.keeps and not bucket.writable
        assert bucket.directory is None
        assert not bucket.holds(tmp_path / "files" / "a.whl")
    assert null.http.entry(H) is None
    assert null.downloads.by_sha256(H, "a.whl") is None
    assert null.downloads.by_url(H, "a.whl") is None
    assert null.metadata.by_sha256(H) is None
    assert null.built_wheels.entry(H) is None
    assert null.unpacked.entry(H) is None
    assert null.interpreters.probe(H) is None
    assert null.usage() == [] and null.downloads.dists() == []
    assert null.unpacked.entries() == []
    assert null.purge().removed == [] and null.downloads.remove([]).removed == []
    null.cannot_write(OSError(13, "Permission denied"))
    assert capsys.readouterr().err == ""  # nothing to warn about: it never writes
    assert Cache(None).directory is None


def test_build_environments_of_the_null_cache_go_into_the_work_dir(
    tmp_path: Path,
) -> None:
    environments = NULL_CACHE.build_environments(tmp_path)
    assert isinstance(environments, BuildEnvironments)
    assert environments.directory == tmp_path / "build-envs"
    assert environments.fallback is None


def test_users_over_the_null_cache_write_nothing(tmp_path: Path) -> None:
    from inst.build.wheel_cache import WheelCache
    from inst.index.cache import CacheEntry, HttpCache

    wheel = tmp_path / "a-1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    before = snapshot(tmp_path)
    pages = HttpCache(NULL_CACHE.http)
    entry = CacheEntry("https://example.invalid/", 200, {"ETag": '"1"'}, b"x", 0.0)
    pages.store("", entry)
    assert pages.load(entry.url, "") is None
    pages.delete(entry.url, "")
    wheels = WheelCache(NULL_CACHE.built_wheels, {"python": "x"})
    assert wheels.put(H, {}, wheel, interface="pyproject.toml") == wheel
    assert wheels.get(H, {}) is None
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("how", ["--no-cache-dir", "an unwritable --cache-dir"])
def test_a_run_with_the_null_cache_writes_nothing_anywhere(
    how: str,
    inst: Any,
    config_home: ConfigHome,
    index_server: Serve,
    sample_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only -d and --target are written: no cache (given, or the user's default), no
    file in the working directory, nothing left in the temporary directory."""
    server = index_server(sample_index)
    # Fresh for an hour: a cache that kept anything would keep these pages.
    server.add_headers("/", {"Cache-Control": "max-age=3600"})
    temporary = tmp_path / "config-home" / "tmp"
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    monkeypatch.chdir(tmp_path)
    if how == "--no-cache-dir":
        options = ["--no-cache-dir"]
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("a file where the cache directory should be")
        options = ["--cache-dir", str(blocker)]
    before = snapshot(tmp_path)
    index = ["-i", server.simple_url]
    runs = [
        inst("download", "withdeps", "-d", "out", *index, *options),
        inst("install", "withdeps", "--target", "target", *index, *options),
    ]
    for run in runs:
        assert run.code == 0, run.err
    warnings = "".join(run.err for run in runs).count("inst goes on without caching")
    assert warnings == (0 if how == "--no-cache-dir" else 1)
    after = snapshot(tmp_path)
    written = after.keys() - before.keys()
    assert {key.split("/")[0] for key in written} == {"out", "target"}, written
    assert all(after[key] == before[key] for key in before)
    assert not list(temporary.iterdir())


def test_the_same_run_with_a_cache_fills_its_buckets(
    inst: Any,
    config_home: ConfigHome,
    index_server: Serve,
    sample_index: LocalIndex,
    tmp_path: Path,
) -> None:
    """The counterpart of the test above: what it would have seen written."""
    server = index_server(sample_index)
    server.add_headers("/", {"Cache-Control": "max-age=3600"})
    cache = Cache(tmp_path / "cache")
    index = ["-i", server.simple_url, "--cache-dir", str(cache.directory)]
    run = inst("install", "withdeps", "--target", str(tmp_path / "target"), *index)
    assert run.code == 0, run.err
    for bucket in (cache.http, cache.downloads, cache.metadata, cache.unpacked):
        assert bucket.directory is not None and any(bucket.directory.rglob("*"))
    assert len(cache.downloads.dists()) == 2
    assert len(cache.unpacked.entries()) == 2

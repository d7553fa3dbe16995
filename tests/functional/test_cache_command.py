"""`inst cache dir | info | list | remove | purge`: the real command in a subprocess,
over a cache filled by a real `inst download` from the harness server, or laid out by
hand for the edge cases."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any, Callable, Union

import pytest

from harness import IndexServer, LocalIndex
from harness.checks import HEAVY, top_level_imports
from harness.config_home import ConfigHome
from inst import cache_layout
from inst.cache import Cache
from inst.ui.progress import format_size

Serve = Callable[[Union[LocalIndex, Path]], IndexServer]
RunInst = Callable[..., Any]  # run_inst: (*args) -> Run(code, out, err)

#: What `inst download withdeps another==1.0` puts in the cache from the sample index.
WHEELS = [
    "another-1.0-py3-none-any.whl",
    "simple-2.0-py3-none-any.whl",
    "withdeps-1.0-py3-none-any.whl",
]


# -- helpers ---------------------------------------------------------------------------


def files_under(root: Path) -> list[Path]:
    return sorted(
        Path(folder, name) for folder, _, names in os.walk(root) for name in names
    )


def dirs_under(root: Path) -> list[Path]:
    return sorted(Path(folder) for folder, _, _ in os.walk(root))


def assert_one_error(run: Any) -> str:
    """Exit 1, one `error:` paragraph on stderr, no traceback; the paragraph."""
    assert run.code == 1, (run.out, run.err)
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert "Traceback" not in run.err + run.out
    assert "internal error" not in run.err
    return str(errors[0])


def put(path: Path | None, size: int = 10, *, age: float = 0.0) -> Path:
    """A file of ``size`` bytes (sparse beyond the first few), ``age`` seconds old."""
    assert path is not None  # a bucket of a real cache always gives a path
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.truncate(size)
    if age:
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
    return path


def put_dist(
    cache: Path, filename: str, size: int = 10, *, by_url: bool = False
) -> Path:
    digest = hashlib.sha256(filename.encode()).hexdigest()
    if by_url:
        return put(Cache(cache).downloads.by_url(digest, filename), size)
    return put(Cache(cache).downloads.by_sha256(digest, filename), size)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def inst_cache(run_inst: RunInst, cache: Path) -> RunInst:
    """inst_cache(*args) -> Run of `inst cache *args --cache-dir CACHE`."""

    def run(*args: str, **kwargs: Any) -> Any:
        return run_inst("cache", *args, "--cache-dir", str(cache), **kwargs)

    return run


@pytest.fixture
def downloaded(
    run_inst: RunInst,
    index_server: Serve,
    sample_index: LocalIndex,
    cache: Path,
    tmp_path: Path,
) -> LocalIndex:
    """The cache after a real download over HTTP of three wheels."""
    server = index_server(sample_index)
    run = run_inst(
        "download",
        "-d",
        str(tmp_path / "out"),
        "--cache-dir",
        str(cache),
        "--index-url",
        server.simple_url,
        "withdeps",
        "another==1.0",
    )
    assert run.code == 0, run.err
    assert sorted(p.name for p in files_under(cache / "files")) == WHEELS
    return sample_index


# -- dir -------------------------------------------------------------------------------


def test_dir_prints_the_cache_dir_given(inst_cache, cache: Path) -> None:
    run = inst_cache("dir")
    assert (run.code, run.out, run.err) == (0, f"{cache}\n", "")
    assert not cache.exists()  # showing it creates nothing


def test_dir_is_absolute_and_follows_inst_cache_dir(
    run_inst: RunInst, tmp_path: Path, cli_home: ConfigHome
) -> None:
    run = run_inst("cache", "dir", env={"INST_CACHE_DIR": "rel/cache"}, cwd=tmp_path)
    assert (run.code, run.out) == (0, f"{tmp_path / 'rel' / 'cache'}\n"), run.err
    run = run_inst("cache", "dir", "--cache-dir", "~/c", cwd=tmp_path)
    assert run.out == f"{cli_home.root / 'home' / 'c'}\n"


def test_dir_defaults_to_the_user_cache_dir(
    run_inst: RunInst, cli_home: ConfigHome
) -> None:
    run = run_inst("cache", "dir")
    assert (run.code, run.out) == (0, f"{cli_home.root / 'cache' / 'inst'}\n")


@pytest.mark.parametrize("action", ["dir", "info", "list", "remove simple", "purge"])
def test_no_cache_dir_turns_every_action_off(
    inst_cache, action: str, cache: Path
) -> None:
    put_dist(cache, WHEELS[0])
    error = assert_one_error(inst_cache(*action.split(), "--no-cache-dir"))
    assert "cache turned off" in error
    assert "(from command line)" in error
    assert len(files_under(cache)) == 1  # untouched


def test_no_cache_dir_from_the_environment_says_so(inst_cache) -> None:
    error = assert_one_error(inst_cache("dir", env={"INST_NO_CACHE_DIR": "1"}))
    assert "(from INST_NO_CACHE_DIR)" in error


# -- info ------------------------------------------------------------------------------


def test_info_after_a_download_shows_each_part(inst_cache, downloaded, cache) -> None:
    run = inst_cache("info")
    assert run.code == 0 and run.err == "", run.err
    expected = [f"Cache location: {cache}"]
    total = count = 0
    for title, counted, directory in [
        ("HTTP responses", "HTTP responses", "http"),
        ("Downloaded files", "downloaded files", "files"),
        ("Metadata", "metadata files", "metadata"),
        ("Unpacked wheels", "unpacked files", "unpacked"),
        ("Built wheels", "built wheels", "wheels"),
        ("Build environments", "build environment files", "build-envs"),
        ("Interpreter probes", "interpreter probes", "interpreters"),
        ("Local file hashes", "local file hashes", "local-hashes"),
    ]:
        files = files_under(cache / directory)
        size = sum(path.stat().st_size for path in files)
        expected += [
            f"{title} location: {cache / directory}",
            f"{title} size: {format_size(size)}",
            f"Number of {counted}: {len(files)}",
        ]
        total, count = total + size, count + len(files)
    expected.append(f"Total size: {format_size(total)} in {count} files")
    assert run.out.splitlines() == expected
    assert "Number of downloaded files: 3" in expected
    assert "Number of metadata files: 3" in expected
    assert "Number of interpreter probes: 0" in expected
    assert not (cache / "interpreters").exists()


def test_info_sizes_read_as_pip_writes_them(inst_cache, cache: Path) -> None:
    put(cache / "http" / "aa" / "bb" / ("c" * 60), 999)
    put_dist(cache, "big-1.0-py3-none-any.whl", 2_500_000)
    put_dist(cache, "small-1.0.tar.gz", 12_345, by_url=True)
    put(Cache(cache).metadata.by_sha256("ab" * 32), 1_500)
    put(Cache(cache).interpreters.probe("12" * 32), 3)
    lines = inst_cache("info").out.splitlines()
    assert "HTTP responses size: 999 bytes" in lines
    assert "Downloaded files size: 2.5 MB" in lines
    assert "Number of downloaded files: 2" in lines
    assert "Metadata size: 1.5 kB" in lines
    assert "Interpreter probes size: 3 bytes" in lines
    assert "Number of interpreter probes: 1" in lines
    assert lines[-1] == "Total size: 2.5 MB in 5 files"


def test_info_on_a_missing_cache_is_all_zero(inst_cache, cache: Path) -> None:
    run = inst_cache("info")
    assert run.code == 0, run.err
    assert run.out.splitlines()[-1] == "Total size: 0 bytes in 0 files"
    assert "Number of downloaded files: 0" in run.out.splitlines()
    assert not cache.exists()


# -- list ------------------------------------------------------------------------------


def test_list_shows_the_downloaded_wheels_with_sizes(
    inst_cache, downloaded: LocalIndex
) -> None:
    run = inst_cache("list")
    assert run.code == 0 and run.err == "", run.err
    sizes = {name: downloaded.dist_path(name).stat().st_size for name in WHEELS}
    assert run.out.splitlines() == ["Cache contents:", ""] + [
        f" - {name} ({format_size(sizes[name])})" for name in WHEELS
    ]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("simple", ["simple-2.0-py3-none-any.whl"]),
        ("SIMPLE", ["simple-2.0-py3-none-any.whl"]),  # case does not matter
        ("simple-2*", ["simple-2.0-py3-none-any.whl"]),  # with a hyphen: the version
        ("simple-1*", []),
        ("*deps", ["withdeps-1.0-py3-none-any.whl"]),
        ("s*", ["simple-2.0-py3-none-any.whl"]),
        ("*", WHEELS),
        ("simpl", []),  # a name is a whole name, as in pip
        ("nothing", []),
    ],
)
def test_list_pattern_selects_by_project_name(
    inst_cache, downloaded, pattern: str, expected: list[str]
) -> None:
    run = inst_cache("list", pattern)
    assert run.code == 0, run.err
    listed = [
        line.split()[1] for line in run.out.splitlines() if line.startswith(" - ")
    ]
    assert listed == expected
    if not expected:
        assert run.out == f'No cached distribution files for pattern "{pattern}".\n'


def test_list_matches_any_spelling_of_a_name_and_sdists_too(
    inst_cache, cache: Path
) -> None:
    put_dist(cache, "typing_extensions-4.0.0-py3-none-any.whl")
    put_dist(cache, "typing_extensions-4.1.0.tar.gz", by_url=True)
    put_dist(cache, "Legacy.Name-1.0.zip")
    put_dist(cache, "typing-3.7.4.tar.gz")
    for pattern in ("typing.extensions", "Typing-Extensions", "typing_ext*"):
        listed = inst_cache("list", pattern).out.splitlines()[2:]
        assert listed == [
            " - typing_extensions-4.0.0-py3-none-any.whl (10 bytes)",
            " - typing_extensions-4.1.0.tar.gz (10 bytes)",
        ], pattern
    assert inst_cache("list", "typing").out.splitlines()[2:] == [
        " - typing-3.7.4.tar.gz (10 bytes)"
    ]
    assert inst_cache("list", "legacy-name").out.splitlines()[2:] == [
        " - Legacy.Name-1.0.zip (10 bytes)"
    ]


def test_list_format_abspath_prints_paths(
    inst_cache, run_inst: RunInst, downloaded, cache: Path, tmp_path: Path
) -> None:
    run = inst_cache("list", "--format", "abspath")
    assert run.code == 0 and run.err == "", run.err
    paths = [Path(line) for line in run.out.splitlines()]
    assert paths == sorted(files_under(cache / "files"), key=lambda p: p.name)
    assert [path.name for path in paths] == WHEELS
    assert all(path.is_absolute() and path.is_file() for path in paths)

    # A relative --cache-dir gives absolute paths all the same.
    args = ["simple", "--format", "abspath", "--cache-dir", "cache"]
    run = run_inst("cache", "list", *args, cwd=tmp_path)
    assert run.out.splitlines() == [str(paths[1])], run.err
    # Nothing matching: no output at all, as in pip.
    run = inst_cache("list", "nothing", "--format", "abspath")
    assert (run.code, run.out, run.err) == (0, "", "")


def test_list_of_an_empty_or_missing_cache(inst_cache, cache: Path) -> None:
    run = inst_cache("list")
    assert (run.code, run.out, run.err) == (0, "No distribution files cached.\n", "")
    assert not cache.exists()
    (cache / "files" / "sha256").mkdir(parents=True)
    assert inst_cache("list").out == "No distribution files cached.\n"


def test_list_skips_files_being_written(inst_cache, cache: Path) -> None:
    final = put_dist(cache, "simple-2.0-py3-none-any.whl")
    put(final.with_name(".simple-2.0-py3-none-any.whl.0a1b2c.part"))
    assert inst_cache("list", "--format", "abspath").out == f"{final}\n"


def test_quiet_list_keeps_the_files_and_drops_the_heading(
    inst_cache, cache: Path
) -> None:
    put_dist(cache, "simple-2.0-py3-none-any.whl")
    run = inst_cache("list", "-q")
    assert run.out == " - simple-2.0-py3-none-any.whl (10 bytes)\n"


# -- remove ----------------------------------------------------------------------------


def test_remove_takes_the_matching_files_and_their_directories(
    inst_cache, downloaded, cache: Path
) -> None:
    (target,) = [p for p in files_under(cache / "files") if p.name == WHEELS[1]]
    http_before = files_under(cache / "http")
    metadata_before = files_under(cache / "metadata")
    run = inst_cache("remove", "simple")
    assert (run.code, run.out, run.err) == (0, "Files removed: 1\n", "")
    assert not target.exists()
    assert not target.parent.exists() and not target.parent.parent.exists()
    assert sorted(p.name for p in files_under(cache / "files")) == [
        WHEELS[0],
        WHEELS[2],
    ]
    assert (cache / "files" / "sha256").is_dir()
    # Only distribution files go: index pages and metadata stay.
    assert files_under(cache / "http") == http_before
    assert files_under(cache / "metadata") == metadata_before
    assert inst_cache("list", "simple").out.startswith("No cached")


def test_remove_verbose_names_each_file(inst_cache, cache: Path) -> None:
    one = put_dist(cache, "lib-1.0-py3-none-any.whl")
    two = put_dist(cache, "lib-1.1.tar.gz", by_url=True)
    keep = put_dist(cache, "libx-1.0-py3-none-any.whl")
    run = inst_cache("-v", "remove", "lib")
    assert run.code == 0, run.err
    assert f"Removed {one}" in run.err and f"Removed {two}" in run.err
    assert run.out.splitlines()[-1] == "Files removed: 2"
    assert files_under(cache) == [keep]
    # The emptied directories go too, up to files/ itself.
    assert dirs_under(cache / "files") == [
        cache / "files",
        *(keep.parents[i] for i in (2, 1, 0)),
    ]


def test_remove_of_nothing_warns_as_pip_does(inst_cache, downloaded, cache) -> None:
    before = files_under(cache)
    run = inst_cache("remove", "nothing")
    assert run.code == 0
    assert run.err == 'warning: No matching packages for pattern "nothing"\n'
    assert run.out == "Files removed: 0\n"
    assert files_under(cache) == before


def test_remove_on_a_missing_cache_warns_and_creates_nothing(
    inst_cache, cache: Path
) -> None:
    run = inst_cache("remove", "simple")
    assert run.code == 0
    assert "No matching packages" in run.err
    assert not cache.exists()


def test_remove_star_is_purge(inst_cache, downloaded, cache: Path) -> None:
    count = len(files_under(cache))
    run = inst_cache("remove", "*")
    assert (run.code, run.out, run.err) == (0, f"Files removed: {count}\n", "")
    assert files_under(cache) == []


# -- purge -----------------------------------------------------------------------------


def test_purge_removes_every_part(inst_cache, downloaded, cache: Path) -> None:
    put(Cache(cache).interpreters.probe("ab" * 32))
    count = len(files_under(cache))
    assert count == 3 + 3 + 6 + 1
    run = inst_cache("purge")
    assert (run.code, run.out, run.err) == (0, f"Files removed: {count}\n", "")
    assert cache.is_dir() and os.listdir(cache) == []
    assert inst_cache("info").out.splitlines()[-1] == "Total size: 0 bytes in 0 files"


def test_purge_leaves_what_is_not_inst_s_and_files_being_written(
    inst_cache, cache: Path
) -> None:
    theirs = put(cache / "notes.txt")
    also_theirs = put(cache / "builds" / "x" / "y-1.0-py3-none-any.whl")
    final = put_dist(cache, "simple-2.0-py3-none-any.whl")
    writing = put(final.with_name(".simple-2.0-py3-none-any.whl.abcdef.part"))
    http_writing = put(cache / "http" / "aa" / "bb" / ".tmp-x1y2")
    stale = put(cache / "metadata" / "sha256" / "ab" / "tmpq1w2e3", age=2 * 86400)
    run = inst_cache("purge")
    assert (run.code, run.out) == (0, "Files removed: 2\n"), run.err
    assert files_under(cache) == sorted([theirs, also_theirs, writing, http_writing])
    assert not stale.exists() and not (cache / "metadata").exists()


def test_purge_of_a_missing_cache_is_safe(inst_cache, cache: Path) -> None:
    run = inst_cache("purge")
    assert (run.code, run.out) == (0, "Files removed: 0\n")
    assert run.err == "warning: No matching packages\n"
    assert not cache.exists()


def test_downloads_work_again_after_a_purge(
    inst_cache, downloaded, run_inst, index_server: Serve, cache: Path, tmp_path
) -> None:
    assert inst_cache("purge").code == 0
    server = index_server(downloaded)
    args = ["-d", str(tmp_path / "again"), "--cache-dir", str(cache)]
    run = run_inst("download", *args, "-i", server.simple_url, "simple")
    assert run.code == 0, run.err
    assert "Downloading simple-2.0-py3-none-any.whl" in run.out
    assert inst_cache("list").out.splitlines()[2:] == [
        f" - {WHEELS[1]} ({format_size(downloaded.dist_path(WHEELS[1]).stat().st_size)})"
    ]


# -- usage -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "`inst cache` needs an action: dir, info, list, remove, purge"),
        (["clean"], "invalid choice: 'clean'"),
        (["remove"], "`inst cache remove` needs a PATTERN"),
        (["list", "a", "b"], "`inst cache list` takes one PATTERN, got 2: a b"),
        (["purge", "now"], "`inst cache purge` takes no arguments, got: now"),
        (["list", "--format", "json"], "invalid choice: 'json'"),
    ],
)
def test_usage_mistakes_are_one_error(
    inst_cache, args: list[str], message: str, cache: Path
) -> None:
    put_dist(cache, WHEELS[0])
    assert message in assert_one_error(inst_cache(*args))
    assert len(files_under(cache)) == 1


def test_help_explains_the_actions(run_inst: RunInst) -> None:
    out = run_inst("cache", "--help").out
    for text in ("list [PATTERN]", "remove PATTERN", "purge", "--format", "abspath"):
        assert text in out
    assert "cache" in run_inst("help").out.split("commands:")[1]


@pytest.mark.parametrize("action", ["info", "list", "purge"])
def test_start_up_imports_nothing_heavy(
    cli_home: ConfigHome, cache: Path, action: str
) -> None:
    put_dist(cache, WHEELS[0])
    code, imported, stderr = top_level_imports(
        ["cache", action, "--cache-dir", str(cache)], cli_home.env
    )
    assert code == 0, stderr
    assert "inst" in imported
    assert imported.isdisjoint(HEAVY), imported & set(HEAVY)


# -- the layout module, in process -----------------------------------------------------


def test_walk_skips_files_that_vanish(tmp_path: Path, monkeypatch) -> None:
    real = put(tmp_path / "a" / "real", 5)

    def listing(root: Any) -> Any:
        yield str(tmp_path / "a"), [], ["gone", "real"]
        yield str(tmp_path / "missing-dir"), [], ["also-gone"]

    monkeypatch.setattr(cache_layout.os, "walk", listing)
    entries = list(cache_layout.walk(tmp_path))
    assert [(e.path, e.size) for e in entries] == [(real, 5)]


def test_removing_a_file_already_gone_is_not_counted(tmp_path: Path) -> None:
    present = put(tmp_path / "files" / "x" / "y" / "a-1.0.tar.gz")
    removal = cache_layout.remove_files(
        [present, tmp_path / "files" / "x" / "gone-1.0.tar.gz"], stop=tmp_path / "files"
    )
    assert removal.removed == [present] and removal.failed == []
    assert removal.directories == 2
    assert os.listdir(tmp_path / "files") == []


def test_the_layout_names_where_a_download_put_its_files(
    downloaded: LocalIndex, cache: Path
) -> None:
    """The buckets `inst cache` walks are where a real run wrote its entries."""
    buckets = Cache(cache)
    for name in WHEELS:
        digest = hashlib.sha256(downloaded.dist_path(name).read_bytes()).hexdigest()
        assert Path(str(buckets.downloads.by_sha256(digest, name))).is_file()
        assert Path(str(buckets.metadata.by_sha256(digest))).is_file()
    assert buckets.http.directory == cache / "http"
    assert len(files_under(cache / "http")) == 6
    dists = buckets.downloads.dists()
    assert [(d.filename, d.project) for d in dists] == [
        (name, name.split("-")[0]) for name in WHEELS
    ]

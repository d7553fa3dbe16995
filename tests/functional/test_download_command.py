"""`inst download` end to end: the real command in a subprocess against file:// and
HTTP indexes built by the harness; what it prints, what it saves, what it refuses."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Union

import pytest

from harness import IndexServer, LocalIndex, build_index, make_sdist, make_wheel
from harness.checks import leftovers, names

Serve = Callable[[Union[LocalIndex, Path]], IndexServer]
RunInst = Callable[..., Any]  # run_inst: (*args) -> Run(code, out, err)

PY3 = "py3-none-any"


# -- helpers ---------------------------------------------------------------------------


def cached_files(cache: Path) -> list[str]:
    """The distribution files in the cache (not the HTTP entries)."""
    found = []
    for _, _, files in os.walk(cache / "files"):
        found += files
    return sorted(found)


def assert_one_error(run: Any) -> str:
    """Exit 1, one `error:` paragraph on stderr, no traceback; the paragraph."""
    code, out, err = run.code, run.out, run.err
    assert code == 1, (out, err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert "Traceback" not in err + out
    assert "internal error" not in err
    return str(errors[0])


def html_only(index: LocalIndex) -> LocalIndex:
    """Drop the PEP 691 pages: the server can then only offer HTML."""
    for page in index.simple_dir.rglob("index.json"):
        page.unlink()
    return index


@pytest.fixture
def dists(tmp_path: Path) -> Path:
    return tmp_path / "dists"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def download(run_inst: RunInst, out: Path, cache: Path) -> RunInst:
    """download(*args) -> Run of `inst download -d OUT --cache-dir CACHE *args`."""

    def run(*args: str, dest: Path = out) -> Any:
        return run_inst(
            "download",
            "-d",
            str(dest),
            "--cache-dir",
            str(cache),
            "--retries",
            "0",
            "--timeout",
            "5",
            *args,
        )

    return run


@pytest.fixture
def app_index(dists: Path, tmp_path: Path) -> LocalIndex:
    """app 1.0 needs lib; lib has 1.0 and 1.1 (wheels only); extra is unrelated."""
    wheels = [
        make_wheel(dists, "app", "1.0", requires=["lib>=1.0"]),
        make_wheel(dists, "lib", "1.0"),
        make_wheel(dists, "lib", "1.1"),
        make_wheel(dists, "extra", "1.0"),
    ]
    return build_index(tmp_path / "app-index", wheels)


APP = f"app-1.0-{PY3}.whl"
LIB = f"lib-1.1-{PY3}.whl"


# -- the whole resolved set ------------------------------------------------------------


def test_file_index_saves_the_resolved_set(
    download, app_index: LocalIndex, out: Path
) -> None:
    run = download("app", "-i", app_index.file_url)
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    for name in (APP, LIB):
        assert (out / name).read_bytes() == app_index.dist_path(name).read_bytes()
    lines = run.out.splitlines()
    assert lines[:2] == ["Collecting app", "Collecting lib>=1.0 (from app==1.0)"]
    assert f"Saved {out / APP}" in lines
    assert f"Saved {out / LIB}" in lines
    assert lines[-1] == "Successfully downloaded lib app"
    assert run.err == ""


@pytest.mark.parametrize("pages", ["json", "html"])
def test_http_index_saves_the_resolved_set(
    download, index_server: Serve, app_index: LocalIndex, out: Path, pages: str
) -> None:
    if pages == "html":
        html_only(app_index)
    server = index_server(app_index)
    run = download("app", "-i", server.simple_url)
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    for name in (APP, LIB):
        assert (out / name).read_bytes() == app_index.dist_path(name).read_bytes()
        size = app_index.dist_path(name).stat().st_size
        assert f"Downloading {name} ({size} bytes)" in run.out.splitlines()
        assert f"Saved {out / name}" in run.out.splitlines()
    assert run.out.splitlines()[-1] == "Successfully downloaded lib app"
    (page,) = server.requests_to("/simple/app/")
    assert page.status == 200
    # Each file exactly once; the other projects of the index are never asked for.
    assert [r.path for r in server.requests_to("/files/app-1.0-py3-none-any.whl")] == [
        f"/files/{APP}.metadata",
        f"/files/{APP}",
    ]
    assert not server.requests_to("/simple/extra/")
    assert not server.requests_to("/files/lib-1.0")


def test_second_run_uses_the_cache_then_the_dest_dir(
    download, index_server: Serve, app_index: LocalIndex, out: Path
) -> None:
    server = index_server(app_index)
    assert download("app", "-i", server.simple_url).code == 0

    # Warm cache, empty -d: nothing is transferred again.
    shutil.rmtree(out)
    server.clear_requests()
    run = download("app", "-i", server.simple_url)
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    assert f"Using cached {APP} (" in run.out
    assert f"Using cached {LIB} (" in run.out
    assert "Downloading" not in run.out
    assert server.requests_to("/files/") == []

    # The files already in -d are kept as they are.
    server.clear_requests()
    inode = (out / APP).stat().st_ino
    run = download("app", "-i", server.simple_url)
    assert run.code == 0, run.err
    assert f"File was already downloaded {out / APP}" in run.out
    assert f"File was already downloaded {out / LIB}" in run.out
    assert (out / APP).stat().st_ino == inode
    assert server.requests_to("/files/") == []


def test_no_deps(download, app_index: LocalIndex, out: Path) -> None:
    run = download("app", "--no-deps", "-i", app_index.file_url)
    assert run.code == 0, run.err
    assert names(out) == [APP]
    assert "Collecting lib" not in run.out
    assert run.out.splitlines()[-1] == "Successfully downloaded app"


def test_requirements_file(
    download, app_index: LocalIndex, out: Path, tmp_path: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        f"# what the app needs\n--index-url {app_index.file_url}\n\napp\nlib==1.0\n"
    )
    run = download("-r", str(requirements))
    assert run.code == 0, run.err
    assert names(out) == [APP, f"lib-1.0-{PY3}.whl"]
    assert "Collecting app" in run.out
    assert "Collecting lib==1.0" in run.out


def test_dest_dir_is_created(download, app_index: LocalIndex, tmp_path: Path) -> None:
    dest = tmp_path / "deep" / "down" / "here"
    run = download("extra", "-i", app_index.file_url, dest=dest)
    assert run.code == 0, run.err
    assert names(dest) == [f"extra-1.0-{PY3}.whl"]


def test_no_requirement_is_a_usage_error(download, out: Path) -> None:
    run = download()
    message = assert_one_error(run)
    assert "needs at least one requirement" in message
    assert not out.exists()


# -- which files: binary policy, pre-releases ------------------------------------------


@pytest.fixture
def lib_index(dists: Path, tmp_path: Path) -> LocalIndex:
    """lib: 1.0 wheel + sdist, 2.0 sdist only, 3.0rc1 wheel; app needs lib."""
    files = [
        make_wheel(dists, "lib", "1.0"),
        make_sdist(dists, "lib", "1.0"),
        make_sdist(dists, "lib", "2.0"),
        make_wheel(dists, "lib", "3.0rc1"),
        make_wheel(dists, "app", "1.0", requires=["lib==1.0"]),
    ]
    return build_index(tmp_path / "lib-index", files)


@pytest.mark.parametrize(
    ("args", "saved"),
    [
        (["lib==1.0"], f"lib-1.0-{PY3}.whl"),  # the wheel beats the sdist
        (["lib", "--only-binary", ":all:"], f"lib-1.0-{PY3}.whl"),
        (["lib", "--prefer-binary"], f"lib-1.0-{PY3}.whl"),
        (["lib", "--pre"], f"lib-3.0rc1-{PY3}.whl"),
        (["lib", "--pre", "--only-binary=:all:"], f"lib-3.0rc1-{PY3}.whl"),
        (["lib>=3.0rc1"], f"lib-3.0rc1-{PY3}.whl"),  # a pre-release specifier
        # A name on one side beats :all: on the other.
        (["lib", "--no-binary", ":all:", "--only-binary", "lib"], f"lib-1.0-{PY3}.whl"),
    ],
)
def test_binary_options_choose_wheels(
    download, lib_index: LocalIndex, out: Path, args: list[str], saved: str
) -> None:
    run = download(*args, "-i", lib_index.file_url)
    assert run.code == 0, run.err
    assert names(out) == [saved]


@pytest.mark.parametrize(
    ("args", "saved"),
    [
        (["lib", "--no-deps"], "lib-2.0.tar.gz"),
        (["lib", "--no-binary", ":all:", "--no-deps"], "lib-2.0.tar.gz"),
        (["lib==1.0", "--no-binary", "lib", "--no-deps"], "lib-1.0.tar.gz"),
    ],
)
def test_sdists_are_saved_with_no_deps(
    download, lib_index: LocalIndex, out: Path, args: list[str], saved: str
) -> None:
    run = download(*args, "-i", lib_index.file_url)
    assert run.code == 0, run.err
    assert names(out) == [saved]
    assert (out / saved).read_bytes() == lib_index.dist_path(saved).read_bytes()
    assert f"Saved {out / saved}" in run.out.splitlines()
    assert run.out.splitlines()[-1] == "Successfully downloaded lib"


@pytest.mark.parametrize(
    ("args", "sdist"),
    [
        (["lib"], "lib-2.0.tar.gz"),
        (["lib", "--no-binary", ":all:"], "lib-2.0.tar.gz"),
        (["app", "--no-binary", "lib"], "lib-1.0.tar.gz"),
    ],
)
def test_sdists_with_deps_and_static_metadata_need_no_build(
    download, lib_index: LocalIndex, out: Path, args: list[str], sdist: str
) -> None:
    """Their metadata comes from their [project] table (nothing in it is dynamic), so
    the build requirements (setuptools), which this index lacks, are not needed."""
    run = download(*args, "-i", lib_index.file_url)
    assert run.code == 0, run.err
    assert sdist in names(out)


def test_no_binary_all_leaves_no_file(download, lib_index: LocalIndex) -> None:
    run = download("app", "--no-binary", ":all:", "-i", lib_index.file_url)
    message = assert_one_error(run)
    assert message.startswith("error: no matching distribution found for app")
    assert f"app-1.0-{PY3}.whl: wheels are turned off by --no-binary" in message


# -- another target: --platform, --python-version, --implementation, --abi ------------


@pytest.fixture
def plat_index(dists: Path, tmp_path: Path) -> LocalIndex:
    files = [
        make_wheel(dists, "plat", "1.0", tag="cp310-cp310-manylinux_2_17_x86_64"),
        make_wheel(dists, "plat", "1.0", tag="cp311-cp311-manylinux_2_17_x86_64"),
        make_wheel(dists, "plat", "1.0", tag="cp310-cp310-win_amd64"),
        make_wheel(dists, "plat", "1.1", tag="cp312-cp312-manylinux_2_17_x86_64"),
        make_sdist(dists, "plat", "1.2"),
    ]
    return build_index(tmp_path / "plat-index", files)


TARGET = [
    "--platform",
    "manylinux_2_17_x86_64",
    "--python-version",
    "3.10",
    "--implementation",
    "cp",
    "--abi",
    "cp310",
]


@pytest.mark.parametrize("extra", [[], ["--no-binary", ":none:"]])
def test_target_options_pick_the_target_wheel(
    download, plat_index: LocalIndex, out: Path, extra: list[str]
) -> None:
    run = download(
        "plat", *TARGET, "--only-binary=:all:", *extra, "-i", plat_index.file_url
    )
    assert run.code == 0, run.err
    assert names(out) == ["plat-1.0-cp310-cp310-manylinux_2_17_x86_64.whl"]


def test_target_options_with_no_deps_take_sdists_too(
    download, plat_index: LocalIndex, out: Path
) -> None:
    run = download("plat", *TARGET, "--no-deps", "-i", plat_index.file_url)
    assert run.code == 0, run.err
    assert names(out) == ["plat-1.2.tar.gz"]


def test_target_with_no_fitting_wheel(download, plat_index: LocalIndex) -> None:
    target = [*TARGET[:-1], "cp39"]
    target[target.index("3.10")] = "3.9"
    run = download("plat", *target, "--only-binary=:all:", "-i", plat_index.file_url)
    message = assert_one_error(run)
    assert message.startswith("error: no matching distribution found for plat")
    assert "no tag of it fits the target" in message


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--only-binary", "plat"],
        ["--only-binary=:all:", "--no-binary", "plat"],
    ],
)
def test_target_options_need_only_binary(
    download, plat_index: LocalIndex, out: Path, extra: list[str]
) -> None:
    run = download("plat", *TARGET, *extra, "-i", plat_index.file_url)
    message = assert_one_error(run)
    assert "need --only-binary=:all:" in message
    assert run.out == ""  # refused before anything is looked up
    assert not out.exists()


# -- what the index page says: yanked files, Requires-Python ---------------------------


@pytest.fixture
def old_index(dists: Path, tmp_path: Path) -> LocalIndex:
    """old: 1.0; 1.5 yanked; 1.6 yanked without reason; 2.0 Requires-Python >=3.99."""
    files = [
        make_wheel(dists, "old", "1.0"),
        make_wheel(dists, "old", "1.5"),
        make_wheel(dists, "old", "1.6"),
        make_wheel(dists, "old", "2.0", requires_python=">=3.99"),
    ]
    return build_index(
        tmp_path / "old-index",
        files,
        yanked={"old==1.5": "broken build", f"old-1.6-{PY3}.whl": True},
    )


@pytest.mark.parametrize("pages", ["json", "html"])
def test_yanked_and_requires_python_come_from_the_page(
    download, index_server: Serve, old_index: LocalIndex, out: Path, pages: str
) -> None:
    if pages == "html":
        html_only(old_index)
    server = index_server(old_index)
    run = download("old", "-i", server.simple_url)
    assert run.code == 0, run.err
    assert names(out) == [f"old-1.0-{PY3}.whl"]
    # Left out from the page alone: neither their metadata nor the files are fetched.
    for version in ("1.5", "1.6", "2.0"):
        assert not server.requests_to(f"/files/old-{version}-"), version
    assert "warning" not in run.err


@pytest.mark.parametrize("pages", ["json", "html"])
def test_yanked_file_pinned_exactly(
    download, index_server: Serve, old_index: LocalIndex, out: Path, pages: str
) -> None:
    if pages == "html":
        html_only(old_index)
    server = index_server(old_index)
    run = download("old==1.5", "-i", server.simple_url)
    assert run.code == 0, run.err
    assert names(out) == [f"old-1.5-{PY3}.whl"]
    assert f"old-1.5-{PY3}.whl is yanked" in run.err
    assert "reason: broken build" in run.err


def test_ignore_requires_python(download, old_index: LocalIndex, out: Path) -> None:
    run = download("old", "--ignore-requires-python", "-i", old_index.file_url)
    assert run.code == 0, run.err
    assert names(out) == [f"old-2.0-{PY3}.whl"]


def test_requires_python_leaves_nothing(download, old_index: LocalIndex) -> None:
    run = download("old==2.0", "-i", old_index.file_url)
    message = assert_one_error(run)
    assert "it requires Python >=3.99" in message


# -- where files come from: find-links, several indexes --------------------------------


@pytest.fixture
def two_indexes(tmp_path: Path) -> tuple[LocalIndex, LocalIndex]:
    """primary: lib 1.0 and 3.0, only-primary 1.0; extra: lib 2.0."""
    primary = build_index(
        tmp_path / "primary",
        [
            make_wheel(tmp_path / "d1", "lib", "1.0"),
            make_wheel(tmp_path / "d1", "lib", "3.0"),
            make_wheel(tmp_path / "d1", "only-primary", "1.0"),
        ],
    )
    extra = build_index(tmp_path / "extra", [make_wheel(tmp_path / "d2", "lib", "2.0")])
    return primary, extra


def test_extra_index_is_searched_first(
    download, index_server: Serve, two_indexes: tuple[LocalIndex, LocalIndex], out: Path
) -> None:
    primary, extra = (index_server(index) for index in two_indexes)
    run = download(
        "lib",
        "only-primary",
        "-i",
        primary.simple_url,
        "--extra-index-url",
        extra.simple_url,
    )
    assert run.code == 0, run.err
    # first-index: lib comes from the extra index alone, though the primary has 3.0.
    assert names(out) == [f"lib-2.0-{PY3}.whl", f"only_primary-1.0-{PY3}.whl"]
    # The primary's page is read only to warn that it has newer versions; none of
    # its files is used.
    assert "lib 3.0 is on" in run.err
    assert not primary.requests_to("/files/lib-")
    assert extra.requests_to("/simple/lib/")
    # A project the extra index lacks falls through to the primary one.
    assert extra.requests_to("/simple/only-primary/")[0].status == 404
    assert primary.requests_to("/simple/only-primary/")[0].status == 200


def test_best_match_takes_the_newest_of_all_indexes(
    download, index_server: Serve, two_indexes: tuple[LocalIndex, LocalIndex], out: Path
) -> None:
    primary, extra = (index_server(index) for index in two_indexes)
    run = download(
        "lib",
        "-i",
        primary.simple_url,
        "--extra-index-url",
        extra.simple_url,
        "--index-strategy",
        "best-match",
    )
    assert run.code == 0, run.err
    assert names(out) == [f"lib-3.0-{PY3}.whl"]
    assert primary.requests_to("/simple/lib/")
    assert extra.requests_to("/simple/lib/")
    assert not extra.requests_to("/files/")


def test_find_links_directory_competes_with_the_index(
    download, two_indexes: tuple[LocalIndex, LocalIndex], out: Path
) -> None:
    primary, extra = two_indexes
    run = download(
        "lib", "-i", primary.file_url, "--find-links", str(extra.find_links_dir)
    )
    assert run.code == 0, run.err
    assert names(out) == [f"lib-3.0-{PY3}.whl"]
    run = download(
        "lib==2.0", "-i", primary.file_url, "--find-links", str(extra.find_links_dir)
    )
    assert run.code == 0, run.err
    assert f"lib-2.0-{PY3}.whl" in names(out)


def test_no_index_find_links_directory(
    download, two_indexes: tuple[LocalIndex, LocalIndex], out: Path
) -> None:
    _, extra = two_indexes
    run = download("lib", "--no-index", "-f", str(extra.find_links_dir))
    assert run.code == 0, run.err
    assert names(out) == [f"lib-2.0-{PY3}.whl"]
    assert (out / f"lib-2.0-{PY3}.whl").read_bytes() == extra.dist_path(
        f"lib-2.0-{PY3}.whl"
    ).read_bytes()


def test_find_links_html_page(
    download, two_indexes: tuple[LocalIndex, LocalIndex], out: Path, tmp_path: Path
) -> None:
    primary, _ = two_indexes
    page = tmp_path / "links" / "page.html"
    page.parent.mkdir()
    wheel = primary.dist_path(f"lib-1.0-{PY3}.whl")
    # One relative link, one absolute; a link that is not a distribution is ignored.
    page.write_text(
        "<html><body>"
        f'<a href="../primary/files/lib-1.0-{PY3}.whl">lib 1.0</a>'
        f'<a href="{wheel.with_name(f"lib-3.0-{PY3}.whl").as_uri()}">lib 3.0</a>'
        '<a href="notes.txt">notes</a>'
        "</body></html>"
    )
    run = download("lib<3", "--no-index", "--find-links", str(page))
    assert run.code == 0, run.err
    assert names(out) == [f"lib-1.0-{PY3}.whl"]
    run = download("lib", "--no-index", "--find-links", page.as_uri())
    assert run.code == 0, run.err
    assert names(out) == [f"lib-1.0-{PY3}.whl", f"lib-3.0-{PY3}.whl"]


def test_no_index_without_find_links_finds_nothing(download, out: Path) -> None:
    run = download("lib", "--no-index")
    message = assert_one_error(run)
    assert message.startswith("error: no matching distribution found for lib")
    assert not out.exists()


# -- hashes ----------------------------------------------------------------------------


def tamper(index: LocalIndex, filename: str, tmp_path: Path) -> bytes:
    """Replace a file of the index with another valid wheel of the same name; the pages
    keep the old sha256. Returns the original bytes."""
    path = index.dist_path(filename)
    original = path.read_bytes()
    name, version = filename.split("-")[:2]
    other = make_wheel(tmp_path / "evil", name, version, summary="not the real one")
    path.write_bytes(other.read_bytes())
    return original


@pytest.mark.parametrize("transport", ["http", "file"])
def test_index_hash_mismatch_leaves_nothing(
    download,
    index_server: Serve,
    app_index: LocalIndex,
    out: Path,
    cache: Path,
    tmp_path: Path,
    transport: str,
) -> None:
    original = tamper(app_index, LIB, tmp_path)
    url = index_server(app_index).simple_url if transport == "http" else None
    url = url or app_index.file_url
    expected = hashlib.sha256(original).hexdigest()
    actual = hashlib.sha256(app_index.dist_path(LIB).read_bytes()).hexdigest()

    run = download("app", "-i", url)
    message = assert_one_error(run)
    assert message.startswith(f"error: hash mismatch for {LIB}.")
    assert f"Expected sha256 {expected} (from the index), got {actual}" in message
    assert names(out) == []  # not even the app wheel, which was fine
    assert LIB not in cached_files(cache)
    assert leftovers(tmp_path) == []

    # Fixed on the index: the next run gets the real file, nothing poisoned remains.
    app_index.dist_path(LIB).write_bytes(original)
    run = download("app", "-i", url)
    assert run.code == 0, run.err
    assert names(out) == [APP, LIB]
    assert (out / LIB).read_bytes() == original
    if transport == "http":
        assert f"Downloading {LIB} (" in run.out


def test_hash_mismatch_keeps_what_dest_held_before(
    download, app_index: LocalIndex, out: Path, tmp_path: Path
) -> None:
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    assert download("extra", "-i", app_index.file_url).code == 0
    tamper(app_index, LIB, tmp_path)
    run = download("app", "extra", "-i", app_index.file_url)
    assert_one_error(run)
    assert names(out) == [f"extra-1.0-{PY3}.whl", "mine.txt"]


@pytest.mark.parametrize("transport", ["http", "file"])
def test_requirement_hash_mismatch(
    download,
    index_server: Serve,
    app_index: LocalIndex,
    out: Path,
    cache: Path,
    tmp_path: Path,
    transport: str,
) -> None:
    url = app_index.file_url
    if transport == "http":
        url = index_server(app_index).simple_url
    wrong = "0" * 64
    actual = hashlib.sha256(app_index.dist_path(LIB).read_bytes()).hexdigest()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"lib==1.1 --hash=sha256:{wrong}\n")

    run = download("-r", str(requirements), "-i", url)
    message = assert_one_error(run)
    assert message.startswith(f"error: hash mismatch for {LIB}.")
    assert f"Expected sha256 {wrong} (from --hash), got {actual}" in message
    assert names(out) == []
    assert cached_files(cache) == []
    assert leftovers(tmp_path) == []

    requirements.write_text(f"lib==1.1 --hash=sha256:{wrong} --hash=sha256:{actual}\n")
    run = download("-r", str(requirements), "-i", url)
    assert run.code == 0, run.err
    assert names(out) == [LIB]

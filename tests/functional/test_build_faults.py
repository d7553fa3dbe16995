"""The build layer against projects that misbehave, through the real ``inst`` command:
build-dependency cycles, backends that write wheels installers refuse, sdists in
every archive format pip takes, and signals arriving while a backend runs.

Every tree here is built by the tiny in-tree backend of harness.fault_backends
(``requires = []``), so nothing needs the backend wheels and each build is quick. The
runs of a module share one cache: its one build environment (empty) is made once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from harness.build_projects import assert_ok, assert_one_error
from harness.config_home import ConfigHome
from harness.fault_backends import (
    PID_FILE_VARIABLE,
    alive,
    archive_sdist,
    fault_tree,
    read_pids,
)

posix_only = pytest.mark.skipif(
    os.name != "posix", reason="process groups and these signals are POSIX's"
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """TMPDIR of every run: inst's work and build directories go there."""
    path = tmp_path / "tmpdir"
    path.mkdir()
    return path


@pytest.fixture
def inst(run_inst, cache: Path, scratch: Path):
    """inst("wheel", ...) with --no-index, the module's cache and TMPDIR=scratch."""

    def run(command: str, *args: str, timeout: float = 120):
        return run_inst(
            command,
            "--no-index",
            "--cache-dir",
            str(cache),
            *args,
            env={"TMPDIR": str(scratch)},
            timeout=timeout,
        )

    return run


def error_lines(run) -> list[str]:
    return [line for line in run.err.splitlines() if line.startswith("error:")]


# --- build-dependency cycles ---------------------------------------------------------
# A run that hangs fails by the timeout of run_inst (subprocess.TimeoutExpired).

CYCLE = "is already being built"


def sdist_of(root: Path, links: Path, name: str, **kw) -> Path:
    return archive_sdist(fault_tree(root, name, **kw), links, ".tar.gz")


def test_a_project_whose_build_needs_itself_is_a_cycle_not_a_hang(
    inst, tmp_path: Path, scratch: Path
) -> None:
    links = tmp_path / "links"
    sdist_of(tmp_path / "src", links, "selfbuild", requires=["selfbuild"])

    for args in (
        ("install", "--dry-run", "-f", str(links), "selfbuild"),
        ("wheel", "-f", str(links), "-w", str(tmp_path / "out"), "selfbuild"),
    ):
        run = inst(*args, timeout=60)
        assert_one_error(run, CYCLE, "(selfbuild → selfbuild)")
        assert "Its own build requirements include it" in run.err
        assert os.listdir(scratch) == [], args
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []


def test_two_projects_that_need_each_other_to_build_are_a_cycle(
    inst, tmp_path: Path, scratch: Path
) -> None:
    links = tmp_path / "links"
    sdist_of(tmp_path / "src", links, "ping", requires=["pong"])
    sdist_of(tmp_path / "src", links, "pong", requires=["ping>=1"])

    run = inst("install", "--dry-run", "-f", str(links), "ping", timeout=60)

    assert_one_error(run, CYCLE, "(ping → pong → ping)")
    assert "Each needs the next one to build" in run.err
    assert os.listdir(scratch) == []


def test_a_tree_needing_its_own_sdist_to_build_is_a_cycle(
    inst, tmp_path: Path, scratch: Path
) -> None:
    """The tree is built from the directory; its build requirement, the same project
    as an sdist from find-links, needs itself."""
    links = tmp_path / "links"
    sdist_of(tmp_path / "src", links, "selfbuild", requires=["selfbuild"])
    tree = fault_tree(tmp_path, "selfbuild", requires=["selfbuild"])

    run = inst("wheel", "-f", str(links), "-w", str(tmp_path / "out"), str(tree))

    assert_one_error(run, CYCLE, "selfbuild → selfbuild")
    assert os.listdir(scratch) == []


def test_a_build_requirement_built_from_an_sdist_is_not_a_cycle(
    inst, tmp_path: Path
) -> None:
    """The cycle check counts projects being built, not projects built before: two
    trees needing the same sdist-only build requirement both build."""
    links = tmp_path / "links"
    sdist_of(tmp_path / "src", links, "helper")
    first = fault_tree(tmp_path, "first", requires=["helper"])
    second = fault_tree(tmp_path, "second", requires=["helper"])
    out = tmp_path / "out"

    run = inst("wheel", "-f", str(links), "-w", str(out), str(first), str(second))

    assert_ok(run)
    assert sorted(os.listdir(out)) == [
        "first-1.0-py3-none-any.whl",
        "second-1.0-py3-none-any.whl",
    ]


# --- inst wheel keeps what install would refuse --------------------------------------


def test_inst_wheel_saves_a_built_wheel_whose_record_has_no_hashes(
    inst, tmp_path: Path
) -> None:
    tree = fault_tree(tmp_path, "nohash", record="no-hashes")
    out = tmp_path / "out"

    run = inst("wheel", "-w", str(out), str(tree))

    assert_ok(run)
    saved = out / "nohash-1.0-py3-none-any.whl"
    assert saved.is_file()
    with zipfile.ZipFile(saved) as archive:  # as the backend made it
        record = archive.read("nohash-1.0.dist-info/RECORD").decode()
    assert "nohash.py,," in record
    warnings = [line for line in run.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, run.err
    assert "its RECORD gives no hash for 'nohash.py'" in warnings[0]
    assert "inst install would refuse it" in warnings[0]
    assert "cannot be installed" not in run.err


def test_inst_install_still_refuses_a_built_wheel_whose_record_has_no_hashes(
    inst, tmp_path: Path
) -> None:
    tree = fault_tree(tmp_path, "nohash", record="no-hashes")
    target = tmp_path / "target"

    run = inst("install", "--target", str(target), str(tree))

    assert_one_error(run, "cannot be installed", "gives no hash for 'nohash.py'")
    assert not (target / "nohash.py").exists()


def test_a_refused_wheel_built_from_an_sdist_leaves_no_trace_in_the_wheel_cache(
    inst, tmp_path: Path, cache: Path
) -> None:
    """Nothing that fails a check stays in a cache: the next run builds again (and
    the hint speaks of the build backend, not of downloading again)."""
    links = tmp_path / "links"
    sdist_of(tmp_path / "src", links, "nohashsd", record="no-hashes")
    target = tmp_path / "target"

    for _ in range(2):
        run = inst("install", "--target", str(target), "-f", str(links), "nohashsd")
        assert_one_error(run, "cannot be installed", "build backend made it so")
        assert "Building wheel for nohashsd" in run.out
        assert not list((cache / "wheels").rglob("nohashsd*.whl"))
    assert not (target / "nohashsd.py").exists()


# --- sdists in every archive format --------------------------------------------------

FORMATS = [".tar.bz2", ".tar.xz", ".tar.lzma", ".tgz", ".tbz", ".txz", ".tlz", ".zip"]


def project_name(suffix: str) -> str:
    return "fmt-" + suffix.strip(".").replace(".", "-")


def wheel_name(suffix: str) -> str:
    return project_name(suffix).replace("-", "_") + "-1.0-py3-none-any.whl"


@pytest.fixture
def archives(tmp_path: Path) -> dict[str, Path]:
    """An sdist of a distinct project per format, in tmp_path/archives."""
    dest = tmp_path / "archives"
    return {
        suffix: archive_sdist(
            fault_tree(tmp_path / "src", project_name(suffix)), dest, suffix
        )
        for suffix in FORMATS
    }


def test_sdists_of_other_formats_build_when_given_as_paths(
    inst, tmp_path: Path, archives: dict[str, Path]
) -> None:
    """Unpacking every format is the unit tests' job; here each way in is tried."""
    out = tmp_path / "out"
    chosen = [".tar.bz2", ".tar.xz", ".tar.lzma"]

    run = inst("wheel", "-w", str(out), *(str(archives[s]) for s in chosen))

    assert_ok(run)
    assert sorted(os.listdir(out)) == sorted(map(wheel_name, chosen))


def test_sdists_of_other_formats_build_from_urls(
    inst, tmp_path: Path, archives: dict[str, Path], index_server
) -> None:
    server = index_server(tmp_path / "archives")
    out = tmp_path / "out"
    tgz, zipped = archives[".tgz"], archives[".zip"]

    run = inst(
        "wheel",
        "-w",
        str(out),
        f"{server.url}{tgz.name}",  # a bare URL
        f"{project_name('.zip')} @ {zipped.as_uri()}",  # name @ file:// URL
    )

    assert_ok(run)
    assert sorted(os.listdir(out)) == sorted(map(wheel_name, [".tgz", ".zip"]))


def test_sdists_of_other_formats_are_found_on_find_links_and_indexes(
    inst, tmp_path: Path, archives: dict[str, Path]
) -> None:
    # An index (PEP 503 pages) offering the .txz sdist; find-links the .tbz one.
    txz_name = project_name(".txz")
    page = tmp_path / "index" / txz_name / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        f'<a href="{archives[".txz"].as_uri()}">{archives[".txz"].name}</a>',
        encoding="utf-8",
    )
    out = tmp_path / "out"

    run = inst(
        "wheel",
        "--index-url",
        (tmp_path / "index").as_uri(),
        "-f",
        str(tmp_path / "archives"),
        "-w",
        str(out),
        txz_name,
        project_name(".tbz"),
    )

    assert_ok(run)
    assert sorted(os.listdir(out)) == sorted(map(wheel_name, [".txz", ".tbz"]))


def test_an_lzip_sdist_is_refused_with_the_reason(inst, tmp_path: Path) -> None:
    archive = tmp_path / "demo-1.0.tar.lz"
    archive.write_bytes(b"LZIP\x01")

    run = inst("wheel", "-w", str(tmp_path / "out"), str(archive))

    assert_one_error(run, "lzip", "cannot unpack")
    assert "does not parse" not in run.err


# --- signals while a backend runs ----------------------------------------------------

MESSAGES = {
    signal.SIGTERM: "terminated (SIGTERM)",
    signal.SIGINT: "interrupted by the user (Ctrl-C)",
}


def start_inst(
    home: ConfigHome, args: list[str], env: dict[str, str]
) -> subprocess.Popen[str]:
    # SIGINT as a terminal's Ctrl-C finds it, even if pytest runs with SIGINT ignored
    # (a background job), which exec would keep: reset, then exec inst in that pid.
    trampoline = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
        "os.execv(sys.executable, [sys.executable, '-m', 'inst', *sys.argv[1:]])"
    )
    return subprocess.Popen(
        [sys.executable, "-c", trampoline, *args],
        env={**home.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_pids(process: subprocess.Popen[str], pid_file: Path) -> list[int]:
    """The backend's pids, once it stalls; fails if inst ends first, or hangs before
    (as when a build requirement's build waited for the lock its caller held)."""
    deadline = time.monotonic() + 120
    while not pid_file.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"inst ended before the backend stalled:\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail("the backend never ran: inst hangs before the build")
        time.sleep(0.02)
    return read_pids(pid_file)


def wait_gone(pids: list[int], seconds: float = 30) -> list[int]:
    """The pids still running after waiting up to seconds for them to go."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(map(alive, pids)):
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def kill_leftovers(pids: list[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


CASES = [
    # (command, hook that stalls, where the stalling project comes from)
    ("install", "prepare_metadata_for_build_wheel", "tree"),
    # an sdist from find-links, built as the build requirement of a tree
    ("wheel", "build_wheel", "build requirement"),
    ("build-info", "get_requires_for_build_wheel", "tree"),
]


@posix_only
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
@pytest.mark.parametrize(
    "command,hook,origin", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES]
)
def test_a_signal_during_a_build_ends_the_backend_and_cleans_up(
    cli_home: ConfigHome,
    cache: Path,
    scratch: Path,
    tmp_path: Path,
    command: str,
    hook: str,
    origin: str,
    signum: signal.Signals,
) -> None:
    pid_file = tmp_path / "backend.pids"
    tree = fault_tree(tmp_path / "src", "sleepy", stall=[hook])
    target = tmp_path / "target"
    common = ["--no-index", "--cache-dir", str(cache)]
    if origin == "tree":
        where = [str(tree)]
    else:  # built while the outer tree's build environment is made
        links = tmp_path / "links"
        archive_sdist(tree, links, ".tar.gz")
        outer = fault_tree(tmp_path, "outer", requires=["sleepy"])
        where = ["-f", str(links), str(outer)]
    args = {
        "install": ["install", *common, "--target", str(target), *where],
        "wheel": ["wheel", *common, "-w", str(tmp_path / "out"), *where],
        "build-info": ["build-info", *common, *where],
    }[command]
    process = start_inst(
        cli_home, args, {"TMPDIR": str(scratch), PID_FILE_VARIABLE: str(pid_file)}
    )
    pids: list[int] = []
    try:
        pids = wait_for_pids(process, pid_file)
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
        left = wait_gone(pids)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        kill_leftovers(pids)

    assert process.returncode == 1, (out, err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and MESSAGES[signum] in errors[0], err
    assert not any(line.startswith("Traceback") for line in err.splitlines()), err
    assert left == [], f"the backend's processes {left} outlived inst"
    assert os.listdir(scratch) == []
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []
    if command == "install":
        assert not (target / "sleepy.py").exists()
        if signum == signal.SIGTERM:
            assert "the environment was left as it was before" in errors[0]


# --- static [project] metadata that the wheel contradicts ---------------------------


def test_a_wheel_contradicting_its_static_project_table_is_refused(
    inst, tmp_path: Path
) -> None:
    """The resolver took the dependencies from [project] (nothing dynamic); the wheel's
    METADATA (the fault backend writes none) must then say the same."""
    tree = fault_tree(tmp_path, "liar")
    with open(tree / "pyproject.toml", "a", encoding="utf-8") as out:
        out.write('\n[project]\nname = "liar"\nversion = "1.0"\ndependencies = []\n')
    honest = inst("wheel", "--no-deps", "-w", str(tmp_path / "ok"), str(tree))
    assert_ok(honest)
    with open(tree / "pyproject.toml", "a", encoding="utf-8") as out:
        out.write('requires-python = ">=3.0"\n')
    run = inst("wheel", "--no-deps", "-w", str(tmp_path / "out"), str(tree))
    assert_one_error(
        run, "the wheel built of liar does not say what its pyproject.toml"
    )
    assert not (tmp_path / "out").exists() or os.listdir(tmp_path / "out") == []

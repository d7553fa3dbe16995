"""The cache of unpacked wheels shared: by inst processes running at once, and by the
environments whose files are hard links to it (what it trusts, what it checks).

Every install here runs the real `inst` against one module-wide index of harness
wheels, each test with its own cache directory.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import LocalIndex, VirtualEnv, build_index, make_wheel
from harness.checks import leftovers
from harness.config_home import ConfigHome

CROWDED = Path(__file__).resolve().parents[1] / "harness" / "crowded.py"
#: Projects the crowd installs: a top one and its dependencies, each its own wheel;
#: no more wheels than inst unpacks at once, so that all of them meet at once.
LEAVES = [f"leaf{number}" for number in range(3)]
#: How many inst processes install them at once.
CROWD = 5
#: A script of crowd's, executable and installed as it is (no #!python to rewrite).
TOOL = "crowd-1.0.data/scripts/crowd-tool"
#: What umask gives a new file: copies get the modes pip gives its files.
UMASK = os.umask(0o022)
os.umask(UMASK)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    built = tmp_path_factory.mktemp("wheels")
    wheels = [
        make_wheel(
            built,
            leaf,
            "1.0",
            files={
                f"{leaf}/__init__.py": f"NAME = {leaf!r}\n",
                **{f"{leaf}/part{n}.py": f"PART = {n}\n" * 50 for n in range(30)},
            },
        )
        for leaf in LEAVES
    ]
    crowd = make_wheel(
        built,
        "crowd",
        "1.0",
        requires=LEAVES,
        files={"crowd/__init__.py": "def main():\n    pass\n", TOOL: "#!/bin/sh\n"},
        entry_points={"console_scripts": {"crowd": "crowd:main"}},
    )
    wheels.append(executable(crowd, TOOL))
    return build_index(tmp_path_factory.mktemp("index"), wheels)


def executable(wheel: Path, member: str) -> Path:
    """The wheel with member marked executable in the archive."""
    with zipfile.ZipFile(wheel) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(wheel, "w") as archive:
        for info, data in members:
            if info.filename == member:
                info.external_attr = 0o100755 << 16
            archive.writestr(info, data)
    return wheel


def entries(cache: Path) -> list[str]:
    """What the cache of unpacked wheels holds below its two-character shards."""
    root = cache / "unpacked"
    return sorted(
        f"{outer.name}/{inner.name}"
        for outer in (root.iterdir() if root.is_dir() else ())
        for inner in outer.iterdir()
    )


# --- inst processes at once ------------------------------------------------------------


def test_installs_running_at_once_share_one_cache(
    index: LocalIndex, venv_factory, cli_home: ConfigHome, tmp_path: Path
) -> None:
    """Each process unpacks the wheels the others are unpacking or linking from:
    tests/harness/crowded.py makes them all unpack every wheel, and move it into the
    cache while the first is linking from it."""
    cache = tmp_path / "cache"
    venvs = [venv_factory(f"venv{number}") for number in range(CROWD)]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(CROWDED),
                str(seed),
                str(CROWD),
                str(tmp_path / "meeting"),
                "--",
                "install",
                "--python",
                str(venv.python),
                "--cache-dir",
                str(cache),
                "-i",
                index.file_url,
                "crowd",
            ],
            env=cli_home.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, venv in enumerate(venvs)
    ]
    results = [(process, *process.communicate(timeout=120)) for process in processes]
    for process, out, err in results:
        assert process.returncode == 0, (out, err)
        assert "warning:" not in err, err
    expected = {"crowd": "1.0", **{leaf: "1.0" for leaf in LEAVES}}
    for venv in venvs:
        assert venv.installed() == expected
        venv.run_code("import crowd, " + ", ".join(f"{leaf}.part29" for leaf in LEAVES))
    # one entry per wheel, nothing moved aside or half made left behind
    assert len(entries(cache)) == len(expected)
    assert not [name for name in entries(cache) if "/." in name]
    assert leftovers(cache) == []


# --- what the cache trusts, and what it checks -------------------------------------


@pytest.fixture
def inst(run_inst, index: LocalIndex, tmp_path: Path):
    """inst("install", ..., venv=VENV): the real inst with the index and the test's
    own cache (tmp_path/cache)."""

    def run(command: str, *args: str, venv: VirtualEnv | None = None, **kw):
        where = [] if venv is None else ["--python", str(venv.python)]
        extra = ["-i", index.file_url] if command == "install" else []
        cache = ["--cache-dir", str(tmp_path / "cache")]
        return run_inst(command, *where, *cache, *extra, *args, **kw)

    return run


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cached_file(cache: Path, member: str) -> Path:
    (found,) = [
        path
        for entry in entries(cache)
        if (path := cache / "unpacked" / entry / "files" / member).is_file()
    ]
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damage(path: Path) -> None:
    """Change a byte of the file, keeping its size, mode and modification time: what
    silent corruption on the disk looks like to a stat."""
    before = path.stat()
    os.chmod(path, 0o644)  # the owner's choice; root needs none
    data = bytearray(path.read_bytes())
    data[0] ^= 0x20
    path.write_bytes(bytes(data))
    os.chmod(path, stat.S_IMODE(before.st_mode))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_linked_files_are_read_only_and_everything_inst_does_still_works(
    inst, venv_factory, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    venv = venv_factory("linked")
    run = inst("install", "--compile", "crowd", venv=venv)
    assert run.code == 0, run.err
    site = venv.site_packages
    module = site / "leaf0" / "part0.py"
    tool = venv.bin_dir / "crowd-tool"
    # hard links to the cache's read-only files, executable bits kept
    assert module.stat().st_nlink >= 2
    assert mode(module) == 0o444
    assert mode(cached_file(cache, "leaf0/part0.py")) == 0o444
    assert tool.stat().st_nlink >= 2
    assert mode(tool) == 0o555
    # what inst writes itself is the environment's own, with normal modes
    record = site / "crowd-1.0.dist-info" / "RECORD"
    assert record.stat().st_nlink == 1
    assert mode(record) == 0o666 & ~UMASK
    assert mode(venv.bin_dir / "crowd") == 0o777 & ~UMASK
    pyc = next((site / "leaf0" / "__pycache__").glob("part0.*.pyc"))
    assert pyc.stat().st_nlink == 1
    assert mode(pyc) & 0o200  # Python rewrites it when the source changes
    venv.run_code("import leaf0.part0")

    # upgrade-in-place (--force-reinstall), uninstall, purge: all of them work
    run = inst("install", "--force-reinstall", "--no-deps", "leaf0", venv=venv)
    assert run.code == 0, run.err
    run = inst("uninstall", "-y", "crowd", "leaf0", venv=venv)
    assert run.code == 0, run.err
    assert not module.exists() and not tool.exists()
    assert venv.installed() == {"leaf1": "1.0", "leaf2": "1.0"}
    run = inst("cache", "purge")
    assert run.code == 0, run.err
    assert not (cache / "unpacked").exists()


def test_copies_are_writable_as_pip_makes_them(inst, venv: VirtualEnv) -> None:
    run = inst("install", "--link-mode", "copy", "crowd", venv=venv)
    assert run.code == 0, run.err
    module = venv.site_packages / "leaf0" / "part0.py"
    tool = venv.bin_dir / "crowd-tool"
    assert module.stat().st_nlink == 1 and mode(module) == 0o666 & ~UMASK
    assert tool.stat().st_nlink == 1 and mode(tool) == 0o777 & ~UMASK


@pytest.fixture
def reachable() -> Iterator[Path]:
    """A directory another user may look into (pytest's are private to root)."""
    with tempfile.TemporaryDirectory(prefix="inst-test-") as directory:
        os.chmod(directory, 0o755)
        yield Path(directory)


def edit_as_owner(path: Path) -> str:
    """Open path for writing as its owner would: "refused", "edited", or "unreadable"
    (the test itself is wrong then). As root, whom permissions never stop, the file is
    given to nobody and a forked child becomes nobody to try."""
    if os.geteuid() != 0:
        return _try_edit(path)
    os.chown(path, 65534, 65534)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's result is its exit code
        code = 3
        try:
            os.setgid(65534)
            os.setuid(65534)
            code = {"refused": 0, "edited": 1, "unreadable": 2}[_try_edit(path)]
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    outcomes = ["refused", "edited", "unreadable", "failed"]
    return outcomes[os.waitstatus_to_exitcode(status)]


def _try_edit(path: Path) -> str:
    try:
        path.read_bytes()
    except OSError:
        return "unreadable"
    try:
        with open(path, "r+b") as stream:
            stream.write(b"#")
    except PermissionError:
        return "refused"
    return "edited"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX permissions")
def test_an_edit_through_a_link_is_refused_and_the_cache_stays_sound(
    run_inst, index: LocalIndex, reachable: Path
) -> None:
    from harness import make_venv

    venv = make_venv(reachable / "venv")
    cache = reachable / "cache"
    args = ["--python", str(venv.python), "--cache-dir", str(cache)]
    run = run_inst("install", *args, "-i", index.file_url, "leaf0")
    assert run.code == 0, run.err
    module = venv.site_packages / "leaf0" / "part0.py"
    before = sha256(module)

    assert edit_as_owner(module) == "refused"
    assert sha256(cached_file(cache, "leaf0/part0.py")) == before


def test_verify_cache_finds_a_same_size_change_and_unpacks_again(
    inst, venv_factory, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert inst("install", "leaf0", venv=venv_factory("first")).code == 0
    cached = cached_file(cache, "leaf0/part0.py")
    good = sha256(cached)
    damage(cached)

    # trusted on stat alone, by default: that is what the switch is for
    trusting = venv_factory("trusting")
    assert inst("install", "leaf0", venv=trusting).code == 0
    assert sha256(trusting.site_packages / "leaf0" / "part0.py") != good

    for how, env in (("flag", {}), ("variable", {"INST_VERIFY_CACHE": "1"})):
        if sha256(cached_file(cache, "leaf0/part0.py")) == good:  # mended before
            damage(cached_file(cache, "leaf0/part0.py"))
        venv = venv_factory(how)
        flag = ["--verify-cache"] if how == "flag" else []
        run = inst("install", *flag, "leaf0", venv=venv, env=env)
        assert run.code == 0, run.err
        warnings = [line for line in run.err.splitlines() if "warning:" in line]
        assert len(warnings) == 1, run.err
        assert "leaf0-1.0-py3-none-any.whl" in warnings[0]
        assert "'leaf0/part0.py' does not match its RECORD sha256 hash" in warnings[0]
        assert "unpacked again" in warnings[0]
        assert sha256(venv.site_packages / "leaf0" / "part0.py") == good
        assert sha256(cached_file(cache, "leaf0/part0.py")) == good
        assert len(entries(cache)) == 1

    # a sound entry: verified quietly, and linked
    venv = venv_factory("quiet")
    run = inst("install", "--verify-cache", "leaf0", venv=venv)
    assert run.code == 0 and "warning" not in run.err, run.err
    module = venv.site_packages / "leaf0" / "part0.py"
    assert module.stat().st_ino == cached_file(cache, "leaf0/part0.py").stat().st_ino


def test_cache_verify_drops_what_fails_and_keeps_the_rest(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert inst("install", "crowd", venv=venv).code == 0
    assert len(entries(cache)) == 4
    damage(cached_file(cache, "leaf1/part3.py"))
    # a file made writable (to edit it in place) does not pass either
    os.chmod(cached_file(cache, "leaf2/part3.py"), 0o644)

    run = inst("cache", "verify")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].startswith("Unpacked wheels checked: 4 (")
    assert lines[1].startswith("Unpacked wheels dropped: 2 (")
    warnings = sorted(line for line in run.err.splitlines() if "warning:" in line)
    assert len(warnings) == 2, run.err
    assert "leaf1-1.0-py3-none-any.whl" in warnings[0]
    assert "'leaf1/part3.py' does not match its RECORD sha256 hash" in warnings[0]
    assert "leaf2-1.0-py3-none-any.whl" in warnings[1]
    assert "changed" in warnings[1]
    assert len(entries(cache)) == 2
    assert leftovers(cache) == []

    run = inst("cache", "verify")
    assert run.code == 0 and "warning" not in run.err, run.err
    assert run.out.splitlines()[1].startswith("Unpacked wheels dropped: 0 (")

"""The one backend process per build (build/hook_process.py): every hook gives what
pyproject-hooks' own subprocess per hook gives, for the three real backends; a backend
that fails or dies mid-hook is a failed step and the next hook gets a fresh process; an
interrupt ends the process group; static [project] metadata says what the backends
write into their wheels."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from pyproject_hooks import BuildBackendHookCaller, default_subprocess_runner

from harness import build_projects as bi
from harness.fault_backends import alive, command_lines
from inst.build.hook_process import HookProcess
from inst.build.runner import StepRunner, failure
from inst.build.static_metadata import matches, static_metadata
from inst.core_metadata import Metadata, read_wheel_metadata
from inst.errors import Interrupted

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the hook server is POSIX")

BACKENDS = {
    # tree: (backend, wheels it needs, by name prefix)
    "setuptools-pyproject": ("setuptools.build_meta", ["setuptools-84"]),
    "flit-project": ("flit_core.buildapi", ["flit_core"]),
    "hatch-project": (
        "hatchling.build",
        ["hatchling", "packaging", "pathspec", "pluggy", "trove_classifiers"],
    ),
}


def backend_env(root: Path, wheels: list[str]) -> str:
    """A venv (no pip) holding the named backend wheels, unpacked: its python."""
    if not bi.BACKEND_WHEELS_DIR.is_dir():
        pytest.skip(bi.FETCH_HINT)
    venv = root / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True
    )
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [
            str(python),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    for prefix in wheels:
        found = sorted(bi.BACKEND_WHEELS_DIR.glob(f"{prefix}*.whl"))
        assert found, prefix
        with zipfile.ZipFile(found[-1]) as archive:
            archive.extractall(purelib)
    return str(python)


def environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def hooks_of(caller: BuildBackendHookCaller, out: Path) -> dict[str, object]:
    """What each hook of a wheel build gives: its result, and the files it made."""
    found: dict[str, object] = {}
    found["requires"] = caller.get_requires_for_build_wheel()
    metadata_dir = out / "metadata"
    metadata_dir.mkdir(parents=True)
    name = caller.prepare_metadata_for_build_wheel(str(metadata_dir))
    found["metadata"] = (name, (metadata_dir / name / "METADATA").read_bytes())
    wheel_dir = out / "wheel"
    wheel_dir.mkdir()
    wheel = caller.build_wheel(
        str(wheel_dir), metadata_directory=str(metadata_dir / name)
    )
    with zipfile.ZipFile(wheel_dir / wheel) as archive:
        members = sorted(archive.namelist())
        metadata = next(m for m in members if m.endswith(".dist-info/METADATA"))
        found["wheel"] = (wheel, members, archive.read(metadata))
    return found


@pytest.mark.parametrize("tree", sorted(BACKENDS))
def test_every_hook_gives_what_a_subprocess_per_hook_gives(
    tree: str, tmp_path: Path
) -> None:
    backend, wheels = BACKENDS[tree]
    python = backend_env(tmp_path, wheels)
    results = {}
    for way in ("subprocess", "one process"):
        source = bi.copy_project(tree, tmp_path / way, dest_name=tree)
        steps = StepRunner(environ())
        runner = HookProcess(steps) if way == "one process" else None
        caller = BuildBackendHookCaller(
            str(source),
            backend,
            runner=runner or default_subprocess_runner,
            python_executable=python,
        )
        try:
            results[way] = hooks_of(caller, tmp_path / f"{way}-out")
            if runner is not None:
                # one process served them all
                assert runner.pid is not None
        finally:
            if runner is not None:
                runner.close()
    assert results["one process"] == results["subprocess"]


def in_tree_backend(root: Path, body: str) -> Path:
    tree = root / "tree"
    tree.mkdir(parents=True)
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
    )
    (tree / "backend.py").write_text(body)
    return tree


CRASHING = """
import os, sys

def get_requires_for_build_wheel(config_settings=None):
    print("asked for requirements", flush=True)
    return [str(os.getpid())]

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    print("building, then dying", flush=True)
    if os.path.exists("fail"):
        raise RuntimeError("the build broke")
    if os.path.exists("exit"):
        sys.exit(3)
    os._exit(9)
"""


def caller_of(tree: Path, runner: HookProcess) -> BuildBackendHookCaller:
    return BuildBackendHookCaller(
        str(tree),
        "backend",
        backend_path=["."],
        runner=runner,
        python_executable=sys.executable,
    )


@pytest.mark.parametrize("how", ["dies", "raises", "exits"])
def test_a_backend_failing_mid_build_is_a_failed_step_and_the_next_gets_a_new_process(
    tmp_path: Path, how: str
) -> None:
    tree = in_tree_backend(tmp_path, CRASHING)
    if how == "raises":
        (tree / "fail").touch()
    if how == "exits":
        (tree / "exit").touch()
    runner = HookProcess(StepRunner(environ()))
    caller = caller_of(tree, runner)
    try:
        [first_pid] = caller.get_requires_for_build_wheel()
        assert runner.last.lines == ["asked for requirements"]
        with pytest.raises(subprocess.CalledProcessError) as raised:
            caller.build_wheel(str(tmp_path))
        output = raised.value.output
        assert output.lines[0] == "building, then dying"
        error = failure(
            "building a wheel", "pyproject.toml", "backend", output, isolated=True
        )
        if how == "raises":
            assert "RuntimeError: the build broke" in error.why
        assert runner.pid is None  # the failed process is gone
        [second_pid] = caller.get_requires_for_build_wheel()
        assert second_pid != first_pid
        assert not alive(int(first_pid))
    finally:
        runner.close()


STALLING = """
import os, subprocess, sys, time

def get_requires_for_build_wheel(config_settings=None):
    return []

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open("pids.tmp", "w") as out:
        out.write(f"{os.getpid()} {child.pid}")
    os.replace("pids.tmp", "pids")
    time.sleep(600)
"""


def test_an_interrupt_during_a_hook_ends_the_backend_process_group(
    tmp_path: Path,
) -> None:
    tree = in_tree_backend(tmp_path, STALLING)
    runner = HookProcess(StepRunner(environ()))
    caller = caller_of(tree, runner)
    caller.get_requires_for_build_wheel()  # the process is up, and kept

    def interrupt_when_stalled() -> None:
        while not (tree / "pids").exists():
            time.sleep(0.01)
        time.sleep(0.3)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGUSR1)

    def raise_interrupted(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, raise_interrupted)
    helper = threading.Thread(target=interrupt_when_stalled)
    helper.start()
    try:
        with pytest.raises(Interrupted):
            caller.build_wheel(str(tmp_path))
    finally:
        helper.join()
        signal.signal(signal.SIGUSR1, previous)
    pids = [int(word) for word in (tree / "pids").read_text().split()]
    deadline = time.monotonic() + 30
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        assert not any(map(alive, pids))
        assert runner.pid is None
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def closed_and_gone(tree: Path) -> None:
    """Start the tree's backend process with one hook, close it, and see it end."""
    runner = HookProcess(StepRunner(environ()))
    [pid] = caller_of(tree, runner).get_requires_for_build_wheel()
    runner.close()
    deadline = time.monotonic() + 10
    while alive(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(int(pid)), why_alive(int(pid))


def why_alive(pid: int) -> str:
    """What /proc says of a process that should have ended, and who else holds the
    pipes it reads: the test failed once on a loaded machine, unexplained."""
    proc = Path(f"/proc/{pid}")
    lines = [f"process {pid} still runs, 10 s after its requests were closed"]
    try:
        status = (proc / "status").read_text().splitlines()
        lines += [line for line in status if line.startswith(("State", "PPid", "Sig"))]
        lines.append("wchan: " + (proc / "wchan").read_text())
        lines.append("cmdline: " + (proc / "cmdline").read_text().replace("\0", " "))
        pipes = set()
        for fd, target in open_files(pid):
            lines.append(f"fd {fd}: {target}")
            if target.startswith("pipe:"):
                pipes.add(target)
        for other in os.listdir("/proc"):
            if other.isdigit() and int(other) != pid:
                for fd, target in open_files(int(other)):
                    if target in pipes:
                        lines.append(f"{target} also open in process {other} (fd {fd})")
    except OSError as error:
        lines.append(f"/proc unreadable: {error}")
    return "\n".join(lines)


def open_files(pid: int) -> list[tuple[str, str]]:
    """(fd, what it is) of each open file of pid that can still be read."""
    found = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []
    for fd in fds:
        try:
            found.append((fd, os.readlink(f"/proc/{pid}/fd/{fd}")))
        except OSError:  # closed meanwhile (the listing's own descriptor, say)
            continue
    return found


def test_closing_ends_an_idle_backend_process(tmp_path: Path) -> None:
    closed_and_gone(in_tree_backend(tmp_path, CRASHING))


LEAVING_WORK = """
import atexit, logging, os, threading, time

here = os.getcwd()
log = logging.getLogger("backend")
log.addHandler(logging.FileHandler(os.path.join(here, "backend.log"), delay=True))

def _at_exit():
    with open(os.path.join(here, "atexit"), "w") as out:
        out.write("ran")

def get_requires_for_build_wheel(config_settings=None):
    atexit.register(_at_exit)
    log.warning("logged")
    if os.path.exists("thread"):
        def late():
            time.sleep(0.5)
            with open(os.path.join(here, "thread-done"), "w") as out:
                out.write("done")
        threading.Thread(target=late).start()
    return [str(os.getpid())]
"""


@pytest.mark.parametrize("thread", [False, True])
def test_a_backend_process_ends_with_its_atexit_functions_run_and_threads_joined(
    tmp_path: Path, thread: bool
) -> None:
    """The hook server skips tearing down the backend's modules at its end (tens of
    ms inst waits for), not what a backend may count on at exit."""
    tree = in_tree_backend(tmp_path, LEAVING_WORK)
    if thread:
        (tree / "thread").touch()
    closed_and_gone(tree)
    assert (tree / "atexit").read_text() == "ran"
    assert (tree / "backend.log").read_text() == "logged\n"
    assert (tree / "thread-done").exists() == thread


# --- static [project] metadata against the backends' own ------------------------------

PROJECT = """
[project]
name = "Static_Demo"
version = "1.2.post1"
description = "a demo"
requires-python = ">=3.8, <4"
dependencies = ["packaging>=20,<30", "tomli; python_version < '3.11'", "Attrs[tests]"]

[project.optional-dependencies]
Test_Suite = ["pytest>=7", "hypothesis; sys_platform == 'linux'"]
docs = []
"""

TOOL = {
    "setuptools-pyproject": '[tool.setuptools]\npackages = ["static_demo"]\n',
    "flit-project": '[tool.flit.module]\nname = "static_demo"\n',
    "hatch-project": '[tool.hatch.build.targets.wheel]\npackages = ["static_demo"]\n',
}
REQUIRES = {
    "setuptools-pyproject": '"setuptools>=61"',
    "flit-project": '"flit_core>=3.2"',
    "hatch-project": '"hatchling"',
}


@pytest.mark.parametrize("tree", sorted(BACKENDS))
def test_static_metadata_says_what_the_backend_writes_into_the_wheel(
    tree: str, tmp_path: Path
) -> None:
    backend, wheels = BACKENDS[tree]
    python = backend_env(tmp_path, wheels)
    source = tmp_path / "static-demo"
    (source / "static_demo").mkdir(parents=True)
    (source / "static_demo" / "__init__.py").write_text('"""A demo."""\n')
    (source / "pyproject.toml").write_text(
        f"[build-system]\nrequires = [{REQUIRES[tree]}]\n"
        f'build-backend = "{backend}"\n{PROJECT}\n{TOOL[tree]}'
    )
    static = static_metadata(source)
    assert static is not None
    caller = BuildBackendHookCaller(str(source), backend, python_executable=python)
    out = tmp_path / "out"
    out.mkdir()
    wheel = out / caller.build_wheel(str(out))
    built = read_wheel_metadata(wheel, wheel.name)
    assert matches(static, built)
    assert (static.name, static.version) == (built.name, built.version)
    assert static.provides_extra == built.provides_extra
    environments = [
        {"python_version": "3.10", "sys_platform": "linux", "extra": extra}
        for extra in ("", "test-suite", "docs")
    ] + [{"python_version": "3.12", "sys_platform": "win32", "extra": "test-suite"}]
    for environment in environments:
        assert active(static, environment) == active(built, environment), environment


def active(metadata: Metadata, environment: dict[str, str]) -> set[str]:
    """The requirements that apply in environment (markers evaluated)."""
    return {
        str(r.name).lower() + str(r.specifier)
        for r in metadata.requires_dist
        if r.marker is None or r.marker.evaluate(environment)
    }


@pytest.mark.parametrize(
    "pyproject",
    [
        '[project]\nname = "a"\ndynamic = ["version"]\n',
        '[project]\nname = "a"\n',  # no version
        "[build-system]\nrequires = []\n",  # no [project]
        '[project]\nname = "a"\nversion = "1"\ndependencies = ["not a requirement!"]\n',
    ],
)
def test_no_static_metadata_when_the_backend_must_say(
    pyproject: str, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    assert static_metadata(tmp_path) is None


def test_no_static_metadata_beside_a_setup_py(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "a"\nversion = "1"\n')
    assert static_metadata(tmp_path) is not None
    (tmp_path / "setup.py").write_text("")
    assert static_metadata(tmp_path) is None


def test_a_static_tree_gets_no_backend_process_for_its_metadata(tmp_path: Path) -> None:
    """Nothing runs: the metadata of a static tree is read, not asked for."""
    shutil.copytree(bi.BUILD_PROJECTS_DIR / "second-setuptools-project", tmp_path / "t")
    metadata = static_metadata(tmp_path / "t")
    assert metadata is not None
    assert metadata.display_name == "bp-second-setuptools-project"
    assert str(metadata.version) == "1.0" and metadata.requires_python == ">=3.9"


def test_with_v_each_hooks_output_is_shown_without_the_end_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = in_tree_backend(tmp_path, CRASHING)
    runner = HookProcess(StepRunner(environ(), verbose=True))
    caller = caller_of(tree, runner)
    try:
        caller.get_requires_for_build_wheel()
        caller.get_requires_for_build_wheel()
    finally:
        runner.close()
    shown = capsys.readouterr().err.splitlines()
    assert shown == ["  asked for requirements", "  asked for requirements"]


# --- a new environment compiled beside the backend's imports ---------------------------

PRECOMPILE = Path(__file__).parents[2] / "src/inst/build/_hook_server/precompile.py"


def test_precompile_compiles_every_module_once(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    for name in ("pkg/__init__.py", "pkg/a.py", "pkg/sub/b.py", "top.py"):
        (tmp_path / name).write_text(f"X = {name!r}\n", encoding="utf-8")
    (tmp_path / "bad.py").write_text("def (:\n", encoding="utf-8")
    subprocess.run([sys.executable, str(PRECOMPILE), str(tmp_path)], check=True)
    compiled = sorted(
        p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.pyc")
    )
    tag = sys.implementation.cache_tag
    assert compiled == [
        f"__pycache__/top.{tag}.pyc",
        f"pkg/__pycache__/__init__.{tag}.pyc",
        f"pkg/__pycache__/a.{tag}.pyc",
        f"pkg/sub/__pycache__/b.{tag}.pyc",
    ]  # the file that does not compile is left for the import to report
    # What exists already is not compiled again.
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.pyc")}
    subprocess.run([sys.executable, str(PRECOMPILE), str(tmp_path)], check=True)
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.pyc")} == before


def test_sigterm_ends_precompile_between_files(tmp_path: Path) -> None:
    for index in range(3000):
        (tmp_path / f"m{index:04}.py").write_text(
            "".join(f"def f{n}(x):\n    return x + {n}\n" for n in range(40)),
            encoding="utf-8",
        )
    process = subprocess.Popen([sys.executable, str(PRECOMPILE), str(tmp_path)])
    cache = tmp_path / "__pycache__"
    deadline = time.monotonic() + 30
    while not (cache.is_dir() and any(cache.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    written = list(cache.iterdir())
    assert 0 < len(written) < 3000
    assert all(path.suffix == ".pyc" for path in written)  # no half-written file


def test_a_new_environment_leaves_no_compiling_process(tmp_path: Path) -> None:
    backend, wheels = BACKENDS["setuptools-pyproject"]
    python = backend_env(tmp_path, wheels)
    source = bi.copy_project("setuptools-pyproject", tmp_path / "tree")
    runner = HookProcess(StepRunner(environ()), own_environment=True, precompile=True)
    caller = BuildBackendHookCaller(
        str(source), backend, runner=runner, python_executable=python
    )
    try:
        hooks_of(caller, tmp_path / "out")
        server = runner.pid
        assert server is not None
    finally:
        runner.close()
    deadline = time.monotonic() + 30
    while alive(server) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(server)
    environment = str(Path(python).parents[1])
    assert not [
        command
        for command in command_lines()
        if "precompile.py" in command and environment in command
    ]

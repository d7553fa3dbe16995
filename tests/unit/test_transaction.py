"""Transaction: all-or-nothing changes to real files, undone after errors, SIGTERM and
SIGKILL (recover)."""

from __future__ import annotations

import inspect
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

import inst
from inst.errors import InstError, Interrupted
from inst.install.transaction import (
    Transaction,
    changing,
    recover,
    sigterm_unwinds,
    transaction,
)

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX signals and modes")

SRC = str(Path(inst.__file__).resolve().parent.parent)


# -- helpers ------------------------------------------------------------------------------


def mode(bits: int) -> int:
    """A file mode as snapshot() records it: not on Windows, where it is make-believe."""
    return 0 if os.name == "nt" else bits


class Tree(NamedTuple):
    files: dict[str, tuple[bytes, int]]  # relative path -> (content, mode)
    dirs: frozenset[str]


def snapshot(root: Path) -> Tree:
    """Everything under root: each file's bytes and mode, and every directory."""
    files: dict[str, tuple[bytes, int]] = {}
    dirs: set[str] = set()
    for dirpath, _dirnames, filenames in os.walk(root):
        dirs.add(Path(os.path.relpath(dirpath, root)).as_posix())
        for name in filenames:
            path = os.path.join(dirpath, name)
            relative = Path(os.path.relpath(path, root)).as_posix()
            st_mode = os.lstat(path).st_mode
            if stat.S_ISLNK(st_mode):
                files[relative] = (os.readlink(path).encode(), stat.S_IFLNK)
            else:
                files[relative] = (Path(path).read_bytes(), mode(stat.S_IMODE(st_mode)))
    return Tree(files, frozenset(dirs))


def write(path: Path, content: str | bytes = "x", mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.chmod(mode)
    return path


def stage(
    tx: Transaction, near: Path, name: str, content: str, mode: int = 0o644
) -> Path:
    return write(tx.stage_root(near) / "w0" / name, content, mode)


def dirs(*paths: Path) -> list[str]:
    return [os.fspath(path) for path in paths]


@pytest.fixture
def env(tmp_path: Path) -> Path:
    root = tmp_path / "env"
    root.mkdir()
    return root


@pytest.fixture
def state(tmp_path: Path) -> Path:
    directory = tmp_path / "state"
    directory.mkdir()
    return directory


# -- commit -------------------------------------------------------------------------------


def test_commit_places_replaces_and_removes(env: Path, state: Path) -> None:
    lib = env / "lib"
    write(lib / "old.py", "old", 0o644)
    write(lib / "gone.py", "gone")
    write(lib / "stays.py", "stays")
    tx = Transaction(state, keep_dirs=dirs(lib))
    tx.place(stage(tx, lib, "new.py", "new"), lib / "pkg" / "sub" / "new.py")
    tx.place(stage(tx, lib, "old.py", "replacement", 0o755), lib / "old.py")
    tx.remove(lib / "gone.py")
    assert (lib / "old.py").read_text() == "old"  # nothing changes before commit
    assert (lib / "gone.py").exists()
    assert not (lib / "pkg").exists()

    tx.commit()

    tree = snapshot(env)
    assert tree.files == {
        "lib/pkg/sub/new.py": (b"new", mode(0o644)),
        "lib/old.py": (b"replacement", mode(0o755)),
        "lib/stays.py": (b"stays", mode(0o644)),
    }
    assert tree.dirs == {".", "lib", "lib/pkg", "lib/pkg/sub"}
    assert os.listdir(state) == []  # staging root, stash and journal are gone


def test_commit_prunes_emptied_directories_but_never_kept_or_outside_ones(
    tmp_path: Path, env: Path, state: Path
) -> None:
    lib, scripts = env / "lib", env / "bin"
    write(lib / "pkg" / "sub" / "deep" / "a.py")
    write(lib / "pkg" / "b.py")
    write(lib / "shared" / "mine.py")
    write(lib / "shared" / "theirs.py")
    write(scripts / "tool")
    write(env / "outside" / "dir" / "f")
    write(tmp_path / "stray" / "f")
    tx = Transaction(state, keep_dirs=dirs(lib, scripts))
    for path in [
        lib / "pkg" / "sub" / "deep" / "a.py",
        lib / "pkg" / "b.py",
        lib / "shared" / "mine.py",
        scripts / "tool",
        env / "outside" / "dir" / "f",
        tmp_path / "stray" / "f",
    ]:
        tx.remove(path)

    tx.commit()

    assert snapshot(env) == Tree(
        {"lib/shared/theirs.py": (b"x", mode(0o644))},
        # lib and bin are kept although empty; outside/dir is not below a kept one
        frozenset({".", "lib", "lib/shared", "bin", "outside", "outside/dir"}),
    )
    assert (tmp_path / "stray").is_dir()
    assert os.listdir(state) == []


def test_the_same_file_placed_twice_last_wins(env: Path, state: Path) -> None:
    final = env / "lib" / "both.py"
    tx = Transaction(state, keep_dirs=dirs(env / "lib"))
    first = stage(tx, env, "first/both.py", "first")
    second = stage(tx, env, "second/both.py", "second")
    tx.place(first, final)
    tx.place(second, final)
    assert tx.replaced_twice == [os.path.abspath(final)]
    assert tx.placements() == [(os.fspath(second), os.path.abspath(final))]
    tx.commit()
    assert final.read_text() == "second"
    assert os.listdir(state) == []


def test_a_file_both_placed_and_removed_is_placed(env: Path, state: Path) -> None:
    final = write(env / "lib" / "mod.py", "old")
    tx = Transaction(state, keep_dirs=dirs(env / "lib"))
    tx.remove(final)
    tx.place(stage(tx, env, "mod.py", "new"), final)
    tx.commit()
    assert final.read_text() == "new"


# -- rollback -----------------------------------------------------------------------------


def _populate(env: Path) -> None:
    write(env / "lib" / "pkg" / "a.py", "a")
    write(env / "lib" / "pkg" / "b.py", "b", 0o600)
    write(env / "lib" / "other" / "c.py", "c")
    write(env / "bin" / "tool", "#!tool", 0o755)


def _stage_some(tx: Transaction, env: Path) -> None:
    tx.place(stage(tx, env, "new.py", "new"), env / "lib" / "fresh" / "deep" / "new.py")
    tx.place(stage(tx, env, "a.py", "A", 0o755), env / "lib" / "pkg" / "a.py")
    tx.place(stage(tx, env, "tool", "#!new"), env / "bin" / "tool")
    tx.remove(env / "lib" / "pkg" / "b.py")
    tx.remove(env / "lib" / "other" / "c.py")


def test_rollback_before_commit_changes_nothing(env: Path, state: Path) -> None:
    _populate(env)
    before = snapshot(env)
    tx = Transaction(state, keep_dirs=dirs(env / "lib", env / "bin"))
    _stage_some(tx, env)
    assert os.listdir(state)  # a journal and a staging root exist meanwhile
    tx.rollback()
    assert snapshot(env) == before
    assert os.listdir(state) == []


@pytest.mark.parametrize("obstacle", ["non-empty directory", "file as parent"])
def test_a_failure_midway_through_commit_is_rolled_back(
    env: Path, state: Path, obstacle: str
) -> None:
    _populate(env)
    if obstacle == "non-empty directory":
        write(env / "lib" / "blocker" / "inside.py", "inside")
        blocked = env / "lib" / "blocker"
    else:
        write(env / "lib" / "blocker", "a file")
        blocked = env / "lib" / "blocker" / "mod.py"
    before = snapshot(env)

    keep = dirs(env / "lib", env / "bin")
    with pytest.raises(OSError), transaction(state, keep_dirs=keep) as tx:
        _stage_some(tx, env)
        # placed last: the moves before it have happened when it fails
        tx.place(stage(tx, env, "blocker", "file"), blocked)
        tx.commit()

    assert snapshot(env) == before
    assert os.listdir(state) == []


def _data_dir_becomes_a_file(tx: Transaction, env: Path) -> Path:
    data = env / "lib" / "pkg" / "data"
    write(data / "x.txt", "x")
    write(data / "sub" / "y.txt", "y")
    tx.remove(data / "x.txt")
    tx.remove(data / "sub" / "y.txt")
    tx.place(stage(tx, env, "data", "now a file"), data)
    return data


def test_a_directory_whose_files_are_removed_can_become_a_file(
    env: Path, state: Path
) -> None:
    _populate(env)
    tx = Transaction(state, keep_dirs=dirs(env / "lib", env / "bin"))
    data = _data_dir_becomes_a_file(tx, env)
    tx.commit()
    assert data.read_text() == "now a file"
    assert os.listdir(state) == []


def test_a_directory_that_became_a_file_is_restored_by_rollback(
    env: Path, state: Path
) -> None:
    _populate(env)
    write(env / "lib" / "blocker" / "inside.py", "inside")
    keep = dirs(env / "lib", env / "bin")
    with pytest.raises(IsADirectoryError), transaction(state, keep_dirs=keep) as tx:
        _data_dir_becomes_a_file(tx, env)
        before = snapshot(env)
        tx.place(stage(tx, env, "blocker", "file"), env / "lib" / "blocker")
        tx.commit()
    assert snapshot(env) == before
    assert os.listdir(state) == []


def test_transaction_rolls_back_on_an_error_in_the_body(env: Path, state: Path) -> None:
    _populate(env)
    before = snapshot(env)
    with pytest.raises(RuntimeError), transaction(state) as tx:
        _stage_some(tx, env)
        raise RuntimeError("boom")
    assert snapshot(env) == before
    assert os.listdir(state) == []


@posix_only
def test_sigterm_in_this_process_unwinds_and_restores_the_handler(
    env: Path, state: Path
) -> None:
    _populate(env)
    before = snapshot(env)
    previous = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted), transaction(state) as tx:
        _stage_some(tx, env)
        signal.raise_signal(signal.SIGTERM)
        time.sleep(5)  # the handler raises well before this ends
    assert signal.getsignal(signal.SIGTERM) is previous
    assert snapshot(env) == before
    assert os.listdir(state) == []
    with sigterm_unwinds():
        assert signal.getsignal(signal.SIGTERM) is not previous
    assert signal.getsignal(signal.SIGTERM) is previous


# -- child processes: SIGTERM, SIGKILL and recover() -------------------------------------

N_PLACE, N_REPLACE, N_REMOVE = 300, 100, 100
WORKERS = max(2, min(4, os.cpu_count() or 1))


def make_before(env: Path) -> None:
    """The environment the child changes (also run in the child: stdlib only)."""
    for i in range(N_REPLACE):
        path = env / "lib" / f"old{i % 10}" / f"mod{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"old {i}\n")
        os.chmod(path, 0o755 if i % 7 == 0 else 0o644)
    for i in range(N_REMOVE):  # gone0..gone4 are emptied, gone5 keeps a file
        path = env / "lib" / f"gone{i % 5}" / f"sub{i % 3}" / f"f{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"gone {i}\n")
    (env / "lib" / "gone5").mkdir()
    (env / "lib" / "gone5" / "keep.txt").write_text("kept\n")
    (env / "bin").mkdir()


def stage_changes(tx: Transaction, env: Path) -> None:
    """Stage N_PLACE new files, N_REPLACE replacements, N_REMOVE removals."""
    root = tx.stage_root(env / "lib")
    for i in range(N_PLACE):
        relative = f"lib/new{i % 20}/deep{i % 3}/f{i}.py" if i % 4 else f"bin/tool{i}"
        staged = root / "w0" / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(f"new {i}\n")
        if relative.startswith("bin"):
            os.chmod(staged, 0o755)
        tx.place(staged, env / relative)
    for i in range(N_REPLACE):
        relative = f"lib/old{i % 10}/mod{i}.py"
        staged = root / "w1" / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(f"replaced {i}\n")
        tx.place(staged, env / relative)
    for i in range(N_REMOVE):
        tx.remove(env / "lib" / f"gone{i % 5}" / f"sub{i % 3}" / f"f{i}.py")


CHILD_MAIN = """
import sys
import time
from pathlib import Path

from inst.install.transaction import Transaction, transaction

env, state, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
if not env.exists():
    make_before(env)
    state.mkdir()
keep = [str(env / "lib"), str(env / "bin")]
if mode == "commit":
    tx = Transaction(state, keep_dirs=keep)
    stage_changes(tx, env)
    print("ready", flush=True)
    start = time.perf_counter()
    tx.commit()
    print(f"done {time.perf_counter() - start:.6f}", flush=True)
elif mode == "stage":
    tx = Transaction(state, keep_dirs=keep)
    tx.stage_root(env / "lib")
    print("staging", flush=True)
    stage_changes(tx, env)
    print("ready", flush=True)
    time.sleep(60)
elif mode == "sigterm":
    with transaction(state, keep_dirs=keep) as tx:
        stage_changes(tx, env)
        print("ready", flush=True)
        time.sleep(60)
        tx.commit()
"""


def child_script() -> str:
    return "\n".join(
        [
            "from __future__ import annotations",
            "import os",
            "from inst.install.transaction import Transaction",
            f"N_PLACE, N_REPLACE, N_REMOVE = {N_PLACE}, {N_REPLACE}, {N_REMOVE}",
            textwrap.dedent(inspect.getsource(make_before)),
            textwrap.dedent(inspect.getsource(stage_changes)),
            CHILD_MAIN,
        ]
    )


def start_child(env: Path, state: Path, mode: str) -> subprocess.Popen[str]:
    environ = dict(os.environ)
    environ["PYTHONPATH"] = os.pathsep.join(
        [SRC, *filter(None, [environ.get("PYTHONPATH")])]
    )
    return subprocess.Popen(
        [sys.executable, "-c", child_script(), os.fspath(env), os.fspath(state), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )


def expect_line(child: subprocess.Popen[str], prefix: str) -> str:
    """The first line from the child starting with prefix (earlier ones skipped)."""
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(prefix):
            return line
    child.kill()
    _, err = child.communicate()
    pytest.fail(f"child ended without saying {prefix!r}: {err}")


@pytest.fixture
def before(tmp_path: Path) -> Tree:
    """The environment as make_before() makes it in each child."""
    env = tmp_path / "template"
    make_before(env)
    return snapshot(env)


def journal_states(state: Path) -> list[str]:
    states = []
    for name in os.listdir(state):
        if name.startswith("journal-") and name.endswith(".json"):
            states.append(json.loads((state / name).read_text())["state"])
    return states


def killed_run(run: Path, mode: str, wait_for: str, delay: float) -> tuple[Path, Path]:
    """A child that makes its environment (make_before) in run, SIGKILLed delay
    seconds after it said wait_for. Returns its (env, state)."""
    env, state = run / "env", run / "state"
    child = start_child(env, state, mode)
    try:
        expect_line(child, wait_for)
        time.sleep(delay)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    return env, state


def killed_runs(
    tmp_path: Path, mode: str, wait_for: str, delays: list[float]
) -> list[tuple[Path, Path]]:
    """killed_run for each delay, a few at once to keep the test short."""
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = [
            pool.submit(killed_run, tmp_path / f"run{i}", mode, wait_for, delay)
            for i, delay in enumerate(delays)
        ]
        return [future.result() for future in futures]


@pytest.mark.slow
@posix_only
def test_recover_after_sigkill_at_any_moment_of_commit(
    tmp_path: Path, before: Tree
) -> None:
    env, state = tmp_path / "complete" / "env", tmp_path / "complete" / "state"
    child = start_child(env, state, "commit")
    expect_line(child, "ready")
    duration = float(expect_line(child, "done").split()[1])
    assert child.wait(30) == 0
    after = snapshot(env)
    assert os.listdir(state) == []
    assert len(after.files) == len(before.files) - N_REMOVE + N_PLACE
    assert "lib/gone0" not in after.dirs and "lib/gone5" in after.dirs

    # SIGKILL from the start of commit to past its end (slower with a few at once);
    # again, earlier, should no kill have landed midway through the moves
    seen: dict[str, int] = {}
    for batch, span in enumerate([1.0, 0.4, 0.15]):
        if "committing" in seen:
            break
        iterations = 8 if batch == 0 else 6
        delays = [duration * span * i / (iterations - 1) for i in range(iterations)]
        runs = killed_runs(tmp_path / f"batch{batch}", "commit", "ready", delays)
        for i, (env, state) in enumerate(runs):
            for journal_state in journal_states(state) or ["no journal"]:
                seen[journal_state] = seen.get(journal_state, 0) + 1

            said = recover(state)

            tree = snapshot(env)
            assert tree in (before, after), (batch, i, said)
            assert os.listdir(state) == [], (batch, i)
            if tree == before:
                assert not any("cleaning up" in line for line in said)
    print(f"commit took {duration * 1000:.1f} ms; journals found after SIGKILL: {seen}")
    assert "committing" in seen


@posix_only
def test_recover_after_sigkill_while_staging(tmp_path: Path, before: Tree) -> None:
    delays = [0.0, 0.005, 0.02]
    runs = killed_runs(tmp_path, "stage", "staging", delays)
    # and once all is staged, before commit begins
    runs.append(killed_run(tmp_path / "staged", "stage", "ready", 0.0))
    assert any(name.startswith("tx-") for name in os.listdir(runs[-1][1]))
    for env, state in runs:
        recover(state)

        assert snapshot(env) == before
        assert os.listdir(state) == []


@posix_only
def test_sigterm_during_the_body_rolls_back_and_fails(
    tmp_path: Path, before: Tree
) -> None:
    env, state = tmp_path / "run" / "env", tmp_path / "run" / "state"
    child = start_child(env, state, "sigterm")
    expect_line(child, "ready")
    assert os.listdir(state)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    assert child.returncode not in (0, None)
    assert "Interrupted" in err
    assert snapshot(env) == before
    assert os.listdir(state) == []


def test_recover_leaves_an_unreadable_journal_and_its_staging_area(
    state: Path,
) -> None:
    (state / "journal-1-abcd.json").write_text("{not json")
    (state / "tx-1-abcd" / "stash").mkdir(parents=True)
    (state / "tx-1-abcd" / "stash" / "1").write_text("an old file\n")
    (state / ".journal-2-abcd.json.tmp").write_text("{half")
    (state / "tx-3-abcd" / "w0").mkdir(parents=True)
    # Said by the callers: changing() refuses, settle() warns (see inst repair).
    assert recover(state) == []
    # Left for inst repair: the stash may hold the only copy of an old file.
    assert sorted(os.listdir(state)) == ["journal-1-abcd.json", "tx-1-abcd"]
    assert (state / "tx-1-abcd" / "stash" / "1").read_text() == "an old file\n"


def test_changing_refuses_a_target_with_an_unreadable_journal(state: Path) -> None:
    (state / "journal-1-abcd.json").write_text('{"format":1,"state":"comm')
    with (
        pytest.raises(InstError) as caught,
        changing(
            state,
            label="the target T",
            keep_dirs=(),
            timeout=5,
            repair_options=("--target", "/my dir"),
        ),
    ):
        raise AssertionError("no transaction may begin")
    text = caught.value.paragraph()
    assert text.startswith("the target T has an unfinished change whose journal")
    assert str(state / "journal-1-abcd.json") in text
    assert "Run `inst repair --target '/my dir'`" in text


def test_recover_without_a_state_dir(tmp_path: Path) -> None:
    assert recover(tmp_path / "missing") == []


# -- staging on another filesystem --------------------------------------------------------


@pytest.fixture
def other_mount(tmp_path: Path) -> Iterator[Path]:
    """A directory on another filesystem than tmp_path (tmpfs /dev/shm), if any."""
    candidate = Path("/dev/shm")
    if (
        os.name == "nt"
        or not candidate.is_dir()
        or not os.access(candidate, os.W_OK)
        or candidate.stat().st_dev == tmp_path.stat().st_dev
    ):
        pytest.skip("no second writable filesystem")
    directory = Path(tempfile.mkdtemp(prefix="inst-test-", dir=candidate))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_staging_root_is_on_the_destinations_filesystem(
    env: Path, state: Path, other_mount: Path
) -> None:
    _populate(env)
    other_lib = other_mount / "lib"
    write(other_lib / "old.py", "old")
    tx = Transaction(state, keep_dirs=dirs(env / "lib", env / "bin", other_lib))
    local_root = tx.stage_root(env / "lib")
    other_root = tx.stage_root(other_lib / "not" / "yet")
    assert local_root.parent == state
    assert other_root.stat().st_dev == other_lib.stat().st_dev != state.stat().st_dev
    assert other_root.parent == other_lib
    assert tx.stage_root(other_lib / "old.py") == other_root  # one root per filesystem

    tx.place(stage(tx, other_lib, "new.py", "new"), other_lib / "pkg" / "new.py")
    tx.place(stage(tx, other_lib, "old.py", "replaced"), other_lib / "old.py")
    _stage_some(tx, env)
    tx.commit()

    assert snapshot(other_mount).files == {
        "lib/pkg/new.py": (b"new", mode(0o644)),
        "lib/old.py": (b"replaced", mode(0o644)),
    }
    assert os.listdir(state) == []
    assert sorted(os.listdir(other_lib)) == ["old.py", "pkg"]


def test_removing_from_another_filesystem_with_nothing_staged_there(
    env: Path, state: Path, other_mount: Path
) -> None:
    _populate(env)
    other_lib = other_mount / "lib"
    write(other_lib / "pkg" / "gone.py")
    write(other_lib / "stays.py")
    tx = Transaction(state, keep_dirs=dirs(env / "lib", env / "bin", other_lib))
    _stage_some(tx, env)
    tx.remove(other_lib / "pkg" / "gone.py")
    tx.commit()
    assert snapshot(other_mount) == Tree(
        {"lib/stays.py": (b"x", mode(0o644))}, frozenset({".", "lib"})
    )
    assert os.listdir(state) == []


def test_stage_root_near_an_existing_file_on_another_filesystem(
    state: Path, other_mount: Path
) -> None:
    existing = write(other_mount / "lib" / "old.py", "old")
    tx = Transaction(state)
    root = tx.stage_root(existing)
    assert root.is_dir() and root.parent == existing.parent
    tx.rollback()
    assert sorted(os.listdir(other_mount / "lib")) == ["old.py"]


# -- new paths: created in place, named in the journal first ------------------------------


def _new_package(env: Path) -> list[Path]:
    """What a new distribution writes in place: a package directory and a script."""
    (env / "pkg" / "sub").mkdir(parents=True)
    (env / "pkg" / "__init__.py").write_text("new\n")
    (env / "pkg" / "sub" / "m.py").write_text("new\n")
    (env / "tool").write_text("#!python\n")
    return [env / "pkg", env / "tool"]


def test_new_paths_are_journaled_before_they_exist_and_stay_after_commit(
    tmp_path: Path,
) -> None:
    env, state = tmp_path / "env", tmp_path / "state"
    env.mkdir()
    state.mkdir()
    with transaction(state) as tx:
        tx.claim_new([env / "pkg", env / "tool"])
        (journal,) = state.glob("journal-*.json")
        data = json.loads(journal.read_text())
        assert data["format"] == 2 and data["state"] == "staging"
        assert data["new_paths"] == [str(env / "pkg"), str(env / "tool")]
        assert tx.is_new(env / "pkg" / "sub" / "m.py") and tx.is_new(env / "tool")
        assert not tx.is_new(env / "other.py")
        _new_package(env)
        tx.commit()
    assert sorted(os.listdir(env)) == ["pkg", "tool"]
    assert os.listdir(state) == []  # no journal (its removal was the commit point)


def test_new_paths_are_removed_by_rollback(tmp_path: Path) -> None:
    env, state = tmp_path / "env", tmp_path / "state"
    env.mkdir()
    state.mkdir()
    (env / "old.py").write_text("mine\n")
    before = snapshot(env)
    with pytest.raises(RuntimeError), transaction(state) as tx:
        tx.claim_new([env / "pkg", env / "tool"])
        _new_package(env)
        raise RuntimeError("a later wheel failed")
    assert snapshot(env) == before
    assert os.listdir(state) == []


@pytest.mark.parametrize("step", ["claimed", "written", "staged-too"])
def test_recover_removes_the_new_paths_of_a_killed_transaction(
    tmp_path: Path, step: str
) -> None:
    """A SIGKILL at each step (the transaction left as it is, never rolled back): the
    next inst's recover() puts the environment back as it was."""
    env, state = tmp_path / "env", tmp_path / "state"
    env.mkdir()
    state.mkdir()
    (env / "keep.py").write_text("old\n")
    before = snapshot(env)
    tx = Transaction(state)
    tx.claim_new([env / "pkg", env / "tool"])
    if step != "claimed":
        _new_package(env)
    if step == "staged-too":  # and a file replacing one, moved in: "committing"
        staged = tx.stage_root(env) / "w0" / "keep.py"
        staged.parent.mkdir(parents=True)
        staged.write_text("new\n")
        tx.place(staged, env / "keep.py")
        plan = tx._make_plan()
        tx._write_journal({"state": "committing", **plan.to_json()})
        plan.apply()
    said = recover(state)
    assert snapshot(env) == before
    assert os.listdir(state) == []
    assert said  # the user is told that an install was undone


def test_a_journal_of_format_1_is_still_recovered(tmp_path: Path) -> None:
    """A journal the previous inst wrote (format 1: every file a place, no new
    paths), caught midway through its moves: undone as it always was."""
    env, state = tmp_path / "env", tmp_path / "state"
    (env / "pkg").mkdir(parents=True)
    state.mkdir()
    (env / "pkg" / "a.py").write_text("old a\n")
    before = snapshot(env)
    root = state / "tx-1-ab"
    (root / "w0" / "pkg").mkdir(parents=True)
    (root / "stash").mkdir()
    staged_a, staged_b = root / "w0" / "pkg" / "a.py", root / "w0" / "pkg" / "b.py"
    staged_a.write_text("new a\n")
    staged_b.write_text("new b\n")
    journal = {
        "format": 1,
        "state": "committing",
        "roots": [str(root)],
        "created_dirs": [],
        "places": [
            [str(staged_a), str(env / "pkg" / "a.py"), str(root / "stash" / "1")],
            [str(staged_b), str(env / "pkg" / "b.py"), None],
        ],
        "removes": [],
    }
    (state / "journal-1-ab.json").write_text(json.dumps(journal))
    # The old inst had moved both files in (a.py's old file linked into the stash).
    os.link(env / "pkg" / "a.py", root / "stash" / "1")
    os.replace(staged_a, env / "pkg" / "a.py")
    os.replace(staged_b, env / "pkg" / "b.py")
    said = recover(state)
    assert said == ["undid an install or uninstall that was interrupted midway"]
    assert snapshot(env) == before
    assert os.listdir(state) == []

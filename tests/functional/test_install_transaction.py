"""`inst install` is all or nothing: a failure midway through the commit, SIGTERM and
SIGKILL at many points, two installs at once and uninstall/install cycles each leave
the venv exactly as before or exactly as after, with every RECORD true and nothing of
inst's (staging directories, journals) left behind.

Venvs are compared as trees: every directory, symlink and file (sha256 and mode) by its
path relative to the venv, which is why the kill tests recreate their venv at one path
(a console script's shebang and RECORD name the venv).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import VirtualEnv, make_venv, make_wheel
from harness.config_home import ConfigHome, make_config_home
from harness.trees import differences, snapshot
from inst.locking import locked

STATE_DIR = ".inst"
LOCK = "lock"
TERMINATED = "error: terminated (SIGTERM); the environment was left as it was before."
TERMINATED_AFTER = (
    "error: terminated (SIGTERM) just after the change was made; it is complete."
)
INTERRUPTED = "error: interrupted by the user (Ctrl-C); the environment was left as it was before."
INTERRUPTED_AFTER = (
    "error: interrupted by the user (Ctrl-C) just after the change was made; "
    "it is complete."
)
#: What inst says when a signal undid its change, and when it came after the commit.
SAYS = {
    signal.SIGTERM: (TERMINATED, TERMINATED_AFTER),
    signal.SIGINT: (INTERRUPTED, INTERRUPTED_AFTER),
}

Tree = dict[str, tuple[object, ...]]


# --- looking at a venv ---------------------------------------------------------------


def tree(root: Path) -> Tree:
    """The venv's snapshot without inst's state directory (see state_leftovers())."""
    return dict(snapshot(root, skip=(STATE_DIR,)))


def state_leftovers(venv: VirtualEnv) -> list[str]:
    """What inst's state directory holds besides its lock file."""
    state = venv.site_packages / STATE_DIR
    return sorted(set(os.listdir(state)) - {LOCK}) if state.exists() else []


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def record_problems(venv: VirtualEnv, fresh: Tree) -> list[str]:
    """Why the venv is not consistent: a file a RECORD lists that is missing or has
    another hash, a file or directory that neither the fresh venv nor any RECORD
    accounts for (bytecode aside), anything of inst's left in its state directory."""
    problems = [f"left in {STATE_DIR}: {name}" for name in state_leftovers(venv)]
    owned: set[str] = set()
    for dist_info in sorted(venv.site_packages.glob("*.dist-info")):
        record = dist_info / "RECORD"
        if not record.is_file():
            problems.append(f"{dist_info.name} has no RECORD")
            continue
        with open(record, newline="", encoding="utf-8") as stream:
            for row in csv.reader(stream):
                if not row:
                    continue
                path = os.path.normpath(os.path.join(venv.site_packages, row[0]))
                owned.add(Path(path).relative_to(venv.root).as_posix())
                if not os.path.lexists(path):
                    problems.append(f"{dist_info.name}: {row[0]} is missing")
                elif row[1] and record_hash(Path(path).read_bytes()) != row[1]:
                    problems.append(f"{dist_info.name}: {row[0]} has another hash")
    needed = {"/".join(key.split("/")[:i]) for key in owned for i in range(1, 99)}
    for key, entry in tree(venv.root).items():
        if key in fresh or "__pycache__" in key.split("/"):
            continue
        if entry[0] == "dir" and key not in needed:
            problems.append(f"a directory no RECORD accounts for: {key}")
        elif entry[0] != "dir" and key not in owned:
            problems.append(f"a file no RECORD lists: {key}")
    return problems


def unfinished_cache_entries(cache: Path) -> list[str]:
    """Entries of the unpacked-wheel cache without the manifest written last."""
    return sorted(
        entry.relative_to(cache).as_posix()
        for entry in cache.glob("unpacked/*/*")
        if not entry.name.startswith(".tmp-") and not (entry / "manifest.json").exists()
    )


def dist_names(venv: VirtualEnv) -> set[str]:
    return set(venv.installed())


# --- running inst --------------------------------------------------------------------


def inst_command(*args: str) -> list[str]:
    assert "--python" in args  # never the interpreter running the tests
    return [sys.executable, "-m", "inst", *args]


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}--- stderr\n{self.err}"


def run(home: ConfigHome, *args: str, timeout: float = 120) -> Result:
    done = subprocess.run(
        inst_command(*args),
        env=home.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


# Resets SIGINT, then execs inst: Ctrl-C acts even when the tests run with it ignored
# (which exec would keep).
SIGINT_TRAMPOLINE = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def start(home: ConfigHome, *args: str, sigint: bool = False) -> subprocess.Popen[str]:
    """inst ARGS, started; sigint: to be sent SIGINT."""
    command = inst_command(*args)
    if sigint:
        command = [sys.executable, "-c", SIGINT_TRAMPOLINE, *command[1:]]
    return subprocess.Popen(
        command,
        env=home.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> Result:
    out, err = process.communicate(timeout=timeout)
    return Result(process.returncode, out, err)


def error_lines(result: Result) -> list[str]:
    return [line for line in result.err.splitlines() if line.startswith("error:")]


def journal_state(venv: VirtualEnv) -> str | None:
    """The state a running inst's journal records ("staging", "committing",
    "committed"), or None without one."""
    state = venv.site_packages / STATE_DIR
    try:
        names = os.listdir(state)
    except OSError:
        return None
    for name in names:
        if name.startswith("journal-") and name.endswith(".json"):
            try:
                return str(json.loads((state / name).read_text())["state"])
            except (OSError, ValueError, KeyError):
                return "unreadable"  # replaced as we read it
    return None


# --- wheels --------------------------------------------------------------------------


def package_files(name: str, count: int, version: str) -> dict[str, str]:
    body = "".join(f"VALUE_{i} = {i!r}  # {version}\n" for i in range(12))
    files = {f"{name}/__init__.py": f"def main():\n    return {version!r}\n"}
    files.update({f"{name}/mod{i:03}.py": body for i in range(count - 1)})
    return files


@dataclass(frozen=True)
class BigInstall:
    """30 wheels with 20 files each, and a venv path with its trees before and after
    a clean install of them (the venv itself is made anew by reset())."""

    home: ConfigHome
    wheels: tuple[Path, ...]
    cache: Path
    venv_path: Path
    before: Tree
    after: Tree

    def reset(self) -> VirtualEnv:
        shutil.rmtree(self.venv_path, ignore_errors=True)
        venv = make_venv(self.venv_path)
        assert tree(venv.root) == self.before
        return venv

    def install_args(
        self, venv: VirtualEnv, cache: Path | None = None
    ) -> tuple[str, ...]:
        return (
            "install",
            "--python",
            str(venv.python),
            "--cache-dir",
            str(cache or self.cache),
            "--no-index",
            *map(str, self.wheels),
        )


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> BigInstall:
    root = tmp_path_factory.mktemp("big-install")
    home = make_config_home(root / "home")
    wheels = []
    for i in range(30):
        name = f"big{i:02}"
        extra: dict[str, str] = {}
        if i % 10 == 0:  # some data files too, outside site-packages
            extra[f"{name}-1.0.data/data/share/{name}/notes.txt"] = "notes\n"
        wheels.append(
            make_wheel(
                root / "wheels",
                name,
                "1.0",
                files={**package_files(name, 20, "1.0"), **extra},
                entry_points=(
                    {"console_scripts": {f"{name}-tool": f"{name}:main"}}
                    if i % 5 == 0
                    else None
                ),
            )
        )
    venv_path = root / "venv"
    venv = make_venv(venv_path)
    before = tree(venv.root)
    first = BigInstall(home, tuple(wheels), root / "cache", venv_path, before, {})
    result = run(home, *first.install_args(venv))
    assert result.code == 0, result.output
    assert record_problems(venv, before) == []
    assert len(dist_names(venv)) == 30
    return BigInstall(
        home, tuple(wheels), root / "cache", venv_path, before, tree(venv.root)
    )


@dataclass(frozen=True)
class Trigger:
    """When to send the signal: after `seconds`, or `seconds` after the journal first
    shows `state`. cold: with an empty cache, so that the wheels are being unpacked
    into it (as the signal comes, at that time)."""

    seconds: float
    state: str | None = None
    cold: bool = False

    def __str__(self) -> str:
        when = f"{self.state}+{self.seconds}s" if self.state else f"{self.seconds}s"
        return f"{when} (cold cache)" if self.cold else when


def signal_install(
    big: BigInstall, venv: VirtualEnv, trigger: Trigger, signum: int, cache: Path
) -> tuple[Result, str | None, bool]:
    """Start the big install, signal it when trigger fires: (result, the journal's
    state just before the signal, whether the signal was sent before it ended)."""
    process = start(
        big.home, *big.install_args(venv, cache), sigint=signum == signal.SIGINT
    )
    began = time.monotonic()
    fired_at = None if trigger.state else began
    state = None
    while process.poll() is None:
        state = journal_state(venv)
        now = time.monotonic()
        if fired_at is None and state == trigger.state:
            fired_at = now
        if fired_at is not None and now - fired_at >= trigger.seconds:
            break
        if now - began > 60:
            break
        time.sleep(0.0005)
    sent = process.poll() is None
    if sent:
        process.send_signal(signum)
    return finish(process), state, sent


# --- inst with faults injected ------------------------------------------------------

# Runs inst as `python -m inst` does, with some functions wrapped:
# - TRACE_LOG: every os.replace() (each move of a commit and of its rollback) is logged;
# - FAULT=sigkill-in-journal-write: SIGKILL while the first journal is being written
#   (its temporary file fsynced, not yet renamed; in a staging thread);
# - FAULT=sigterm-in-journal-write: SIGTERM while the main thread writes a journal
#   (the first one it writes: the "staging" one naming the new paths, or a
#   "committing" one; Python runs signal handlers in the main thread only);
# - FAULT=sigterm-in-cleanup (sigint-in-cleanup): SIGTERM (SIGINT) comes as commit()
#   starts deleting its staging directory, after the journal says "committed", or
#   (a fresh install, nothing to tidy up) as it removes the journal, its commit point;
# - FAULT=sigterm-at-success (sigint-...): as "Successfully installed" is printed,
#   after the transaction;
# - FAULT=sigterm-at-exit: as inst exits, its exit code chosen (sys.exit());
# - SLOW_LINK=SECONDS: every file a staging thread links (into the staging area, or
#   in place) takes that long (a slow disk), so that staging a few hundred files takes long.
DRIVER = """
import json, os, runpy, shutil, signal, sys, threading, time
from pathlib import Path

signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the parent ignores it
trace = os.environ.get("TRACE_LOG")
log = open(trace, "a", buffering=1) if trace else None
fault = os.environ.get("FAULT", "")
slow_link = float(os.environ.get("SLOW_LINK", "0"))
state_dir = Path(os.environ.get("STATE_DIR", os.devnull))
real_replace, real_fsync, real_rmtree = os.replace, os.fsync, shutil.rmtree
real_link, real_exit, real_stdout = os.link, sys.exit, sys.stdout
real_unlink = os.unlink
fired = []
SIGNALS = {"sigkill": signal.SIGKILL, "sigterm": signal.SIGTERM, "sigint": signal.SIGINT}

def fire():
    if not fired:
        fired.append(True)
        os.kill(os.getpid(), SIGNALS[fault.split("-")[0]])
        for _ in range(1000):  # Python runs the handler between bytecodes
            pass

def replace(src, dst, *args, **kwargs):
    if log is not None:
        log.write(f"{os.fspath(src)}\\t{os.fspath(dst)}\\n")
    return real_replace(src, dst, *args, **kwargs)

def fsync(fd):
    result = real_fsync(fd)
    if list(state_dir.glob(".journal-*.tmp")):
        if fault == "sigkill-in-journal-write":
            if not list(state_dir.glob("journal-*.json")):
                fire()
        elif fault == "sigterm-in-journal-write":
            if threading.current_thread() is threading.main_thread():
                fire()
    return result

def committed():
    for journal in state_dir.glob("journal-*.json"):
        return json.loads(journal.read_text())["state"] == "committed"
    return False

def rmtree(path, *args, **kwargs):
    if fault.endswith("-in-cleanup") and Path(path).name.startswith("tx-"):
        if committed():
            fire()
    return real_rmtree(path, *args, **kwargs)

def unlink(path, *args, **kwargs):
    # A fresh install's commit point: its journal removed (nothing to tidy up).
    name = Path(path).name
    if fault.endswith("-in-cleanup") and name.startswith("journal-"):
        fire()
    return real_unlink(path, *args, **kwargs)

def link(src, dst, *args, **kwargs):
    # A staging thread's link: into the staging area, or in place for a new path.
    if slow_link and threading.current_thread() is not threading.main_thread():
        if "cache" not in os.fspath(dst):
            time.sleep(slow_link)
    return real_link(src, dst, *args, **kwargs)

def exit(code=None):
    if fault.endswith("-at-exit"):
        fire()
    real_exit(code)

class Stdout:
    def write(self, text):
        if fault.endswith("-at-success") and text.startswith("Successfully installed"):
            fire()
        return real_stdout.write(text)

    def __getattr__(self, name):
        return getattr(real_stdout, name)

os.replace, os.fsync, shutil.rmtree, os.link = replace, fsync, rmtree, link
os.unlink = unlink
sys.exit, sys.stdout = exit, Stdout()
sys.argv[0] = "inst"
runpy.run_module("inst", run_name="__main__", alter_sys=True)
"""


def run_faulty(home: ConfigHome, *args: str, **env: str) -> Result:
    """inst ARGS through DRIVER, with env (TRACE_LOG, FAULT, STATE_DIR) added."""
    completed = subprocess.run(
        [sys.executable, "-c", DRIVER, *inst_command(*args)[3:]],
        env={**home.env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def start_faulty(home: ConfigHome, *args: str, **env: str) -> subprocess.Popen[str]:
    """run_faulty(), started: the test signals it."""
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, *inst_command(*args)[3:]],
        env={**home.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# --- a failure midway through the commit ---------------------------------------------


def test_a_failure_midway_through_the_commit_restores_every_old_version(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    for i in range(1, 6):
        name = f"p{i}"
        make_wheel(
            old,
            name,
            "1.0",
            files={**package_files(name, 5, "1.0"), f"{name}/old.py": ""},
        )
        files = package_files(name, 5, "2.0")
        if name == "p4":
            files["p4/data"] = "a file where the venv has a directory\n"
        make_wheel(new, name, "2.0", files=files)
    common = ("--python", str(venv.python), "--cache-dir", str(tmp_path / "cache"))
    first = run(cli_home, "install", *common, "--no-index", *map(str, old.iterdir()))
    assert first.code == 0, first.output
    # A non-empty directory that no RECORD owns, where p4 2.0 puts a file: validation
    # lets it be (nothing installed owns it), the commit cannot replace it.
    blocker = venv.site_packages / "p4" / "data"
    blocker.mkdir()
    (blocker / "mine.txt").write_text("the user's own file\n")
    before = tree(venv.root)

    log = tmp_path / "moves.log"
    result = run_faulty(
        cli_home,
        "install",
        *common,
        "--no-index",
        *map(str, sorted(new.iterdir())),
        TRACE_LOG=str(log),
    )
    assert result.code == 1, result.output
    assert "Installing collected packages: p1, p2, p3, p4, p5" in result.out
    (error,) = error_lines(result)
    assert result.err.rstrip("\n").endswith(error), result.output
    assert error.startswith("error: cannot install into "), error
    assert str(venv.root) in error
    assert f"{blocker}: Is a directory" in error
    assert "Nothing was changed" in error
    assert "Traceback" not in result.output

    # The guarantee that the failure came midway: the move log shows files of the
    # environment moved (into the stash, by commit()) before p4/data failed. commit()
    # moves the files to remove (p1..p5's old.py, which 2.0 drops) before it places
    # any file; were that order ever changed so that p4/data failed first, this
    # assertion says the test no longer tests what it claims.
    state = venv.site_packages / STATE_DIR
    moves = [line.split("\t") for line in log.read_text().splitlines()]
    moved_out = [
        src
        for src, dst in moves
        if Path(src).is_relative_to(venv.site_packages)
        and not Path(src).is_relative_to(state)
        and Path(dst).is_relative_to(state)
    ]
    assert {Path(p).relative_to(venv.site_packages).as_posix() for p in moved_out} >= {
        f"p{i}/old.py" for i in range(1, 6)
    }, moves

    after = tree(venv.root)
    assert after == before, differences(before, after)
    assert state_leftovers(venv) == []
    assert dist_names(venv) == {f"p{i}" for i in range(1, 6)}
    assert set(venv.installed().values()) == {"1.0"}


# --- signals -------------------------------------------------------------------------

# Each is an installation phase: the "staging" journal appears once the files start
# going into the staging area; "committing" while they move into place; "committed"
# while commit() cleans up (a short moment, often missed).
SIGNAL_TRIGGERS = [
    Trigger(0.05),  # while starting: Python's own start, before inst handles signals
    Trigger(0.7, cold=True),
    Trigger(0.0, "staging"),
    Trigger(0.2, "staging"),
    Trigger(0.0, "committing"),
    Trigger(0.01, "committing"),
    Trigger(0.03, "committing"),
    Trigger(0.0, "committed"),
]


def outcome_of(big: BigInstall, venv: VirtualEnv) -> str:
    now = tree(venv.root)
    return "before" if now == big.before else "after" if now == big.after else "mixed"


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_signal_leaves_the_venv_as_before_or_as_after_and_says_which(
    big: BigInstall, tmp_path: Path, signum: signal.Signals
) -> None:
    undone, complete = SAYS[signum]
    nothing = undone.split(";")[0] + "; nothing more was done."
    # Ctrl-C while Python itself starts, before any of inst runs, is Python's affair.
    triggers = SIGNAL_TRIGGERS if signum == signal.SIGTERM else SIGNAL_TRIGGERS[1:]
    outcomes = []
    for number, trigger in enumerate(triggers):
        venv = big.reset()
        cache = tmp_path / f"cache{number}" if trigger.cold else big.cache
        result, state, sent = signal_install(big, venv, trigger, signum, cache)
        outcome = outcome_of(big, venv)
        left = state_leftovers(venv)
        outcomes.append((str(trigger), state, sent, result.code, outcome, left))
        context = f"{trigger} (journal: {state}, left: {left})\n{result.output}"
        assert outcome != "mixed", (
            f"{context}\n{differences(big.after, tree(venv.root))}"
        )
        assert "Traceback" not in result.output, context
        assert left == [], context
        if complete in result.err:
            # it came after the commit point: the change stays, and inst says so
            assert result.code == 1, context
            assert error_lines(result) == [complete], context
            assert outcome == "after", context
        elif undone in result.err:
            # inst caught it and rolled back: exit 1, one error, the venv as before
            assert result.code == 1, context
            assert error_lines(result) == [undone], context
            assert outcome == "before", context
        elif nothing in result.err:  # before the transaction began
            assert result.code == 1, context
            assert error_lines(result) == [nothing], context
            assert outcome == "before", context
        elif result.code == 0:  # finished before the signal came
            assert outcome == "after", context
        else:  # before inst's code ran: the signal's default action
            assert trigger is SIGNAL_TRIGGERS[0], context
            assert result.code == -signum, context
            assert outcome == "before", context
        if trigger.cold:  # what was unpacked is whole: the next install uses it
            assert unfinished_cache_entries(cache) == [], context
    # The transaction's own window (staging and committing) is long: signals sent in
    # it are caught and rolled back. From then on, until inst exits, a signal is never
    # its default action: inst may only have finished between the journal being read
    # and the signal being sent.
    caught = [o for o in outcomes if o[1] and o[2]]
    assert caught, outcomes
    for _, _, _, code, outcome, *_ in caught:
        assert code == 1 or (code == 0 and outcome == "after"), outcomes
    assert any(code == 1 for _, _, _, code, *_ in caught), outcomes


# The even ones are recovered by inst list and checked, then installed again; the odd
# ones by the next install itself.
SIGKILL_TRIGGERS = [
    Trigger(0.1),
    Trigger(0.6, cold=True),
    Trigger(0.0, "staging"),
    Trigger(0.1, "staging"),
    Trigger(0.3, "staging"),
    Trigger(0.0, "committing"),
    Trigger(0.005, "committing"),
    Trigger(0.02, "committing"),
    Trigger(0.0, "committed"),
    Trigger(0.04, "committing"),
]


@pytest.mark.slow
def test_sigkill_at_any_point_is_recovered_all_or_nothing(
    big: BigInstall, tmp_path: Path
) -> None:
    names = {f"big{i:02}" for i in range(30)}
    outcomes = []
    for number, trigger in enumerate(SIGKILL_TRIGGERS):
        venv = big.reset()
        cache = tmp_path / f"cache{number}" if trigger.cold else big.cache
        killed, state, sent = signal_install(big, venv, trigger, signal.SIGKILL, cache)
        context = f"{trigger} (journal: {state})\n{killed.output}"
        if number % 2 == 0:
            # inst list settles the venv: it recovers what the killed inst left.
            listed = run(
                big.home, "list", "--python", str(venv.python), "--format", "json"
            )
            assert listed.code == 0, f"{context}\n{listed.output}"
            shown = {d["name"] for d in json.loads(listed.out)}
            outcome = outcome_of(big, venv)
            outcomes.append((str(trigger), state, sent, killed.code, outcome))
            context += f"\n{listed.output}"
            assert outcome != "mixed", (
                f"{context}\n{differences(big.after, tree(venv.root))}"
            )
            assert shown == (names if outcome == "after" else set()), context
            assert dist_names(venv) == shown
            assert record_problems(venv, big.before) == [], context
        else:  # the next install recovers on its own
            outcomes.append((str(trigger), state, sent, killed.code, "-"))
        again = run(big.home, *big.install_args(venv, cache))
        assert again.code == 0, f"{context}\n{again.output}"
        assert "Traceback" not in again.output
        now = tree(venv.root)
        assert now == big.after, f"{context}\n{differences(big.after, now)}"
        assert record_problems(venv, big.before) == [], context
    killed_in_transaction = [o for o in outcomes if o[1] and o[2]]
    assert killed_in_transaction, outcomes


# --- signals at exact points (faults injected) ---------------------------------------


def small_install(tmp_path: Path, venv: VirtualEnv) -> tuple[str, ...]:
    wheels = [
        make_wheel(
            tmp_path / "wheels", f"s{i}", "1.0", files=package_files(f"s{i}", 8, "1")
        )
        for i in range(3)
    ]
    return (
        "install",
        "--python",
        str(venv.python),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--no-index",
        *map(str, wheels),
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
@pytest.mark.parametrize("when", ["in-cleanup", "at-success"])
def test_a_signal_after_the_commit_is_reported_truthfully(
    tmp_path: Path,
    cli_home: ConfigHome,
    venv: VirtualEnv,
    signum: signal.Signals,
    when: str,
) -> None:
    """in-cleanup: as commit() deletes its staging area; at-success: after the
    transaction, as "Successfully installed" is printed. The change is complete, and
    inst says so (never "nothing more was done"), with exit code 1."""
    fresh = tree(venv.root)
    state_dir = venv.site_packages / STATE_DIR
    result = run_faulty(
        cli_home,
        *small_install(tmp_path, venv),
        FAULT=f"{signum.name.lower()}-{when}",
        STATE_DIR=str(state_dir),
    )
    assert "Traceback" not in result.output
    # The install went through: every file is in place.
    assert dist_names(venv) == {"s0", "s1", "s2"}
    assert [p for p in record_problems(venv, fresh) if STATE_DIR not in p] == []
    assert result.code == 1, result.output
    assert error_lines(result) == [SAYS[signum][1]], result.output
    assert state_leftovers(venv) == [], result.output


def test_sigterm_as_inst_exits_after_an_install_does_not_kill_it(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    """Once inst has printed its outcome and exits with it, SIGTERM no longer takes
    its default action (exit -15, nothing said): the outcome stands."""
    fresh = tree(venv.root)
    result = run_faulty(
        cli_home,
        *small_install(tmp_path, venv),
        FAULT="sigterm-at-exit",
        STATE_DIR=str(venv.site_packages / STATE_DIR),
    )
    assert result.code == 0, result.output
    assert "Successfully installed s0-1.0 s1-1.0 s2-1.0" in result.out, result.output
    assert result.err == "", result.output
    assert dist_names(venv) == {"s0", "s1", "s2"}
    assert record_problems(venv, fresh) == []
    assert state_leftovers(venv) == []


#: Seconds each file takes to go into the staging area: with 4 staging threads,
#: staging the big install's 630 files takes about 40 s.
SLOW_LINK = 0.25


def signal_once(
    process: subprocess.Popen[str],
    ready: Callable[[], bool],
    signum: signal.Signals,
    *,
    settle: float,
) -> tuple[Result, float]:
    """Wait until ready() (at most a minute), then settle seconds, then send signum
    to inst alone; its result, and how long it took to end after the signal."""
    try:
        deadline = time.monotonic() + 60
        while not ready() and time.monotonic() < deadline:
            assert process.poll() is None, finish(process).output
            time.sleep(0.005)
        assert ready(), "inst never reached the point to signal"
        time.sleep(settle)
        assert process.poll() is None
        sent = time.monotonic()
        process.send_signal(signum)
        result = finish(process, timeout=120)
        return result, time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_while_staging_a_large_install_acts_at_once(
    big: BigInstall, signum: signal.Signals
) -> None:
    """The staging threads stop at their next file, the wheels not begun are dropped,
    and the transaction rolls back: inst ends in about a file's time, not once every
    wheel is staged (which took 12-17 s for a 21,000-file upgrade)."""
    venv = big.reset()
    process = start_faulty(big.home, *big.install_args(venv), SLOW_LINK=str(SLOW_LINK))
    # settle: every staging thread at work
    result, took = signal_once(
        process, lambda: journal_state(venv) == "staging", signum, settle=1.0
    )
    context = f"ended {took:.1f} s after the signal\n{result.output}"
    assert result.code == 1, context
    assert error_lines(result) == [SAYS[signum][0]], context
    assert "Traceback" not in result.output, context
    now = tree(venv.root)
    assert now == big.before, differences(big.before, now)
    assert state_leftovers(venv) == [], context
    # Generous (the machine may be busy): before, this waited for the whole staging.
    assert took < 10, context


def children_of(pid: int) -> list[int]:
    """The processes pid started that still run (Linux: /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_to_inst_alone_while_compiling_stops_the_compile_workers(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv, signum: signal.Signals
) -> None:
    """kill PID (docker stop, systemctl stop) reaches inst but not the --compile
    workers it started: inst ends them and undoes the install at once, instead of
    waiting for them to compile everything (a minute for a large install)."""
    slow = "X = [" + ",".join(f"({i}, 's{i}')" for i in range(100_000)) + "]\n"
    files = {f"slowpkg/m{i}.py": slow for i in range(16)}  # about 1 s each to compile
    wheel = make_wheel(tmp_path / "wheels", "slowpkg", "1.0", files=files)
    before = tree(venv.root)
    process = start(
        cli_home,
        "install",
        "--compile",
        "--python",
        str(venv.python),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--no-index",
        str(wheel),
    )
    workers: list[int] = []

    def compiling() -> bool:
        # The compile workers, not the interpreter probe that runs first (on a busy
        # machine it may still run when the settle time is over).
        workers[:] = [
            pid for pid in children_of(process.pid) if b"py_compile" in _cmdline(pid)
        ]
        return bool(workers)

    result, took = signal_once(process, compiling, signum, settle=0.5)
    context = f"ended {took:.1f} s after the signal\n{result.output}"
    assert result.code == 1, context
    assert error_lines(result) == [SAYS[signum][0]], context
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], context
    now = tree(venv.root)
    assert now == before, differences(before, now)
    # Generous (the machine may be busy): before, this waited about 16 s.
    assert took < 8, context


def test_sigterm_while_a_journal_is_written_leaves_no_temporary_file(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    fresh = tree(venv.root)
    state_dir = venv.site_packages / STATE_DIR
    result = run_faulty(
        cli_home,
        *small_install(tmp_path, venv),
        FAULT="sigterm-in-journal-write",
        STATE_DIR=str(state_dir),
    )
    assert result.code == 1, result.output
    assert error_lines(result) == [TERMINATED], result.output
    now = tree(venv.root)
    assert now == fresh, differences(fresh, now)
    assert state_leftovers(venv) == [], result.output  # what fails


def test_inst_list_settles_a_journal_cut_short_by_sigkill(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    fresh = tree(venv.root)
    state_dir = venv.site_packages / STATE_DIR
    args = small_install(tmp_path, venv)
    killed = run_faulty(
        cli_home, *args, FAULT="sigkill-in-journal-write", STATE_DIR=str(state_dir)
    )
    assert killed.code == -signal.SIGKILL, killed.output
    now = tree(venv.root)
    assert now == fresh, differences(fresh, now)
    listed = run(cli_home, "list", "--python", str(venv.python))
    assert listed.code == 0, listed.output
    assert state_leftovers(venv) == [], listed.output  # what fails


def test_the_next_install_clears_a_journal_cut_short_by_sigkill(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    fresh = tree(venv.root)
    state_dir = venv.site_packages / STATE_DIR
    args = small_install(tmp_path, venv)
    killed = run_faulty(
        cli_home, *args, FAULT="sigkill-in-journal-write", STATE_DIR=str(state_dir)
    )
    assert killed.code == -signal.SIGKILL, killed.output
    # The journal cut short, and the staging area holding the copy of the new paths
    # it was to name (written first): nothing new was created yet.
    left = state_leftovers(venv)
    assert [n for n in left if not n.startswith("tx-")] == [
        n for n in left if n.startswith(".journal-")
    ]
    assert len([n for n in left if n.startswith(".journal-")]) == 1
    again = run(cli_home, *args)
    assert again.code == 0, again.output
    assert dist_names(venv) == {"s0", "s1", "s2"}
    assert record_problems(venv, fresh) == []


# --- two installs at once ------------------------------------------------------------


def test_two_concurrent_installs_both_finish_consistently(big: BigInstall) -> None:
    venv = big.reset()
    halves = (big.wheels[:15], big.wheels[15:])
    common = ("install", "--python", str(venv.python), "--cache-dir", str(big.cache))
    processes = [
        start(big.home, *common, "--no-index", *map(str, half)) for half in halves
    ]
    results = [finish(process) for process in processes]
    report = "\n".join(result.output for result in results)
    for result in results:
        assert "Traceback" not in result.output, report
        if result.code != 0:  # only a clear refusal naming the other inst
            assert result.code == 1, report
            (error,) = error_lines(result)
            assert "another inst" in error, report
    waited = [r for r in results if "Waiting for another inst to finish with" in r.out]
    assert len(waited) <= 1, report
    assert any(result.code == 0 for result in results), report

    listed = run(big.home, "list", "--python", str(venv.python), "--format", "json")
    assert listed.code == 0, listed.output
    shown = {d["name"] for d in json.loads(listed.out)}
    expected = set()
    for half, result in zip(halves, results):
        if result.code == 0:
            expected |= {wheel.name.split("-")[0] for wheel in half}
    assert shown == expected, report
    assert record_problems(venv, big.before) == [], report
    if all(result.code == 0 for result in results):
        now = tree(venv.root)
        assert now == big.after, differences(big.after, now)


def test_an_install_waits_while_another_holds_the_lock(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    """The lock held from this process stands for another inst: the install says it
    waits, and goes on once the lock is released."""
    wheel = make_wheel(tmp_path / "wheels", "patient", "1.0")
    state_dir = venv.site_packages / STATE_DIR
    with locked(state_dir, timeout=0, label="the test"):
        process = subprocess.Popen(
            inst_command(
                "install", "--python", str(venv.python), "--no-index", str(wheel)
            ),
            env={**cli_home.env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        seen = []
        for line in process.stdout:  # until it says it waits
            seen.append(line)
            if line.startswith("Waiting for another inst"):
                break
        assert seen[-1] == (
            f"Waiting for another inst to finish with the virtual environment "
            f"{venv.root} ...\n"
        ), seen
        time.sleep(0.3)  # it keeps waiting
        assert process.poll() is None
        assert dist_names(venv) == set()
    result = finish(process)
    assert result.code == 0, result.output
    assert "Successfully installed patient-1.0" in result.out
    assert dist_names(venv) == {"patient"}
    assert state_leftovers(venv) == []


def test_a_lock_timeout_gives_up_clearly_and_changes_nothing(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    wheel = make_wheel(tmp_path / "wheels", "solo", "1.0")
    before = tree(venv.root)
    state_dir = venv.site_packages / STATE_DIR
    args = ("install", "--python", str(venv.python), "--no-index", str(wheel))
    with locked(state_dir, timeout=0, label="the test"):
        started = time.monotonic()
        result = run(cli_home, *args, "--lock-timeout", "0.2", timeout=60)
        took = time.monotonic() - started
    assert result.code == 1, result.output
    assert "Waiting for another inst to finish with" in result.out
    (error,) = error_lines(result)
    assert result.err.rstrip("\n").endswith(error), result.output
    assert "another inst is still changing" in error
    assert "was not released within 0.2 seconds" in error
    assert "--lock-timeout SECONDS" in error
    assert "Traceback" not in result.output
    assert took < 30
    after = tree(venv.root)
    assert after == before, differences(before, after)
    assert state_leftovers(venv) == []

    # Once the lock is free the same command goes through.
    result = run(cli_home, *args, "--lock-timeout", "0.2")
    assert result.code == 0, result.output
    assert "Waiting" not in result.out
    assert dist_names(venv) == {"solo"}


# --- uninstall and install again -----------------------------------------------------


def cycle_wheels(directory: Path) -> list[Path]:
    return [
        make_wheel(
            directory,
            "Cycle_A",
            "1.0",
            files={
                "cycle_a/__init__.py": "def main():\n    print('a')\n",
                "cycle_a/sub/__init__.py": "",
                "cycle_a/sub/deep/mod.py": "VALUE = 1\n",
                "cycle_a_mod.py": "",
                "cycle_a-1.0.data/data/share/cycle-a/readme.txt": "read me\n",
                "cycle_a-1.0.data/scripts/cycle-a-sh": "#!/bin/sh\necho a\n",
                "cycle_a-1.0.data/headers/cycle_a.h": "#define CYCLE_A 1\n",
            },
            entry_points={
                "console_scripts": {"cycle-a": "cycle_a:main"},
                "gui_scripts": {"cycle-a-gui": "cycle_a:main"},
            },
        ),
        make_wheel(directory, "cycle-b", "2.0", requires=["cycle-a"]),
    ]


#: The headers scheme directory of a venv: the first header installed creates it (and
#: its parent), and as a scheme directory it stays when emptied, as with pip.
HEADERS = f"include/site/python{sys.version_info[0]}.{sys.version_info[1]}"


def without_headers_dir(now: Tree, fresh: Tree) -> Tree:
    """now, less the empty headers scheme directory an install may have created."""
    made = {"include/site", HEADERS} - fresh.keys()
    return {k: v for k, v in now.items() if not (k in made and v[0] == "dir")}


@pytest.mark.slow
def test_uninstall_and_install_again_leave_no_stray_files(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    fresh = tree(venv.root)
    wheels = cycle_wheels(tmp_path / "wheels")
    common = ("--python", str(venv.python), "--cache-dir", str(tmp_path / "cache"))
    installed_tree = None
    for _ in range(3):
        installed = run(cli_home, "install", *common, "--no-index", *map(str, wheels))
        assert installed.code == 0, installed.output
        assert dist_names(venv) == {"cycle-a", "cycle-b"}
        assert record_problems(venv, fresh) == []
        now = tree(venv.root)
        assert venv.script("cycle-a").is_file()
        assert (venv.root / "share" / "cycle-a" / "readme.txt").is_file()
        if installed_tree is not None:  # each install the same as the first
            assert now == installed_tree, differences(installed_tree, now)
        installed_tree = now

        removed = run(cli_home, "uninstall", *common, "-y", "cycle-b", "cycle-a")
        assert removed.code == 0, removed.output
        now = without_headers_dir(tree(venv.root), fresh)
        assert now == fresh, differences(fresh, now)
        assert state_leftovers(venv) == []


def test_a_venv_compiled_by_use_still_uninstalls_cleanly(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    """Bytecode written after the install (no RECORD lists it) goes with its package."""
    fresh = tree(venv.root)
    wheels = cycle_wheels(tmp_path / "wheels")
    common = ("--python", str(venv.python), "--cache-dir", str(tmp_path / "cache"))
    installed = run(cli_home, "install", *common, "--no-index", *map(str, wheels))
    assert installed.code == 0, installed.output
    venv.run("-m", "compileall", "-q", str(venv.site_packages))
    assert list(venv.site_packages.glob("cycle_a/sub/deep/__pycache__/mod.*.pyc"))
    removed = run(cli_home, "uninstall", *common, "-y", "cycle-a", "cycle-b")
    assert removed.code == 0, removed.output
    now = without_headers_dir(tree(venv.root), fresh)
    assert now == fresh, differences(fresh, now)


# --- new paths written in place -------------------------------------------------------


def test_a_fresh_install_writes_in_place_and_compiles_beside_existing_bytecode(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    """New distributions' files go straight into place (no staging area is left, no
    journal); a top-level module's .pyc, whose __pycache__ another distribution made,
    is staged and moved in; every .pyc is listed in its RECORD and belongs to its
    module."""
    wheels = tmp_path / "wheels"
    first = make_wheel(wheels, "topa", "1.0", files={"topa.py": "A = 1\n"})
    second = make_wheel(
        wheels,
        "topb",
        "1.0",
        files={"topb.py": "B = 2\n", "pkgb/__init__.py": "X = 3\n"},
    )
    common = ("--compile", "--python", str(venv.python), "--no-index")
    for wheel in (first, second):
        result = run(
            cli_home, "install", *common, "--cache-dir", str(tmp_path / "c"), str(wheel)
        )
        assert result.code == 0, result.output
        assert state_leftovers(venv) == [], result.output
    site = venv.site_packages
    record = (site / "topb-1.0.dist-info" / "RECORD").read_text()
    assert "__pycache__/topb.cpython-" in record
    assert "pkgb/__pycache__/__init__.cpython-" in record
    imported = subprocess.run(
        [str(venv.python), "-c", "import topa, topb, pkgb; print(topb.__cached__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    cached = Path(imported.stdout.strip())
    assert cached.parent == site / "__pycache__" and cached.exists()
    assert sorted(p.name.split(".")[0] for p in (site / "__pycache__").iterdir()) == [
        "topa",
        "topb",
    ]

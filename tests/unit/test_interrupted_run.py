"""What an interrupted run says (the run's record of its change), the staging threads
of an abandoned transaction, and signals once the run's outcome is decided."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from inst import interrupts
from inst.cli.run import _last_word
from inst.errors import Interrupted
from inst.install.transaction import Abandoned, Transaction, transaction

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")


@pytest.fixture(autouse=True)
def fresh_run() -> Iterator[None]:
    interrupts.new_run()
    yield
    interrupts.new_run()


def _messages() -> tuple[str, str]:
    return (
        interrupts.interrupted_message(signal.SIGINT),
        interrupts.interrupted_message(signal.SIGTERM),
    )


def _both(tail: str) -> tuple[str, str]:
    """The Ctrl-C and the SIGTERM message that end with tail."""
    return (f"interrupted by the user (Ctrl-C){tail}", f"terminated (SIGTERM){tail}")


def test_the_message_follows_what_the_run_did_to_its_environment(
    tmp_path: Path,
) -> None:
    assert _messages() == _both("; nothing more was done.")
    env, state = tmp_path / "env", tmp_path / "state"
    env.mkdir()
    state.mkdir()
    with transaction(state) as changes:
        assert _messages() == _both("; the environment was left as it was before.")
        staged = changes.stage_root(env) / "new.txt"
        staged.write_text("new\n")
        changes.place(staged, env / "new.txt")
        changes.commit()
    assert (env / "new.txt").read_text() == "new\n"
    assert _messages() == _both(" just after the change was made; it is complete.")


def test_a_build_environment_s_change_is_not_the_run_s(tmp_path: Path) -> None:
    env, state = tmp_path / "env", tmp_path / "state"
    env.mkdir()
    state.mkdir()
    with transaction(state, reported=False) as changes:
        staged = changes.stage_root(env) / "backend.py"
        staged.write_text("")
        changes.place(staged, env / "backend.py")
        changes.commit()
    assert interrupts.the_run.change == interrupts.NOTHING


def test_an_abandoned_transaction_takes_no_more_files(tmp_path: Path) -> None:
    """What a staging thread still at work meets once the main thread gave up."""
    env, state = tmp_path / "env", tmp_path / "state"
    env.mkdir()
    state.mkdir()
    changes = Transaction(state)
    staged = changes.stage_root(env) / "a.txt"
    staged.write_text("a\n")
    changes.place(staged, env / "a.txt")
    changes.abandon()
    failed: list[BaseException] = []

    def stage_one_more() -> None:
        try:
            changes.place(staged, env / "b.txt")
        except Abandoned as error:
            failed.append(error)

    worker = threading.Thread(target=stage_one_more)
    worker.start()
    worker.join()
    assert len(failed) == 1
    with pytest.raises(Abandoned):
        changes.stage_root(tmp_path / "elsewhere")
    changes.rollback()
    assert os.listdir(env) == []
    assert os.listdir(state) == []


@posix_only
def test_once_the_outcome_is_decided_a_signal_is_noted_and_turns_success_into_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        interrupts.handle_signals()
        with pytest.raises(Interrupted):  # while working: it unwinds the run
            signal.raise_signal(signal.SIGTERM)
            for _ in range(1000):  # the handler runs between bytecodes
                pass
        interrupts.new_run()
        interrupts.change_made()
        interrupts.the_run.ending = True
        signal.raise_signal(signal.SIGTERM)
        signal.raise_signal(signal.SIGINT)
        for _ in range(1000):
            pass
        assert interrupts.the_run.noted == [signal.SIGTERM, signal.SIGINT]
        assert _last_word(1) == 1  # the error said already is the outcome
        assert capsys.readouterr().err == ""
        assert _last_word(0) == 1
        assert capsys.readouterr().err == (
            "error: terminated (SIGTERM) just after the change was made; "
            "it is complete.\n"
        )
        # The exit code chosen: to the end, signals are ignored.
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@posix_only
def test_a_signal_inside_held_back_is_raised_when_the_block_ends() -> None:
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, signal.SIG_DFL)
    reached: list[str] = []
    try:
        interrupts.handle_signals()
        with pytest.raises(KeyboardInterrupt), interrupts.held_back():
            with interrupts.held_back():  # nested: the outer end raises
                signal.raise_signal(signal.SIGINT)
                for _ in range(1000):  # the handler runs between bytecodes
                    pass
                reached.append("inner")
            reached.append("outer")
        assert reached == ["inner", "outer"]
        assert interrupts.the_run.held == []
        with pytest.raises(Interrupted):  # outside: at once, as ever
            signal.raise_signal(signal.SIGTERM)
            for _ in range(1000):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def test_held_back_changes_nothing_off_the_main_thread() -> None:
    seen: list[int] = []

    def inside() -> None:
        with interrupts.held_back():
            seen.append(interrupts.the_run.holding)

    thread = threading.Thread(target=inside)
    thread.start()
    thread.join()
    assert seen == [0]


# A wait on worker threads that a signal cuts while it takes the futures' locks (those
# taken stay taken, the workers block on them when they finish, and the clean-up
# waits for the workers for ever): the signal is taken after the wait instead.
DEADLOCK = """
import concurrent.futures._base as base, signal, sys, time
from inst import interrupts
from inst.install import installation

interrupts.handle_signals()

def enter_cut_midway(self):
    first, *rest = self.futures
    first._condition.acquire()
    signal.raise_signal(signal.SIGINT)
    for _ in range(1000):  # the handler runs here, with one lock taken
        pass
    for future in rest:
        future._condition.acquire()

base._AcquireFutures.__enter__ = enter_cut_midway
try:
    installation._in_parallel([lambda: time.sleep(0.2) for _ in range(3)])
except KeyboardInterrupt:
    print("interrupted")
"""


@posix_only
def test_a_signal_during_a_wait_on_workers_cannot_deadlock_the_clean_up() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", DEADLOCK],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout == "interrupted\n", done.stderr


def test_after_the_last_word_other_messages_are_dropped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from inst import ui

    ui.configure()
    try:
        ui.info("before")
        ui.close()
        ui.info("a download starting")
        ui.warning("late")
        ui.error("interrupted")
        out, err = capsys.readouterr()
        assert out == "before\n"
        assert err == "error: interrupted\n"
    finally:
        ui.configure()

"""A build step's subprocess runs in a process group of its own, which an interrupted
inst ends whole (end_process_group); SIGTERM during a run unwinds like Ctrl-C
(sigterm_unwinds_run) unless something else handles it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from harness.fault_backends import alive
from inst.build.runner import StepRunner, end_process_group
from inst.errors import Interrupted
from inst.interrupts import sigterm_unwinds_run

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX process groups")

# A leader that starts a child, prints both pids, then sleeps; with "stubborn" both
# ignore SIGTERM, so only SIGKILL ends them.
FAMILY = """
import os, signal, subprocess, sys, time
if "stubborn" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
code = "import signal, sys, time\\n"
if "stubborn" in sys.argv:
    code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n"
code += "print('ready', flush=True)\\ntime.sleep(600)"
child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
child.stdout.readline()
print(os.getpid(), child.pid, flush=True)
time.sleep(600)
"""


def start_family(*args: str) -> tuple[subprocess.Popen[bytes], list[int]]:
    process = subprocess.Popen(
        [sys.executable, "-c", FAMILY, *args],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert process.stdout is not None
    pids = [int(word) for word in process.stdout.readline().split()]
    return process, pids


def gone(pids: list[int]) -> bool:
    import time

    deadline = time.monotonic() + 30
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not any(map(alive, pids))


@pytest.mark.parametrize("kind", ["polite", "stubborn"])
def test_end_process_group_ends_the_leader_and_its_children(kind: str) -> None:
    process, pids = start_family(kind)
    try:
        end_process_group(process, grace=0.2)
        assert process.returncode is not None
        assert gone(pids)
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def test_a_step_interrupted_while_running_ends_its_process_group(
    tmp_path: Path,
) -> None:
    """Interrupted (SIGTERM's exception) raised in the thread reading the step's
    output: the step's whole group goes, then the exception goes on."""
    pid_file = tmp_path / "pids"
    writer = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pid_file)!r} + '.tmp', 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        f"os.replace({str(pid_file)!r} + '.tmp', {str(pid_file)!r})\n"
        "time.sleep(600)\n"
    )
    runner = StepRunner(dict(os.environ))

    def interrupt_when_started() -> None:
        import time

        while not pid_file.exists():
            time.sleep(0.01)
        # On a loaded machine the step can write its pids before Popen() has even
        # returned in the runner; the signal is for a running step, so give the
        # runner a moment to be reading its output.
        time.sleep(0.3)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGUSR1)

    def raise_interrupted(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, raise_interrupted)
    helper = threading.Thread(target=interrupt_when_started)
    helper.start()
    try:
        with pytest.raises(Interrupted):
            runner.run([sys.executable, "-c", writer], str(tmp_path))
    finally:
        helper.join()
        signal.signal(signal.SIGUSR1, previous)
    pids = [int(word) for word in pid_file.read_text().split()]
    try:
        assert gone(pids)
    finally:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def test_sigterm_raises_interrupted_in_a_run_and_the_default_returns() -> None:
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with pytest.raises(Interrupted), sigterm_unwinds_run():
        signal.raise_signal(signal.SIGTERM)
        for _ in range(1000):  # the handler runs between bytecodes
            pass
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_second_sigterm_does_not_cut_the_unwinding_short() -> None:
    cleaned = []
    with pytest.raises(Interrupted), sigterm_unwinds_run():
        try:
            signal.raise_signal(signal.SIGTERM)
            for _ in range(1000):
                pass
        finally:
            signal.raise_signal(signal.SIGTERM)  # ignored: the run is ending
            for _ in range(1000):
                pass
            cleaned.append(True)
    assert cleaned == [True]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_handler_already_set_is_left_to_handle_sigterm() -> None:
    def transactions_own(signum: int, frame: object) -> None:
        raise KeyError("the transaction's")

    previous = signal.signal(signal.SIGTERM, transactions_own)
    try:
        with pytest.raises(KeyError), sigterm_unwinds_run():
            assert signal.getsignal(signal.SIGTERM) is transactions_own
            signal.raise_signal(signal.SIGTERM)
            for _ in range(1000):
                pass
        assert signal.getsignal(signal.SIGTERM) is transactions_own
    finally:
        signal.signal(signal.SIGTERM, previous)

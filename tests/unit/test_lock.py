"""locked(): one inst at a time per environment, across processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import inst
from inst.cli.reporters.install import TextInstallReporter
from inst.errors import InstError
from inst.locking import locked

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")

SRC = str(Path(inst.__file__).resolve().parent.parent)
#: What a command says while it waits (the CLI's reporters' words).
SAY = TextInstallReporter().waiting_for_lock

# Holds the lock until its stdin closes (or it is killed).
HOLDER = """
import sys
from pathlib import Path

from inst.locking import locked

with locked(Path(sys.argv[1]), timeout=0, label="the holder's env"):
    print("held", flush=True)
    sys.stdin.read()
print("released", flush=True)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock of tmp_path / "state"."""
    environ = dict(os.environ)
    environ["PYTHONPATH"] = os.pathsep.join(
        [SRC, *filter(None, [environ.get("PYTHONPATH")])]
    )
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, os.fspath(tmp_path / "state")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environ,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    if line != "held\n":
        child.kill()
        pytest.fail(f"the holder did not get the lock: {child.communicate()[1]}")
    try:
        yield child
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(10)
        for stream in (child.stdin, child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def test_the_lock_is_free_after_the_body(tmp_path: Path) -> None:
    state = tmp_path / "new" / "state"  # made on the way
    with locked(state, timeout=0, label="env"):
        assert (state / "lock").exists()
    with locked(state, timeout=0, label="env"):
        pass


def test_a_second_inst_gives_up_after_its_timeout(
    tmp_path: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state"
    start = time.monotonic()
    with (
        pytest.raises(InstError) as raised,
        locked(state, timeout=0.3, label="my-env", waiting=SAY),
    ):
        pytest.fail("got a lock another process holds")
    assert time.monotonic() - start >= 0.3
    error = raised.value
    assert "another inst is still changing my-env" in error.what
    assert "--lock-timeout" in error.paragraph()
    out, err = capsys.readouterr()
    assert (out + err).count("Waiting for another inst to finish with my-env") == 1
    assert holder.poll() is None  # the holder is unaffected


def test_a_zero_timeout_fails_at_once_without_waiting(
    tmp_path: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    busy = "another inst is still changing my-env"
    state = tmp_path / "state"
    with (
        pytest.raises(InstError, match=busy),
        locked(state, timeout=0, label="my-env", waiting=SAY),
    ):
        pytest.fail("got a lock another process holds")
    out, err = capsys.readouterr()
    assert "Waiting" not in out + err


def test_a_second_inst_waits_for_the_lock(
    tmp_path: Path, holder: subprocess.Popen[str], capsys: pytest.CaptureFixture[str]
) -> None:
    released_at: list[float] = []

    def release() -> None:
        time.sleep(0.5)
        released_at.append(time.monotonic())
        assert holder.stdin is not None
        holder.stdin.close()

    releaser = threading.Thread(target=release)
    releaser.start()
    try:
        with locked(tmp_path / "state", timeout=30, label="my-env", waiting=SAY):
            acquired_at = time.monotonic()
            assert holder.stdout is not None
            assert holder.stdout.readline() == "released\n"
    finally:
        releaser.join()
    assert acquired_at >= released_at[0]
    out, err = capsys.readouterr()
    assert (out + err).count("Waiting for another inst to finish with my-env ...") == 1
    assert holder.wait(10) == 0


def test_a_killed_holder_leaves_no_lock_behind(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    start = time.monotonic()
    with locked(tmp_path / "state", timeout=0, label="my-env"):
        pass
    assert time.monotonic() - start < 1


def test_a_state_dir_that_cannot_be_made_is_an_inst_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    state = tmp_path / "file" / "state"
    unlockable = "cannot lock my-env"
    with (
        pytest.raises(InstError, match=unlockable) as raised,
        locked(state, timeout=0, label="my-env", waiting=SAY),
    ):
        pytest.fail("locked in a directory that cannot exist")
    assert "may write there" in raised.value.paragraph()

"""An interrupted run waits briefly for its worker threads, including one whose
start() the signal cut short: joining it then raises RuntimeError ("cannot join
thread before it is started"), which must not reach the user as a traceback."""

from __future__ import annotations

import threading
import time

from inst.cli.run import _join


class _StartingThread(threading.Thread):
    """A thread that reports "not started yet" to the first joins."""

    def __init__(self, refusals: int) -> None:
        super().__init__()
        self.refusals = refusals
        self.joins = 0

    def join(self, timeout: float | None = None) -> None:
        self.joins += 1
        if self.joins <= self.refusals:
            raise RuntimeError("cannot join thread before it is started")


def test_a_thread_not_started_yet_is_waited_for() -> None:
    thread = _StartingThread(refusals=2)
    _join(thread, time.monotonic() + 5)
    assert thread.joins == 3


def test_the_wait_ends_at_the_deadline() -> None:
    thread = _StartingThread(refusals=10**9)
    started = time.monotonic()
    _join(thread, started + 0.05)
    assert time.monotonic() - started < 2

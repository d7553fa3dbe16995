"""SIGTERM during a run: unwound like Ctrl-C, so that what the run made is cleaned up.

Python turns SIGINT into KeyboardInterrupt; SIGTERM's default action ends the process
on the spot, leaving temporary directories and build subprocesses behind. While a
command works (resolving, downloading, building), SIGTERM raises ``Interrupted``
instead: ``finally`` blocks remove the work directories, and the build runner ends its
subprocess's process group. A transaction handles SIGTERM its own way while it
changes an environment, and is left to do so.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from inst.errors import Interrupted


@contextlib.contextmanager
def sigterm_unwinds_run() -> Iterator[None]:
    """While in the body, SIGTERM raises Interrupted(changing=False). Nothing changes
    off the main thread (signals arrive there only), or when SIGTERM already has a
    handler (a transaction's) or is ignored (the parent asked for that)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        # Once: a second SIGTERM must not cut the clean-up the first one started.
        signal.signal(signal.SIGTERM, _ignore)
        raise Interrupted(changing=False)

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover - not settable here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _ignore(signum: int, frame: FrameType | None) -> None:
    """SIGTERM while unwinding from the first one: the run is ending already."""

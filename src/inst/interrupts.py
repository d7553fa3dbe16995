"""Ctrl-C and SIGTERM: how a run unwinds, and what it then says.

Python turns SIGINT into KeyboardInterrupt; SIGTERM's default action ends the process
on the spot, leaving temporary directories and build subprocesses behind. inst run as
a program (``main()``) therefore raises ``Interrupted`` on SIGTERM from its start until
it exits: ``finally`` blocks remove the work directories, the build runner ends its
subprocess's process group, and a transaction rolls back. Once the run's outcome is
decided (its result or its error printed), a signal no longer unwinds anything: it is
noted, and turns a success into exit code 1 with a message, never into SIGTERM's
default action. ``sigterm_unwinds_run()`` does the unwinding part for inst called as a
library (a test calling ``main(argv)``), while a session is open.

What an interrupted run says depends on what it had done to the environment it was
asked to change, which ``the_run`` records: nothing yet, a change under way (rolled
back as the run unwinds), or a change made (committed: it stays, complete).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import field
from types import FrameType

from inst._records import dataclass
from inst.errors import Interrupted

#: What the run has done to the environment it changes (not to a build environment).
NOTHING, UNDER_WAY, MADE = "nothing", "under way", "made"


@dataclass
class _Run:
    """The state of one run of inst, for what an interruption says."""

    change: str = NOTHING
    #: The outcome is decided: a signal is noted (in ``noted``), no longer raised.
    ending: bool = False
    terminated: bool = False  # a SIGTERM was raised already (later ones wait)
    noted: list[int] = field(default_factory=list)
    #: Inside held_back() (its depth): a signal is kept in ``held`` until it ends.
    holding: int = 0
    held: list[int] = field(default_factory=list)


the_run = _Run()


def new_run() -> None:
    """Forget the previous run (main() called again in one process)."""
    the_run.change = NOTHING
    the_run.ending = the_run.terminated = False
    the_run.noted = []
    the_run.holding = 0
    the_run.held = []


def change_under_way() -> None:
    """The run's change to its environment began: unwinding now undoes it."""
    if the_run.change == NOTHING:
        the_run.change = UNDER_WAY


def change_made() -> None:
    """The run's change is committed: whatever stops the run now, it stays."""
    the_run.change = MADE


def interrupted_message(signum: int) -> str:
    """The one line an interrupted run ends with, true to what it had done."""
    cause = (
        "interrupted by the user (Ctrl-C)"
        if signum == signal.SIGINT
        else "terminated (SIGTERM)"
    )
    if the_run.change == MADE:
        return f"{cause} just after the change was made; it is complete."
    if the_run.change == UNDER_WAY:
        return f"{cause}; the environment was left as it was before."
    return f"{cause}; nothing more was done."


# -- inst as a program --------------------------------------------------------------------


def handle_signals() -> None:
    """From now until the process exits, SIGTERM raises Interrupted (once: a second
    one must not cut the unwinding the first started) and Ctrl-C KeyboardInterrupt,
    until the run's outcome is decided (``the_run.ending``); then both are noted.
    A signal the parent asked to ignore stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler):
            signal.signal(signum, _on_signal)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if the_run.ending or (signum == signal.SIGTERM and the_run.terminated):
        the_run.noted.append(signum)
        return
    if the_run.holding:
        the_run.held.append(signum)
        return
    _raise_for(signum)


def _raise_for(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    the_run.terminated = True
    raise Interrupted


class held_back:
    """Ctrl-C and SIGTERM kept until the block ends, then raised (in place of what
    the block raised): for short waits that must not be cut in the middle. An
    exception raised by a signal handler inside a lock's ``with`` can leave the lock
    taken (concurrent.futures' waits take each future's), and the worker threads
    then wait on it for ever. Off the main thread, where no handler runs, and in
    inst as a library, it changes nothing."""

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            the_run.holding += 1

    def __exit__(self, *exc_info: object) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        the_run.holding -= 1
        if the_run.holding == 0 and the_run.held:
            signum = the_run.held[0]
            the_run.held = []
            _raise_for(signum)


def ignore_signals() -> None:
    """The very end (the exit code chosen): nothing is left to say or undo, and
    during the interpreter's shutdown a handler of Python's would not run."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is _on_signal:
            signal.signal(signum, signal.SIG_IGN)


# -- inst as a library --------------------------------------------------------------------


@contextlib.contextmanager
def sigterm_unwinds_run() -> Iterator[None]:
    """While in the body, SIGTERM raises Interrupted. Nothing changes off the main
    thread (signals arrive there only), or when SIGTERM already has a handler (the
    program's, a transaction's) or is ignored (the parent asked for that)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        # Once: a second SIGTERM must not cut the clean-up the first one started.
        signal.signal(signal.SIGTERM, _ignore)
        raise Interrupted

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

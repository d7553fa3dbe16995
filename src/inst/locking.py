"""One inst at a time per directory: an exclusive lock on the file ``lock`` in it.

An install target's state directory is locked while inst changes the target
(install/transaction.py), a build environment's lock directory while it is made
(build/environments.py); both import this module, which imports neither.

The operating system releases the lock when the process dies, however it dies, so a
killed inst never leaves a stale lock behind (its journal is what the next run
recovers, see install/transaction.py).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from inst.errors import InstError

#: The lock file inside the locked directory.
LOCK_FILE = "lock"

#: How often a waiting inst tries the lock again.
_POLL_SECONDS = 0.1


class CannotLock(InstError):
    """The lock file cannot be made at all (the directory is not writable, the disk
    is full, ...), as opposed to another process holding it."""


@contextmanager
def locked(
    state_dir: Path,
    *,
    timeout: float,
    label: str,
    waiting: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the lock of state_dir (made if missing) for the body; wait up to timeout
    seconds for it. label names what is locked in messages; waiting(label) is called
    once if another process holds the lock (the caller's reporter says so)."""
    path = state_dir / LOCK_FILE
    try:  # a state dir that cannot be made is as unlockable as the file itself
        state_dir.mkdir(parents=True, exist_ok=True)
        stream = open(path, "a+b")  # noqa: SIM115 - closed in finally
    except OSError as error:
        raise CannotLock(
            f"cannot lock {label}",
            why=f"{path}: {error.strerror or error}",
            hint="check that you may write there (or install into a virtual "
            "environment you own)",
        ) from None
    try:
        _acquire(stream, path, timeout=timeout, label=label, waiting=waiting)
        try:
            yield
        finally:
            _release(stream)
    finally:
        stream.close()


def _acquire(
    stream: IO[bytes],
    path: Path,
    *,
    timeout: float,
    label: str,
    waiting: Callable[[str], None] | None,
) -> None:
    deadline = time.monotonic() + max(timeout, 0.0)
    said = False
    while not _try_lock(stream):
        if time.monotonic() >= deadline:
            raise InstError(
                f"another inst is still changing {label}",
                why=f"its lock ({path}) was not released within {timeout:g} seconds",
                hint="wait for the other inst to finish, or give it longer with "
                "--lock-timeout SECONDS",
            )
        if not said:
            if waiting is not None:
                waiting(label)
            said = True
        time.sleep(_POLL_SECONDS)


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(stream: IO[bytes]) -> bool:
        stream.seek(0)
        try:
            msvcrt.locking(stream.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _release(stream: IO[bytes]) -> None:
        stream.seek(0)
        msvcrt.locking(stream.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(stream: IO[bytes]) -> bool:
        try:
            fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _release(stream: IO[bytes]) -> None:
        fcntl.flock(stream.fileno(), fcntl.LOCK_UN)

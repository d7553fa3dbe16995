"""The names inside inst's state directory of an install target (``<purelib>/.inst``).

Kept apart from the modules that use them so that a read-only command can check for
unfinished work without importing the installing machinery.
"""

from __future__ import annotations

import os
from pathlib import Path

#: inst's lock, journal and staging directory, inside the target's purelib.
STATE_DIR_NAME = ".inst"
# The lock file in it is inst.locking.LOCK_FILE ("lock").
#: ``journal-<id>.json``: one per transaction being committed (transaction.py).
JOURNAL_PREFIX = "journal-"


def has_journal(state_dir: Path) -> bool:
    """Whether a transaction is under way or was cut short there (one system call)."""
    try:
        names = os.listdir(state_dir)
    except OSError:
        return False
    # ".journal-*.tmp": a journal whose writing was cut short by a kill.
    return any(name.lstrip(".").startswith(JOURNAL_PREFIX) for name in names)


def unreadable_journals(state_dir: Path) -> list[Path]:
    """The journals left in state_dir (after recover(): the ones it could not read)."""
    try:
        names = sorted(os.listdir(state_dir))
    except OSError:
        return []
    return [
        state_dir / name
        for name in names
        if name.startswith(JOURNAL_PREFIX) and name.endswith(".json")
    ]

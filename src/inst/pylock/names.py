"""Which file names are PEP 751 locks: asked of every -r file, so this module
imports nothing of the lock reader."""

from __future__ import annotations

from pathlib import Path


def is_lock_path(path: str) -> bool:
    """Whether a file given to -r is a PEP 751 lock by its name (``pylock.toml``,
    ``pylock.NAME.toml``), as ``packaging.pylock`` decides."""
    from packaging.pylock import is_valid_pylock_path

    return is_valid_pylock_path(Path(path.replace("\\", "/").rpartition("/")[2]))

"""Snapshots of directory trees, to prove that a command changed nothing (or exactly
what it should) below a directory."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Union

#: ("dir", mode) | ("file", sha256, mode) | ("link", target)
Entry = Union[tuple[str, int], tuple[str, str, int], tuple[str, str]]
Snapshot = dict[str, Entry]


def snapshot(root: Path, *, skip: Collection[str] = ()) -> Snapshot:
    """Every directory, file and symlink below root by its POSIX path relative to root.

    Files are compared by sha256 and mode, directories by mode, symlinks by where they
    point (never followed). A directory or file whose name is in skip is left out with
    everything below it (e.g. inst's own ``.inst`` state directory). A root that does
    not exist gives an empty snapshot.
    """
    found: Snapshot = {}
    root = Path(root)
    if not root.exists():
        return found
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        for name in dirnames + sorted(f for f in filenames if f not in skip):
            path = Path(directory, name)
            key = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[key] = ("dir", stat.S_IMODE(info.st_mode))
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                found[key] = ("file", digest, stat.S_IMODE(info.st_mode))
    return found


def files(root: Path, *, skip: Collection[str] = ()) -> set[str]:
    """The regular files below root (relative POSIX paths)."""
    return {
        key for key, entry in snapshot(root, skip=skip).items() if entry[0] == "file"
    }


def differences(before: Mapping[str, Entry], after: Mapping[str, Entry]) -> str:
    """A readable account of what differs between two snapshots ("" when nothing):
    use as the message of ``assert before == after, differences(before, after)``."""
    lines = [f"+ {key}" for key in sorted(after.keys() - before.keys())]
    lines += [f"- {key}" for key in sorted(before.keys() - after.keys())]
    lines += [
        f"~ {key}: {before[key]} -> {after[key]}"
        for key in sorted(before.keys() & after.keys())
        if before[key] != after[key]
    ]
    return "\n".join(lines)

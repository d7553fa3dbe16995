"""Whether an entry of the unpacked-wheel cache still holds what its wheel held.

Two checks of different cost:

- ``unchanged()``: every file has the size, modification time and mode it had when the
  entry was made (one ``stat`` per file, nothing read). Every install makes it; it
  catches an edit or a deletion, not a same-size change with the time put back.
- ``damage()``: every file read and hashed again, against the hash its wheel's RECORD
  gives it (the manifest's copy, which must agree with the RECORD file of the entry).
  ``inst cache verify`` and ``--verify-cache`` make it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from inst.hashing import file_digest, record_digest

if TYPE_CHECKING:
    from inst.install.unpacked import UnpackedWheel

#: Size, mtime and mode of every unpacked file, beside the files.
STAMPS = "stamps.json"


def stamps(unpacked: UnpackedWheel) -> list[list[int]]:
    """What ``unchanged()`` compares: [size, mtime in ns, permission bits] of each
    file, in the manifest's order (no names: tens of thousands are read back on a
    big install)."""
    result = []
    for entry in unpacked.manifest.files:
        info = os.lstat(unpacked.member_path(entry.member))
        result.append([info.st_size, info.st_mtime_ns, info.st_mode & 0o7777])
    return result


def write_stamps(unpacked: UnpackedWheel) -> None:
    text = json.dumps(stamps(unpacked), separators=(",", ":"))
    with open(unpacked.directory / STAMPS, "w", encoding="utf-8") as stream:
        stream.write(text)


def unchanged(unpacked: UnpackedWheel) -> bool:
    """Whether every file is as unpacked: not edited, replaced, made writable or
    deleted (an entry of an older inst, stamped without modes, is not either: it
    is unpacked again)."""
    try:
        text = (unpacked.directory / STAMPS).read_text(encoding="utf-8")
        recorded = json.loads(text)
    except (OSError, ValueError):
        return False
    files = unpacked.manifest.files
    if isinstance(recorded, dict):  # stamped by name (inst before 2026-12)
        recorded = [recorded.get(entry.member) for entry in files]
    if not isinstance(recorded, list) or len(recorded) != len(files):
        return False
    # One stat per file, compared as it comes: the cost of every install from the
    # cache, so no list or dict of the results is built. lstat: a file replaced by
    # a symlink (to a copy that hashes the same) is not the file unpacked.
    stat, path = os.lstat, unpacked.member_path
    try:
        for entry, stamp in zip(files, recorded):
            info = stat(path(entry.member))
            if [info.st_size, info.st_mtime_ns, info.st_mode & 0o7777] != stamp:
                return False
    except OSError:
        return False
    return True


def damage(unpacked: UnpackedWheel) -> str | None:
    """What is wrong with the entry's files, read and hashed whole; None when each
    has the size and hash its wheel's RECORD gives it."""
    manifest = unpacked.manifest
    try:
        recorded = _record_hashes(unpacked)
    except (OSError, ValueError, csv.Error) as error:
        return f"its RECORD cannot be read ({_reason(error)})"
    for entry in manifest.files:
        if entry.hash is None:
            continue  # RECORD itself and its signatures
        if recorded.get(entry.member) != entry.hash:
            return f"its record of {entry.member!r} differs from the wheel's RECORD"
        algorithm, _, expected = entry.hash.partition("=")
        try:
            size, digest = _hash(unpacked.member_path(entry.member), algorithm)
        except (OSError, ValueError) as error:
            return f"{entry.member!r} cannot be read ({_reason(error)})"
        if size != entry.size:
            return f"{entry.member!r} holds {size:,} bytes, not {entry.size:,}"
        if digest != expected:
            return f"{entry.member!r} does not match its RECORD {algorithm} hash"
    return None


def _record_hashes(unpacked: UnpackedWheel) -> Mapping[str, str]:
    """Member -> "algorithm=digest" (unpadded) from the entry's RECORD file."""
    record = f"{unpacked.manifest.dist_info}/RECORD"
    with open(unpacked.member_path(record), "rb") as stream:
        text = stream.read().decode("utf-8")
    hashes = {}
    for row in csv.reader(io.StringIO(text, newline="")):
        if len(row) == 3 and row[1]:
            hashes[row[0]] = row[1].rstrip("=")
    return hashes


def _hash(path: str, algorithm: str) -> tuple[int, str]:
    # ValueError: an algorithm hashlib does not know (the manifest is damaged)
    size, digest = file_digest(path, algorithm)
    return size, record_digest(digest)


def _reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error)

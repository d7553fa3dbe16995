"""Hashing files: the one chunked reader behind every file inst hashes.

Wheel files, sdists, unpacked members and stashed files are hashed by reading them in
blocks, never whole, so a large archive does not sit in memory. Keys hashed from short
strings or JSON (cache keys) call ``hashlib`` directly; they hash no file.
"""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]

_CHUNK = 1024 * 1024


def file_digest(path: PathLike, algorithm: str = "sha256") -> tuple[int, bytes]:
    """The size of the file at ``path`` and its raw digest.

    Raises ``OSError`` when the file cannot be read and ``ValueError`` for an
    algorithm ``hashlib`` does not know."""
    hasher = hashlib.new(algorithm)
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            hasher.update(chunk)
    return size, hasher.digest()


def file_sha256(path: PathLike) -> str:
    """The sha256 of the file at ``path``, in hex (as indexes and --hash give it)."""
    return file_digest(path)[1].hex()


def record_digest(digest: bytes) -> str:
    """A raw digest as a wheel's RECORD writes it: urlsafe base64 without padding."""
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

"""inst.hashing: the one chunked file hasher."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from inst import hashing


def test_file_sha256_reads_past_one_chunk(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # more than one 1 MiB block
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert hashing.file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert hashing.file_sha256(str(path)) == hashlib.sha256(data).hexdigest()


def test_file_digest_gives_size_and_record_form(tmp_path: Path) -> None:
    path = tmp_path / "small.txt"
    path.write_bytes(b"hello\n")
    size, digest = hashing.file_digest(path, "sha384")
    assert size == 6
    assert digest == hashlib.sha384(b"hello\n").digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    assert hashing.record_digest(digest) == expected
    assert "=" not in hashing.record_digest(digest)


def test_unknown_algorithm_and_missing_file_raise(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"")
    with pytest.raises(ValueError):
        hashing.file_digest(path, "no-such-hash")
    with pytest.raises(OSError):
        hashing.file_sha256(tmp_path / "missing")

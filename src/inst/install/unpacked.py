"""The cache of unpacked, validated wheels: each wheel is read and checked once.

An entry is ``cache_dir/unpacked/<sha256 of the wheel>/`` holding ``files/`` (the
archive's members, as they are in the archive) and ``manifest.json`` (what
``inspect_wheel`` found). Installing links (or copies) the files from here, so a
second install of the same wheel does no decompression, no hashing and no zip parsing.

An entry appears whole or not at all: it is unpacked into a temporary directory beside
its place and renamed into it. Two inst processes unpacking the same wheel both succeed;
the first rename wins and the other's copy is deleted. Without a cache directory the
wheels are unpacked into the run's work directory instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from inst import cache_layout, fileio
from inst.install.manifest import WheelManifest
from inst.install.validate import inspect_wheel

MANIFEST = "manifest.json"
#: Size and mtime of every unpacked file: an entry whose files changed is not reused.
STAMPS = "stamps.json"
FILES = "files"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class UnpackedWheel:
    """A validated wheel's members on disk."""

    directory: Path  # holds FILES and MANIFEST
    manifest: WheelManifest

    @property
    def files(self) -> Path:
        return self.directory / FILES

    def member_path(self, member: str) -> str:
        return os.path.join(self.directory, FILES, *member.split("/"))


class UnpackedWheels:
    """Unpacked wheels, from the cache when it has them."""

    def __init__(self, cache_dir: Path | None, work_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.work_dir = work_dir

    def get(self, wheel: Path, sha256: str | None = None) -> UnpackedWheel:
        """The wheel unpacked; InvalidWheel (nothing left behind) when it is refused.

        A cache that cannot be written (full, read-only, no permission) is warned
        about once and the wheel unpacked into the work directory instead."""
        if self.cache_dir is None or cache_layout.is_unwritable(self.cache_dir):
            return self._unpack_here(wheel)
        digest = sha256 or file_sha256(wheel)
        place = cache_layout.unpacked_wheel(self.cache_dir, digest)
        cached = self.cached(place)
        if cached is not None and _unchanged(cached):
            return cached
        try:
            return self._unpack(wheel, place.parent, place)
        except OSError as error:
            cache_layout.warn_unwritable(self.cache_dir, error)
            return self._unpack_here(wheel)

    def _unpack_here(self, wheel: Path) -> UnpackedWheel:
        directory = self.work_dir / "unpacked"
        try:
            return self._unpack(wheel, directory, None)
        except OSError as error:
            raise fileio.os_error(
                error, f"cannot unpack {wheel.name} into {directory}"
            ) from None

    def discard(self, unpacked: UnpackedWheel) -> None:
        """Forget a damaged entry (a file was deleted from it), so get() makes it anew."""
        shutil.rmtree(unpacked.directory, ignore_errors=True)

    @staticmethod
    def cached(place: Path) -> UnpackedWheel | None:
        try:
            text = (place / MANIFEST).read_text(encoding="utf-8")
            return UnpackedWheel(place, WheelManifest.loads(text))
        except (OSError, ValueError):
            return None  # absent, or written by another inst version: unpack again

    def _unpack(self, wheel: Path, parent: Path, place: Path | None) -> UnpackedWheel:
        parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
        try:
            files = temporary / FILES
            files.mkdir()
            manifest = inspect_wheel(wheel, extract_to=files)
            unpacked = UnpackedWheel(temporary, manifest)
            (temporary / STAMPS).write_text(
                json.dumps(_stamps(unpacked)), encoding="utf-8"
            )
            # Written last: an entry with a manifest is complete.
            (temporary / MANIFEST).write_text(manifest.dumps(), encoding="utf-8")
            if place is None:
                return UnpackedWheel(temporary, manifest)
            shutil.rmtree(place, ignore_errors=True)  # a damaged entry, if any
            try:
                os.rename(temporary, place)
            except OSError:  # another inst was quicker: use its entry
                shutil.rmtree(temporary, ignore_errors=True)
                theirs = self.cached(place)
                if theirs is None:
                    raise
                return theirs
            return UnpackedWheel(place, manifest)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            with contextlib.suppress(OSError):  # the <h[:2]> directory, if now empty
                parent.rmdir()
            raise


def _stamps(unpacked: UnpackedWheel) -> dict[str, list[int]]:
    result = {}
    for entry in unpacked.manifest.files:
        info = os.stat(unpacked.member_path(entry.member))
        result[entry.member] = [info.st_size, info.st_mtime_ns]
    return result


def _unchanged(unpacked: UnpackedWheel) -> bool:
    """Whether every file is as unpacked. Installed files are hard links to these: a
    file edited in place in an environment is edited here too, and must not spread
    to the next environment (one stat per file, no reading)."""
    try:
        recorded = json.loads((unpacked.directory / STAMPS).read_text(encoding="utf-8"))
        return bool(recorded == _stamps(unpacked))
    except (OSError, ValueError):
        return False


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

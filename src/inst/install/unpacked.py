"""The cache of unpacked, validated wheels: each wheel is read and checked once.

An entry is ``cache_dir/unpacked/<h[:2]>/<h[2:]>/`` (h: the wheel's sha256) holding
``files/`` (the archive's members, as they are in the archive), ``stamps.json`` (each
file's size, modification time and mode) and ``manifest.json`` (what
``inspect_wheel`` found). Installing links (or copies) the files from here, so a second
install of the same wheel does no decompression, no hashing and no zip parsing.

What an entry is trusted on (see soundness.py): its manifest, written last, says it is
complete; each file's size, modification time and mode, compared with one ``stat``,
say it was not edited. Its files are read-only (0o444, 0o555 for executables), and so
are the hard links to them in environments: an edit through a link fails instead of
changing the file for every environment that shares it. What a ``stat`` cannot see, a
same-size change with the time put back (silent disk corruption looks like this),
``verify=True`` (``--verify-cache``) and ``inst cache verify`` find by hashing every
file again against its wheel's RECORD; an entry that fails is dropped.

Any number of inst processes share the cache. An entry appears whole or not at all: it
is unpacked into a temporary directory beside its place and renamed into it, which
fails when the place is taken. The one whose rename fails uses the entry there if it is
sound, and otherwise moves it aside (a rename to a unique name, under a lock on the
cache of unpacked wheels, so that two never take turns replacing each other's sound
entries) and removes it. A sound entry that another process may be linking from is
never removed. Without a cache directory the wheels are unpacked into the run's work
directory instead, and stay writable there (nothing shares them).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from inst import fileio
from inst._records import dataclass
from inst.cache import Unpacked
from inst.hashing import file_sha256
from inst.install import soundness
from inst.install.reporting import InstallReporter
from inst.wheel.manifest import WheelManifest

MANIFEST = "manifest.json"
FILES = "files"
#: Modes of cached files: readable by everyone, writable by no one.
READ_ONLY, READ_ONLY_EXECUTABLE = 0o444, 0o555
#: errnos of a rename onto a directory that exists and is not empty.
_TAKEN = {errno.EEXIST, errno.ENOTEMPTY}


@dataclass(frozen=True)
class UnpackedWheel:
    """A validated wheel's members on disk."""

    directory: Path  # holds FILES and MANIFEST
    manifest: WheelManifest

    @property
    def files(self) -> Path:
        return self.directory / FILES

    def member_path(self, member: str) -> str:
        # A string concatenation: called for every file of every install (the names
        # were checked when the wheel was unpacked: relative, no "..").
        if os.sep == "/":
            return f"{self.directory}/{FILES}/{member}"
        return os.path.join(self.directory, FILES, *member.split("/"))


class UnpackedWheels:
    """Unpacked wheels, from the cache when it has them.

    verify: re-hash a cached entry's files before handing it out (--verify-cache)."""

    def __init__(
        self,
        cache: Unpacked,
        work_dir: Path,
        *,
        verify: bool = False,
        reporter: InstallReporter | None = None,
    ) -> None:
        self.cache = cache
        self.work_dir = work_dir
        self.verify = verify
        self._reporter = reporter or InstallReporter()
        self._stopping = threading.Event()

    def stop(self) -> None:
        """Wheels being unpacked on other threads stop at their next member (their
        partial entries removed, inspect_wheel's Stopped raised): the run is being
        interrupted."""
        self._stopping.set()

    def resume(self) -> None:
        """Unpack again after stop() (nothing is being unpacked any more)."""
        self._stopping.clear()

    def get(self, wheel: Path, sha256: str | None = None) -> UnpackedWheel:
        """The wheel unpacked; InvalidWheel (nothing left behind) when it is refused.

        A cache that cannot be written (full, read-only, no permission) is warned
        about once and the wheel unpacked into the work directory instead."""
        place = (
            self.cache.entry(sha256 or file_sha256(wheel))
            if self.cache.writable
            else None
        )
        if place is None:
            return self._unpack_here(wheel)
        try:
            cached = self.cached(place)
            if cached is not None and soundness.unchanged(cached):
                problem = soundness.damage(cached) if self.verify else None
                if problem is None:
                    return cached
                self._reporter.warning(
                    f"the cached unpacked copy of {wheel.name} is damaged ({problem}); "
                    "it is dropped and unpacked again from the wheel"
                )
                self.discard(place)
            return self._unpack_into(wheel, place)
        except OSError as error:
            self.cache.cannot_write(error)
            return self._unpack_here(wheel)

    def ready(self, sha256: str | None) -> UnpackedWheel | None:
        """The cached entry of the wheel of this sha256 when it can be used as it is
        (complete and unchanged, and no --verify-cache); None when ``get`` has more
        to do (hash, unpack, verify, repair), or the wheel's hash is not known. A
        few stat calls: worth no worker thread."""
        if sha256 is None or self.verify or not self.cache.writable:
            return None
        try:
            place = self.cache.entry(sha256)
            cached = self.cached(place) if place is not None else None
            if cached is not None and soundness.unchanged(cached):
                return cached
        except OSError:
            pass
        return None

    def _unpack_here(self, wheel: Path) -> UnpackedWheel:
        directory = self.work_dir / "unpacked"
        try:
            return self._unpack(wheel, directory, seal=False)
        except OSError as error:
            raise fileio.os_error(
                error, f"cannot unpack {wheel.name} into {directory}"
            ) from None

    @staticmethod
    def cached(place: Path) -> UnpackedWheel | None:
        try:
            text = (place / MANIFEST).read_text(encoding="utf-8")
            return UnpackedWheel(place, WheelManifest.loads(text))
        except (OSError, ValueError):
            return None  # absent, or written by another inst version: unpack again

    def sound(self, place: Path) -> UnpackedWheel | None:
        """The entry at place if it can be used: complete and unchanged (and, when
        verifying, every file hashed again)."""
        found = self.cached(place)
        if found is None or not soundness.unchanged(found):
            return None
        if self.verify and soundness.damage(found) is not None:
            return None
        return found

    def problem(self, place: Path) -> str | None:
        """What is wrong with the entry at place, its files hashed whole; None when
        it is sound."""
        found = self.cached(place)
        if found is None:
            return "its manifest is missing or unreadable"
        if not soundness.unchanged(found):
            return "its files changed (size, modification time or mode) since unpacked"
        return soundness.damage(found)

    def discard(self, place: Path, *, verify: bool = True) -> bool:
        """Remove the entry at place unless it is sound (looked at again under the
        lock: another inst may have replaced a damaged entry with a sound one, and
        be linking from it). verify: hash its files to judge it. Whether it went."""
        judge = UnpackedWheels(self.cache, self.work_dir, verify=verify)
        with self._exclusive():
            if judge.sound(place) is not None:
                return False
            return _move_aside(place)

    def _unpack_into(self, wheel: Path, place: Path) -> UnpackedWheel:
        ours = self._unpack(wheel, place.parent, seal=True)
        try:
            return self._settle(ours, place)
        finally:
            remove_tree(ours.directory)  # not there any more once renamed

    def _settle(self, ours: UnpackedWheel, place: Path) -> UnpackedWheel:
        """Rename our fresh entry into place, or use the sound entry found there."""
        if _renamed_into(ours, place):
            return UnpackedWheel(place, ours.manifest)
        # The place is taken. Whether what is there is sound is judged, and an
        # unsound entry replaced, by one inst at a time: otherwise one could move
        # aside the sound entry another has just put there, while it links from it.
        with self._exclusive():
            for _ in range(3):  # an inst without the lock may rename in meanwhile
                theirs = self.sound(place)
                if theirs is not None:
                    return theirs
                _move_aside(place)
                if _renamed_into(ours, place):
                    return UnpackedWheel(place, ours.manifest)
        raise OSError(
            errno.EEXIST, "kept being taken by other inst processes", str(place)
        )

    def _exclusive(self) -> contextlib.AbstractContextManager[None]:
        """The lock on the cache of unpacked wheels (only its entries are settled
        or discarded)."""
        assert self.cache.directory is not None
        return _exclusive(self.cache.directory)

    def _unpack(self, wheel: Path, parent: Path, *, seal: bool) -> UnpackedWheel:
        """The wheel checked and unpacked into a new temporary directory in parent;
        seal: its files made read-only (and stamped so), for the cache."""
        # The archive checks' modules (zipfile, email, configparser) are imported
        # only when a wheel is unpacked, not on every install from the cache.
        from inst.wheel.checks import inspect_wheel

        parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
        try:
            files = temporary / FILES
            files.mkdir()
            warn = self._reporter.warning
            manifest = inspect_wheel(
                wheel, extract_to=files, warn=warn, stopped=self._stopping.is_set
            )
            unpacked = UnpackedWheel(temporary, manifest)
            if seal:
                _seal(unpacked)
            soundness.write_stamps(unpacked)
            # Written last: an entry with a manifest is complete.
            (temporary / MANIFEST).write_text(manifest.dumps(), encoding="utf-8")
            return unpacked
        except BaseException:
            remove_tree(temporary)
            with contextlib.suppress(OSError):  # the <h[:2]> directory, if now empty
                parent.rmdir()
            raise


def _renamed_into(ours: UnpackedWheel, place: Path) -> bool:
    """Rename our entry into place; False when the place is taken already."""
    try:
        os.rename(ours.directory, place)
    except OSError as error:
        if error.errno not in _TAKEN:
            raise
        return False
    return True


def _seal(unpacked: UnpackedWheel) -> None:
    """Make every file read-only (its directories stay writable, so that the entry
    can still be removed)."""
    for entry in unpacked.manifest.files:
        mode = READ_ONLY_EXECUTABLE if entry.executable else READ_ONLY
        os.chmod(unpacked.member_path(entry.member), mode)


def _move_aside(place: Path) -> bool:
    """Take the entry out of place at once (a rename to a unique name, which purge
    treats as a temporary), then remove it. False when nothing was there."""
    aside = place.parent / f".old-{place.name[:12]}-{secrets.token_hex(6)}"
    try:
        os.rename(place, aside)
    except FileNotFoundError:
        return False
    remove_tree(aside)
    return True


def remove_tree(path: Path) -> None:
    """Remove a directory of (maybe read-only) files, as far as possible."""
    if os.name == "nt":  # pragma: no cover - Windows refuses to delete read-only files
        for folder, _, names in os.walk(path):
            for name in names:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(folder, name), 0o666)
    shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """An exclusive lock on directory, between processes and between threads (each
    call opens the directory anew). Released by the system if the process dies."""
    if sys.platform == "win32":  # pragma: no cover - renames there need no lock
        yield
        return
    import fcntl

    descriptor = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock

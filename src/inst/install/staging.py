"""One wheel into a transaction's staging area, through the ``installer`` library.

``installer.install()`` decides what goes where (the ``.data`` schemes, RECORD, the
``#!python`` shebangs, console and GUI script launchers, INSTALLER/REQUESTED/
direct_url.json). It meets two pieces of ours:

- ``UnpackedSource`` reads the wheel from the cache of unpacked wheels instead of the
  archive, handing out file streams that are not even opened unless read;
- ``StagingDestination`` writes a file below one of the transaction's new paths (see
  fresh.py) straight into its final place, and any other file into the transaction's
  staging directory, registering its final place with the transaction. A file that
  comes unchanged from the cache is hard-linked (one system call, no data copied, its
  hash already known from the validated RECORD); everything else is written and
  hashed as installer would.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import posixpath
import re
import secrets
import shutil
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.records import Hash, RecordEntry
from installer.scripts import Script
from installer.sources import WheelContentElement, WheelSource
from installer.utils import Scheme, copyfileobj_with_hashing

from inst.install.transaction import Transaction
from inst.install.unpacked import UnpackedWheel
from inst.wheel.manifest import ManifestEntry

INSTALLER_NAME = b"inst\n"
# Errors that mean "no hard links from there to here": copy instead.
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES}
# Errors writing a file that are the destination's (a full or read-only disk).
_DESTINATION_FULL = {errno.ENOSPC, errno.EFBIG, errno.EROFS} | (
    {errno.EDQUOT} if hasattr(errno, "EDQUOT") else set()
)


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once, at import, in the main thread: installer's make_file_executable reads it
# by setting it to 0 for a moment, and a file another staging thread creates in that
# moment would come out world-writable.
_UMASK = _read_umask()


def _make_executable(path: str) -> None:
    os.chmod(path, (0o777 & ~_UMASK) | 0o111)


class _CachedFile(io.RawIOBase):
    """A file of the unpacked wheel, opened only if someone reads it."""

    def __init__(self, path: str, entry: ManifestEntry) -> None:
        super().__init__()
        self.path = path
        self.entry = entry
        self._file: io.BufferedReader | None = None

    def _open(self) -> io.BufferedReader:
        if self._file is None:
            self._file = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        return self._file

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._open().readinto(buffer)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._open().seek(offset, whence)

    def tell(self) -> int:
        return 0 if self._file is None else self._file.tell()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


_WHEEL_VERSION_LINE = re.compile(r"^Wheel-Version:[^\n]*", re.MULTILINE | re.IGNORECASE)


class UnpackedSource(WheelSource):
    """installer's view of a wheel in the unpacked cache."""

    def __init__(self, unpacked: UnpackedWheel, generated: Mapping[str, bytes]) -> None:
        manifest = unpacked.manifest
        super().__init__(manifest.name, str(manifest.version))
        self.unpacked = unpacked
        # Files inst writes itself (INSTALLER, ...) replace the wheel's own, if any.
        self._skip = {f"{manifest.dist_info}/{name}" for name in generated}
        self._skip |= manifest.shadowed_scripts(".exe" if os.name == "nt" else "")
        self.skipped_pycache: list[str] = []

    @property
    def dist_info_dir(self) -> str:
        return self.unpacked.manifest.dist_info

    @property
    def data_dir(self) -> str:
        # The spelling the archive uses, which need not be the normalised one.
        data_dir = self.unpacked.manifest.data_dir
        return data_dir if data_dir is not None else self.dist_info_dir[:-10] + ".data"

    @property
    def dist_info_filenames(self) -> list[str]:
        prefix = self.dist_info_dir + "/"
        return [
            entry.member[len(prefix) :]
            for entry in self.unpacked.manifest.files
            if entry.member.startswith(prefix)
        ]

    def read_dist_info(self, filename: str) -> str:
        path = self.unpacked.member_path(posixpath.join(self.dist_info_dir, filename))
        with open(path, encoding="utf-8") as stream:
            text = stream.read()
        if filename == "WHEEL":
            # installer refuses anything but 1.x, while the wheel spec (and pip)
            # accept older versions (0.1 wheels exist). inspect_wheel() has judged the
            # version already; installer reads WHEEL only for that gate and the root
            # scheme, and the WHEEL file installed is the wheel's own.
            text = _WHEEL_VERSION_LINE.sub("Wheel-Version: 1.0", text, count=1)
        return text

    def validate_record(self) -> None:
        """Done already: the cache holds only wheels inspect_wheel() accepted."""

    def get_contents(self) -> Iterator[WheelContentElement]:
        for entry in self.unpacked.manifest.files:
            if entry.member in self._skip:
                continue
            if "__pycache__" in entry.member.split("/")[:-1]:
                # Bytecode from the build machine is never installed (nor is it by
                # installer, which warns); the environment compiles its own.
                self.skipped_pycache.append(entry.member)
                continue
            stream = _CachedFile(self.unpacked.member_path(entry.member), entry)
            record = (entry.member, entry.hash or "", str(entry.size))
            yield record, cast(BinaryIO, stream), entry.executable


class StagingDestination(SchemeDictionaryDestination):
    """Files go to the transaction's staging area; commit() moves them into place."""

    def __init__(
        self,
        scheme: Mapping[str, str],
        interpreter: str,
        transaction: Transaction,
        *,
        slot: str,
        link: bool,
    ) -> None:
        super().__init__(
            scheme_dict=dict(scheme),
            interpreter=interpreter,
            script_kind="posix" if os.name != "nt" else _windows_launcher(),
        )
        self.transaction = transaction
        self.slot = slot  # this wheel's own subdirectory of each staging root
        self.link = link
        self.written: list[tuple[str, str, str]] = []  # scheme, staged, final
        self._roots: dict[str, Path] = {}
        self._made: set[str] = set()
        self._made_lock = threading.Lock()

    def staged_path(self, scheme: str, final: str) -> str:
        root = self._roots.get(scheme)
        if root is None:  # one stat per scheme, not per file
            root = self._roots[scheme] = self.transaction.stage_root(
                self.scheme_dict[scheme]
            )
        drive, rest = os.path.splitdrive(final)
        return os.path.join(root, self.slot, drive.replace(":", ""), rest.lstrip("\\/"))

    def write_to_fs(
        self, scheme: Scheme, path: str, stream: BinaryIO, is_executable: bool
    ) -> RecordEntry:
        self.transaction.check_abandoned()
        final = os.path.normpath(os.path.join(self.scheme_dict[scheme], path))
        in_place = self.transaction.is_new(final)
        staged = final if in_place else self.staged_path(scheme, final)
        try:
            # Never over a file (links and writes fail if one is there): one a
            # wheel staged earlier is a bug; in place, one another wheel of this
            # install wrote there a moment ago.
            record = self._write(path, stream, staged, is_executable)
        except FileExistsError:
            if not in_place:
                raise
            # Written beside it and renamed over it, never opened (a hard link into
            # the cache would be truncated).
            written = _beside(final)
            record = self._write(path, stream, written, is_executable)
            os.replace(written, staged)
            self.transaction.placed_twice(final)
        except OSError as error:
            if error.errno not in _DESTINATION_FULL:
                raise
            # A copy names its source first (shutil's errors do): the file system
            # that is full is the destination's.
            raise OSError(error.errno, error.strerror, final) from error
        if not in_place:
            self.transaction.place(staged, final)
        self.written.append((scheme, staged, final))
        return record

    def _write(
        self, path: str, stream: BinaryIO, staged: str, is_executable: bool
    ) -> RecordEntry:
        self._make_parent(staged)
        cached = stream if isinstance(stream, _CachedFile) else None
        if cached is not None and cached.entry.hash:
            self._link_or_copy(cached.path, staged, is_executable)
            return RecordEntry(path, Hash.parse(cached.entry.hash), cached.entry.size)
        stream.seek(0)  # a retry after FileExistsError reads it again
        with open(staged, "xb") as target:
            digest, size = copyfileobj_with_hashing(stream, target, self.hash_algorithm)
        if is_executable:
            _make_executable(staged)
        return RecordEntry(path, Hash(self.hash_algorithm, digest), size)

    def write_script(
        self, name: str, module: str, attr: str, section: Any
    ) -> RecordEntry:
        script_name, data = Script(name, module, attr, section).generate(
            self.interpreter, self.script_kind
        )
        with io.BytesIO(data) as stream:
            return self.write_to_fs(
                Scheme("scripts"), script_name, stream, is_executable=True
            )

    def _make_parent(self, staged: str) -> None:
        parent = os.path.dirname(staged)
        if parent in self._made:
            return
        os.makedirs(parent, exist_ok=True)
        with self._made_lock:
            self._made.add(parent)

    def _link_or_copy(self, source: str, staged: str, is_executable: bool) -> None:
        if self.link:
            try:
                os.link(source, staged)
                return
            except OSError as error:
                if error.errno not in _NO_LINK:
                    raise
                self.link = False  # another filesystem: copy from now on
        with open(source, "rb") as origin, open(staged, "xb") as copy:
            shutil.copyfileobj(origin, copy)
        if is_executable:
            _make_executable(staged)


def _beside(final: str) -> str:
    """A free name in final's directory to write a file under before renaming it."""
    directory, name = os.path.split(final)
    return os.path.join(directory, f".{name}.inst-{secrets.token_hex(4)}")


def stage_wheel(
    unpacked: UnpackedWheel,
    scheme: Mapping[str, str],
    interpreter: str,
    transaction: Transaction,
    *,
    slot: str,
    link: bool,
    requested: bool,
    direct_url: Mapping[str, Any] | None,
) -> StagedWheel:
    """Stage every file the wheel installs (with its generated metadata)."""
    generated: dict[str, bytes] = {"INSTALLER": INSTALLER_NAME}
    if requested:
        generated["REQUESTED"] = b""
    if direct_url is not None:
        generated["direct_url.json"] = json.dumps(
            direct_url, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
    source = UnpackedSource(unpacked, generated)
    destination = StagingDestination(
        scheme, interpreter, transaction, slot=slot, link=link
    )
    install(source, destination, generated)
    record = f"{unpacked.manifest.dist_info}/RECORD"
    staged_record = next(
        staged
        for scheme_name, staged, final in destination.written
        if scheme_name == unpacked.manifest.root_scheme
        and final == os.path.normpath(os.path.join(scheme[scheme_name], record))
    )
    return StagedWheel(
        destination.written, staged_record, scheme[unpacked.manifest.root_scheme]
    )


@dataclass(frozen=True)
class StagedWheel:
    """What staging one wheel wrote."""

    written: list[tuple[str, str, str]]  # scheme, staged path, final path
    record: str  # the staged RECORD
    record_base: str  # the directory RECORD's paths are relative to

    def add_to_record(self, finals: list[str]) -> None:
        """List more files (compiled bytecode) in RECORD, without hashes (as pip)."""
        with open(self.record, "a", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            for final in finals:
                relative = os.path.relpath(final, self.record_base)
                writer.writerow([relative.replace(os.sep, "/"), "", ""])


def _windows_launcher() -> Any:  # pragma: no cover - Windows only
    import platform

    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        return "win-arm64"
    return "win-amd64" if machine in ("amd64", "x86_64") else "win-ia32"

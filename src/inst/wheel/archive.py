"""A wheel's ZIP archive, read member by member; nothing here knows the wheel spec.

``Archive.opened()`` opens the file (zipfile reads the central directory); the members'
data is then read directly from the file (``consume()``): the local header must agree
with the central directory, the data must inflate to the size and CRC-32 declared, and
a member may not share its bytes with another (an overlapping ZIP bomb). Every way the
file can fail to be what it claims raises ``ArchiveError``, whose text says why in
words, never with an exception class name.

``path_problem()`` and ``size_problem()`` say whether a member's name is safe to join to
a directory and whether its declared sizes are believable, before any of it is read.
"""

from __future__ import annotations

import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from inst.errors import decompression_errors

#: A member declaring more than this uncompressed is refused (no real wheel has one).
MAX_MEMBER_SIZE = 4 * 1024**3
#: Deflate tops out near 1030:1 on zeros; anything beyond this is built to explode.
MAX_COMPRESSION_RATIO = 1000

_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_LENGTHS = struct.Struct("<HH")  # name and extra field lengths in a local header
_UTF8_NAME = 0x800  # general purpose flag: the name is UTF-8, not cp437
_ENCRYPTED = 0x1
# Compressed patched data, strong encryption: zipfile refuses them, so do we.
_UNSUPPORTED_FLAGS = 0x20 | 0x40

# What reading a damaged member raises: zipfile's errors, a truncated file, a failed
# read, and the decompressors' errors.
_READ_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    *decompression_errors(),
)


class ArchiveError(Exception):
    """The archive is not what it claims to be. why: in words; hint: what to do, when
    it differs from getting the file again (None)."""

    def __init__(self, why: str, hint: str | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.hint = hint


class _WriteFailed(Exception):
    """An OSError writing an extracted member, kept apart from errors reading it."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def discard(data: bytes) -> None:
    """A sink for consume() when only the size and CRC are to be checked."""


def path_problem(member: str) -> str | None:
    """Why an archive path is unsafe to join to a directory, or None."""
    if not member:
        return "has an empty name"
    if member.startswith("/"):
        return "is an absolute path"
    parts = member.rstrip("/").split("/")
    if any(_DRIVE.match(part) for part in parts):
        return "names a drive"
    if ".." in parts:
        return "has a '..' component, which leaves its directory"
    if "\\" in member:
        return "contains a backslash"
    if "\x00" in member:
        return "contains a NUL character"
    return None


def is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def is_executable(info: zipfile.ZipInfo) -> bool:
    """Whether the archive marks the member executable (any x bit)."""
    return bool((info.external_attr >> 16) & 0o111)


def size_problem(info: zipfile.ZipInfo) -> str | None:
    """Why a member cannot be read safely (encrypted, absurd or bomb-like sizes)."""
    member, size, packed = info.filename, info.file_size, info.compress_size
    if info.flag_bits & _ENCRYPTED:
        return f"member {member!r} is encrypted"
    if size > MAX_MEMBER_SIZE:
        return (
            f"member {member!r} declares {size:,} bytes uncompressed, more than "
            f"the {MAX_MEMBER_SIZE // 1024**3} GiB inst accepts (a ZIP bomb?)"
        )
    if size > MAX_COMPRESSION_RATIO * max(packed, 1) or (size and not packed):
        ratio = f"{size // packed:,}:1" if packed else "an unbounded ratio"
        return (
            f"member {member!r} expands {packed:,} compressed bytes to {size:,} "
            f"({ratio}), beyond the {MAX_COMPRESSION_RATIO}:1 inst accepts "
            "(a ZIP bomb?)"
        )
    return None


class Archive:
    """One open ZIP file: its members, and their data read and checked."""

    def __init__(self, archive: zipfile.ZipFile, raw: BinaryIO) -> None:
        self.archive = archive
        self.raw = raw  # the file, opened once more for reading members directly
        self._made: set[Path] = set()  # directories extract() made

    @classmethod
    @contextmanager
    def opened(cls, path: Path) -> Iterator[Archive]:
        """The ZIP file at path, open (ArchiveError if it cannot be)."""
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise ArchiveError(
                "it is not a ZIP archive, or the archive is truncated",
                hint="download or build it again",
            ) from None
        except OSError as error:
            raise ArchiveError(
                f"it cannot be read: {error.strerror or error}",
                hint="check that the file exists and is readable",
            ) from None
        except (EOFError, ValueError) as error:  # a central directory with bad offsets
            raise ArchiveError(f"its ZIP directory is damaged ({error})") from None
        except NotImplementedError as error:  # a member needing a newer ZIP version
            raise ArchiveError(
                f"its ZIP directory asks for a feature inst cannot read ({error})"
            ) from None
        with archive, open(path, "rb") as raw:
            yield cls(archive, raw)

    def infolist(self) -> list[zipfile.ZipInfo]:
        """Every entry of the central directory, in its order (duplicates included)."""
        return self.archive.infolist()

    def in_order(
        self, members: Iterable[zipfile.ZipInfo]
    ) -> Iterator[tuple[zipfile.ZipInfo, int]]:
        """Members in file order with the offset of their data, each read in turn
        before the next is given; members sharing bytes are refused."""
        previous_end, previous = 0, ""
        for info in sorted(members, key=lambda info: info.header_offset):
            member = info.filename
            start = self.data_start(info)
            # Entries sharing compressed data make a small archive inflate to
            # terabytes (overlapping ZIP bombs); no archiver writes them.
            if info.header_offset < previous_end:
                raise ArchiveError(
                    f"member {member!r} overlaps member {previous!r} in the archive "
                    "(a ZIP bomb?)"
                )
            previous_end, previous = start + info.compress_size, member
            yield info, start

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """The member's bytes, whole."""
        chunks: list[bytes] = []
        self.consume(info, self.data_start(info), chunks.append)
        return b"".join(chunks)

    def extract(
        self,
        info: zipfile.ZipInfo,
        start: int,
        target: Path,
        update: Callable[[bytes], object] | None = None,
        known: bytes | None = None,
    ) -> None:
        """Write the member to target (a new file; executable members get mode 0o755),
        feeding its bytes to update too (known: read already). An OSError writing
        comes through as it is: the disk is not the archive's fault."""
        member = info.filename
        try:
            if target.parent not in self._made:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(target.parent)
            # "x": the directory was empty, so a file already there is another member's.
            output = open(target, "xb")  # noqa: SIM115 - closed below
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            # Only the archive's own names collide there ("a" and "a/b", or two names
            # that differ in case on a case-insensitive filesystem).
            raise ArchiveError(
                f"member {member!r} cannot be unpacked: its path collides with "
                "another member's"
            ) from None

        def sink(data: bytes) -> None:
            if update is not None:
                update(data)
            try:
                output.write(data)
            except OSError as error:  # not the archive's fault: consume() must not
                raise _WriteFailed(error) from error  # turn it into a refusal

        with output:
            try:
                if known is not None:
                    sink(known)
                else:
                    self.consume(info, start, sink)
            except _WriteFailed as failed:
                raise failed.error from None
        if is_executable(info):
            target.chmod(0o755)

    def data_start(self, info: zipfile.ZipInfo) -> int:
        """Offset of the member's data, after a local header that agrees with the
        central directory (as zipfile checks it: the installer reads with zipfile)."""
        member = info.filename
        name_length: int
        extra_length: int
        try:
            self.raw.seek(info.header_offset)
            header = self.raw.read(30)
            if len(header) == 30 and header[:4] == b"PK\x03\x04":
                name_length, extra_length = _LENGTHS.unpack_from(header, 26)
                name = self.raw.read(name_length)
            else:
                name, name_length, extra_length = None, 0, 0
        except (OSError, ValueError) as error:
            raise ArchiveError(_read_problem(member, error)) from None
        if name is None:
            raise ArchiveError(
                f"member {member!r} cannot be read: its local header is missing "
                "or damaged"
            )
        encoding = "utf-8" if info.flag_bits & _UTF8_NAME else "cp437"
        if name.decode(encoding, errors="replace") != info.orig_filename:
            raise ArchiveError(
                f"member {member!r} has another name in its local header: the "
                "archive contradicts itself"
            )
        return info.header_offset + 30 + name_length + extra_length

    def consume(
        self, info: zipfile.ZipInfo, start: int, sink: Callable[[bytes], object]
    ) -> None:
        """Feed the member's uncompressed bytes to sink; refuse a wrong size or CRC."""
        member = info.filename
        fast = (
            info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
            and not info.flag_bits & _UNSUPPORTED_FLAGS
        )
        try:
            if fast:
                size, crc = self._consume_raw(info, start, sink)
            else:
                size, crc = self._consume_with_zipfile(info, sink)
        except _READ_ERRORS as error:  # every failure to read is a refusal, in words
            raise ArchiveError(_read_problem(member, error)) from None
        if size != info.file_size:
            raise ArchiveError(
                f"member {member!r} holds {'more than ' if size > info.file_size else ''}"
                f"{size:,} bytes, not the {info.file_size:,} the archive declares"
            )
        if crc is not None and crc != info.CRC:
            raise ArchiveError(_read_problem(member, zipfile.BadZipFile("Bad CRC-32")))

    def _consume_raw(
        self, info: zipfile.ZipInfo, start: int, sink: Callable[[bytes], object]
    ) -> tuple[int, int | None]:
        """Stored and deflated members, read directly: a ZipExtFile per member costs
        several times the work of reading a small file."""
        self.raw.seek(start)
        inflater = (
            zlib.decompressobj(-15)
            if info.compress_type == zipfile.ZIP_DEFLATED
            else None
        )
        left, expected = info.compress_size, info.file_size
        size = crc = 0
        pending = b""
        while True:
            if not pending and left:
                pending = self.raw.read(min(left, _CHUNK))
                if not pending:
                    raise EOFError
                left -= len(pending)
            if inflater is None:
                data, pending = pending, b""
            else:
                # Bounded output: memory stays small, and a stream that inflates
                # past its declared size stops as soon as it does.
                data = inflater.decompress(pending, _CHUNK)
                pending = inflater.unconsumed_tail
            if data:
                size += len(data)
                if size > expected:
                    return size, None
                crc = zlib.crc32(data, crc)
                sink(data)
            elif not pending and not left:
                break
            if inflater is not None and inflater.eof:
                break
        if inflater is not None and not inflater.eof:
            raise zlib.error("incomplete deflate stream")
        return size, crc

    def _consume_with_zipfile(
        self, info: zipfile.ZipInfo, sink: Callable[[bytes], object]
    ) -> tuple[int, int | None]:
        """Other compressions (bzip2, lzma): zipfile reads them and checks the CRC."""
        size = 0
        with self.archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > info.file_size:
                    break
                sink(chunk)
        return size, None


def _read_problem(member: str, error: Exception) -> str:
    """What went wrong reading a member, in words (no exception class names)."""
    if isinstance(error, zipfile.BadZipFile):
        if "CRC" in str(error):
            return (
                f"member {member!r} is corrupt: its data does not match the archive's "
                "CRC-32 checksum"
            )
        return f"member {member!r} cannot be read from the archive ({error})"
    if isinstance(error, zlib.error):
        return f"member {member!r} is corrupt: its compressed data cannot be inflated"
    if type(error).__name__ == "LZMAError":  # lzma may be missing: not imported here
        return f"member {member!r} is corrupt: its LZMA data cannot be decompressed"
    if isinstance(error, EOFError):
        return f"the archive ends inside member {member!r} (is the file truncated?)"
    if isinstance(error, NotImplementedError):
        return f"member {member!r} uses a compression method inst cannot read"
    if isinstance(error, OSError):
        return f"member {member!r} cannot be read: {error.strerror or error}"
    return f"member {member!r} cannot be read from the archive ({error})"

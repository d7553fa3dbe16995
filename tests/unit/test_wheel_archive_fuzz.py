"""inst.wheel.archive on its own: whatever bytes it is given, it reads them or raises
ArchiveError, never another exception, and it ends.

Two sources of input: arbitrary bytes, and a valid ZIP (stored, deflated and bzip2
members) with bytes overwritten, inserted or cut off, which reaches the member reader
far more often than random bytes do.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from inst.core_metadata import MetadataError, metadata_from_zip
from inst.wheel.archive import (
    Archive,
    ArchiveError,
    discard,
    is_symlink,
    path_problem,
    size_problem,
)


def _valid_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("pkg/__init__.py", b"x = 1\n" * 20, zipfile.ZIP_DEFLATED)
        zf.writestr("pkg/data.bin", bytes(range(256)), zipfile.ZIP_STORED)
        zf.writestr("pkg/text.txt", b"bzip2 " * 30, zipfile.ZIP_BZIP2)
        zf.writestr("pkg-1.0.dist-info/RECORD", b"", zipfile.ZIP_DEFLATED)
        zf.writestr("pkg/", b"")  # a directory entry
    return buffer.getvalue()


VALID = _valid_zip()


def read_everything(data: bytes) -> None:
    """What inspect_wheel() asks of the reader: open, the directory, the member
    checks, every file member read whole and then all of them in file order."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "fuzz.whl"
        path.write_bytes(data)
        with Archive.opened(path) as archive:
            files = []
            for info in archive.infolist():
                if path_problem(info.filename) is not None or is_symlink(info):
                    continue  # refused before any other look at it
                if info.is_dir() or size_problem(info) is not None:
                    continue  # refused before any read
                files.append(info)
            for info in files:
                archive.read(info)
            for info, start in archive.in_order(files):
                archive.consume(info, start, discard)


def reads_or_refuses(data: bytes) -> None:
    try:
        read_everything(data)
    except ArchiveError as error:
        assert error.why  # a reason in words
        assert "Error" not in error.why, error.why  # no exception class names


def test_the_unmutated_zip_reads() -> None:
    read_everything(VALID)


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


@FUZZ
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_read_or_raise_archive_error(data: bytes) -> None:
    reads_or_refuses(data)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(VALID) - 1),
            st.sampled_from(["overwrite", "insert", "delete"]),
            st.binary(min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=4,
    ),
    st.one_of(st.none(), st.integers(min_value=0, max_value=len(VALID))),
)
# Found by this test: a member whose "version needed to extract" is above 6.3 made
# zipfile raise NotImplementedError while opening the archive.
@example([(0, "insert", b"\x00\x00"), (547, "overwrite", b"@")], None)
# And a member whose name is cut to nothing, on which ZipInfo.is_dir() raises IndexError.
@example(
    [(564, "insert", b"\x00\x00\x00\x00"), (572, "delete", b"\x00\x00\x00\x00")], None
)
def test_mutated_zips_read_or_raise_archive_error(
    mutations: list[tuple[int, str, bytes]], keep: int | None
) -> None:
    data = bytearray(VALID)
    for offset, kind, chunk in mutations:
        offset = min(offset, len(data))
        if kind == "overwrite":
            data[offset : offset + len(chunk)] = chunk
        elif kind == "insert":
            data[offset:offset] = chunk
        else:
            del data[offset : offset + len(chunk)]
    # Whole, or cut short like a truncated download.
    reads_or_refuses(bytes(data if keep is None else data[:keep]))


def _valid_wheel() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pkg/__init__.py", b"x = 1\n")
        zf.writestr(
            "pkg-1.0.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nRequires-Dist: six\n\n"
            + b"A description. " * 20,
        )
        zf.writestr("pkg-1.0.dist-info/RECORD", b"")
    return buffer.getvalue()


WHEEL = _valid_wheel()


def _data_offset(archive: bytes, member: str) -> int:
    info = zipfile.ZipFile(io.BytesIO(archive)).getinfo(member)
    return info.header_offset + 30 + len(info.filename) + len(info.extra)


METADATA_DATA = _data_offset(WHEEL, "pkg-1.0.dist-info/METADATA")


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=len(WHEEL) - 1),
            st.binary(min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=4,
    )
)
# A METADATA whose deflated data is damaged raised zlib.error (an internal error).
@example([(METADATA_DATA, b"\xff\xff\xff\xff")])
def test_wheel_metadata_reads_or_raises_metadata_error(
    overwrites: list[tuple[int, bytes]],
) -> None:
    data = bytearray(WHEEL)
    for offset, chunk in overwrites:
        data[offset : offset + len(chunk)] = chunk
    try:
        metadata = metadata_from_zip(
            io.BytesIO(bytes(data)), "pkg-1.0-py3-none-any.whl"
        )
    except MetadataError as error:
        assert error.why is None or "Error" not in error.why.split(":")[0]
    else:
        assert metadata.name

"""Source distributions unpacked into a build directory, refusing any member that
would land outside it (absolute paths, "..", links pointing out, devices). Every
archive format pip takes: .zip, and tar plain or compressed with gzip, bzip2, xz or
lzma (the compression is found from the content, not the suffix)."""

from __future__ import annotations

import os
import tarfile
import zipfile
from pathlib import Path

from inst.errors import InstError, decompression_errors
from inst.models import LZIP_SUFFIXES, SDIST_SUFFIXES, sdist_suffix


class SourceArchiveError(InstError):
    """An sdist that cannot be unpacked safely."""


def unpack_sdist(archive: Path, destination: Path) -> Path:
    """Unpack archive into destination; the project's root directory inside it."""
    name = archive.name
    suffix = sdist_suffix(name)
    if suffix is None:
        raise SourceArchiveError(
            f"{name} is not a source distribution inst can unpack",
            why="lzip compression has no reader in Python"
            if name.endswith(LZIP_SUFFIXES)
            else "",
            hint=f"sdists are {', '.join(SDIST_SUFFIXES)} archives",
        )
    destination.mkdir(parents=True, exist_ok=True)
    try:
        if suffix == ".zip":
            _unzip(archive, destination)
        else:
            _untar(archive, destination)
    except tarfile.CompressionError as exc:
        # Python built without the bz2 or lzma module: the archive may be fine.
        raise SourceArchiveError(
            f"{name} cannot be unpacked by this Python",
            why=f"its compression needs a module this Python lacks ({exc})",
            hint="use a Python built with bz2 and lzma support, or repack the sdist "
            "as .tar.gz",
        ) from None
    except _broken_archive_errors() as exc:  # evaluated only when something is raised
        raise SourceArchiveError(
            f"{name} is not a valid source distribution",
            why=f"the archive is broken: {exc}",
            hint="download it again, or report it to whoever publishes it",
        ) from None
    entries = [p for p in destination.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]  # the usual name-version/ directory
    return destination


def _broken_archive_errors() -> tuple[type[BaseException], ...]:
    """A function, not a starred tuple in the except clause, which mypy rejects."""
    return (
        tarfile.TarError,
        zipfile.BadZipFile,
        EOFError,
        OSError,
        *decompression_errors(),  # damaged deflate or xz data, an encrypted member
    )


def _inside(root: str, member: str, archive: str) -> str:
    if not member:  # it would name the destination itself (zipfile raises on it)
        raise SourceArchiveError(
            f"{archive} has a member with an empty name",
            why="every member of an archive must name a file or a directory",
            hint="the archive is malformed; download it again, or report it to "
            "whoever publishes it",
        )
    target = os.path.realpath(os.path.join(root, member))
    if os.path.isabs(member) or os.path.commonpath([root, target]) != root:
        raise SourceArchiveError(
            f"{archive} tries to write outside its directory ({member})",
            why="a member path is absolute or climbs out with ..",
            hint="the archive is malformed or malicious; do not use it",
        )
    return target


def _unzip(archive: Path, destination: Path) -> None:
    root = os.path.realpath(destination)
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            _inside(root, info.filename, archive.name)
        for info in zipped.infolist():
            path = zipped.extract(info, root)
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(path, (mode | 0o600) & 0o755 if mode & 0o111 else 0o644)


def _untar(archive: Path, destination: Path) -> None:
    root = os.path.realpath(destination)
    with tarfile.open(archive) as tarred:
        members = tarred.getmembers()
        for member in members:
            _inside(root, member.name, archive.name)
            if member.islnk() or member.issym():
                base = (
                    root
                    if member.islnk()
                    else os.path.dirname(os.path.join(root, member.name))
                )
                _inside(
                    root,
                    os.path.relpath(os.path.join(base, member.linkname), root),
                    archive.name,
                )
            elif not (member.isfile() or member.isdir()):
                raise SourceArchiveError(
                    f"{archive.name} holds a special file ({member.name})",
                    hint="sdists hold only files, directories and links",
                )
        if hasattr(tarfile, "data_filter"):
            tarred.extractall(root, members=members, filter="data")
        else:  # pragma: no cover - Pythons without extraction filters
            tarred.extractall(root, members=members)

"""One wheel into a transaction's staging area, with the ``installer`` library's parts.

``stage_wheel()`` does what ``installer.install()`` does, in its order, but driven
from the wheel's manifest (inst.wheel.manifest), which already says each member's
scheme, path and RECORD hash: installer's entry-point parser and script launchers
make the scripts, its ``#!python`` shebang fix and hashing write the scripts of the
``.data`` directory and the generated INSTALLER/REQUESTED/direct_url.json, and RECORD
is written in its format. ``StagingDestination`` (installer's scheme destination)
writes a file below one of the transaction's new paths (see fresh.py) straight into
its final place, and any other file into the transaction's staging directory,
registering its final place with the transaction. A file that comes unchanged from
the cache is hard-linked (one system call, no data copied, its record the manifest's);
everything else is written and hashed as installer would.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

from installer.destinations import SchemeDictionaryDestination
from installer.records import Hash, RecordEntry
from installer.scripts import Script
from installer.utils import Scheme, copyfileobj_with_hashing, parse_entrypoints

from inst._records import dataclass
from inst.install.transaction import Transaction
from inst.install.unpacked import UnpackedWheel
from inst.wheel.manifest import ManifestEntry

INSTALLER_NAME = b"inst\n"
_T = TypeVar("_T")
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
        # (scheme, directory of a member) -> its final directory, and whether that
        # is new (claimed by the transaction, so written in place)
        self._directories: dict[tuple[str, str], tuple[str, bool]] = {}

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
        return self._put(
            scheme,
            final,
            self.transaction.is_new(final),
            lambda target: self._write(path, stream, target, is_executable),
        )

    def stage_member(
        self, scheme: str, path: str, source: str, entry: ManifestEntry
    ) -> None:
        """write_to_fs() of a cached file whose record is its manifest entry: hard
        linked (or copied), nothing hashed, no record made."""
        self.transaction.check_abandoned()
        directory, _, name = path.rpartition("/")
        known = self._directories.get((scheme, directory))
        if known is None:  # worked out once per directory, not per file
            base = os.path.normpath(os.path.join(self.scheme_dict[scheme], directory))
            known = (base, self.transaction.is_new(base))
            self._directories[scheme, directory] = known
        base, new_directory = known
        final = os.path.join(base, name)
        in_place = new_directory or self.transaction.is_new(final)

        def link(target: str) -> None:
            self._make_parent(target)
            self._link_or_copy(source, target, entry.executable)

        self._put(scheme, final, in_place, link)

    def stage_directory(
        self, scheme: str, directory: str, members: list[tuple[str, str, ManifestEntry]]
    ) -> None:
        """stage_member() of cached files that go into one directory of the scheme:
        (file name, source, manifest entry) each. When the directory is new (below a
        path the transaction claimed), it is made once and each file linked straight
        into it: the one system call the file needs, and little else (a big install
        links tens of thousands)."""
        self.transaction.check_abandoned()
        base = os.path.normpath(os.path.join(self.scheme_dict[scheme], directory))
        if not (self.link and self.transaction.is_new(base)):
            self._stage_each(scheme, directory, members)
            return
        self._directories[scheme, directory] = (base, True)
        self._make_directory(base)
        written = self.written
        link = os.link
        for index, (name, source, _) in enumerate(members):
            final = os.path.join(base, name)
            try:
                link(source, final)
            except OSError:
                # Not linked (there already, another file system, a full disk):
                # this file and the rest go the general way, which knows each case.
                self._stage_each(scheme, directory, members[index:])
                return
            written.append((scheme, final, final))

    def _stage_each(
        self, scheme: str, directory: str, members: list[tuple[str, str, ManifestEntry]]
    ) -> None:
        for name, source, entry in members:
            path = f"{directory}/{name}" if directory else name
            self.stage_member(scheme, path, source, entry)

    def _put(
        self, scheme: str, final: str, in_place: bool, write: Callable[[str], _T]
    ) -> _T:
        """write(path) of the file whose place is final: there, when it is below a
        new path (in_place), else in the staging area, registered to be moved."""
        staged = final if in_place else self.staged_path(scheme, final)
        try:
            # Never over a file (links and writes fail if one is there): one a
            # wheel staged earlier is a bug; in place, one another wheel of this
            # install wrote there a moment ago.
            result = write(staged)
        except FileExistsError:
            if not in_place:
                raise
            # Written beside it and renamed over it, never opened (a hard link into
            # the cache would be truncated).
            written = _beside(final)
            result = write(written)
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
        return result

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
        self._make_directory(os.path.dirname(staged))

    def _make_directory(self, directory: str) -> None:
        if directory in self._made:
            return
        _make_directories(directory)
        self._made.add(directory)

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


def _make_directories(directory: str) -> None:
    """os.makedirs(directory, exist_ok=True) with one mkdir for a directory whose
    parent exists: the usual case, once for every directory of every wheel."""
    try:
        os.mkdir(directory)
    except FileExistsError:
        if not os.path.isdir(directory):
            raise
    except FileNotFoundError:
        parent = os.path.dirname(directory)
        if parent == directory:
            raise
        _make_directories(parent)
        try:
            os.mkdir(directory)
        except FileExistsError:  # another wheel's thread made it a moment ago
            if not os.path.isdir(directory):
                raise


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
    """Stage every file the wheel installs (with its generated metadata).

    What installer.install() does, in its order, driven from the manifest: the
    entry points' scripts (installer's parser and launchers), every member in its
    scheme (``#!python`` scripts through installer's shebang fix), the generated
    metadata files, then RECORD (installer's format). The manifest already holds each
    member's scheme, path and RECORD hash, so no member's path is worked out again
    and a linked file's record is its manifest entry: with tens of thousands of
    files that per-file work was most of an install from the cache."""
    manifest = unpacked.manifest
    generated: dict[str, bytes] = {"INSTALLER": INSTALLER_NAME}
    if requested:
        generated["REQUESTED"] = b""
    if direct_url is not None:
        generated["direct_url.json"] = json.dumps(
            direct_url, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
    destination = StagingDestination(
        scheme, interpreter, transaction, slot=slot, link=link
    )
    root = manifest.root_scheme
    dist_info = manifest.dist_info
    record_member = f"{dist_info}/RECORD"
    skip = {f"{dist_info}/{name}" for name in generated}
    skip |= manifest.shadowed_scripts(".exe" if os.name == "nt" else "")
    skip.add(record_member)
    rows: list[tuple[str, str, str, str]] = []  # scheme, path, hash, size

    def add(scheme_name: str, record: RecordEntry) -> None:
        hash_ = "" if record.hash_ is None else str(record.hash_)
        size = "" if record.size is None else str(record.size)
        rows.append((scheme_name, record.path, hash_, size))

    entry_points = f"{dist_info}/entry_points.txt"
    if any(entry.member == entry_points for entry in manifest.files):
        with open(unpacked.member_path(entry_points), encoding="utf-8") as listing:
            text = listing.read()
        for name, module, attr, section in parse_entrypoints(text):
            add("scripts", destination.write_script(name, module, attr, section))

    # By directory: a cached file is linked straight into a new directory, which
    # is looked at once (stage_directory).
    for (scheme_name, directory), files in manifest.directories.items():
        linked: list[tuple[str, str, ManifestEntry]] = []
        for name, entry in files:
            member = entry.member
            if member in skip or (
                "__pycache__/" in member and "__pycache__" in member.split("/")[:-1]
            ):
                # Bytecode from the build machine is never installed (nor is it by
                # installer, which warns); the environment compiles its own.
                continue
            source = unpacked.member_path(member)
            if scheme_name == "scripts" or entry.hash is None:
                with _CachedFile(source, entry) as cached:
                    record = destination.write_file(
                        Scheme(scheme_name),
                        entry.relative,
                        cast(BinaryIO, cached),
                        entry.executable,
                    )
                add(scheme_name, record)
            else:
                linked.append((name, source, entry))
                rows.append((scheme_name, entry.relative, entry.hash, str(entry.size)))
        if linked:
            destination.stage_directory(scheme_name, directory, linked)

    for filename, contents in generated.items():
        with io.BytesIO(contents) as stream:
            record = destination.write_to_fs(
                Scheme(root), f"{dist_info}/{filename}", stream, is_executable=False
            )
        add(root, record)

    rows.append((root, record_member, "", ""))
    with io.BytesIO(_record_text(rows, scheme, root).encode("utf-8")) as stream:
        destination.write_to_fs(Scheme(root), record_member, stream, False)
    staged_record = destination.written[-1][1]
    return StagedWheel(destination.written, staged_record, scheme[root])


def _record_text(
    rows: list[tuple[str, str, str, str]], scheme: Mapping[str, str], root: str
) -> str:
    """RECORD as installer writes it: sorted by path, a file outside the root
    scheme's directory relative to it (absolute on Windows)."""
    prefixes: dict[str, str] = {root: ""}
    for name, _, _, _ in rows:
        if name not in prefixes:
            if os.name == "nt":  # pragma: no cover - Windows only
                prefix = os.path.abspath(scheme[name])
            else:
                prefix = os.path.relpath(scheme[name], start=scheme[root])
            prefixes[name] = prefix + "/"
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=",", quotechar='"', lineterminator="\n")
    listed = sorted(
        (path, prefixes[name], hash_, size) for name, path, hash_, size in rows
    )
    writer.writerows(
        (prefix + path, hash_, size) for path, prefix, hash_, size in listed
    )
    return out.getvalue()


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

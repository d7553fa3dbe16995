"""A wheel checked whole before the first byte of it reaches an environment.

Two halves, so a wheel unpacked once can be placed into many environments:

``inspect_wheel()`` checks everything that depends on the archive alone and returns a
``WheelManifest``: a name that does not match its ``.dist-info``, a ``RECORD`` that does
not describe the archive exactly, a member path that leaves its scheme directory
whatever that directory is, a symlink, a damaged or bomb-like member, a bad entry point.
It can write every member out in the same single pass that decompresses and hashes it.

``place_wheel()`` checks a manifest against where it would go, without the archive: an
unsupported Python, a file that would land outside its scheme directory, two files
written to one path, or a file that would replace the interpreter or another
distribution's file. What it returns (``ValidWheel``) tells the installer where every
member goes, so the installer does not work that out a second time.

``validate_wheel()`` is both for one environment, and refuses with one ``InvalidWheel``
any wheel that the installer could not install faithfully or safely.

Order: the cheap checks on names and headers first, then (in ``validate_wheel()``) the
placement and the filesystem (overwrites), and last the one pass that decompresses and
hashes every member, so a refusal costs as little as possible and a good wheel is read
exactly once.
"""

from __future__ import annotations

import ast
import base64
import configparser
import csv
import email.message
import email.parser
import hashlib
import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO, NoReturn, Protocol

from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from inst import ui
from inst.environment import Environment, InstalledDist
from inst.errors import InstError
from inst.install.manifest import ManifestEntry, WheelManifest

#: The subdirectories of ``<name>-<version>.data`` the wheel spec defines.
#: The newest Wheel-Version (major, minor) inst knows.
SUPPORTED_WHEEL_VERSION = (1, 0)

SCHEMES = ("purelib", "platlib", "headers", "scripts", "data")

#: A member declaring more than this uncompressed is refused (no real wheel has one).
MAX_MEMBER_SIZE = 4 * 1024**3
#: Deflate tops out near 1030:1 on zeros; anything beyond this is built to explode.
MAX_COMPRESSION_RATIO = 1000
#: METADATA, WHEEL, RECORD and entry_points.txt are read whole; real ones are < 10 MB.
MAX_METADATA_FILE_SIZE = 64 * 1024**2


class _Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...


# The hashlib algorithms the spec allows: sha256 or stronger (md5, sha1, sha224 are
# refused). The constructors are faster than hashlib.new(name).
_HASHES: Mapping[str, Callable[[], _Hasher]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
    "sha512": hashlib.sha512,
    "sha3_256": hashlib.sha3_256,
    "sha3_384": hashlib.sha3_384,
    "sha3_512": hashlib.sha3_512,
    "blake2b": hashlib.blake2b,
}
_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
# What installer's own entry-point parser accepts (it asserts on anything else).
_ENTRY_POINT_VALUE = re.compile(r"[\w.]+\s*:\s*[\w.]+\s*(\[.*\])?\s*$")
_SCRIPT_GROUPS = ("console_scripts", "gui_scripts")
_LENGTHS = struct.Struct("<HH")  # name and extra field lengths in a local header
_UTF8_NAME = 0x800  # general purpose flag: the name is UTF-8, not cp437
_ENCRYPTED = 0x1
# Compressed patched data, strong encryption: zipfile refuses them, so do we.
_UNSUPPORTED_FLAGS = 0x20 | 0x40
# What reading a damaged member raises: zipfile's own errors, zlib's, a truncated
# file, an unknown compression method, a bad offset, a password needed.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    OSError,
    ValueError,
    RuntimeError,
)

_BROKEN_HINT = (
    "get a fixed wheel (download or build it again), or report the problem to the "
    "project's maintainers"
)
_OVERWRITE_HINT = "pass --force-reinstall to install it over that file anyway"


class InvalidWheel(InstError):
    """A wheel that inst refuses to install; ``why`` names the rule it breaks."""

    def __init__(self, wheel: str, why: str, hint: str = _BROKEN_HINT) -> None:
        super().__init__(f"{wheel} cannot be installed", why=why, hint=hint)
        self.wheel = wheel


@dataclass(frozen=True)
class ValidWheel:
    """A wheel that passed every check, and where each of its members goes."""

    path: Path
    name: NormalizedName
    version: Version
    dist_info: str  # "<name>-<version>.dist-info" as spelled in the archive
    metadata: email.message.Message
    members: tuple[str, ...]  # archive member names, files only, in archive order
    # scheme ("purelib", "platlib", "scripts", "data", "headers") -> member names; root
    # members are under root_scheme, `<data_dir>/<scheme>/...` members under <scheme>.
    scheme_paths: Mapping[str, tuple[str, ...]]
    entry_points: Mapping[str, Mapping[str, str]]  # console_scripts / gui_scripts
    root_scheme: str = "purelib"  # where the archive root goes (Root-Is-Purelib)
    data_dir: str | None = None  # "<name>-<version>.data" as spelled, if there is one
    manifest: WheelManifest | None = None  # what place_wheel() placed


def validate_wheel(
    path: Path,
    environment: Environment,
    *,
    installing_over: Mapping[NormalizedName, InstalledDist] | None = None,
    force_reinstall: bool = False,
    ignore_requires_python: bool = False,
) -> ValidWheel:
    """Check the wheel at path for installing into environment; raise InvalidWheel.

    installing_over: the installed distributions that stay installed beside this one,
    whose files the wheel may not overwrite (None: everything in the environment). The
    wheel's own project is never counted: upgrading replaces its files.

    The same as inspect_wheel() then place_wheel(), except that placement runs before
    the hash pass: a wheel refused for where it goes is not decompressed at all.
    """
    path = Path(path)
    with _inspecting(path, None) as inspection:
        manifest = inspection.survey()
        valid = place_wheel(
            manifest,
            environment.scheme,
            python=environment.python,
            installed=environment.installed,
            installing_over=installing_over,
            # A hypothetical target has nothing installed and no interpreter on disk.
            force_reinstall=force_reinstall or environment.hypothetical,
            requires_python_ok=(
                None if ignore_requires_python else environment.python_supported
            ),
            python_version=".".join(map(str, environment.version_info)),
            path=path,
        )
        inspection.check_contents()
    return valid


def inspect_wheel(path: Path, *, extract_to: Path | None = None) -> WheelManifest:
    """Check everything about the wheel at path that needs no environment; raise
    InvalidWheel. The manifest says what each file is and where in a scheme it goes.

    extract_to: an existing empty directory; each member is written to
    ``extract_to / member`` (executable members with mode 0o755) by the same pass that
    hashes it, so the archive is decompressed once. A refusal (or an OSError writing)
    can come after some files were written: the caller then deletes extract_to, which
    this function never does.
    """
    path = Path(path)
    if extract_to is not None and any(Path(extract_to).iterdir()):
        raise ValueError(f"{extract_to} is not an empty directory")
    with _inspecting(path, extract_to) as inspection:
        manifest = inspection.survey()
        inspection.check_contents()
    return manifest


def place_wheel(
    manifest: WheelManifest,
    scheme: Mapping[str, str],
    *,
    python: Path | None,
    installed: Callable[[], Mapping[NormalizedName, InstalledDist]],
    installing_over: Mapping[NormalizedName, InstalledDist] | None = None,
    force_reinstall: bool = False,
    requires_python_ok: Callable[[str], bool] | None = None,
    python_version: str | None = None,
    path: Path | None = None,
) -> ValidWheel:
    """Check that a manifest's files can go into the scheme directories; raise
    InvalidWheel. The archive is not opened.

    scheme: purelib, platlib, scripts, data, headers -> directory. python: the
    interpreter, which no file may replace (None: no such check). installed: the
    distributions there, asked only when a file the wheel writes already exists.
    installing_over: as for validate_wheel(). force_reinstall: skip the overwrite
    checks. requires_python_ok: whether the target's Python satisfies a Requires-Python
    (None: not checked); python_version names that Python in the refusal. path: the
    wheel's file, for ValidWheel.path (default: the manifest's file name).
    """
    placement = _Placement(manifest, scheme)
    requires_python = manifest.requires_python
    if (
        requires_python_ok is not None
        and requires_python is not None
        and not requires_python_ok(requires_python)
    ):
        placement.refuse(
            f"it requires Python {requires_python}, "
            + (
                "which the target environment's Python does not satisfy"
                if python_version is None
                else f"and the target environment has Python {python_version}"
            ),
            hint="install a release that supports this Python, or pass "
            "--ignore-requires-python",
        )

    targets = placement.route()
    if not force_reinstall:
        _Overwrites(placement, targets, python, installed, installing_over).check()

    scheme_paths: dict[str, list[str]] = {}
    for entry in manifest.files:
        scheme_paths.setdefault(entry.scheme, []).append(entry.member)
    return ValidWheel(
        path=Path(manifest.filename) if path is None else path,
        name=manifest.name,
        version=manifest.version,
        dist_info=manifest.dist_info,
        metadata=manifest.metadata,
        members=tuple(entry.member for entry in manifest.files),
        scheme_paths=MappingProxyType(
            {scheme: tuple(names) for scheme, names in scheme_paths.items()}
        ),
        entry_points=_frozen(manifest.entry_points),
        root_scheme=manifest.root_scheme,
        data_dir=manifest.data_dir,
        manifest=manifest,
    )


@contextmanager
def _inspecting(path: Path, extract_to: Path | None) -> Iterator[_Inspection]:
    """The wheel at path, opened for inspection (refused if it cannot be)."""
    wheel = path.name
    try:
        name, version, _, _ = parse_wheel_filename(wheel)
    except (InvalidWheelFilename, InvalidVersion) as error:
        _refuse(wheel, f"its file name is not a valid wheel file name ({error})")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        _refuse(
            wheel,
            "it is not a ZIP archive, or the archive is truncated",
            hint="download or build it again",
        )
    except OSError as error:
        _refuse(
            wheel,
            f"it cannot be read: {error.strerror or error}",
            hint="check that the file exists and is readable",
        )
    except (EOFError, ValueError) as error:  # a central directory with bad offsets
        _refuse(wheel, f"its ZIP directory is damaged ({error})")
    with archive, open(path, "rb") as raw:
        yield _Inspection(wheel, name, version, archive, raw, extract_to)


def _refuse(wheel: str, why: str, hint: str = _BROKEN_HINT) -> NoReturn:
    raise InvalidWheel(wheel, why, hint) from None


def _frozen(
    entry_points: Mapping[str, Mapping[str, str]],
) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType(
        {
            group: MappingProxyType(dict(scripts))
            for group, scripts in entry_points.items()
        }
    )


def _discard(data: bytes) -> None:
    pass


class _WriteFailed(Exception):
    """An OSError writing an extracted member, kept apart from errors reading it."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


class _Inspection:
    """The state of inspecting one open archive: survey() then check_contents()."""

    def __init__(
        self,
        wheel: str,
        name: NormalizedName,
        version: Version,
        archive: zipfile.ZipFile,
        raw: BinaryIO,
        extract_to: Path | None,
    ) -> None:
        self.wheel = wheel
        self.name = name
        self.version = version
        self.archive = archive
        self.raw = raw  # the wheel, opened once more for reading members directly
        self.extract_to = extract_to
        # Members already read whole (metadata files): the hash pass reuses the bytes.
        self.contents: dict[str, bytes] = {}
        # Set by survey() for check_contents().
        self.files: list[zipfile.ZipInfo] = []
        self.hashes: Mapping[str, tuple[str, str]] = {}
        self._made: set[Path] = set()  # directories made under extract_to

    def refuse(self, why: str, hint: str = _BROKEN_HINT) -> NoReturn:
        _refuse(self.wheel, why, hint)

    def survey(self) -> WheelManifest:
        """Every check but the hash pass; the manifest is sound once that passes."""
        files, dist_info, data_dir = self.scan_members()
        by_name = {info.filename: info for info in files}
        for required in ("METADATA", "WHEEL", "RECORD"):
            if f"{dist_info}/{required}" not in by_name:
                self.refuse(f"its {dist_info} directory has no {required} file")

        root_scheme = self.check_wheel_file(by_name[f"{dist_info}/WHEEL"])
        metadata_text = self.check_metadata(by_name[f"{dist_info}/METADATA"])
        hashes = self.check_record(files, by_name[f"{dist_info}/RECORD"], dist_info)
        entry_info = by_name.get(f"{dist_info}/entry_points.txt")
        entry_points = {} if entry_info is None else self.check_entry_points(entry_info)

        entries: list[ManifestEntry] = []
        for info in files:
            scheme, relative = self.route(info.filename, root_scheme, data_dir)
            expected = hashes.get(info.filename)
            entries.append(
                ManifestEntry(
                    member=info.filename,
                    scheme=scheme,
                    relative=relative,
                    hash=None if expected is None else "=".join(expected),
                    size=info.file_size,
                    executable=bool((info.external_attr >> 16) & 0o111),
                )
            )
        self.files, self.hashes = files, hashes
        return WheelManifest(
            filename=self.wheel,
            name=self.name,
            version=self.version,
            dist_info=dist_info,
            data_dir=data_dir,
            root_scheme=root_scheme,
            metadata_text=metadata_text,
            files=tuple(entries),
            entry_points=_frozen(entry_points),
        )

    # --- the archive's directory ------------------------------------------------------

    def scan_members(self) -> tuple[list[zipfile.ZipInfo], str, str | None]:
        """Files (no directory entries), the .dist-info and the .data directory."""
        files: list[zipfile.ZipInfo] = []
        seen: set[str] = set()
        dist_infos: set[str] = set()
        data_dirs: set[str] = set()
        for info in self.archive.infolist():
            member = info.filename
            if member in seen:
                self.refuse(f"member {member!r} appears twice in the archive")
            seen.add(member)
            problem = _path_problem(member)
            if problem:
                self.refuse(f"member {member!r} {problem}")
            if stat.S_ISLNK(info.external_attr >> 16):
                self.refuse(f"member {member!r} is a symbolic link")
            top, slash, _ = member.partition("/")
            if slash:
                if top.endswith(".dist-info"):
                    dist_infos.add(top)
                elif top.endswith(".data"):
                    data_dirs.add(top)
            if info.is_dir():
                continue  # directory entries carry no data and are not installed
            self.check_sizes(info)
            files.append(info)

        if len(dist_infos) != 1:
            found = ", ".join(sorted(dist_infos))
            self.refuse(
                f"it has {len(dist_infos)} .dist-info directories ({found}); a wheel "
                "has exactly one"
                if dist_infos
                else "it has no .dist-info directory"
            )
        (dist_info,) = dist_infos
        if not self.names_this_release(dist_info[: -len(".dist-info")]):
            self.refuse(
                f"its metadata directory {dist_info} does not match the file name, "
                f"which says {self.name} {self.version}"
            )
        for directory in sorted(data_dirs):
            if not self.names_this_release(directory[: -len(".data")]):
                self.refuse(
                    f"its directory {directory} does not match the file name, which "
                    f"says {self.name} {self.version}"
                )
        if len(data_dirs) > 1:
            self.refuse(f"it has {len(data_dirs)} .data directories; a wheel has one")
        return files, dist_info, next(iter(data_dirs), None)

    def check_sizes(self, info: zipfile.ZipInfo) -> None:
        member, size, packed = info.filename, info.file_size, info.compress_size
        if info.flag_bits & _ENCRYPTED:
            self.refuse(f"member {member!r} is encrypted")
        if size > MAX_MEMBER_SIZE:
            self.refuse(
                f"member {member!r} declares {size:,} bytes uncompressed, more than "
                f"the {MAX_MEMBER_SIZE // 1024**3} GiB inst accepts (a ZIP bomb?)"
            )
        if size > MAX_COMPRESSION_RATIO * max(packed, 1) or (size and not packed):
            ratio = f"{size // packed:,}:1" if packed else "an unbounded ratio"
            self.refuse(
                f"member {member!r} expands {packed:,} compressed bytes to {size:,} "
                f"({ratio}), beyond the {MAX_COMPRESSION_RATIO}:1 inst accepts "
                "(a ZIP bomb?)"
            )

    def names_this_release(self, stem: str) -> bool:
        """Whether "<name>-<version>" names the file's project and version."""
        # Split at each "-": an old name may hold one, and so may an old version.
        start = 0
        while True:
            dash = stem.find("-", start)
            if dash < 0:
                return False
            if canonicalize_name(stem[:dash]) == self.name:
                version = _version(stem[dash + 1 :])
                if version is not None and version == self.version:
                    return True
            start = dash + 1

    # --- the metadata files -----------------------------------------------------------

    def read_text(self, info: zipfile.ZipInfo, label: str) -> str:
        if info.file_size > MAX_METADATA_FILE_SIZE:
            self.refuse(f"its {label} has {info.file_size:,} bytes, too many")
        data = self.read_member(info)
        self.contents[info.filename] = data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.refuse(f"its {label} is not UTF-8 text")

    def check_wheel_file(self, info: zipfile.ZipInfo) -> str:
        """Wheel-Version 1.x; the scheme of the archive root."""
        headers = email.parser.HeaderParser().parsestr(self.read_text(info, "WHEEL"))
        wheel_version = str(headers.get("Wheel-Version") or "").strip()
        if not wheel_version:
            self.refuse("its WHEEL file has no Wheel-Version")
        # The wheel spec: refuse a greater major version, warn on a greater minor one;
        # older versions (0.1 wheels exist) are installed, as pip does.
        parts = wheel_version.split(".")
        if not all(part.isdigit() for part in parts) or len(parts) > 3:
            self.refuse(f"its Wheel-Version {wheel_version!r} is not a version number")
        major, minor = int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
        if major > SUPPORTED_WHEEL_VERSION[0]:
            self.refuse(
                f"its Wheel-Version is {wheel_version}; inst installs wheels of "
                f"version {SUPPORTED_WHEEL_VERSION[0]}.x and older",
                hint="look for an older release of it, or a newer inst",
            )
        if major == SUPPORTED_WHEEL_VERSION[0] and minor > SUPPORTED_WHEEL_VERSION[1]:
            ui.warning(
                f"{self.wheel} has Wheel-Version {wheel_version}, newer than the "
                f"{'.'.join(map(str, SUPPORTED_WHEEL_VERSION))} inst knows; "
                "installing it anyway, as the wheel spec allows"
            )
        root_is_purelib = str(headers.get("Root-Is-Purelib") or "").strip().lower()
        return "purelib" if root_is_purelib == "true" else "platlib"

    def check_metadata(self, info: zipfile.ZipInfo) -> str:
        """METADATA's text, once its Name and Version agree with the file name."""
        text = self.read_text(info, "METADATA")
        metadata = email.parser.HeaderParser().parsestr(text)
        meta_name = str(metadata.get("Name") or "").strip()
        meta_version = str(metadata.get("Version") or "").strip()
        if not meta_name or not meta_version:
            missing = "Name" if not meta_name else "Version"
            self.refuse(f"its METADATA has no {missing}")
        if canonicalize_name(meta_name) != self.name:
            self.refuse(
                f"its METADATA names the project {meta_name!r}, but the file name "
                f"says {self.name}"
            )
        parsed = _version(meta_version)
        if parsed is None or parsed != self.version:
            self.refuse(
                f"its METADATA gives version {meta_version!r}, but the file name "
                f"says {self.version}"
            )
        return text

    def check_record(
        self, files: list[zipfile.ZipInfo], record_info: zipfile.ZipInfo, dist_info: str
    ) -> dict[str, tuple[str, str]]:
        """Member -> (hash algorithm, expected digest); RECORD covers exactly the files."""
        text = self.read_text(record_info, "RECORD")
        rows: dict[str, tuple[str, str]] = {}
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            for row in reader:
                if not row:
                    continue
                if len(row) != 3:
                    self.refuse(
                        f"line {reader.line_num} of its RECORD has {len(row)} "
                        "fields instead of 3"
                    )
                member, hash_text, size = row
                if rows.get(member, (hash_text, size)) != (hash_text, size):
                    self.refuse(f"its RECORD lists {member!r} twice, differently")
                rows[member] = (hash_text, size)
        except csv.Error as error:
            self.refuse(f"line {reader.line_num} of its RECORD is not CSV ({error})")

        # RECORD cannot hash itself, nor its signatures (which sign RECORD).
        unhashed = {f"{dist_info}/{n}" for n in ("RECORD", "RECORD.jws", "RECORD.p7s")}
        names = {info.filename for info in files}
        for member in rows:
            if member not in names:
                self.refuse(
                    f"its RECORD lists {member!r}, which the archive does not contain"
                )
        hashes: dict[str, tuple[str, str]] = {}
        for info in files:
            member = info.filename
            if member in unhashed:
                continue
            if member not in rows:
                self.refuse(f"member {member!r} is not listed in its RECORD")
            hash_text, size = rows[member]
            algorithm, equals, digest = hash_text.partition("=")
            if not equals or not digest:
                self.refuse(f"its RECORD gives no hash for {member!r}")
            if algorithm not in _HASHES:
                kind = (
                    "a hash weaker than sha256"
                    if algorithm in hashlib.algorithms_available
                    else "an unknown hash"
                )
                self.refuse(f"its RECORD hashes {member!r} with {algorithm}, {kind}")
            if not size.strip().isdigit():
                self.refuse(f"its RECORD gives no size for {member!r}")
            if int(size) != info.file_size:
                self.refuse(
                    f"its RECORD gives {member!r} a size of {int(size):,} bytes, but "
                    f"the archive holds {info.file_size:,}"
                )
            # The spec's encoding is unpadded; padding changes nothing, so allow it.
            hashes[member] = (algorithm, digest.rstrip("="))
        return hashes

    def check_entry_points(self, info: zipfile.ZipInfo) -> dict[str, dict[str, str]]:
        """console_scripts / gui_scripts: names that stay file names in scripts."""
        parser = _EntryPointsParser()
        try:
            parser.read_string(self.read_text(info, "entry_points.txt"))
        except configparser.Error as error:
            self.refuse(f"its entry_points.txt cannot be parsed: {_ini_problem(error)}")
        result: dict[str, dict[str, str]] = {}
        for group in _SCRIPT_GROUPS:
            if not parser.has_section(group):
                continue
            scripts: dict[str, str] = {}
            for script, value in parser.items(group):
                problem = _script_name_problem(script)
                if problem:
                    self.refuse(f"its {group} entry point {script!r} {problem}")
                if not _ENTRY_POINT_VALUE.match(value):
                    self.refuse(
                        f"its {group} entry point {script!r} points at {value!r}, "
                        "not at module:function"
                    )
                scripts[script] = value
            result[group] = scripts
        return result

    # --- where everything goes --------------------------------------------------------

    def route(
        self, member: str, root_scheme: str, data_dir: str | None
    ) -> tuple[str, str]:
        """The member's scheme and its path below that scheme's directory."""
        scheme, relative = root_scheme, member
        if data_dir is not None and member.startswith(data_dir + "/"):
            scheme, _, relative = member[len(data_dir) + 1 :].partition("/")
            if not relative:
                self.refuse(
                    f"member {member!r} is not inside a scheme directory "
                    f"({data_dir}/<scheme>/...)"
                )
            if scheme not in SCHEMES:
                self.refuse(
                    f"member {member!r} is in {data_dir}/{scheme}, and "
                    f"{scheme!r} is not one of {', '.join(SCHEMES)}"
                )
        if relative.rpartition("/")[2] in ("", ".", ".."):
            self.refuse(f"member {member!r} does not name a file")
        # scan_members() refuses ".." already; this holds whatever it lets through.
        normalized = posixpath.normpath(relative)
        if normalized == ".." or normalized.startswith(("../", "/")):
            self.refuse(f"member {member!r} would leave the {scheme} directory")
        return scheme, relative

    # --- the contents -----------------------------------------------------------------

    def read_member(self, info: zipfile.ZipInfo) -> bytes:
        chunks: list[bytes] = []
        self.consume(info, self.data_start(info), chunks.append)
        return b"".join(chunks)

    def check_contents(self) -> None:
        """Read every member once, in archive order: CRC, size and RECORD hash; and
        with extract_to, write it out from the same bytes."""
        previous_end, previous = 0, ""
        for info in sorted(self.files, key=lambda info: info.header_offset):
            member = info.filename
            start = self.data_start(info)
            # Entries sharing compressed data make a small archive inflate to
            # terabytes (overlapping ZIP bombs); no archiver writes them.
            if info.header_offset < previous_end:
                self.refuse(
                    f"member {member!r} overlaps member {previous!r} in the archive "
                    "(a ZIP bomb?)"
                )
            previous_end, previous = start + info.compress_size, member
            expected = self.hashes.get(member)  # None: RECORD and its signatures
            hasher = None if expected is None else _HASHES[expected[0]]()
            known = self.contents.get(member)
            if self.extract_to is None:
                if hasher is None:
                    if known is None:  # only the CRC to check
                        self.consume(info, start, _discard)
                elif known is not None:
                    hasher.update(known)
                else:
                    self.consume(info, start, hasher.update)
            else:
                self.extract(info, start, hasher, known)
            if expected is not None and hasher is not None:
                algorithm, digest = expected
                actual = base64.urlsafe_b64encode(hasher.digest()).rstrip(b"=")
                if actual.decode("ascii") != digest:
                    self.refuse(
                        f"member {member!r} does not match its RECORD {algorithm} "
                        f"hash (RECORD has {digest}, the file has "
                        f"{actual.decode('ascii')})"
                    )

    def extract(
        self,
        info: zipfile.ZipInfo,
        start: int,
        hasher: _Hasher | None,
        known: bytes | None,
    ) -> None:
        """Write the member below extract_to while hashing it (known: read already)."""
        assert self.extract_to is not None
        member = info.filename
        target = self.extract_to / member
        try:
            if target.parent not in self._made:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(target.parent)
            # "x": extract_to was empty, so a file already there is another member's.
            output = open(target, "xb")  # noqa: SIM115 - closed below
        except (FileExistsError, NotADirectoryError, IsADirectoryError):
            # Only the wheel's own names collide there ("a" and "a/b", or two names
            # that differ in case on a case-insensitive filesystem).
            self.refuse(
                f"member {member!r} cannot be unpacked: its path collides with "
                "another member's"
            )
        update = None if hasher is None else hasher.update

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
        if (info.external_attr >> 16) & 0o111:
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
            self.refuse(_read_problem(member, error))
        if name is None:
            self.refuse(
                f"member {member!r} cannot be read: its local header is missing "
                "or damaged"
            )
        encoding = "utf-8" if info.flag_bits & _UTF8_NAME else "cp437"
        if name.decode(encoding, errors="replace") != info.orig_filename:
            self.refuse(
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
                size, crc = self.consume_raw(info, start, sink)
            else:
                size, crc = self.consume_with_zipfile(info, sink)
        except _READ_ERRORS as error:  # every failure to read is a refusal, in words
            self.refuse(_read_problem(member, error))
        if size != info.file_size:
            self.refuse(
                f"member {member!r} holds {'more than ' if size > info.file_size else ''}"
                f"{size:,} bytes, not the {info.file_size:,} the archive declares"
            )
        if crc is not None and crc != info.CRC:
            self.refuse(_read_problem(member, zipfile.BadZipFile("Bad CRC-32")))

    def consume_raw(
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

    def consume_with_zipfile(
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


@dataclass
class _Target:
    """One file the installation would write."""

    path: str  # absolute, normalised
    parent: str  # its directory
    source: str  # what writes it: "member 'x'" or "the console_scripts entry point 'x'"


class _Placement:
    """Where the files of one manifest go, given the scheme directories."""

    def __init__(self, manifest: WheelManifest, scheme: Mapping[str, str]) -> None:
        self.manifest = manifest
        self.wheel = manifest.filename
        self.name = manifest.name
        self.scheme = scheme
        self._bases: dict[str, str] = {}
        self._directories: dict[tuple[str, str], str] = {}

    def refuse(self, why: str, hint: str = _BROKEN_HINT) -> NoReturn:
        _refuse(self.wheel, why, hint)

    def base(self, scheme: str) -> str:
        """The scheme's directory, absolute with symlinks resolved (computed once)."""
        if scheme not in self._bases:
            directory = self.scheme.get(scheme)
            if not directory:
                self.refuse(
                    f"it has files for the {scheme} directory, which the target "
                    "environment does not define"
                )
            self._bases[scheme] = os.path.realpath(directory)
        return self._bases[scheme]

    def target(self, scheme: str, relative: str, source: str) -> _Target:
        """Where a file goes; refused if it leaves its scheme directory."""
        directory, _, filename = relative.rpartition("/")
        if filename in ("", ".", ".."):
            self.refuse(f"{source} does not name a file")
        # Checked once per directory: the file name itself holds no separator.
        parent = self._directories.get((scheme, directory))
        if parent is None:
            base = self.base(scheme)
            parent = os.path.normpath(os.path.join(base, directory))
            try:
                inside = os.path.commonpath([base, parent]) == base
            except ValueError:  # another drive
                inside = False
            if not inside:
                self.refuse(
                    f"{source} would be written to {os.path.join(parent, filename)}, "
                    f"outside the {scheme} directory {base}"
                )
            self._directories[scheme, directory] = parent
        return _Target(os.path.join(parent, filename), parent, source)

    def route(self) -> dict[str, _Target]:
        """Every file the installation writes, by normcased path."""
        targets: dict[str, _Target] = {}

        def add(target: _Target) -> None:
            key = os.path.normcase(target.path)
            other = targets.get(key)
            if other is not None:
                self.refuse(
                    f"{other.source} and {target.source} would both be written to "
                    f"{target.path}"
                )
            targets[key] = target

        suffix = ".exe" if os.name == "nt" else ""  # installer's launchers on Windows
        shadowed = self.manifest.shadowed_scripts(suffix)
        for entry in self.manifest.files:
            if entry.member in shadowed:
                continue  # its entry point writes that script instead
            source = f"member {entry.member!r}"
            if entry.scheme == "scripts":
                self.refuse_reserved(entry.relative, source)
            add(self.target(entry.scheme, entry.relative, source))

        for group, scripts in self.manifest.entry_points.items():
            for script in scripts:
                # Checked again here: the manifest may come from a JSON file.
                problem = _script_name_problem(script)
                if problem:
                    self.refuse(f"its {group} entry point {script!r} {problem}")
                source = f"the {group} entry point {script!r}"
                self.refuse_reserved(script + suffix, source)
                add(self.target("scripts", script + suffix, source))
        return targets

    def refuse_reserved(self, relative: str, source: str) -> None:
        """A script named like the interpreter or a venv's activation scripts would
        replace the environment's own (in a venv, its Python): refused everywhere."""
        if "/" not in relative and _RESERVED_SCRIPT.match(relative):
            self.refuse(
                f"{source} would write {relative} into the scripts directory, a name "
                "reserved for the environment's own Python and activation scripts",
                hint="report the problem to the project's maintainers; nothing was "
                "installed",
            )


class _Overwrites:
    """Rule 10: no file of the interpreter or of another distribution is replaced."""

    def __init__(
        self,
        placement: _Placement,
        targets: Mapping[str, _Target],
        python: Path | None,
        installed: Callable[[], Mapping[NormalizedName, InstalledDist]],
        installing_over: Mapping[NormalizedName, InstalledDist] | None,
    ) -> None:
        self.placement = placement
        self.targets = targets
        self.python = python
        self._list_installed = installed
        self.installing_over = installing_over
        self._installed: Mapping[NormalizedName, InstalledDist] | None = None

    def installed(self) -> Mapping[NormalizedName, InstalledDist]:
        if self._installed is None:  # lists sys.path: only when something exists
            self._installed = self._list_installed()
        return self._installed

    def check(self) -> None:
        # The interpreter, and the directory it is in (the venv's bin, where the
        # environment's own files are).
        bin_dirs: set[str] = set()
        if self.python is not None:
            python = os.path.abspath(self.python)
            directory = os.path.dirname(python)
            bin_dirs.add(os.path.normcase(os.path.realpath(directory)))
            interpreter = {
                os.path.normcase(path)
                for path in (
                    python,
                    os.path.realpath(python),
                    os.path.join(os.path.realpath(directory), os.path.basename(python)),
                )
            }
            for key, target in self.targets.items():
                if key in interpreter:
                    self.refuse(
                        target,
                        f"the environment's Python interpreter {python}",
                        hint="report the problem to the project's maintainers (or "
                        "pass --force-reinstall to replace the interpreter anyway)",
                    )
        if self.placement.scheme.get("scripts"):
            bin_dirs.add(os.path.normcase(self.placement.base("scripts")))

        existing = self.existing()
        if not existing:
            return  # nothing to overwrite: the usual case, no RECORD is read
        name = self.placement.name
        over = self.installing_over
        same = (
            over[name]
            if over is not None and name in over
            else self.installed().get(name)
        )
        if same is not None:  # an upgrade replaces its own files
            owned = _installed_files(same)
            existing = [key for key in existing if key not in owned]
        if not existing:
            return

        others = self.installed() if over is None else over
        for dist in others.values():
            if dist.name == name:
                continue
            owned = _installed_files(dist)
            for key in existing:
                if key in owned:
                    self.refuse(
                        self.targets[key],
                        f"a file of {dist.display_name} {dist.version}",
                    )

        # Left: files no remaining distribution owns. In the scripts directory, one
        # that no installed distribution owns at all is the environment's own
        # (python3, activate, ...).
        in_bin = [key for key in existing if os.path.dirname(key) in bin_dirs]
        if not in_bin:
            return
        owned_anywhere: set[str] = set()
        for dist in self.installed().values():
            owned_anywhere |= _installed_files(dist)
        for key in in_bin:
            if key not in owned_anywhere:
                self.refuse(
                    self.targets[key],
                    "a file of the Python environment itself, which no "
                    "distribution installed",
                    hint="report the problem to the project's maintainers (or "
                    "pass --force-reinstall to replace the file anyway)",
                )

    def existing(self) -> list[str]:
        """Keys of the targets already on disk (directories that don't exist: skipped)."""
        directories: dict[str, bool] = {}
        result: list[str] = []
        for key, target in self.targets.items():
            present = directories.get(target.parent)
            if present is None:
                present = directories[target.parent] = os.path.isdir(target.parent)
            if present and os.path.lexists(target.path):
                result.append(key)
        return result

    def refuse(
        self, target: _Target, what: str, hint: str = _OVERWRITE_HINT
    ) -> NoReturn:
        self.placement.refuse(
            f"{target.source} would overwrite {target.path}, {what}", hint=hint
        )


def _installed_files(dist: InstalledDist) -> set[str]:
    """The normcased absolute paths a distribution's RECORD (installed-files.txt) lists."""
    if dist.path.name.lower().endswith(".dist-info"):
        listing, base = dist.path / "RECORD", dist.path.parent
    else:  # egg-info: paths relative to the .egg-info directory itself
        listing, base = dist.path / "installed-files.txt", dist.path
    try:
        text = listing.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    root = os.path.realpath(base)
    if listing.name == "RECORD":
        paths: Iterable[str] = (
            row[0] for row in csv.reader(io.StringIO(text, newline="")) if row
        )
    else:
        paths = (line.strip() for line in text.splitlines() if line.strip())
    return {os.path.normcase(os.path.normpath(os.path.join(root, p))) for p in paths}


class _EntryPointsParser(configparser.ConfigParser):
    """entry_points.txt as installer reads it: "=" only, names keep their case."""

    def __init__(self) -> None:
        super().__init__(delimiters=("=",), interpolation=None)

    def optionxform(self, optionstr: str) -> str:
        return optionstr


def _path_problem(member: str) -> str | None:
    """Why an archive path is unsafe to join to a directory, or None."""
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


#: Scripts a venv or a Python installation owns: python, python3, python3.13t,
#: pythonw, activate, activate.fish, Activate.ps1, deactivate.bat, ...
_RESERVED_SCRIPT = re.compile(
    r"(?i)^(python(w)?(\d+(\.\d+)?t?)?(\.exe)?|activate(\..*|_this\.py)?|deactivate(\..*)?)$"
)


def _script_name_problem(script: str) -> str | None:
    """Why an entry-point name cannot be a file name in the scripts directory."""
    if not script.strip():
        return "has an empty name"
    if script in (".", ".."):
        return "is not a file name"
    for character, label in (
        ("/", "a slash"),
        ("\\", "a backslash"),
        (":", "a colon"),
        ("\x00", "a NUL character"),
    ):
        if character in script:
            return f"has {label} in its name, which would leave the scripts directory"
    return None


def _ini_problem(error: configparser.Error) -> str:
    """configparser's complaint in a few words."""
    if isinstance(error, configparser.MissingSectionHeaderError):
        return f"line {error.lineno} comes before any [section]"
    if isinstance(error, configparser.ParsingError) and error.errors:
        lineno, line = error.errors[0]
        try:  # configparser keeps the line's repr()
            line = str(ast.literal_eval(line))
        except (ValueError, SyntaxError):
            pass
        return f"line {lineno} is not 'name = value': {line.strip()!r}"
    if isinstance(error, configparser.DuplicateOptionError):
        return f"{error.option!r} appears twice in [{error.section}]"
    if isinstance(error, configparser.DuplicateSectionError):
        return f"[{error.section}] appears twice"
    return error.message.strip().splitlines()[0]


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
    if isinstance(error, EOFError):
        return f"the archive ends inside member {member!r} (is the file truncated?)"
    if isinstance(error, NotImplementedError):
        return f"member {member!r} uses a compression method inst cannot read"
    if isinstance(error, OSError):
        return f"member {member!r} cannot be read: {error.strerror or error}"
    return f"member {member!r} cannot be read from the archive ({error})"


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None

"""The wheel spec's rules, checked on the archive alone; the result is a manifest.

``inspect_wheel()`` refuses (``InvalidWheel``) a wheel whose name does not match its
``.dist-info``, whose WHEEL file has no or a too new Wheel-Version, whose METADATA names
another project or version, whose ``RECORD`` does not describe the archive exactly
(every file listed once, with a sha256-or-stronger hash and the right size), whose
member paths leave their scheme directory whatever that directory is, which holds a
symlink, a damaged or bomb-like member (archive.py), or a bad entry point. What it
returns (``WheelManifest``) says what each file is and where in a scheme it goes; where
those scheme directories are is the installer's business (inst.install.placement).

Order: the cheap checks on names and headers first, the one pass that decompresses and
hashes every member last, so a refusal costs as little as possible and a good wheel is
read exactly once. That pass can write every member out too (extract_to).
"""

from __future__ import annotations

import ast
import base64
import configparser
import csv
import email.parser
import hashlib
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NoReturn, Protocol

from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from inst.wheel.archive import (
    Archive,
    ArchiveError,
    discard,
    is_executable,
    is_symlink,
    path_problem,
    size_problem,
)
from inst.wheel.manifest import ManifestEntry, WheelManifest, frozen_entry_points
from inst.wheel.problems import (
    BROKEN_HINT,
    InvalidWheel,
    script_name_problem,
)

#: The newest Wheel-Version (major, minor) inst knows.
SUPPORTED_WHEEL_VERSION = (1, 0)
#: The subdirectories of ``<name>-<version>.data`` the wheel spec defines.
SCHEMES = ("purelib", "platlib", "headers", "scripts", "data")

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
# What installer's own entry-point parser accepts (it asserts on anything else).
_ENTRY_POINT_VALUE = re.compile(r"[\w.]+\s*:\s*[\w.]+\s*(\[.*\])?\s*$")
_SCRIPT_GROUPS = ("console_scripts", "gui_scripts")


def inspect_wheel(
    path: Path,
    *,
    extract_to: Path | None = None,
    warn: Callable[[str], None] | None = None,
    stopped: Callable[[], bool] = lambda: False,
) -> WheelManifest:
    """Check everything about the wheel at path that needs no environment; raise
    InvalidWheel. The manifest says what each file is and where in a scheme it goes.

    extract_to: an existing empty directory; each member is written to
    ``extract_to / member`` (executable members with mode 0o755) by the same pass that
    hashes it, so the archive is decompressed once. A refusal (or an OSError writing)
    can come after some files were written: the caller then deletes extract_to, which
    this function never does.

    warn: what is said of a wheel installed anyway (a newer minor Wheel-Version),
    in words, for the caller's reporter; unsaid without it.

    stopped: asked between members; once it says True, Stopped is raised (the run
    is being interrupted: a wheel of tens of thousands of files is not unpacked to
    its end first).
    """
    path = Path(path)
    if extract_to is not None and any(Path(extract_to).iterdir()):
        raise ValueError(f"{extract_to} is not an empty directory")
    wheel = path.name
    try:
        name, version, _, _ = parse_wheel_filename(wheel)
    except (InvalidWheelFilename, InvalidVersion) as error:
        _refuse(wheel, f"its file name is not a valid wheel file name ({error})")
    try:
        with Archive.opened(path) as opened:
            inspection = _Inspection(
                wheel, name, version, opened, extract_to, warn, stopped
            )
            manifest = inspection.survey()
            inspection.check_contents()
    except ArchiveError as error:  # the archive's own words, as a refusal
        _refuse(wheel, error.why, BROKEN_HINT if error.hint is None else error.hint)
    return manifest


def _refuse(wheel: str, why: str, hint: str = BROKEN_HINT) -> NoReturn:
    raise InvalidWheel(wheel, why, hint) from None


class Stopped(Exception):
    """Raised by inspect_wheel() between members once asked to stop."""


class _Inspection:
    """The state of inspecting one open archive: survey() then check_contents()."""

    def __init__(
        self,
        wheel: str,
        name: NormalizedName,
        version: Version,
        archive: Archive,
        extract_to: Path | None,
        warn: Callable[[str], None] | None = None,
        stopped: Callable[[], bool] = lambda: False,
    ) -> None:
        self.wheel = wheel
        self.stopped = stopped
        self.warn = warn or (lambda text: None)
        self.name = name
        self.version = version
        self.archive = archive
        self.extract_to = extract_to
        # Members already read whole (metadata files): the hash pass reuses the bytes.
        self.contents: dict[str, bytes] = {}
        # Set by survey() for check_contents().
        self.files: list[zipfile.ZipInfo] = []
        self.hashes: Mapping[str, tuple[str, str]] = {}

    def refuse(self, why: str, hint: str = BROKEN_HINT) -> NoReturn:
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
                    executable=is_executable(info),
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
            entry_points=frozen_entry_points(entry_points),
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
            problem = path_problem(member)
            if problem:
                self.refuse(f"member {member!r} {problem}")
            if is_symlink(info):
                self.refuse(f"member {member!r} is a symbolic link")
            top, slash, _ = member.partition("/")
            if slash:
                if top.endswith(".dist-info"):
                    dist_infos.add(top)
                elif top.endswith(".data"):
                    data_dirs.add(top)
            if info.is_dir():
                continue  # directory entries carry no data and are not installed
            problem = size_problem(info)
            if problem:
                self.refuse(problem)
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
        data = self.archive.read(info)
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
            self.warn(
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
                problem = script_name_problem(script)
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

    def check_contents(self) -> None:
        """Read every member once, in archive order: CRC, size and RECORD hash; and
        with extract_to, write it out from the same bytes."""
        for info, start in self.archive.in_order(self.files):
            if self.stopped():
                raise Stopped(self.wheel)
            member = info.filename
            expected = self.hashes.get(member)  # None: RECORD and its signatures
            hasher = None if expected is None else _HASHES[expected[0]]()
            known = self.contents.get(member)
            if self.extract_to is None:
                if hasher is None:
                    if known is None:  # only the CRC to check
                        self.archive.consume(info, start, discard)
                elif known is not None:
                    hasher.update(known)
                else:
                    self.archive.consume(info, start, hasher.update)
            else:
                self.archive.extract(
                    info,
                    start,
                    self.extract_to / member,
                    None if hasher is None else hasher.update,
                    known,
                )
            if expected is not None and hasher is not None:
                algorithm, digest = expected
                actual = base64.urlsafe_b64encode(hasher.digest()).rstrip(b"=")
                if actual.decode("ascii") != digest:
                    self.refuse(
                        f"member {member!r} does not match its RECORD {algorithm} "
                        f"hash (RECORD has {digest}, the file has "
                        f"{actual.decode('ascii')})"
                    )


class _EntryPointsParser(configparser.ConfigParser):
    """entry_points.txt as installer reads it: "=" only, names keep their case."""

    def __init__(self) -> None:
        super().__init__(delimiters=("=",), interpolation=None)

    def optionxform(self, optionstr: str) -> str:
        return optionstr


#: Scripts a venv or a Python installation owns: python, python3, python3.13t,
#: pythonw, activate, activate.fish, Activate.ps1, deactivate.bat, ...
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


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None

"""One requirement as the user wrote it (command line or a requirements-file line) →
a RequirementSpec: what to install and where it comes from.

The rules for telling paths, URLs and PEP 508 strings apart follow pip's:

- a URL (``https://…``, ``file:…``) is a direct reference, named by its filename or
  ``#egg=``;
- text that "looks like a path" (has a path separator, or starts with ``.`` or ``~``)
  and names a directory is a source tree, which must hold pyproject.toml or setup.py;
- text whose name ends like a distribution archive (.whl, .tar.gz, .zip, …) is a local
  file, unless it is ``name @ …`` (then it is PEP 508);
- anything else is PEP 508. A bare word is never a path, even when such a directory
  exists (pip does the same, so ``inst install requests`` in a folder holding
  ``requests/`` still asks the index).

Paths may carry extras (``./dir[extra]``, ``pkg.whl[extra]``) and a ``; marker``.
"""

from __future__ import annotations

import enum
import errno
import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path

from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from inst._records import dataclass
from inst.errors import InstError
from inst.fileurls import file_url, path_from_file_url
from inst.models import HASH_ALGORITHMS, parse_sdist_name, url_filename

__all__ = [
    "ARCHIVE_EXTENSIONS",
    "RequirementError",
    "RequirementSpec",
    "SourceKind",
    "parse_config_settings",
    "parse_hash_option",
    "parse_requirement",
]

#: Every extension pip treats as a distribution archive. Only .whl, .tar.gz and .zip
#: are standard today; the others are legacy sdist formats, unpacked all the same
#: (inst.models.SDIST_SUFFIXES), except lzip's .tar.lz, which no Python reads: it is
#: recognised as a file, and refused with that reason.
ARCHIVE_EXTENSIONS = (
    ".whl",
    ".tar.gz",
    ".zip",
    ".tgz",
    ".tar",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)

_ARCHIVES_WHY = (
    "only wheels (.whl) and sdists (.tar.gz, .zip, .tar.bz2, .tar.xz, .tar.lzma, "
    ".tgz, .tbz, .txz, .tlz, .tar) can be installed"
)

#: Hex digest lengths, to catch a truncated or mistyped --hash early.
_DIGEST_LENGTHS = {"sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128}

_PEP508_HINT = (
    "write requirements as PEP 508: a name, optional [extras], version specifiers "
    "and an optional '; marker', e.g. 'requests[socks]>=2.31; python_version >= \"3.9\"'"
)

# "name @" or "name[extras] @" opens a PEP 508 direct reference, even if the URL after
# it looks like a path or an archive.
_DIRECT_REFERENCE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
_TRAILING_EXTRAS = re.compile(r"^(.+?)(\[[^\]]*\])$")
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_URL_SCHEMES = ("http", "https", "file", "ftp")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_VCS_SCHEMES = ("git", "hg", "svn", "bzr")
_EGG_FRAGMENT = re.compile(r"[#&]egg=([^&]*)")
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
# A lone "=" (not part of ==, !=, <=, >=, ~=, ===): the classic "foo=1.0" typo.
_SINGLE_EQUALS = re.compile(r"(?<![=!<>~])=(?!=)")


class RequirementError(InstError):
    """A requirement (or requirements-file line) cannot be understood."""


class SourceKind(enum.Enum):
    NAMED = "named"  # from an index: "requests>=2", "name[extra]; marker"
    URL = "url"  # "name @ https://…/x.whl", or a bare URL to a wheel/sdist
    WHEEL_FILE = "wheel"  # a local .whl path
    SDIST_FILE = "sdist"  # a local .tar.gz / .zip sdist path
    DIRECTORY = "directory"  # a local source tree (pyproject.toml or setup.py)


@dataclass(frozen=True)
class RequirementSpec:
    """A requirement ready for the resolver; see parse_requirement()."""

    kind: SourceKind
    name: NormalizedName | None  # None only when unknown before building
    requirement: Requirement | None  # when the text was PEP 508
    extras: frozenset[str]  # canonicalized
    specifier: SpecifierSet  # empty for non-named
    marker: Marker | None
    url: str | None  # direct URL without fragment (file:// for local paths)
    path: Path | None  # local file or directory, absolute
    # hash=False: a dict cannot be hashed, and equal specs compare it anyway.
    hashes: Mapping[str, frozenset[str]] = field(hash=False)
    origin: str  # "command line", "-r requirements.txt (line 3)", …
    constraint: bool = False
    editable: bool = False
    line: str = ""  # the original text, for messages
    # Per-requirement build options (a requirements-file line's -C, --global-option,
    # --build-option), in the order given; the build layer adds them to the
    # command line's. Tuples, so the spec stays hashable.
    config_settings: tuple[tuple[str, str], ...] = ()
    global_options: tuple[str, ...] = ()
    build_options: tuple[str, ...] = ()

    @property
    def is_local(self) -> bool:
        return self.path is not None

    def pinned_version(self) -> Version | None:
        """The one version this spec allows, if it allows exactly one.

        That is a single ``==`` (without wildcard) or ``===`` specifier, or a wheel
        (local or URL), whose filename states its version.
        """
        if self.kind in (SourceKind.WHEEL_FILE, SourceKind.URL):
            filename = self.path.name if self.path else url_filename(self.url or "")
            if filename.endswith(".whl"):
                try:
                    return parse_wheel_filename(filename)[1]
                except InvalidWheelFilename:
                    return None
        specs = list(self.specifier)
        if len(specs) != 1:
            return None
        spec = specs[0]
        if spec.operator not in ("==", "===") or spec.version.endswith(".*"):
            return None
        try:
            return Version(spec.version)
        except InvalidVersion:  # "===" allows arbitrary strings
            return None

    def __str__(self) -> str:
        if self.path is not None:
            return str(self.path) + _extras_suffix(self.extras)
        if self.requirement is not None:
            return str(self.requirement)
        return (self.url or self.line) + _extras_suffix(self.extras)


def parse_requirement(
    text: str,
    *,
    origin: str = "command line",
    base_dir: Path | None = None,
    hashes: Mapping[str, Iterable[str]] | None = None,
    constraint: bool = False,
    editable: bool = False,
    config_settings: Iterable[str] = (),
    global_options: Iterable[str] = (),
    build_options: Iterable[str] = (),
) -> RequirementSpec:
    """Parse one requirement: a PEP 508 string, a URL, or a local path.

    Relative paths resolve against ``base_dir`` (default: the current directory).
    ``hashes`` (algorithm → hex digests, e.g. from ``--hash``) merge with any hash in a
    URL fragment. ``config_settings`` are ``KEY=VALUE`` strings, split at the first
    ``=``; ``global_options`` and ``build_options`` are kept as given. Raises
    RequirementError when the text (or a config setting) is unusable.
    """
    text = text.strip()
    if not text:
        raise RequirementError("empty requirement", hint=_PEP508_HINT)
    base = Path(os.path.abspath(base_dir if base_dir is not None else os.getcwd()))
    parsed = _parse(text, base)
    all_hashes = _merge_hashes(hashes, parsed.fragment_hashes)
    spec = RequirementSpec(
        kind=parsed.kind,
        name=parsed.name,
        requirement=parsed.requirement,
        extras=frozenset(canonicalize_name(extra) for extra in parsed.extras),
        specifier=parsed.specifier,
        marker=parsed.marker,
        url=parsed.url,
        path=parsed.path,
        hashes=all_hashes,
        origin=origin,
        constraint=constraint,
        editable=editable,
        line=text,
        config_settings=tuple(_split_config_setting(item) for item in config_settings),
        global_options=tuple(global_options),
        build_options=tuple(build_options),
    )
    if editable:
        _check_editable(spec)
    if constraint:
        _check_constraint(spec)
    return spec


def parse_hash_option(value: str) -> tuple[str, str]:
    """``sha256:abc…`` (a --hash value) → ("sha256", "abc…"), checked."""
    algorithm, sep, digest = value.partition(":")
    algorithm = algorithm.strip().lower()
    if not sep or not digest.strip():
        raise RequirementError(
            f"invalid --hash {value!r}",
            why="a hash is written as ALGORITHM:HEXDIGEST",
            hint="write it as --hash=sha256:<64 hexadecimal digits>",
        )
    return algorithm, _check_digest(algorithm, digest.strip())


def parse_config_settings(
    items: Iterable[str], origin: str
) -> dict[str, str | list[str]]:
    """``-C`` values (``KEY=VALUE``) → the config_settings dict for PEP 517 hooks.

    pip's rule: a key given once maps to its value, a key given again to the list of
    all its values, in order. ``origin`` (e.g. "command line") goes into the error
    for an item without ``=``.
    """
    settings: dict[str, str | list[str]] = {}
    for item in items:
        key, value = _split_config_setting(item, origin)
        current = settings.get(key)
        if current is None:
            settings[key] = value
        elif isinstance(current, list):
            current.append(value)
        else:
            settings[key] = [current, value]
    return settings


def _split_config_setting(item: str, origin: str = "") -> tuple[str, str]:
    """``KEY=VALUE`` → (KEY, VALUE), split at the first ``=`` as pip does, so a value
    may itself hold ``=`` (``-C--build-option=--plat-name=x``)."""
    key, sep, value = item.partition("=")
    if not sep or not key:
        where = f" ({origin})" if origin else ""
        raise RequirementError(
            f"invalid --config-settings value {item!r}{where}",
            why="it has no '='" if not sep else "its key is empty",
            hint="write each setting as KEY=VALUE, e.g. -C editable_mode=compat "
            "(KEY= passes an empty value)",
        )
    return key, value


# ---- parsing ------------------------------------------------------------------------


@dataclass
class _Parsed:
    """A requirement's parts, as parsed."""

    kind: SourceKind
    name: NormalizedName | None = None
    requirement: Requirement | None = None
    extras: Iterable[str] = ()
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    marker: Marker | None = None
    url: str | None = None
    path: Path | None = None
    fragment_hashes: dict[str, str] = field(default_factory=dict)


def _parse(text: str, base: Path) -> _Parsed:
    if _is_url(text):
        return _parse_bare_url(text, base)
    if not _DIRECT_REFERENCE.match(text):
        # pip splits a marker off at the first ";" before looking for a path.
        head, sep, marker_text = text.partition(";")
        location, extras = _strip_extras(head.strip())
        local = _local_path(location, base)
        if local is not None:
            marker = _parse_marker(marker_text, text) if sep else None
            return _local_artifact(local, location, extras, marker, name=None)
    return _parse_pep508(text, base)


def _parse_pep508(text: str, base: Path) -> _Parsed:
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise RequirementError(
            f"invalid requirement {text!r}",
            why=_packaging_reason(str(exc)),
            hint=_pep508_hint(text),
        ) from None
    name = canonicalize_name(req.name)
    _check_marker(req.marker, text)
    if req.url is None:
        return _Parsed(
            SourceKind.NAMED,
            name=name,
            requirement=req,
            extras=req.extras,
            specifier=req.specifier,
            marker=req.marker,
        )
    parsed = _parse_url(req.url, text, base, name=name)
    parsed.requirement = req
    parsed.extras = req.extras
    parsed.marker = req.marker
    return parsed


def _parse_bare_url(text: str, base: Path) -> _Parsed:
    # As pip does for URLs: a marker must follow "; " since ";" may occur in a URL.
    url, sep, marker_text = text.partition("; ")
    url, extras = _strip_extras(url.strip())
    marker = _parse_marker(marker_text, text) if sep else None
    parsed = _parse_url(url, text, base, name=None)
    parsed.extras = _parse_extras(extras, text)
    parsed.marker = marker
    return parsed


def _parse_url(
    url: str, text: str, base: Path, *, name: NormalizedName | None
) -> _Parsed:
    """A direct reference (bare or after ``name @``) → URL or local kinds."""
    scheme_match = _URL_SCHEME.match(url)
    scheme = scheme_match.group(1).lower() if scheme_match else ""
    if scheme.startswith(_VCS_PREFIXES) or scheme in _VCS_SCHEMES:
        raise RequirementError(
            f"{text!r} is a version-control URL",
            why="inst does not install from version control yet",
            hint="point at a wheel or sdist URL, or a local checkout of the project",
        )
    if scheme not in _URL_SCHEMES:
        # packaging accepts any text after "@"; pip does not, and neither do we.
        raise RequirementError(
            f"invalid URL in {text!r}",
            why=f"{url!r} is not a URL",
            hint="write a local path without 'name @', or as a file: URL "
            "(name @ file:///abs/path)",
        )
    try:
        urllib.parse.urlsplit(url).port  # noqa: B018 - parses host and port, or raises
    except ValueError as exc:  # "http://[::1/", a port of 99999
        raise RequirementError(
            f"invalid URL in {text!r}", why=str(exc), hint="check the URL"
        ) from None
    base_url, fragment = _split_fragment(url)
    fragment_hashes = _fragment_hashes(fragment)
    egg = _egg_name(fragment, text)
    if name is None:
        name = egg
    if "subdirectory=" in fragment:
        raise RequirementError(
            f"{text!r} names a subdirectory",
            why="inst does not support #subdirectory= in URLs yet",
            hint="point at the project's own archive or directory",
        )
    if scheme == "file":
        path = _file_url_path(base_url, text, base)
        parsed = _local_artifact(path, url, "", None, name=name)
        parsed.fragment_hashes = fragment_hashes
        return parsed
    filename = url_filename(base_url)
    parsed = _Parsed(SourceKind.URL, url=base_url, fragment_hashes=fragment_hashes)
    parsed.name = _name_from_filename(filename, text, given=name)
    return parsed


def _local_path(location: str, base: Path) -> Path | None:
    """The path ``location`` stands for, if pip would treat it as one, else None."""
    looks_like_path = _looks_like_path(location)
    path = _absolute(location, base)
    if looks_like_path and _is_dir(path):
        return path
    if _is_archive(location):
        return path  # existing or not: a missing file is reported by the caller
    if looks_like_path and _is_file(path):
        raise RequirementError(
            f"{location!r} is not a wheel or an sdist",
            why=_ARCHIVES_WHY,
            hint=f"if it is a requirements file, use -r {location}"
            if location.endswith((".txt", ".in"))
            else "",
        )
    if looks_like_path:
        raise RequirementError(
            f"{location!r} looks like a path, but it does not exist",
            why=_missing_reason(path),
            hint="check the path; relative paths start from the current directory",
        )
    return None


def _local_artifact(
    path: Path,
    location: str,
    extras: str,
    marker: Marker | None,
    *,
    name: NormalizedName | None,
) -> _Parsed:
    """A local directory, wheel or sdist (checked to exist) → _Parsed."""
    if _is_dir(path):
        # setup.cfg: a tree with only that is no project to inst's own rules, but a
        # build interface plug-in may claim it (the build layer decides).
        if not any(
            _is_file(path / f) for f in ("pyproject.toml", "setup.py", "setup.cfg")
        ):
            raise RequirementError(
                f"{location!r} does not appear to be a Python project: "
                "neither setup.py nor pyproject.toml found",
                hint="point at the directory that holds the project's pyproject.toml",
            )
        kind = SourceKind.DIRECTORY
    elif not _is_file(path):
        raise RequirementError(
            f"{location!r} looks like a file, but it does not exist",
            why=_missing_reason(path),
            hint="check the path; relative paths start from the current directory",
        )
    elif path.name.endswith(".whl"):
        kind = SourceKind.WHEEL_FILE
    elif _is_archive(path.name):
        kind = SourceKind.SDIST_FILE
    else:
        raise RequirementError(
            f"{location!r} is not a wheel or an sdist",
            why=_ARCHIVES_WHY,
        )
    parsed = _Parsed(kind, url=file_url(path), path=path, marker=marker)
    parsed.extras = _parse_extras(extras, location)
    if kind is SourceKind.DIRECTORY:
        parsed.name = name  # only known from "name @"; else after building
    else:
        parsed.name = _name_from_filename(path.name, location, given=name)
    return parsed


def _name_from_filename(
    filename: str, text: str, *, given: NormalizedName | None
) -> NormalizedName | None:
    """The project name a wheel/sdist filename states; checked against ``given``."""
    if filename.endswith(".whl"):
        try:
            name = parse_wheel_filename(filename)[0]
        except InvalidWheelFilename as exc:
            raise RequirementError(
                f"{text!r} is not a valid wheel filename",
                why=str(exc),
                hint="wheel files are named NAME-VERSION(-BUILD)?-PYTHON-ABI-PLATFORM.whl",
            ) from None
        if given is not None and given != name:
            # pip would fail later with "inconsistent name"; say it up front.
            raise RequirementError(
                f"{text!r} names {given!r} but the wheel is for {name!r}",
                hint=f"write it as {name} @ … or point at a wheel of {given}",
            )
        return name
    if given is not None:
        return given
    try:
        return parse_sdist_name(filename)[0]
    except (InvalidSdistFilename, InvalidVersion):
        return None  # known only after building it


# ---- checks -------------------------------------------------------------------------


def _check_editable(spec: RequirementSpec) -> None:
    if spec.kind is not SourceKind.DIRECTORY:
        raise RequirementError(
            f"cannot install {spec.line!r} as editable",
            why="only a local project directory can be installed in editable mode",
            hint="drop -e, or point -e at the project's source tree",
        )


def _check_constraint(spec: RequirementSpec) -> None:
    # pip's resolver rejects these forms (check_invalid_constraint_type): a constraint
    # only narrows the versions of a named project.
    problem = ""
    if spec.name is None:
        problem = "unnamed requirements are not allowed as constraints"
    elif spec.editable:
        problem = "editable requirements are not allowed as constraints"
    elif spec.extras:
        problem = "constraints cannot have extras"
    if problem:
        raise RequirementError(
            f"invalid constraint {spec.line!r}",
            why=problem,
            hint="a constraint is a project name with version specifiers "
            "(or name @ URL); move other forms to a requirements file",
        )


def _merge_hashes(
    given: Mapping[str, Iterable[str]] | None, from_fragment: Mapping[str, str]
) -> dict[str, frozenset[str]]:
    merged: dict[str, set[str]] = {}
    for algorithm, digests in (given or {}).items():
        algorithm = algorithm.lower()
        for digest in digests:
            merged.setdefault(algorithm, set()).add(_check_digest(algorithm, digest))
    for algorithm, digest in from_fragment.items():
        merged.setdefault(algorithm, set()).add(_check_digest(algorithm, digest))
    return {algorithm: frozenset(digests) for algorithm, digests in merged.items()}


def _check_digest(algorithm: str, digest: str) -> str:
    if algorithm not in HASH_ALGORITHMS:
        raise RequirementError(
            f"unsupported hash algorithm {algorithm!r}",
            why="md5 and sha1 are too weak to trust"
            if algorithm in ("md5", "sha1")
            else "",
            hint="use one of " + ", ".join(HASH_ALGORITHMS),
        )
    digest = digest.lower()
    length = _DIGEST_LENGTHS[algorithm]
    if len(digest) != length or any(c not in "0123456789abcdef" for c in digest):
        raise RequirementError(
            f"invalid {algorithm} hash {digest!r}",
            why=f"a {algorithm} digest is {length} hexadecimal digits",
        )
    return digest


# ---- small helpers ------------------------------------------------------------------


def _is_url(text: str) -> bool:
    match = _URL_SCHEME.match(text)
    if not match or len(match.group(1)) == 1:  # "C:\…" is a Windows drive
        return False
    scheme = match.group(1).lower()
    return (
        scheme in _URL_SCHEMES
        or scheme in _VCS_SCHEMES
        or scheme.startswith(_VCS_PREFIXES)
    )


def _looks_like_path(text: str) -> bool:
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return any(sep in text for sep in separators) or text.startswith((".", "~"))


def _is_dir(path: Path) -> bool:
    # os.path, not Path.is_dir(): a name too long for the filesystem (ENAMETOOLONG),
    # a NUL byte or a denied parent means "not a directory here", not a crash.
    return os.path.isdir(path)


def _is_file(path: Path) -> bool:
    return os.path.isfile(path)


def _missing_reason(path: Path) -> str:
    """Why there is nothing at ``path``: usually it is absent, sometimes unreachable."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return "the name is too long for a file on this system"
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            return f"{path} cannot be read: {exc.strerror or exc}"
    except ValueError:
        return "a path cannot hold a NUL character"
    return f"there is no {path}"


def _is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_EXTENSIONS)


def _absolute(location: str, base: Path) -> Path:
    # normpath, not resolve(): like pip, keep symlinked directories as named.
    expanded = os.path.expanduser(location)
    return Path(os.path.normpath(os.path.join(base, expanded)))


def _strip_extras(location: str) -> tuple[str, str]:
    """``./dir[a,b]`` → ("./dir", "[a,b]")."""
    match = _TRAILING_EXTRAS.match(location)
    if match is None:
        return location, ""
    return match.group(1).strip(), match.group(2)


def _parse_extras(extras: str, text: str) -> frozenset[str]:
    if not extras:
        return frozenset()
    try:
        return frozenset(Requirement("placeholder" + extras).extras)
    except InvalidRequirement as exc:
        raise RequirementError(
            f"invalid extras {extras!r} in {text!r}",
            why=_packaging_reason(str(exc)),
            hint="extras are comma-separated names in brackets, e.g. ./dir[socks,tests]",
        ) from None


def _parse_marker(marker_text: str, text: str) -> Marker | None:
    marker_text = marker_text.strip()
    if not marker_text:
        return None
    try:
        marker = Marker(marker_text)
    except InvalidMarker as exc:
        raise RequirementError(
            f"invalid marker in {text!r}",
            why=_packaging_reason(str(exc)),
            hint=_MARKER_HINT,
        ) from None
    _check_marker(marker, text)
    return marker


_MARKER_HINT = "markers follow PEP 508, e.g. '; python_version >= \"3.9\"'"


def _check_marker(marker: Marker | None, text: str) -> None:
    """A marker that parses but cannot be evaluated (``'a' in 'abc'`` compares two
    strings, so packaging looks 'abc' up as a variable) is refused here, not when the
    resolver evaluates it. Every environment has the same variables, so trying it on
    the running interpreter's finds each such marker."""
    if marker is None:
        return
    try:
        marker.evaluate({"extra": ""})
    except UndefinedEnvironmentName as exc:
        raise RequirementError(
            f"invalid marker in {text!r}",
            why=f"{exc} is not an environment marker variable; one side of each "
            "comparison must be a variable such as python_version",
            hint=_MARKER_HINT,
        ) from None
    except (ValueError, TypeError) as exc:
        raise RequirementError(
            f"invalid marker in {text!r}", why=str(exc), hint=_MARKER_HINT
        ) from None


def _split_fragment(url: str) -> tuple[str, str]:
    base_url, _, fragment = url.partition("#")
    return base_url, fragment


def _fragment_hashes(fragment: str) -> dict[str, str]:
    # Only the algorithms inst trusts count; a "#md5=" stays unused (as a weak hash
    # it would not be accepted from --hash either).
    hashes: dict[str, str] = {}
    for part in fragment.split("&"):
        algorithm, _, value = part.partition("=")
        if algorithm.lower() in HASH_ALGORITHMS and value:
            hashes[algorithm.lower()] = value
    return hashes


def _egg_name(fragment: str, text: str) -> NormalizedName | None:
    match = _EGG_FRAGMENT.search("#" + fragment)
    if match is None or not match.group(1):
        return None
    egg = match.group(1)
    if not _PROJECT_NAME.match(egg):
        raise RequirementError(
            f"invalid #egg={egg} in {text!r}",
            why="the egg fragment must be a project name",
        )
    return canonicalize_name(egg)


def _file_url_path(url: str, text: str, base: Path) -> Path:
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise RequirementError(
            f"{text!r} points at a file on another host ({parts.netloc})",
            hint="file: URLs must be local: file:///absolute/path",
        )
    local = path_from_file_url(url)
    # "file:../x" is relative (pip accepts it, from the current directory).
    return Path(os.path.normpath(os.path.join(base, local)))


def _extras_suffix(extras: frozenset[str]) -> str:
    return "[" + ",".join(sorted(extras)) + "]" if extras else ""


def _packaging_reason(message: str) -> str:
    """packaging's multi-line message (reason, text, caret) → one line."""
    lines = message.splitlines()
    reason = lines[0].strip() if lines else message
    if len(lines) >= 3 and "^" in lines[2]:
        indent = len(lines[1]) - len(lines[1].lstrip())
        column = lines[2].index("^") - indent
        rest = lines[1].strip()[column:] if column >= 0 else ""
        if rest:
            reason += f" (at {rest!r})"
    return reason


def _pep508_hint(text: str) -> str:
    requirement_part = text.split(";", 1)[0]
    if _SINGLE_EQUALS.search(requirement_part):
        fixed = _SINGLE_EQUALS.sub("==", requirement_part, count=1).strip()
        return f"'=' is not a version operator: did you mean {fixed!r}?"
    return _PEP508_HINT

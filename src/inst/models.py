"""Values passed between the stages of finding and resolving (index → finder → resolver →
downloads). Plain frozen data; no I/O here."""

from __future__ import annotations

import posixpath
import urllib.parse
from collections.abc import Mapping
from dataclasses import field
from functools import cached_property
from pathlib import Path

from packaging.tags import Tag
from packaging.utils import (
    BuildTag,
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from inst._records import dataclass

#: Archive suffixes of the sdists inst unpacks: those pip accepts (PEP 625 makes new
#: sdists .tar.gz; old releases have .zip, .tar.bz2, .tar.xz, ...). A suffix that ends
#: another (".tar" of ".tar.gz") comes after it. ".tlz" is an lzma tar, as tar -a
#: names it; lzip (".tar.lz") has no reader in Python, see LZIP_SUFFIXES.
SDIST_SUFFIXES = (
    ".tar.gz",
    ".zip",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar.lzma",
    ".tlz",
    ".tar",
)
#: Archives that look like sdists but that no Python can unpack (lzip compression).
LZIP_SUFFIXES = (".tar.lz",)

#: Hash algorithms inst checks, strongest first. md5/sha1 are refused as too weak.
HASH_ALGORITHMS = ("sha512", "sha384", "sha256", "sha224")


@dataclass(frozen=True)
class DistFile:
    """One distribution file offered by an index or a find-links location.

    ``url`` is absolute and has no fragment; hashes from the fragment or the JSON page are
    in ``hashes`` (algorithm → lowercase hex). ``yanked`` is None when not yanked, else
    the reason ("" when none given). ``metadata_hashes`` is None when the index offers no
    PEP 658/714 metadata file, else that file's hashes (possibly empty).
    """

    filename: str
    url: str
    hashes: Mapping[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: str | None = None
    metadata_hashes: Mapping[str, str] | None = None
    size: int | None = None
    source: str = ""  # the index or find-links location it came from (redacted)

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def metadata_url(self) -> str | None:
        return None if self.metadata_hashes is None else self.url + ".metadata"

    @cached_property
    def _parsed(self) -> tuple[NormalizedName, Version, frozenset[Tag], BuildTag]:
        if self.is_wheel:
            name, version, build, tags = parse_wheel_filename(self.filename)
            return name, version, tags, build
        name, version = parse_sdist_name(self.filename)
        return name, version, frozenset(), ()

    @property
    def project(self) -> NormalizedName:
        return self._parsed[0]

    @property
    def version(self) -> Version:
        return self._parsed[1]

    @property
    def tags(self) -> frozenset[Tag]:
        """The wheel's tags; empty for an sdist."""
        return self._parsed[2]

    @property
    def build_tag(self) -> BuildTag:
        """The wheel's build tag, ``()`` when it has none (or for an sdist)."""
        return self._parsed[3]


@dataclass(frozen=True)
class SourceTree:
    """A local project directory asked for by path; its name and version are those of
    the metadata the build layer prepared from it."""

    path: Path
    project: NormalizedName
    version: Version
    display_name: str  # the name as the metadata spells it

    @property
    def url(self) -> str:
        """Its file: URL (PEP 610's ``url``, and a key among files)."""
        from inst.fileurls import file_url

        return file_url(self.path)

    @property
    def label(self) -> str:
        return f"{self.project}-{self.version}"


def file_label(file: DistFile | SourceTree) -> str:
    """How messages name a file or a tree."""
    return file.filename if isinstance(file, DistFile) else file.label


def parse_dist_file(file: DistFile) -> DistFile | None:
    """``file`` if its name is a valid wheel or sdist filename, else None (skipped)."""
    try:
        file._parsed  # noqa: B018 - parse now so invalid names are found early
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return None
    return file


def is_dist_filename(filename: str) -> bool:
    return filename.endswith(".whl") or sdist_suffix(filename) is not None


def sdist_suffix(filename: str) -> str | None:
    """The archive suffix of an sdist's file name (".tar.bz2"), None if not one."""
    return next((s for s in SDIST_SUFFIXES if filename.endswith(s)), None)


def parse_sdist_name(filename: str) -> tuple[NormalizedName, Version]:
    """Name and version of an sdist file name with any suffix of SDIST_SUFFIXES.

    packaging's parse_sdist_filename() knows only .tar.gz and .zip (the two PEP 625
    allows); the name-version rules are the same whatever the compression, so the stem
    is parsed as a .tar.gz. Raises InvalidSdistFilename."""
    suffix = sdist_suffix(filename)
    if suffix is None:
        raise InvalidSdistFilename(
            f"Invalid sdist filename (extension must be one of "
            f"{', '.join(SDIST_SUFFIXES)}): {filename!r}"
        )
    try:
        return parse_sdist_filename(filename[: -len(suffix)] + ".tar.gz")
    except (InvalidSdistFilename, InvalidVersion):
        raise InvalidSdistFilename(f"Invalid sdist filename: {filename!r}") from None


def url_filename(url: str) -> str:
    """The last path segment of a URL, unquoted."""
    path = urllib.parse.urlsplit(url).path
    return urllib.parse.unquote(posixpath.basename(path.rstrip("/")))


def split_hash_fragment(url: str) -> tuple[str, dict[str, str]]:
    """``https://h/x.whl#sha256=abc`` → (``https://h/x.whl``, {"sha256": "abc"})."""
    base, _, fragment = url.partition("#")
    hashes: dict[str, str] = {}
    for part in fragment.split("&"):
        algorithm, _, value = part.partition("=")
        if algorithm in HASH_ALGORITHMS and value:
            hashes[algorithm] = value.lower()
    return base, hashes


def canonical(name: str) -> NormalizedName:
    return canonicalize_name(name)

"""What is installed in an environment: ``InstalledDist`` and ``InstalledSet``.

Installed distributions are never cached: they change without the interpreter changing,
so an ``InstalledSet`` lists its directories (a ``sys.path``, a ``--target``'s lib
directories) every time it is asked.
"""

from __future__ import annotations

import json
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from inst._records import dataclass
from inst.core_metadata import Headers, read_headers, requires_dist

if TYPE_CHECKING:
    # email (→ socket, datetime, random) is imported where used: the environment is
    # described on every start of inst.
    import email.message


@dataclass(frozen=True)
class InstalledDist:
    """One installed distribution: a ``.dist-info`` or ``.egg-info`` in a site directory.

    Name and version come from the directory name when it has them, so listing an
    environment reads no files; everything else is read on first use.
    """

    name: NormalizedName
    version: Version
    path: Path  # the .dist-info / .egg-info directory (or egg-info file)
    location: Path  # the sys.path directory it was found in

    @cached_property
    def display_name(self) -> str:
        """The project's name as written in its metadata."""
        name = self.headers.get("Name")
        return str(name).strip() if name else self.name

    def metadata(self) -> email.message.Message:
        """METADATA (or PKG-INFO) headers; the description, if any, is the payload."""
        return self._metadata

    @cached_property
    def headers(self) -> email.message.Message | Headers:
        """METADATA (or PKG-INFO) header fields only, read without the email parser
        where they are plain: what checking an environment's requirements reads."""
        return read_headers(_read_head(_metadata_file(self.path)))

    @cached_property
    def _metadata(self) -> email.message.Message:
        return _parse_metadata(self.path)

    @cached_property
    def requires(self) -> list[Requirement]:
        """Requires-Dist entries; lines that do not parse are skipped."""
        lines = self.headers.get_all("Requires-Dist") or []
        if not lines and not self.path.name.lower().endswith(".dist-info"):
            lines = _egg_requires(_read_text(self.path / "requires.txt") or "")
        result: list[Requirement] = []
        for line in lines:
            try:
                result.append(requires_dist(str(line)))
            except (InvalidRequirement, UndefinedEnvironmentName, ValueError):
                continue
        return result

    @property
    def requires_python(self) -> str | None:
        value = self.headers.get("Requires-Python")
        return None if value is None else str(value).strip()

    @property
    def installer(self) -> str | None:
        text = _read_text(self.path / "INSTALLER")
        return None if text is None else text.strip()

    @property
    def requested(self) -> bool:
        return (self.path / "REQUESTED").is_file()

    @property
    def direct_url(self) -> dict[str, Any] | None:
        text = _read_text(self.path / "direct_url.json")
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


def _parse_metadata(path: Path) -> email.message.Message:
    """The headers of a .dist-info's METADATA or an .egg-info's PKG-INFO (empty if none)."""
    import email.parser

    return email.parser.HeaderParser().parsestr(_read_text(_metadata_file(path)) or "")


def _metadata_file(path: Path) -> Path:
    if path.name.lower().endswith(".dist-info"):
        return path / "METADATA"
    if not path.is_dir():
        return path  # a distutils-style egg-info file is PKG-INFO itself
    return path / "PKG-INFO"


def _read_head(path: Path) -> str:
    """The start of a metadata file, up to and including the blank line that ends
    its headers (the whole file if there is none): the description after it, often a
    long README, is not read. Empty if it cannot be read."""
    chunks: list[bytes] = []
    try:
        with open(path, "rb") as stream:
            while True:
                chunk = stream.read(8192)
                chunks.append(chunk)
                if not chunk or b"\n\n" in b"".join(chunks[-2:]):
                    break
    except OSError:
        return ""
    return b"".join(chunks).decode("utf-8", errors="replace")


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:  # missing, or path is not a directory
        return None


def _egg_requires(text: str) -> list[str]:
    """requires.txt (``[extra:marker]`` sections) as Requires-Dist lines, as importlib.metadata."""
    result: list[str] = []
    conditions = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, marker = line[1:-1].partition(":")
            parts = [f'extra == "{extra}"'] if extra else []
            if marker:
                parts.append(f"({marker})")
            conditions = " and ".join(parts)
            continue
        result.append(f"{line}; {conditions}" if conditions else line)
    return result


@dataclass(frozen=True)
class InstalledSet:
    """The distributions in some directories; the first found per name wins."""

    directories: tuple[str, ...]

    def distributions(self) -> dict[NormalizedName, InstalledDist]:
        """A fresh scan of the directories (an empty or missing entry is skipped)."""
        found: dict[NormalizedName, InstalledDist] = {}
        seen: set[str] = set()
        for entry in self.directories:
            if not entry:
                continue
            key = os.path.normcase(os.path.abspath(entry))
            if key not in seen:
                seen.add(key)
                _scan_directory(entry, found)
        return found


def _scan_directory(entry: str, found: dict[NormalizedName, InstalledDist]) -> None:
    if entry.lower().endswith(".egg"):
        # An egg on sys.path (easy_install) carries its metadata in EGG-INFO.
        egg_info = os.path.join(entry, "EGG-INFO")
        if os.path.isdir(egg_info):
            base = os.path.basename(entry)[:-4]
            _add(found, base, Path(egg_info), Path(entry), egg=True)
        return
    try:
        names = sorted(
            os.listdir(entry)
        )  # sorted: duplicates resolve the same each run
    except OSError:  # missing, a zip file, unreadable
        return
    location: Path | None = None
    for name in names:
        lower = name.lower()
        if lower.endswith(".dist-info"):
            stem, egg = name[:-10], False
        elif lower.endswith(".egg-info"):
            stem, egg = name[:-9], True
        else:
            continue
        location = location or Path(entry)
        _add(found, stem, location / name, location, egg=egg)


def _add(
    found: dict[NormalizedName, InstalledDist],
    stem: str,
    path: Path,
    location: Path,
    *,
    egg: bool,
) -> None:
    """Record the distribution at path unless one of its name was found first."""
    name_part, _, rest = stem.partition("-")
    # name-version.dist-info; egg-info names may add -pyX.Y[-platform].
    version = _version(rest.partition("-")[0] if egg else rest)
    if name_part and version is not None:
        name = canonicalize_name(name_part)
        if name not in found:
            found[name] = InstalledDist(name, version, path, location)
        return
    if name_part and canonicalize_name(name_part) in found:
        return
    # Not name-version (a develop checkout's "foo.egg-info"): the metadata decides.
    metadata = _parse_metadata(path)
    meta_name = str(metadata.get("Name") or name_part).strip()
    version = _version(str(metadata.get("Version") or "").strip())
    if not meta_name or version is None:
        return  # no usable name or version anywhere: not a distribution inst can use
    name = canonicalize_name(meta_name)
    if name not in found:
        dist = InstalledDist(name, version, path, location)
        dist.__dict__["_metadata"] = metadata  # already read: seed the cached_property
        found[name] = dist


def _version(text: str) -> Version | None:
    if not text:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None

"""What a checked wheel holds, independent of any environment.

``inspect_wheel()`` (checks.py) produces a ``WheelManifest`` from the archive; the
cache of unpacked wheels stores it as JSON beside the unpacked files, so installing the
same wheel again reads neither the archive nor its RECORD. Placement into a particular
environment is checked separately, every time (inst.install.placement).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from inst._records import dataclass
from inst.core_metadata import Headers, read_headers

if TYPE_CHECKING:
    # email is imported where used: installing reads only plain header fields.
    import email.message

#: Bumped whenever the JSON form changes: older cache entries are then unpacked again.
FORMAT = 1


def frozen_entry_points(
    entry_points: Mapping[str, Mapping[str, str]],
) -> Mapping[str, Mapping[str, str]]:
    """Entry points as read-only mappings."""
    return MappingProxyType(
        {
            group: MappingProxyType(dict(scripts))
            for group, scripts in entry_points.items()
        }
    )


class ManifestEntry(NamedTuple):
    """One file of the archive and where it goes (a tuple: a manifest has one per
    file, tens of thousands for a big install, each made on every install)."""

    member: str  # the archive member name, "/"-separated
    scheme: str  # purelib, platlib, scripts, data or headers
    relative: str  # the path below that scheme's directory
    # "sha256=<urlsafe b64>" as RECORD gives it, unpadded; None for RECORD itself
    hash: str | None
    size: int
    executable: bool  # the archive marks it executable (any x bit)


@dataclass(frozen=True)
class WheelManifest:
    """A wheel that passed every check that does not depend on where it goes."""

    filename: str
    name: NormalizedName
    version: Version
    dist_info: str  # "<name>-<version>.dist-info" as spelled in the archive
    data_dir: str | None  # "<name>-<version>.data" as spelled, if there is one
    root_scheme: str  # "purelib" or "platlib" (Root-Is-Purelib)
    metadata_text: str  # METADATA as it is in the archive
    files: tuple[ManifestEntry, ...]  # every file, in archive order
    # group ("console_scripts", "gui_scripts") -> script name -> "module:attr"
    entry_points: Mapping[str, Mapping[str, str]]

    @property
    def metadata(self) -> email.message.Message:
        import email.parser
        import email.policy

        return email.parser.HeaderParser(policy=email.policy.compat32).parsestr(
            self.metadata_text
        )

    @cached_property
    def directories(self) -> Mapping[tuple[str, str], list[tuple[str, ManifestEntry]]]:
        """The files by scheme and directory below it ("" at its top), each with its
        file name, in archive order: worked out once, for the checks, the new paths
        and the staging of an install, which look at each directory once (a big
        install has tens of thousands of files in a few thousand directories)."""
        grouped: dict[tuple[str, str], list[tuple[str, ManifestEntry]]] = {}
        for entry in self.files:
            directory, _, name = entry.relative.rpartition("/")
            files = grouped.get((entry.scheme, directory))
            if files is None:
                files = grouped[entry.scheme, directory] = []
            files.append((name, entry))
        return grouped

    @cached_property
    def display_name(self) -> str:
        """The project's name as its METADATA spells it (the normalised one if none)."""
        name = self._headers.get("Name")
        return str(name).strip() if name and str(name).strip() else self.name

    @cached_property
    def _headers(self) -> email.message.Message | Headers:
        return read_headers(self.metadata_text)

    @cached_property
    def requires_python(self) -> str | None:
        value = self._headers.get("Requires-Python")
        return None if value is None else str(value).strip()

    def shadowed_scripts(self, suffix: str = "") -> frozenset[str]:
        """Members of ``.data/scripts/`` that an entry point of the same name replaces.
        Old wheels (bdist_wheel of 2013, the wheel project's own 0.x releases) ship
        both; pip writes the entry point's script last, so it wins, and so it does
        here: the member is simply not installed."""
        names = {
            script + suffix
            for scripts in self.entry_points.values()
            for script in scripts
        }
        return frozenset(
            entry.member
            for entry in self.files
            if entry.scheme == "scripts" and entry.relative in names
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "filename": self.filename,
            "name": self.name,
            "version": str(self.version),
            "dist_info": self.dist_info,
            "data_dir": self.data_dir,
            "root_scheme": self.root_scheme,
            "metadata": self.metadata_text,
            "files": [
                [e.member, e.scheme, e.relative, e.hash, e.size, e.executable]
                for e in self.files
            ],
            "entry_points": {
                group: dict(scripts) for group, scripts in self.entry_points.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WheelManifest:
        """The manifest back from to_json(); ValueError when it is not one of ours."""
        try:
            if data["format"] != FORMAT:
                raise ValueError(f"manifest format {data['format']!r}")
            return cls(
                filename=str(data["filename"]),
                name=canonicalize_name(str(data["name"])),
                version=Version(str(data["version"])),
                dist_info=str(data["dist_info"]),
                data_dir=None if data["data_dir"] is None else str(data["data_dir"]),
                root_scheme=str(data["root_scheme"]),
                metadata_text=str(data["metadata"]),
                files=tuple(
                    ManifestEntry(
                        str(m),
                        str(s),
                        str(r),
                        None if h is None else str(h),
                        int(n),
                        bool(x),
                    )
                    for m, s, r, h, n, x in data["files"]
                ),
                entry_points=MappingProxyType(
                    {
                        str(group): MappingProxyType(
                            {str(k): str(v) for k, v in scripts.items()}
                        )
                        for group, scripts in data["entry_points"].items()
                    }
                ),
            )
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(f"not a wheel manifest: {error}") from None

    def dumps(self) -> str:
        return json.dumps(self.to_json(), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> WheelManifest:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not JSON: {error}") from None
        return cls.from_json(data)  # not an object: TypeError, reported as ValueError

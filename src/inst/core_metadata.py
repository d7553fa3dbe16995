"""Core metadata (METADATA / PKG-INFO): parsed into what resolution and builds need,
and read out of a wheel.

A model below the layers that use it: the resolver reads it from indexes and wheels
(resolution/metadata.py), the build layer from the wheels it builds (build/builder.py),
so neither imports the other for it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from inst._records import dataclass
from inst.errors import InstError, decompression_errors

if TYPE_CHECKING:
    from email.message import Message

# email.parser, textwrap and zipfile are imported where used: a resolve that reads
# plain metadata headers from the cache (_header_message) needs none of them.

#: The core metadata fields of an installation report, in the order pip writes them,
#: each with whether it may appear more than once (a list in JSON). Fields outside
#: this list (Import-Name, the deprecated Provides/Obsoletes, ...) are left out, as
#: pip leaves them out: tools that read pip's report see the same keys.
_REPORT_FIELDS: tuple[tuple[str, bool], ...] = (
    ("Metadata-Version", False),
    ("Name", False),
    ("Version", False),
    ("Dynamic", True),
    ("Platform", True),
    ("Supported-Platform", True),
    ("Summary", False),
    ("Description", False),
    ("Description-Content-Type", False),
    ("Keywords", False),
    ("Home-page", False),
    ("Download-URL", False),
    ("Author", False),
    ("Author-email", False),
    ("Maintainer", False),
    ("Maintainer-email", False),
    ("License", False),
    ("License-Expression", False),
    ("License-File", True),
    ("Classifier", True),
    ("Requires-Dist", True),
    ("Requires-Python", False),
    ("Requires-External", True),
    ("Project-URL", True),
    ("Provides-Extra", True),
    ("Provides-Dist", True),
    ("Obsoletes-Dist", True),
)


class MetadataError(InstError):
    """Metadata that cannot be had or does not describe the distribution it came with."""


class InvalidMetadata(MetadataError):
    """Metadata that was had but is invalid (a bad requirement or version, a Name or
    Version missing or not the file's): the resolver skips such a release, as pip."""


@dataclass(frozen=True)
class Metadata:
    """The parts of core metadata that resolution needs, plus the raw text for reports."""

    name: NormalizedName
    display_name: str
    version: Version
    requires_dist: tuple[Requirement, ...]
    requires_python: str | None
    provides_extra: frozenset[NormalizedName]
    raw: bytes

    @classmethod
    def parse(cls, data: bytes, where: str) -> Metadata:
        message = _header_message(data)
        name = message.get("Name")
        version = message.get("Version")
        if not name or not version:
            raise InvalidMetadata(
                f"the metadata of {where} has no Name or Version",
                hint="the distribution is broken; report it to its maintainers",
            )
        try:
            parsed_version = Version(version)
        except InvalidVersion:
            raise InvalidMetadata(
                f"the metadata of {where} has an invalid version {version!r}"
            ) from None
        requires: list[Requirement] = []
        for line in message.get_all("Requires-Dist") or ():
            try:
                requires.append(requires_dist(line))
            except (InvalidRequirement, UndefinedEnvironmentName, ValueError) as exc:
                raise InvalidMetadata(
                    f"the metadata of {where} has an invalid requirement {line!r}",
                    why=str(exc),
                    hint="the distribution is broken; report it to its maintainers",
                ) from None
        return cls(
            name=canonicalize_name(name),
            display_name=name,
            version=parsed_version,
            requires_dist=tuple(requires),
            requires_python=message.get("Requires-Python") or None,
            provides_extra=frozenset(
                canonicalize_name(extra)
                for extra in message.get_all("Provides-Extra") or ()
            ),
            raw=data,
        )

    def as_json(self) -> dict[str, Any]:
        """The PEP 566 JSON form, as pip's installation report holds it."""
        return metadata_json(_whole_message(self.raw))


@functools.lru_cache(maxsize=4096)
def requires_dist(line: str) -> Requirement:
    """A Requires-Dist line parsed and checked; the releases of a project repeat the
    same lines hundreds of times, and checking an environment after an install reads
    the lines the resolver has just read (nothing changes a Requirement once made).
    InvalidRequirement, UndefinedEnvironmentName or ValueError if it is invalid."""
    requirement = Requirement(line)
    if requirement.marker is not None:
        # Parses, but may not evaluate ('a' == 'a' names no variable): found here,
        # where the release can be skipped, not mid-resolve.
        requirement.marker.evaluate({"extra": ""})
    return requirement


def metadata_json(message: Message | Headers) -> dict[str, Any]:
    """Core metadata parsed as an email message in PEP 566's JSON form (the
    installation report's and ``inst inspect``'s, as pip's)."""
    result: dict[str, Any] = {}
    for field, multiple in _REPORT_FIELDS:
        values = [_unfolded(str(v)) for v in message.get_all(field) or ()]
        if not values:
            continue
        key = field.lower().replace("-", "_")
        if multiple:
            result[key] = values
        elif key == "keywords":
            # Comma-separated, or (in old metadata) separated by spaces.
            value = values[0]
            result[key] = (
                [word.strip() for word in value.split(",")]
                if "," in value
                else value.split()
            )
        else:
            result[key] = values[0]
    body = message.get_payload()
    if isinstance(body, str) and body:
        result["description"] = body
    return result


def _unfolded(value: str) -> str:
    """A multi-line header value (a License text) without the indentation its
    continuation lines carry in the file: what importlib.metadata, and so pip, gives."""
    if "\n" not in value:
        return value
    import textwrap

    return textwrap.dedent(" " * 8 + value)


def _message(data: bytes) -> Message:
    # Parsed as text: the bytes parser turns non-ASCII values into Header objects.
    return _parse_email(data.decode("utf-8", "replace"))


def _parse_email(text: str) -> Message:
    import email.parser

    return email.parser.Parser().parsestr(text)


def _whole_message(data: bytes) -> Message | Headers:
    """_message(data): headers and body, as the email parser gives them.

    A report holds the metadata of every distribution, READMEs included, and the
    email parser reads a README line by line. When the headers are plain (see
    _header_message) and say no Content-Type (which could make the body a list of
    parts), the parser's body is the text after the empty line that ends them."""
    headers = _header_message(data)
    if isinstance(headers, Headers) and headers.get("Content-Type") is None:
        text = data.decode("utf-8", "replace")
        return Headers(headers._fields, text[text.find("\n\n") + 2 :])
    return _message(data)


class Headers:
    """Header fields by name (any case), and the body after them, as an email
    Message answers get/get_all/get_payload."""

    def __init__(self, fields: dict[str, list[str]], body: str = "") -> None:
        self._fields = fields
        self._body = body

    def get(self, name: str) -> str | None:
        values = self._fields.get(name.lower())
        return values[0] if values else None

    def get_all(self, name: str) -> list[str] | None:
        return self._fields.get(name.lower())

    def get_payload(self) -> str:
        return self._body


#: A header line the email parser reads as "Name: value" and nothing else.
_PLAIN_HEADER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*:[^\n]*", re.ASCII)


def _header_message(data: bytes) -> Message | Headers:
    """The headers of core metadata, as _message() gives them, without its body.

    A backtracking resolve reads the metadata of hundreds of releases, and the body
    (the project's README) is most of each file and of the email parser's work. The
    header section ends at the first empty line at the latest, so it alone yields
    the same headers. When each of its lines is a plain "Name: value" (no folded
    lines, no carriage returns, nothing else the parser treats specially) it is read
    here directly; otherwise the email parser reads it (or, with carriage returns,
    which also end lines for that parser, the whole text)."""
    return read_headers(data.decode("utf-8", "replace"))


def read_headers(text: str) -> Message | Headers:
    """The header fields of core metadata text (see _header_message): a plain header
    section is read here, anything else by the email parser."""
    end = text.find("\n\n")
    if end < 0 or "\r" in text[:end]:
        return _parse_email(text)
    fields: dict[str, list[str]] = {}
    values: list[str] | None = None  # the values of the last header's name
    for line in text[:end].split("\n"):
        if line[:1] in (" ", "\t") and values is not None:
            # A folded line (a License text) goes on the value as the email parser
            # keeps it: after a line break, with its indentation.
            values[-1] = f"{values[-1]}\n{line}"
            continue
        if not _PLAIN_HEADER.fullmatch(line):
            return _parse_email(text[: end + 1])
        name, _, value = line.partition(":")
        values = fields.setdefault(name.lower(), [])
        values.append(value.lstrip(" \t"))
    return Headers(fields)


def read_wheel_metadata(path: Path | str, filename: str) -> Metadata:
    """The metadata of the wheel at path; filename names it in errors."""
    try:
        with open(path, "rb") as stream:
            return metadata_from_zip(stream, filename)
    except OSError as exc:
        raise MetadataError(f"cannot read {filename}", why=str(exc)) from None


def metadata_from_zip(stream: Any, filename: str) -> Metadata:
    """The metadata of the wheel a binary stream (a file, a range reader) holds."""
    import zipfile

    try:
        with zipfile.ZipFile(stream) as archive:
            names = [
                name
                for name in archive.namelist()
                if name.count("/") == 1 and name.endswith(".dist-info/METADATA")
            ]
            if len(names) != 1:
                raise MetadataError(
                    f"{filename} is not a valid wheel",
                    why=f"it has {len(names)} .dist-info/METADATA files, not one",
                )
            data = archive.read(names[0])
    except (zipfile.BadZipFile, EOFError) as exc:
        raise MetadataError(
            f"{filename} is not a valid wheel", why=f"the zip archive is broken: {exc}"
        ) from None
    except decompression_errors() as exc:  # evaluated only when something is raised
        # Corrupt compressed data, an unknown compression method, an encrypted member.
        raise MetadataError(
            f"{filename} is not a valid wheel",
            why=f"its METADATA cannot be read from the archive: {exc}",
        ) from None
    return Metadata.parse(data, filename)

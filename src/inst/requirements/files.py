"""Requirements and constraints files, in pip's format.

What pip does, and so what inst does (pip's requirements-file-format reference and
its parser):

- UTF-8 by default; a BOM or a PEP 263 ``# -*- coding: … -*-`` line in the first two
  lines chooses another encoding.
- A line ending in ``\\`` continues on the next; the joined line keeps the number of
  its first line. A comment line ends a continuation.
- ``#`` starts a comment at the start of a line or after whitespace, so ``…#sha256=``
  in a URL survives. Comments go after continuations are joined.
- ``${NAME}`` (uppercase letters, digits, ``_``) is replaced by that environment
  variable; an unset or empty variable leaves the text as written. ``$NAME`` and
  ``%NAME%`` are not expanded.
- ``-r``/``-c`` paths are relative to the file that names them (to its URL, for a file
  read from one). A ``-r`` inside a constraints file reads requirements, as in pip; a
  ``-c`` anywhere reads constraints.
- A file named by an ``http(s)`` URL is read through the caller's ``fetch`` (the run's
  HTTP client: credentials, retries, certificates, cache); without one it is an error.
- Relative *requirement* paths (``./pkg``, ``-e .``) are relative to the current
  directory, not to the file: pip's long-standing behaviour (pypa/pip#8765, #6112),
  which inst keeps so that the same file means the same thing to both.
- ``--find-links`` with a relative path is taken relative to the file's directory
  when that exists there, else left as written (pip's rule).
- Options for the whole run (``-i``, ``--pre``, …) stand on their own lines; a
  requirement line takes only ``--hash`` and the build options ``-C``/
  ``--config-settings``, ``--global-option`` and ``--build-option``, which apply to
  that requirement's build alone. An ``-e`` line takes the build options, not
  ``--hash`` (a source tree has no hash to check).

Where inst is stricter than pip (pip warns or silently ignores): an unknown option, a
file-wide option after a requirement, a ``--hash`` with no requirement on its line, a
cycle of ``-r`` files, a per-requirement option on a line of its own, a
and a ``--config-settings`` value without ``=`` are errors.
"""

from __future__ import annotations

import codecs
import os
import re
import shlex
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import Union

from inst._records import dataclass
from inst.requirements.specs import (
    RequirementError,
    RequirementSpec,
    parse_hash_option,
    parse_requirement,
)

__all__ = ["Fetch", "FileOptions", "RequirementsFile", "read_requirements"]

#: Reads a requirements file named by an http(s) URL: its bytes, or a
#: RequirementError that says why not.
Fetch = Callable[[str], bytes]
#: Where a file is: a local path, or the http(s) URL it is fetched from.
_Location = Union[Path, str]

_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
# BOMs, longest first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# Where the options part of a line begins: the first word starting with "-" (as in
# pip, which never shell-splits the requirement part, so markers keep their quotes).
_OPTIONS_START = re.compile(r"(?:^|\s)-")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


@dataclass
class FileOptions:
    """File-wide options, merged across nested files in reading order."""

    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)
    no_index: bool = False
    find_links: list[str] = field(default_factory=list)
    pre: bool = False
    only_binary: list[str] = field(default_factory=list)  # names, :all:, :none:
    no_binary: list[str] = field(default_factory=list)
    prefer_binary: bool = False
    require_hashes: bool = False
    trusted_hosts: list[str] = field(default_factory=list)


@dataclass
class RequirementsFile:
    """What one requirements file holds."""

    requirements: list[RequirementSpec] = field(default_factory=list)
    constraints: list[RequirementSpec] = field(default_factory=list)
    options: FileOptions = field(default_factory=FileOptions)


def read_requirements(
    path: str,
    *,
    constraint: bool = False,
    environ: Mapping[str, str] | None = None,
    fetch: Fetch | None = None,
) -> RequirementsFile:
    """Read a requirements file (``constraint=True``: a constraints file) and the
    files it includes. ``path`` is a path or a ``file:`` URL, as the user wrote it
    (messages name it that way), or an http(s) URL read through ``fetch``. Raises
    RequirementError naming file and line."""
    reader = _Reader(os.environ if environ is None else environ, fetch)
    reader.read(path, _location(path), constraint=constraint, chain=())
    return reader.result


# ---- options ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Option:
    """An option line of a requirements file."""

    dest: str
    takes_value: bool


_OPTIONS: dict[str, _Option] = {
    "-r": _Option("requirement", True),
    "--requirement": _Option("requirement", True),
    "-c": _Option("constraint", True),
    "--constraint": _Option("constraint", True),
    "-e": _Option("editable", True),
    "--editable": _Option("editable", True),
    "-i": _Option("index_url", True),
    "--index-url": _Option("index_url", True),
    "--extra-index-url": _Option("extra_index_url", True),
    "--no-index": _Option("no_index", False),
    "-f": _Option("find_links", True),
    "--find-links": _Option("find_links", True),
    "--pre": _Option("pre", False),
    "--only-binary": _Option("only_binary", True),
    "--no-binary": _Option("no_binary", True),
    "--prefer-binary": _Option("prefer_binary", False),
    "--require-hashes": _Option("require_hashes", False),
    "--trusted-host": _Option("trusted_host", True),
    "--hash": _Option("hash", True),
    "-C": _Option("config_settings", True),
    "--config-settings": _Option("config_settings", True),
    "--global-option": _Option("global_option", True),
    "--build-option": _Option("build_option", True),
}

# Options that belong to the requirement on their line, not to the whole file.
_BUILD_OPTIONS = frozenset({"config_settings", "global_option", "build_option"})
_PER_REQUIREMENT = _BUILD_OPTIONS | {"hash"}

_SUPPORTED = (
    "-r, -c, -e, -i/--index-url, --extra-index-url, --no-index, -f/--find-links, "
    "--pre, --only-binary, --no-binary, --prefer-binary, --require-hashes, "
    "--trusted-host, and after a requirement --hash, -C/--config-settings, "
    "--global-option and --build-option"
)


def _parse_options(text: str) -> list[tuple[str, str, str]]:
    """``--pre -i URL`` → [(dest, spelling, value)]. Raises RequirementError."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise RequirementError(f"cannot split options {text!r}", why=str(exc)) from None
    found: list[tuple[str, str, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.startswith("--"):
            spelling, has_value, value = token.partition("=")
        elif token.startswith("-") and len(token) > 2:  # -rfile, like optparse
            spelling, has_value, value = token[:2], "=", token[2:]
        else:
            spelling, has_value, value = token, "", ""
        if not spelling.startswith("-"):
            raise RequirementError(
                f"unexpected {token!r} after the options",
                hint="put each requirement on its own line, before its options",
            )
        option = _OPTIONS.get(spelling)
        if option is None:
            raise RequirementError(
                f"unknown option {spelling}",
                why="inst does not support it in requirements files",
                hint=f"supported: {_SUPPORTED}",
            )
        if not option.takes_value:
            if has_value:
                raise RequirementError(f"{spelling} takes no value")
        elif not has_value:
            if i >= len(tokens):
                raise RequirementError(f"{spelling} needs a value")
            value = tokens[i]
            i += 1
        found.append((option.dest, spelling, value))
    return found


# ---- reading ------------------------------------------------------------------------


class _Reader:
    def __init__(self, environ: Mapping[str, str], fetch: Fetch | None) -> None:
        self.environ = environ
        self.fetch = fetch
        self.result = RequirementsFile()

    def read(
        self,
        display: str,
        location: _Location,
        *,
        constraint: bool,
        chain: tuple[tuple[str, _Location], ...],
    ) -> None:
        # Errors about the file itself are raised unplaced: the including line (if
        # any) adds its file and line number.
        key = location if isinstance(location, str) else _real(location)
        if any(seen == key for _, seen in chain):
            names = [name for name, _ in chain] + [display]
            raise RequirementError(
                f"{display} includes itself",
                why=" → ".join(names),
                hint="remove one of the -r/-c lines that close the loop",
            )
        if isinstance(location, str):
            text = _fetched_text(display, location, self.fetch, constraint=constraint)
        else:
            text = _read_text(
                display, location, nested=bool(chain), constraint=constraint
            )
        chain = (*chain, (display, key))
        for number, line, expanded in _logical_lines(text, self.environ):
            try:
                self._line(display, location, number, line, expanded, constraint, chain)
            except RequirementError as exc:
                if not exc.context:  # an included file's error names its own line
                    exc.within(f"{display} line {number}")
                raise exc from None

    def _line(
        self,
        display: str,
        location: _Location,
        number: int,
        line: str,
        expanded: str,
        constraint: bool,
        chain: tuple[tuple[str, _Location], ...],
    ) -> None:
        match = _OPTIONS_START.search(expanded)
        if match is None:
            requirement, options_text = expanded, ""
        else:
            requirement = expanded[: match.start()].strip()
            options_text = expanded[match.start() :].strip()
        options = _parse_options(options_text)
        editables = [value for dest, _, value in options if dest == "editable"]
        hashes: dict[str, list[str]] = {}
        for dest, _, value in options:
            if dest == "hash":
                algorithm, digest = parse_hash_option(value)
                hashes.setdefault(algorithm, []).append(digest)

        if requirement or editables:
            if requirement and editables:
                raise RequirementError(
                    "-e must come first on its line",
                    hint="write -e PATH on a line of its own",
                )
            if len(editables) > 1:
                raise RequirementError(
                    "more than one -e on a line", hint="give each its own line"
                )
            # A source tree has no hash to check, so -e takes only the build options.
            allowed = _BUILD_OPTIONS | {"editable"} if editables else _PER_REQUIREMENT
            for dest, spelling, _ in options:
                if dest not in allowed:
                    raise RequirementError(
                        f"{spelling} cannot follow a requirement",
                        why="only --hash, -C/--config-settings, --global-option and "
                        "--build-option apply to a single requirement"
                        if not editables
                        else "an -e line takes only -C/--config-settings, "
                        "--global-option and --build-option",
                        hint="put options for the whole file on their own lines",
                    )
            spec = parse_requirement(
                requirement or editables[0],
                origin=f"{'-c' if constraint else '-r'} {display} (line {number})",
                base_dir=None,  # the current directory: see the module docstring
                hashes=hashes,
                constraint=constraint,
                editable=bool(editables),
                config_settings=_values(options, "config_settings"),
                global_options=_values(options, "global_option"),
                build_options=_values(options, "build_option"),
            )
            spec = replace(spec, line=line)
            target = self.result.constraints if constraint else self.result.requirements
            target.append(spec)
            return

        for dest, spelling, value in options:
            if dest == "hash":
                raise RequirementError(
                    f"{spelling} without a requirement",
                    why="a hash belongs to the requirement on its line",
                    hint="end the line before with a backslash to continue it",
                )
            if dest in _BUILD_OPTIONS:
                # pip ignores these silently here; a build setting that does nothing
                # would be hard to notice.
                raise RequirementError(
                    f"{spelling} without a requirement",
                    why="in a requirements file it applies to the requirement on its "
                    "line only",
                    hint="end the line before with a backslash to continue it, or give "
                    f"{spelling} on the command line to apply it to every build",
                )
            if dest in ("requirement", "constraint"):
                self._include(display, location, value, dest, chain)
            else:
                self._option(dest, value, location)

    def _include(
        self,
        display: str,
        location: _Location,
        value: str,
        dest: str,
        chain: tuple[tuple[str, _Location], ...],
    ) -> None:
        child: _Location
        if _is_url(value):
            child_display = value
            child = _location(value)
        elif isinstance(location, str):
            # Inside a file read from a URL, names are relative to that URL (pip).
            child_display = urllib.parse.urljoin(location, value)
            child = _location(child_display)
        else:
            child_display = value
            if not os.path.isabs(os.path.expanduser(value)) and not _is_url(display):
                # Name it as pip does: relative to how the parent was named.
                child_display = os.path.normpath(
                    os.path.join(os.path.dirname(display), value)
                )
            child = _nested_path(location.parent, os.path.expanduser(value))
        # A -r inside a constraints file reads requirements again (pip does the same).
        self.read(
            child_display,
            child,
            constraint=dest == "constraint",
            chain=chain,
        )

    def _option(self, dest: str, value: str, location: _Location) -> None:
        options = self.result.options
        if dest in ("index_url", "extra_index_url", "find_links") and "://" in value:
            try:
                urllib.parse.urlsplit(value).port  # noqa: B018 - raises on a bad URL
            except ValueError as exc:  # "http://[::1/", a port out of range
                raise RequirementError(
                    f"invalid URL {value!r}", why=str(exc), hint="check the URL"
                ) from None
        if dest == "index_url":
            options.index_url = value
        elif dest == "extra_index_url":
            if value not in options.extra_index_urls:
                options.extra_index_urls.append(value)
        elif dest == "no_index":
            options.no_index = True
        elif dest == "find_links":
            options.find_links.append(
                value
                if isinstance(location, str)
                else _find_links(value, location.parent)
            )
        elif dest == "pre":
            options.pre = True
        elif dest == "only_binary":
            options.only_binary.extend(_comma_list(value))
        elif dest == "no_binary":
            options.no_binary.extend(_comma_list(value))
        elif dest == "prefer_binary":
            options.prefer_binary = True
        elif dest == "require_hashes":
            options.require_hashes = True
        elif dest == "trusted_host":
            options.trusted_hosts.append(value)


def _values(options: list[tuple[str, str, str]], dest: str) -> list[str]:
    return [value for found, _, value in options if found == dest]


def _logical_lines(
    text: str, environ: Mapping[str, str]
) -> Iterator[tuple[int, str, str]]:
    """(number of first physical line, line as written, line with ${VARS} expanded),
    for each non-empty line after joining continuations and removing comments."""
    for number, joined in _joined_lines(text.splitlines()):
        line = _COMMENT.sub("", joined).strip()
        if line:
            yield number, line, _expand(line, environ)


def _joined_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    parts: list[str] = []
    first = 0
    for number, line in enumerate(lines, start=1):
        is_comment = _COMMENT.match(line) is not None
        if line.endswith("\\") and not is_comment:
            if not parts:
                first = number
            parts.append(line[:-1])
            continue
        if is_comment:
            line = " " + line  # keeps it a comment once glued to the line before
        if parts:
            parts.append(line)
            yield first, "".join(parts)
            parts = []
        else:
            yield number, line
    if parts:  # the last line ended in a backslash
        yield first, "".join(parts)


def _expand(line: str, environ: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        # pip leaves unset and empty variables as written.
        return environ.get(match.group(1)) or match.group(0)

    return _ENV_VAR.sub(value, line)


#: More than any real requirements file (a large pinned set with hashes is a few MB);
#: what is read stops here, so ``-r /dev/zero`` is an error, not a MemoryError.
MAX_FILE_BYTES = 32 * 1024 * 1024
#: The head checked for NUL bytes before the rest is read.
_HEAD_BYTES = 8192
#: The BOMs of encodings whose text holds NUL bytes.
_WIDE_BOMS = (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)  # UTF-32's start with these


def _real(location: Path) -> Path:
    return Path(os.path.realpath(location))


def _fetched_text(
    display: str, url: str, fetch: Fetch | None, *, constraint: bool
) -> str:
    kind = "constraints" if constraint else "requirements"
    if fetch is None:
        raise RequirementError(
            f"cannot read {kind} file {display}",
            why="this command reads requirements files from local paths and file: "
            "URLs only",
            hint="download the file and pass its path",
        )
    data = fetch(url)
    if _binary(data[:_HEAD_BYTES]):
        raise _not_text(display, kind)
    return _text_of(data, display, kind)


def _read_text(display: str, location: Path, *, nested: bool, constraint: bool) -> str:
    kind = "constraints" if constraint else "requirements"
    try:
        with open(location, "rb") as stream:
            head = stream.read(_HEAD_BYTES)
            if _binary(head):
                raise _not_text(display, kind)
            data = head + stream.read(max(0, MAX_FILE_BYTES + 1 - len(head)))
    except OSError as exc:
        raise RequirementError(
            f"cannot read {kind} file {display}",
            why=exc.strerror or str(exc),
            hint="-r and -c paths inside a file are relative to that file"
            if nested
            else "",
        ) from None
    return _text_of(data, display, kind)


def _text_of(data: bytes, display: str, kind: str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise RequirementError(
            f"{display} is too large to be a {kind} file",
            why=f"it holds more than {MAX_FILE_BYTES // (1024 * 1024)} MB",
            hint="check that -r and -c name requirements files",
        )
    try:
        text = _decode(data)
    except (UnicodeError, LookupError, ValueError) as exc:
        raise RequirementError(
            f"cannot decode {kind} file {display}",
            why=str(exc),
            hint="save it as UTF-8, or declare its encoding with a "
            "'# -*- coding: NAME -*-' first line",
        ) from None
    if "\x00" in text:
        raise _not_text(display, kind)
    return text


def _binary(head: bytes) -> bool:
    return b"\x00" in head and not head.startswith(_WIDE_BOMS)


def _not_text(display: str, kind: str) -> RequirementError:
    return RequirementError(
        f"{display} is not a {kind} file",
        why="it holds NUL bytes, so it is binary data, not text",
        hint="check that -r and -c name requirements files (text, one requirement a "
        "line)",
    )


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding)
    for line in data.splitlines()[:2]:
        match = _CODING.match(line)
        if match:
            return data.decode(match.group(1).decode("ascii"))
    return data.decode("utf-8")


def _is_url(text: str) -> bool:
    # "scheme://…" or "file:…"; a one-letter scheme would be a Windows drive.
    return bool(_URL.match(text)) or text.lower().startswith("file:")


def _location(text: str) -> _Location:
    """A requirements-file location as given (path or URL) → a local path, or the
    http(s) URL to fetch."""
    if not _is_url(text):
        return Path(os.path.abspath(os.path.expanduser(text)))
    try:
        parts = urllib.parse.urlsplit(text)
    except ValueError as exc:  # "http://[::1/"
        raise RequirementError(
            f"cannot read requirements file {text}",
            why=f"it is not a valid URL ({exc})",
        ) from None
    if parts.scheme.lower() in ("http", "https"):
        return text
    if parts.scheme.lower() != "file":
        raise RequirementError(
            f"cannot read requirements file {text}",
            why="inst reads requirements files from local paths, file: URLs and "
            "http(s) URLs only",
            hint="download the file and pass its path",
        )
    if parts.netloc not in ("", "localhost"):
        raise RequirementError(
            f"cannot read requirements file {text}",
            why=f"it is on another host ({parts.netloc})",
        )
    from inst.fileurls import path_from_file_url

    return Path(os.path.abspath(path_from_file_url(text)))


def _nested_path(parent_dir: Path, value: str) -> Path:
    # pip's documented rule: follow symlinked directories first (the OS does, when
    # "link/../x" is opened as written); if nothing is there, normalise the text.
    as_written = parent_dir / value
    if os.path.exists(as_written):  # False, not a crash, for a name too long
        return Path(os.path.realpath(as_written))
    return Path(os.path.normpath(as_written))


def _find_links(value: str, file_dir: Path) -> str:
    if _is_url(value) or os.path.isabs(value):
        return value
    beside_file = file_dir / value
    return os.path.normpath(beside_file) if os.path.exists(beside_file) else value


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]

"""Distribution files named directly, by URL or local path, rather than found on an index."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from inst.errors import InstError
from inst.fileurls import file_url
from inst.models import (
    LZIP_SUFFIXES,
    DistFile,
    parse_dist_file,
    sdist_suffix,
    split_hash_fragment,
    url_filename,
)
from inst.ui import redact

if TYPE_CHECKING:
    from inst.requirements.specs import RequirementSpec
    from inst.resolution.candidates import FileCandidate


def direct_file(url: str, name: str | None = None) -> DistFile:
    """The DistFile behind a direct URL; an error when the URL names no wheel or sdist."""
    base, hashes = split_hash_fragment(url)
    filename = url_filename(base)
    file = parse_dist_file(DistFile(filename, base, hashes, source=redact(base)))
    if file is None:
        raise _unusable(url, filename)
    if name is not None and file.project != name:
        raise InstError(
            f"{redact(url)} is a distribution of {file.project}, not of {name}",
            hint="fix the name before the @, or the URL",
        )
    return file


def unnamed_archive(url: str) -> tuple[str, dict[str, str], str] | None:
    """(URL without fragment, its hashes, the sdist suffix) when the URL names an
    archive in an sdist format whose file name gives no NAME-VERSION (``main.zip``,
    ``pytz-2005k.tar.bz2``): one that must be built to find out what it is."""
    base, hashes = split_hash_fragment(url)
    filename = url_filename(base)
    suffix = sdist_suffix(filename)
    if suffix is None or filename.endswith(LZIP_SUFFIXES):
        return None
    if parse_dist_file(DistFile(filename, base)) is not None:
        return None
    return base, hashes, suffix


def spec_url(spec: RequirementSpec) -> str:
    """The URL of a URL, wheel-path or sdist-path requirement."""
    if spec.url is None:
        path = spec.path or Path(str(spec))
        return file_url(path.resolve())
    return spec.url


def spec_file(spec: RequirementSpec) -> DistFile:
    """The file of a URL, wheel-path or sdist-path requirement."""
    return direct_file(spec_url(spec), spec.name)


def _unusable(url: str, filename: str) -> InstError:
    """Why the file a URL or path names is neither a wheel nor an sdist inst takes."""
    if filename.endswith(LZIP_SUFFIXES):
        return InstError(
            f"{redact(url)} is an lzip-compressed archive, which inst cannot unpack",
            why="Python has no lzip decompressor (its tarfile reads gzip, bzip2, xz "
            "and lzma)",
            hint="unpack it with lzip and give inst the directory, or repack it as "
            ".tar.gz",
        )
    if filename.endswith(".whl"):
        shape = "a wheel's NAME-VERSION(-BUILD)-PYTHON-ABI-PLATFORM.whl"
    elif sdist_suffix(filename) is not None:
        suffix = sdist_suffix(filename) or ""
        stem = filename[: -len(suffix)]
        name, dash, version = stem.rpartition("-")
        if dash and name and version:
            # The usual reason: a version from before PEP 440 (pytz-2005k), or an
            # archive named after a branch (main.zip). inst takes an sdist's name and
            # version from its file name (PEP 625); pip would build it to find out.
            return InstError(
                f"{redact(url)} does not name a source distribution inst can use",
                why=f"its file name {filename!r} gives the version {version!r}, which "
                "is not a valid version (PEP 440)",
                hint="unpack it and give inst the directory, or rename the archive "
                "NAME-VERSION" + suffix + " with the version its metadata gives",
            )
        shape = f"an sdist's NAME-VERSION{suffix}"
    else:
        shape = "NAME-VERSION and .whl or an sdist's suffix"
    return InstError(
        f"{redact(url)} does not name a wheel or a source distribution",
        why=f"its file name {filename!r} is not {shape}",
        hint="point the requirement at a wheel (.whl) or an sdist (.tar.gz, .zip, "
        ".tar.bz2, .tar.xz, ...), or at the project's directory",
    )


def tree_direct_url(candidate: FileCandidate) -> dict[str, Any]:
    """PEP 610 for a local project directory (editable or not)."""
    editable = bool(candidate.spec is not None and candidate.spec.editable)
    return {
        "url": candidate.file.url,
        "dir_info": {"editable": True} if editable else {},
    }


def archive_direct_url(candidate: FileCandidate, sha256: str) -> dict[str, Any] | None:
    """PEP 610's record of a wheel or sdist named by URL or path (never with
    credentials); None for one found on an index."""
    if not candidate.direct:
        return None
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(candidate.file.url)
    netloc = parts.netloc.rpartition("@")[2]
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return {
        "url": url,
        "archive_info": {"hash": f"sha256={sha256}", "hashes": {"sha256": sha256}},
    }

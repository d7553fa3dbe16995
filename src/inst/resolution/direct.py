"""Distribution files named directly, by URL or local path, rather than found on an index."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from inst.errors import InstError
from inst.models import DistFile, parse_dist_file, split_hash_fragment, url_filename
from inst.ui import redact

if TYPE_CHECKING:
    from inst.requirements.specs import RequirementSpec


def direct_file(url: str, name: str | None = None) -> DistFile:
    """The DistFile behind a direct URL; an error when the URL names no wheel or sdist."""
    base, hashes = split_hash_fragment(url)
    filename = url_filename(base)
    file = parse_dist_file(DistFile(filename, base, hashes, source=redact(base)))
    if file is None:
        raise InstError(
            f"{redact(url)} does not name a wheel or a source distribution",
            why="its file name does not parse as one",
            hint="point the requirement at a .whl, .tar.gz or .zip file",
        )
    if name is not None and file.project != name:
        raise InstError(
            f"{redact(url)} is a distribution of {file.project}, not of {name}",
            hint="fix the name before the @, or the URL",
        )
    return file


def spec_file(spec: RequirementSpec) -> DistFile:
    """The file of a URL, wheel-path or sdist-path requirement."""
    if spec.url is None:
        path = spec.path or Path(str(spec))
        url = path.resolve().as_uri()
    else:
        url = spec.url
    return direct_file(url, spec.name)

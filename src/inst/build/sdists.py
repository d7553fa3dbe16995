"""Source distributions as ``inst build`` makes them: the core metadata an sdist
carries (its top directory's PKG-INFO), the file name PEP 625 gives it, and the checks
of the files a build made against the project's name and version."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from inst._records import dataclass
from inst.build.runner import BuildFailed
from inst.core_metadata import Metadata, MetadataError

#: PKG-INFO larger than this is no metadata file (a bound on what is read).
_MAX_PKG_INFO = 16 * 1024 * 1024


def sdist_filename(name: str, version: Version) -> str:
    """PEP 625: ``{normalized_name}-{version}.tar.gz``, the name normalized as in wheel
    names (runs of ``-_.`` to one ``_``, lower case) and the version in PEP 440's
    normal form."""
    return f"{canonicalize_name(name).replace('-', '_')}-{version}.tar.gz"


@dataclass(frozen=True)
class CheckedSdist:
    """A built sdist whose name and version its PKG-INFO confirms."""

    path: Path
    metadata: Metadata
    #: The PEP 625 name, when the backend chose another spelling (else None).
    expected_name: str | None


def check_sdist(path: Path) -> CheckedSdist:
    """The sdist's metadata, its file name checked against it: another project or
    version is an error; the same ones spelled otherwise than PEP 625 asks (older
    setuptools write ``my-project-1.0.tar.gz``) are reported as ``expected_name``."""
    metadata = sdist_metadata(path)
    expected = sdist_filename(metadata.name, metadata.version)
    parsed = _parsed_sdist_name(path.name)
    if parsed is None or parsed != (metadata.name, metadata.version):
        raise BuildFailed(
            f"the build backend made {path.name}, which is not named for "
            f"{metadata.display_name} {metadata.version}",
            why=f"its PKG-INFO says {metadata.display_name} {metadata.version}, so "
            f"PEP 625 names it {expected}",
            hint="the project's build produces a misnamed file; report it to its "
            "maintainers (or to the build backend's)",
        )
    return CheckedSdist(path, metadata, None if path.name == expected else expected)


def check_wheel_name(wheel: Path, name: str, version: Version) -> None:
    """A wheel built by ``inst build`` must be of the project and version it was
    built for (those of its sdist, or of its own METADATA when built from the tree)."""
    try:
        wheel_name, wheel_version, _, _ = parse_wheel_filename(wheel.name)
    except InvalidWheelFilename as exc:
        raise BuildFailed(
            f"the build backend made {wheel.name}, not a valid wheel name",
            why=str(exc),
        ) from None
    if wheel_name != canonicalize_name(name) or wheel_version != version:
        raise BuildFailed(
            f"the build backend made {wheel.name} for {name} {version}",
            why=f"its name says {wheel_name} {wheel_version}",
            hint="the project's build produces another distribution; report it to its "
            "maintainers",
        )


def _parsed_sdist_name(filename: str) -> tuple[str, Version] | None:
    for suffix in (".tar.gz", ".zip"):
        if filename.endswith(suffix):
            try:
                name, version = parse_sdist_filename(
                    filename[: -len(suffix)] + ".tar.gz"
                )
            except InvalidSdistFilename:
                return None
            return str(name), version
    return None


def sdist_metadata(path: Path) -> Metadata:
    """The core metadata in the sdist's ``<top>/PKG-INFO``."""
    try:
        data = _pkg_info(path)
    except (OSError, tarfile.TarError, zipfile.BadZipFile) as exc:
        raise BuildFailed(
            f"cannot read the sdist {path.name} the build backend made", why=str(exc)
        ) from None
    if data is None:
        raise BuildFailed(
            f"the sdist {path.name} has no PKG-INFO in its top directory",
            why="a source distribution carries its core metadata there (PEP 643); "
            "installers and indexes read it",
            hint="the build backend is too old or broken: upgrade it in [build-system] "
            "requires",
        )
    try:
        return Metadata.parse(data, f"{path.name} (PKG-INFO)")
    except MetadataError as exc:
        raise BuildFailed(
            f"the PKG-INFO of {path.name} is not valid core metadata", why=exc.what
        ) from None


def _pkg_info(path: Path) -> bytes | None:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if _is_pkg_info(info.filename) and info.file_size <= _MAX_PKG_INFO:
                    return archive.read(info)
        return None
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            if member.isfile() and _is_pkg_info(member.name):
                if member.size > _MAX_PKG_INFO:
                    return None
                stream = archive.extractfile(member)
                return stream.read() if stream is not None else None
    return None


def _is_pkg_info(member: str) -> bool:
    parts = PurePosixPath(member).parts
    return len(parts) == 2 and parts[1] == "PKG-INFO"

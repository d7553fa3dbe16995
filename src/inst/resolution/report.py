"""The installation report, in pip's format (version "1"), so tools that read pip's
``--report`` read inst's too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inst import __version__
from inst.models import DistFile
from inst.resolution.direct import tree_direct_url

if TYPE_CHECKING:
    from inst.resolution.candidates import FileCandidate
    from inst.resolution.resolver import Resolution, ResolvedDist

REPORT_VERSION = "1"


def installation_report(resolution: Resolution) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "pip_version": f"inst-{__version__}",
        "installer": {"name": "inst", "version": __version__},
        "install": [_item(dist) for dist in resolution.to_fetch],
        "environment": dict(resolution.environment.markers),
    }


def _item(dist: ResolvedDist[FileCandidate]) -> dict[str, Any]:
    candidate = dist.candidate
    file = candidate.file
    if isinstance(file, DistFile):
        download_info = {"url": file.url, "archive_info": _archive_info(file)}
    else:  # PEP 610: a local directory has dir_info, not archive_info
        download_info = tree_direct_url(candidate)
    item: dict[str, Any] = {
        "download_info": download_info,
        "is_direct": candidate.direct,
        "is_yanked": isinstance(file, DistFile) and file.yanked is not None,
        "requested": dist.requested,
        "metadata": dist.metadata.as_json() if dist.metadata else {},
    }
    if dist.requested_extras:
        item["requested_extras"] = sorted(dist.requested_extras)
    return item


def _archive_info(file: DistFile) -> dict[str, Any]:
    archive_info: dict[str, Any] = {}
    hashes = dict(file.hashes) or _local_hashes(file.url)
    if hashes:
        algorithm = "sha256" if "sha256" in hashes else min(hashes)
        archive_info["hash"] = f"{algorithm}={hashes[algorithm]}"
        archive_info["hashes"] = hashes
    return archive_info


def _local_hashes(url: str) -> dict[str, str]:
    """A local file's sha256, as pip reports it for path requirements."""
    if not url.startswith("file:"):
        return {}
    from inst.fileurls import path_from_file_url
    from inst.hashing import file_sha256

    try:
        return {"sha256": file_sha256(path_from_file_url(url))}
    except OSError:
        return {}

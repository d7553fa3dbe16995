"""Where MetadataSource looks first: the metadata stored by the wheel's sha256 is read
before any cached wheel is looked for (a backtracking resolve reads hundreds of
releases, and finding a cached wheel costs path work and stats for each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inst.cache import Cache
from inst.models import DistFile
from inst.resolution.metadata import MetadataSource

SHA256 = "ab" * 32
METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: dep>=1\n\n"


class NoWheelsHere:
    """A downloader that must not be asked for a cached wheel."""

    def cached(self, file: DistFile) -> Path | None:
        raise AssertionError(f"asked for a cached copy of {file.filename}")


def test_stored_metadata_is_read_before_cached_wheels_are_looked_for(
    tmp_path: Path,
) -> None:
    cache = Cache(tmp_path / "cache")
    stored = cache.metadata.by_sha256(SHA256)
    assert stored is not None
    stored.parent.mkdir(parents=True)
    stored.write_bytes(METADATA)
    file = DistFile(
        "demo-1.0-py3-none-any.whl",
        "https://files.example/demo-1.0-py3-none-any.whl",
        {"sha256": SHA256},
    )
    downloader: Any = NoWheelsHere()
    source = MetadataSource(None, downloader, cache=cache.metadata)  # type: ignore[arg-type]

    metadata = source.for_file(file)

    assert [str(r) for r in metadata.requires_dist] == ["dep>=1"]

"""The cache of one run: inst's cache directory as named buckets, or the null cache.

A run makes one ``Cache`` from its settings (``session.targets.run_cache()``) and hands
each user the bucket its entries live in: ``http`` (index pages and metadata files),
``downloads``, ``metadata``, ``built_wheels``, ``unpacked``, ``interpreters``,
``local_hashes``, and ``build_environments()``. Every path under the cache directory is worked out here; the
names of its parts, what ``inst cache info`` counts, and walking and purging them, are
``cache_layout``'s.

``NULL_CACHE`` stands for ``--no-cache-dir`` and for a cache directory that cannot be
written (already warned about). Its buckets keep nothing: ``keeps`` is False, a lookup
gives no path (None), and nothing is written anywhere; only build environments, which
a build needs all the same, go into the run's work directory.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

from inst import cache_layout
from inst.cache_layout import (
    BUILD_ENVS,
    BUILT_WHEELS_PART,
    FILES_BY_SHA256,
    FILES_BY_URL,
    FILES_PART,
    HTTP_PART,
    INTERPRETER_KEY_LENGTH,
    INTERPRETERS_PART,
    LOCAL_HASHES_PART,
    METADATA_BY_SHA256,
    METADATA_PART,
    UNPACKED_PART,
    CachedDist,
    Removal,
    Usage,
)


class Cache:
    """inst's cache directory, as one run uses it; ``Cache(None)`` is the null cache."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

        def part(part: cache_layout.Part) -> Path | None:
            return None if directory is None else part.path(directory)

        self.http = HttpPages(self, part(HTTP_PART))
        self.downloads = Downloads(self, part(FILES_PART))
        self.metadata = MetadataFiles(self, part(METADATA_PART))
        self.built_wheels = BuiltWheels(self, part(BUILT_WHEELS_PART))
        self.unpacked = Unpacked(self, part(UNPACKED_PART))
        self.interpreters = Interpreters(self, part(INTERPRETERS_PART))
        self.local_hashes = LocalHashes(self, part(LOCAL_HASHES_PART))

    def __repr__(self) -> str:
        return f"Cache({self.directory!r})"

    @property
    def keeps(self) -> bool:
        """False for the null cache."""
        return self.directory is not None

    @property
    def writable(self) -> bool:
        """Whether entries may be written: a real cache that this run has not found
        unwritable (and warned about) yet."""
        return self.directory is not None and not cache_layout.is_unwritable(
            self.directory
        )

    def cannot_write(self, error: OSError) -> None:
        """A write into the cache failed: say so once; ``writable`` is False from now."""
        if self.directory is not None:
            cache_layout.warn_unwritable(self.directory, error)

    def build_environments(self, work_dir: Path) -> BuildEnvironments:
        """Where isolated build environments go: the cache's, with the run's work
        directory for when they cannot be made there; the work directory alone in the
        null cache."""
        temporary = BuildEnvironments(work_dir / BUILD_ENVS)
        if self.directory is None:
            return temporary
        return BuildEnvironments(self.directory / BUILD_ENVS, fallback=temporary)

    # -- for `inst cache` -------------------------------------------------------------

    def usage(self) -> list[Usage]:
        """What each part holds, in the order `inst cache info` shows them."""
        if self.directory is None:
            return []
        return cache_layout.usage(self.directory)

    def purge(self) -> Removal:
        """Remove everything inst keeps (files still being written are left alone)."""
        if self.directory is None:
            return Removal()
        return cache_layout.purge(self.directory)


class Bucket:
    """One kind of entry, in its own directory of the cache (None: keeps nothing)."""

    def __init__(self, cache: Cache, directory: Path | None) -> None:
        self.cache = cache
        self.directory = directory

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.directory!r})"

    @property
    def keeps(self) -> bool:
        """False in the null cache: every lookup gives None, nothing is written."""
        return self.directory is not None

    @property
    def writable(self) -> bool:
        return self.cache.writable

    def cannot_write(self, error: OSError) -> None:
        self.cache.cannot_write(error)

    def holds(self, path: Path) -> bool:
        """Whether path lies in this bucket."""
        if self.directory is None:
            return False
        try:
            return os.path.commonpath([path, self.directory]) == str(self.directory)
        except ValueError:  # another drive
            return False

    def _at(self, *parts: str) -> Path | None:
        return None if self.directory is None else self.directory.joinpath(*parts)


class HttpPages(Bucket):
    """``http/<k[:2]>/<k[2:4]>/<k[4:]>``: one HTTP response (index page, metadata file)
    per key (index/cache.py: of the URL and the Accept header)."""

    def entry(self, key: str) -> Path | None:
        return self._at(key[:2], key[2:4], key[4:])


class Downloads(Bucket):
    """``files/sha256/<h[:2]>/<h[2:]>/<filename>``: wheels and sdists whose sha256 was
    known before downloading; ``files/url/<url key>/<filename>``: the others."""

    def by_sha256(self, sha256: str, filename: str) -> Path | None:
        return self._at(FILES_BY_SHA256, sha256[:2], sha256[2:], filename)

    def by_url(self, url_key: str, filename: str) -> Path | None:
        """``url_key``: the sha256 hex digest of the URL without credentials or
        fragment."""
        return self._at(FILES_BY_URL, url_key, filename)

    def dists(self) -> list[CachedDist]:
        """The distribution files kept, by filename then path."""
        if self.directory is None:
            return []
        return cache_layout.cached_dists(self.directory)

    def remove(self, paths: list[Path]) -> Removal:
        """Remove these files of the bucket, and the directories they leave empty."""
        if self.directory is None:
            return Removal()
        return cache_layout.remove_files(paths, stop=self.directory)


class MetadataFiles(Bucket):
    """``metadata/sha256/<h[:2]>/<h[2:]>``: the core metadata of a file with a known
    sha256 (it never changes: kept without expiry)."""

    def by_sha256(self, sha256: str) -> Path | None:
        return self._at(METADATA_BY_SHA256, sha256[:2], sha256[2:])


class BuiltWheels(Bucket):
    """``wheels/<k[:2]>/<k[2:]>/``: the wheel built from an index sdist, and its
    built-by.json (build/wheel_cache.py: k of the sdist's hash, interpreter,
    options)."""

    def entry(self, key: str) -> Path | None:
        return self._at(key[:2], key[2:])


class Unpacked(Bucket):
    """``unpacked/<h[:2]>/<h[2:]>/``: the validated wheel with the sha256 h, unpacked
    (install/unpacked.py)."""

    def entry(self, sha256: str) -> Path | None:
        return self._at(sha256[:2], sha256[2:])

    def entries(self) -> list[Path]:
        """The entries in their places (not temporary directories being made or
        removed), sorted."""
        if self.directory is None:
            return []
        found = []
        for shard in _subdirectories(self.directory):
            if len(shard.name) == 2:
                found += [
                    entry
                    for entry in _subdirectories(shard)
                    if not UNPACKED_PART.is_temporary(entry.name)
                ]
        return sorted(found)


class Interpreters(Bucket):
    """``interpreters/<digest[:32]>.json``: a --python probe's answer."""

    def probe(self, digest: str) -> Path | None:
        return self._at(f"{digest[:INTERPRETER_KEY_LENGTH]}.json")


class LocalHashes(Bucket):
    """``local-hashes/<k[:2]>/<k[2:]>.json``: the digests of a local wheel or sdist
    (a file:// index, --find-links), with the stat they were taken at (k: of its
    path), so that a file that has not changed is not read and hashed again."""

    def entry(self, key: str) -> Path | None:
        return self._at(key[:2], f"{key[2:]}.json")

    @staticmethod
    def stamp(path: Path) -> list[int]:
        """What says the file is unchanged: size, times and identity. The ctime
        cannot be set back, so an edit that restores the mtime still shows."""
        info = os.stat(path)
        return [
            info.st_size,
            info.st_mtime_ns,
            info.st_ctime_ns,
            info.st_ino,
            info.st_dev,
        ]

    def recall(
        self, path: Path, stamp: list[int], algorithms: Iterable[str]
    ) -> dict[str, str] | None:
        """The digests remembered for path at this stamp, if they cover every
        algorithm asked for."""
        entry = self.entry(_path_key(path))
        if entry is None:
            return None
        try:
            with open(entry, encoding="utf-8") as stream:
                data = json.load(stream)
            if data["path"] != os.path.abspath(path) or data["stamp"] != stamp:
                return None
            digests = data["digests"]
            return {name: str(digests[name]) for name in algorithms}
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent, foreign or damaged: hashed again

    def remember(self, path: Path, stamp: list[int], digests: dict[str, str]) -> None:
        """Keep path's digests taken at stamp (a cache that fails is no error)."""
        entry = self.entry(_path_key(path))
        if entry is None or not self.writable:
            return
        from inst import fileio

        data = {"path": os.path.abspath(path), "stamp": stamp, "digests": digests}
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            fileio.write_text(entry, json.dumps(data))
        except OSError as error:
            self.cannot_write(error)


def _path_key(path: Path) -> str:
    import hashlib

    text = os.path.abspath(path)
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


class BuildEnvironments:
    """``build-envs/<k[:2]>/<k[2:34]>/``: a venv per exact set of build requirements
    and interpreter (build/environments.py), in the cache or in a run's work
    directory; fallback: where they go when this directory cannot be used."""

    def __init__(
        self, directory: Path, fallback: BuildEnvironments | None = None
    ) -> None:
        self.directory = directory
        self.fallback = fallback

    def __repr__(self) -> str:
        return f"BuildEnvironments({self.directory!r}, fallback={self.fallback!r})"

    def entry(self, key: str) -> Path:
        return self.directory / key[:2] / key[2:34]


def _subdirectories(directory: Path) -> list[Path]:
    try:
        with os.scandir(directory) as entries:
            return [
                Path(entry.path)
                for entry in entries
                if entry.is_dir(follow_symlinks=False)
            ]
    except OSError:  # absent, or not readable
        return []


#: The cache of a run without one: keeps nothing, writes nothing.
NULL_CACHE = Cache(None)

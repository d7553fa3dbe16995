"""The layout of inst's cache directory: what lives where, and walking it.

The paths of entries are worked out by ``inst.cache.Cache`` (a bucket per part);
this module names the parts and walks, counts and purges them for ``inst cache``.

```
cache_dir/
  http/<k[:2]>/<k[2:4]>/<k[4:]>             index/cache.py: one HTTP response (index
                                             page, metadata file) per URL and Accept
  files/sha256/<h[:2]>/<h[2:]>/<filename>   download.py: wheels and sdists whose sha256
                                             was known before downloading
  files/url/<sha256 of the URL>/<filename>  download.py: the others, keyed by URL
  metadata/sha256/<h[:2]>/<h[2:]>           resolution/metadata.py: the core metadata of
                                             a file with a known sha256
  interpreters/<digest[:32]>.json           environment.py: --python probe results
  unpacked/<h[:2]>/<h[2:]>/                 install/unpacked.py: a validated wheel with
      manifest.json, stamps.json,            the sha256 h, unpacked (installs link from
      files/<members> (read-only)            it); `inst cache verify` re-hashes them
  build-envs/<k[:2]>/<k[2:34]>/             build/environments.py: a venv per exact set of
                                             build requirements and interpreter
  wheels/<k[:2]>/<k[2:]>/<wheel>            build/wheel_cache.py: a wheel built from an
                                             index sdist (key: sdist hash, interpreter, options)
                 built-by.json              the build interface that made it
```

Writers never leave a half-written entry: they write a temporary file beside it and
move it into place. Those temporary names (``.NAME.HEX.tmp``, ``.tmp-*``, ``tmp*``, and
``.old-*`` for an unpacked wheel moved aside to be removed) are recognised here, so
that ``inst cache purge`` leaves the ones still being written alone.

Everything here tolerates other processes: a file or directory that disappears during a
walk is skipped, a directory that fills up again is left in place. Nothing heavy is
imported: ``inst cache`` starts as fast as ``inst --version``.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import field
from pathlib import Path

from inst._records import dataclass

#: ``cache_dir/http``: the HTTP cache (index/cache.py).
HTTP = "http"
#: ``cache_dir/files``: downloaded distribution files.
FILES = "files"
#: ``cache_dir/files/sha256``: files by their sha256.
FILES_BY_SHA256 = "sha256"
#: ``cache_dir/files/url``: files whose sha256 was unknown, by the sha256 of their URL.
FILES_BY_URL = "url"
#: ``cache_dir/metadata``: core metadata of files.
METADATA = "metadata"
#: ``cache_dir/metadata/sha256``: core metadata by the file's sha256.
METADATA_BY_SHA256 = "sha256"
#: ``cache_dir/interpreters``: --python probe results.
INTERPRETERS = "interpreters"
#: ``cache_dir/local-hashes``: digests of local distribution files, by path and stat.
LOCAL_HASHES = "local-hashes"
#: ``cache_dir/unpacked``: validated wheels, unpacked, by the wheel's sha256.
UNPACKED = "unpacked"
#: ``cache_dir/build-envs``: isolated build environments (build/environments.py).
BUILD_ENVS = "build-envs"
#: ``cache_dir/wheels``: wheels built from index sdists (build/wheel_cache.py).
BUILT_WHEELS = "wheels"
#: The length of the digest prefix that names a probe result.
INTERPRETER_KEY_LENGTH = 32

#: A temporary file younger than this may still be written by another process.
TEMPORARY_GRACE_SECONDS = 3600.0

#: Archive suffixes of sdists (and the .whl of wheels), longest first.
DIST_SUFFIXES = (
    ".tar.lzma",
    ".tar.bz2",
    ".tar.gz",
    ".tar.xz",
    ".tar",
    ".tbz",
    ".tgz",
    ".tlz",
    ".txz",
    ".zip",
)
WHEEL_SUFFIX = ".whl"


@dataclass(frozen=True)
class Part:
    """One subdirectory of the cache."""

    directory: str
    title: str  # "HTTP responses": how `inst cache info` names the part
    counted: str  # "HTTP responses": and the files it counts there
    #: Names of temporary files there (a real entry never starts so).
    temporary_prefixes: tuple[str, ...] = (".",)
    #: The suffix of the files counted, when others lie beside them ("" for all).
    counted_suffix: str = ""

    def path(self, cache_dir: Path) -> Path:
        return cache_dir / self.directory

    def counts(self, name: str) -> bool:
        return name.endswith(self.counted_suffix)

    def is_temporary(self, name: str) -> bool:
        return name.startswith(self.temporary_prefixes)


HTTP_PART = Part(HTTP, "HTTP responses", "HTTP responses")
FILES_PART = Part(FILES, "Downloaded files", "downloaded files")
# NamedTemporaryFile's "tmp..." names: real entries are hex digests.
METADATA_PART = Part(
    METADATA, "Metadata", "metadata files", temporary_prefixes=(".", "tmp")
)
INTERPRETERS_PART = Part(INTERPRETERS, "Interpreter probes", "interpreter probes")
LOCAL_HASHES_PART = Part(LOCAL_HASHES, "Local file hashes", "local file hashes")
UNPACKED_PART = Part(UNPACKED, "Unpacked wheels", "unpacked files")

#: Every part of the cache, in the order `inst cache info` shows them.
BUILD_ENVS_PART = Part(BUILD_ENVS, "Build environments", "build environment files")
# Each wheel has a built-by.json beside it (build/wheel_cache.py).
BUILT_WHEELS_PART = Part(
    BUILT_WHEELS, "Built wheels", "built wheels", counted_suffix=".whl"
)
PARTS = (
    HTTP_PART,
    FILES_PART,
    METADATA_PART,
    UNPACKED_PART,
    BUILT_WHEELS_PART,
    BUILD_ENVS_PART,
    INTERPRETERS_PART,
    LOCAL_HASHES_PART,
)


# -- a cache that cannot be written -----------------------------------------------

_unwritable: set[str] = set()
_unwritable_lock = threading.Lock()


def warn_unwritable(cache_dir: Path, error: OSError) -> None:
    """Say once per run that the cache cannot be written and the run goes on without
    storing anything in it (as pip: a cache is never a reason to fail)."""
    from inst import ui

    key = str(cache_dir)
    with _unwritable_lock:
        if key in _unwritable:
            return
        _unwritable.add(key)
    if isinstance(error, FileExistsError):
        reason = "it is a file, not a directory"
    elif isinstance(error, NotADirectoryError):
        reason = "a part of its path is a file, not a directory"
    else:
        reason = error.strerror or str(error)
    ui.warning(
        f"the cache directory {cache_dir} cannot be written ({reason}); inst goes on "
        "without caching. Fix its permissions or free some space, or choose another "
        "with --cache-dir (or --no-cache-dir)"
    )


_checked: dict[str, bool] = {}


def usable(cache_dir: Path) -> bool:
    """Whether the cache can be written: made if missing, and a file created and
    removed in it (once per run). When not, warn_unwritable() has said so."""
    key = str(cache_dir)
    with _unwritable_lock:
        known = _checked.get(key)
    if known is not None:
        return known
    import tempfile

    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(dir=cache_dir, prefix=".probe-")
        os.close(descriptor)
        os.unlink(probe)
        result = True
    except OSError as error:
        warn_unwritable(cache_dir, error)
        result = False
    with _unwritable_lock:
        _checked[key] = result
    return result


def is_unwritable(cache_dir: Path) -> bool:
    """Whether this run already found the cache unwritable (and said so)."""
    return str(cache_dir) in _unwritable


# -- walking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One file in the cache, as it was when the walk saw it."""

    path: Path
    size: int
    mtime: float


def walk(root: Path) -> Iterator[Entry]:
    """Every file under ``root`` (none when it does not exist). Files that vanish while
    walking are skipped; symbolic links count with size 0 and are never followed."""
    for folder, dirs, names in os.walk(root):  # unreadable directories are skipped
        # A link to a directory (a venv's lib64) is an entry too, removed by unlink.
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        for name in [*names, *links]:
            path = Path(folder, name)
            try:
                info = path.lstat()
            except OSError:  # removed meanwhile by another process
                continue
            size = info.st_size if stat.S_ISREG(info.st_mode) else 0
            yield Entry(path, size, info.st_mtime)


def is_busy(entry: Entry, part: Part, now: float) -> bool:
    """A temporary file young enough that another process may still be writing it."""
    return (
        part.is_temporary(entry.path.name)
        and now - entry.mtime <= TEMPORARY_GRACE_SECONDS
    )


@dataclass(frozen=True)
class Usage:
    """What one part holds."""

    part: Part
    path: Path
    files: int
    size: int


def usage(cache_dir: Path) -> list[Usage]:
    result = []
    for part in PARTS:
        root = part.path(cache_dir)
        entries = list(walk(root))
        counted = sum(1 for entry in entries if part.counts(entry.path.name))
        result.append(Usage(part, root, counted, sum(entry.size for entry in entries)))
    return result


# -- distribution files -----------------------------------------------------------------


@dataclass(frozen=True)
class CachedDist:
    """A wheel or sdist in ``cache_dir/files``."""

    entry: Entry

    @property
    def filename(self) -> str:
        return self.entry.path.name

    @property
    def project(self) -> str:
        return project_part(self.filename)


def cached_dists(files_dir: Path) -> list[CachedDist]:
    """The distribution files under ``cache_dir/files``, by filename then path."""
    dists = [
        CachedDist(entry)
        for entry in walk(files_dir)
        if not FILES_PART.is_temporary(entry.path.name)
    ]
    return sorted(dists, key=lambda dist: (dist.filename, str(dist.entry.path)))


def project_part(filename: str) -> str:
    """The project name as a distribution's filename spells it: ``foo_bar`` of
    ``foo_bar-1.0-py3-none-any.whl`` and of ``foo_bar-1.0.tar.gz``."""
    if filename.endswith(WHEEL_SUFFIX):
        return filename.partition("-")[0]
    stem = filename
    for suffix in DIST_SUFFIXES:
        if filename.lower().endswith(suffix):
            stem = filename[: -len(suffix)]
            break
    name, hyphen, _ = stem.rpartition("-")  # a version never holds a hyphen
    return name if hyphen else stem


_SEPARATORS = re.compile(r"[-_.]+")


def _normalize(name: str) -> str:
    """PEP 503 normalisation; on a glob, too (``*`` and ``?`` survive it)."""
    return _SEPARATORS.sub("-", name).lower()


def matches(filename: str, pattern: str) -> bool:
    """Whether ``pattern`` selects the file, as ``pip cache list/remove`` would, and more.

    pip's rule: a pattern without a hyphen is a project name (``PATTERN-*``), one with a
    hyphen reaches into the version (``PATTERN*``). On top of that, any spelling of the
    name matches (``Foo.Bar`` finds ``foo_bar-1.0-py3-none-any.whl``), case is ignored,
    and sdists count as well as wheels."""
    if fnmatch.fnmatchcase(_normalize(project_part(filename)), _normalize(pattern)):
        return True
    suffix = "*" if "-" in pattern else "-*"
    return fnmatch.fnmatchcase(filename.lower(), pattern.lower() + suffix)


# -- removing ---------------------------------------------------------------------------


@dataclass
class Removal:
    """What a removal did."""

    removed: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)  # path, why
    directories: int = 0  # empty directories removed after the files


def remove_files(paths: Iterable[Path], stop: Path) -> Removal:
    """Remove files, then the directories that held them once empty, up to but not
    including ``stop``. A file already gone is neither counted nor an error."""
    result = Removal()
    for path in paths:
        _remove(path, result)
    result.directories = prune_empty_dirs(result.removed, stop)
    return result


def purge(cache_dir: Path, now: float | None = None) -> Removal:
    """Remove every file of every part, and the emptied directories, parts included.
    Temporary files that may still be being written are left alone, and whatever else
    lives in ``cache_dir`` is not inst's to remove."""
    now = time.time() if now is None else now
    result = Removal()
    for part in PARTS:
        root = part.path(cache_dir)
        for entry in walk(root):
            if not is_busy(entry, part, now):
                _remove(entry.path, result)
        result.directories += prune_tree(root)
    return result


def _remove(path: Path, result: Removal) -> None:
    try:
        _unlink(path)
    except FileNotFoundError:
        return  # another process was quicker
    except OSError as exc:
        result.failed.append((path, exc.strerror or str(exc)))
        return
    result.removed.append(path)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except PermissionError:
        if os.name != "nt":
            raise
        # pragma: no cover - Windows deletes no read-only file (unpacked wheels' are)
        os.chmod(path, stat.S_IWRITE)
        path.unlink()


def prune_empty_dirs(paths: Iterable[Path], stop: Path) -> int:
    """Remove the now-empty directories holding ``paths``, deepest first, up to but not
    including ``stop``. A directory another process has written to meanwhile stays."""
    candidates: set[Path] = set()
    for path in paths:
        for parent in path.parents:
            if stop not in parent.parents:
                break  # reached stop, or path was not under it
            candidates.add(parent)
    removed = 0
    for directory in sorted(candidates, key=lambda p: len(p.parts), reverse=True):
        try:
            directory.rmdir()
        except OSError:  # not empty, or gone
            continue
        removed += 1
    return removed


def prune_tree(root: Path) -> int:
    """Remove every empty directory under ``root``, deepest first, and ``root`` itself
    when it ends up empty."""
    removed = 0
    for folder, _, _ in os.walk(root, topdown=False):
        try:
            os.rmdir(folder)
        except OSError:  # not empty, or gone
            continue
        removed += 1
    return removed

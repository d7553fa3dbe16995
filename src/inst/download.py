"""Downloads of distribution files: parallel, hash-checked, cached, never half-written.

Every file is streamed into a temporary file next to where it will live (through
``inst.fileio``), hashed on the way, checked, and only then moved into place; on any
failure (Ctrl-C included) the temporary file is deleted, so neither the cache nor a
``-d`` directory ever holds a partial or unverified file.

A transfer that breaks (a reset, a body shorter than its Content-Length, a read that
stalls past the timeout) is tried again, up to ``retries`` times, then reported. A file
that no hash vouches for must at least be a whole archive (its zip directory, or its
compressed stream to the end) before it is kept anywhere.

Which hashes are checked: the index's own (``DistFile.hashes``) always, and on top of
them the allowed digests of ``DownloadRequest.hashes`` (the ``--hash`` values). For each
algorithm in either, the file's digest must match.

The cache (``cache_dir/files``) is content-addressed by sha256 when the sha256 is known
before downloading, else keyed by URL. A cache hit is re-hashed before use (or, with no
hash to compare, checked as an archive): one local read is cheap next to a download,
and it catches a cache file damaged on disk or edited through a hard link in a ``-d``
directory; a damaged entry is dropped, with a warning, and fetched again. A cache that
cannot be written (permissions, a full disk) is warned about once and the run goes on
without it.

HTTP goes through a ``Fetcher`` (``inst.index.http.HttpClient`` in inst); ``file://``
URLs are read directly.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from inst import fileio
from inst._records import dataclass
from inst.errors import InstError
from inst.fileurls import path_from_file_url
from inst.models import HASH_ALGORITHMS, DistFile
from inst.ui import redact

if TYPE_CHECKING:
    import requests

    from inst.cache import Downloads, LocalHashes

CHUNK_SIZE = 256 * 1024

# Sent with every file request: a transparently gzip-encoded body would not hash to
# the index's digest of the file itself (pip does the same).
_IDENTITY = {"Accept-Encoding": "identity"}


class ProgressBar:
    """One transfer's progress, as the reporter shows it (this base shows nothing);
    finished when the transfer ends, however it ends."""

    def advance(self, size: int) -> None:
        """size more bytes arrived."""

    def finish(self) -> None:
        """The transfer ended."""


class DownloadReporter:
    """What downloads tell, as events that carry data (the words are the caller's;
    the CLI writes pip's). Called from the download threads. This base says nothing:
    it is what a Downloader gets when no reporter is given."""

    def already_downloaded(self, path: Path) -> None:
        """The file in the -d directory is the one wanted already: kept."""

    def using_cached(self, filename: str, size: int) -> None:
        """The file comes from the cache (said once per file and run)."""

    def downloading(self, filename: str, size: int | None) -> None:
        """A transfer starts (size: what the server or the index says, if any)."""

    def progress(self, filename: str, size: int | None) -> ProgressBar:
        """The bar of a transfer that starts now (asked for only when progress bars
        are wanted)."""
        return ProgressBar()

    def cached_copy_dropped(self, filename: str, problem: str) -> None:
        """A damaged cached copy was removed; the file is fetched again."""

    def warning(self, text: str) -> None:
        """A problem that did not stop the download, in words."""


class Fetcher(Protocol):
    """What downloads need from an HTTP client (``inst.index.http.HttpClient``).

    ``get`` raises an InstError (``NetworkError``) when the server cannot be reached and
    returns every response it gets, error statuses included.
    """

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        stream: bool = False,
        cache: bool = False,
    ) -> requests.Response: ...


class HashMismatch(InstError):
    """A file's digest is not one of those it was expected to have."""

    def __init__(
        self,
        filename: str,
        algorithm: str,
        expected: Sequence[str],
        got: str,
        origin: str,
    ) -> None:
        self.filename = filename
        self.algorithm = algorithm
        self.expected = tuple(expected)
        self.got = got
        self.origin = origin  # "the index" or "--hash"
        if self.expected:
            wanted = " or ".join(self.expected)
            why = f"expected {algorithm} {wanted} (from {origin}), got {got}"
        else:  # callers intersect the index's and --hash digests: none was left
            why = f"no {algorithm} digest is allowed (the sets disagree); got {got}"
        if origin == "--hash":
            hint = (
                "the file may be corrupted or tampered with; if the hash in your "
                "requirements file is outdated, update it"
            )
        else:
            hint = "the file may be corrupted or tampered with; try again later"
        super().__init__(f"hash mismatch for {filename}", why, hint)


class DownloadError(InstError):
    """A file could not be fetched: an HTTP error status, a broken transfer, no file."""


class BrokenTransfer(DownloadError):
    """The body did not arrive whole (reset, cut short, stalled): worth another try."""


#: Waits between tries of a broken transfer: the first retry at once, then these.
RETRY_DELAYS = (0.0, 0.5, 1.0, 2.0, 4.0)


#: How long an interrupted fetch_all() waits for its workers to tidy up.
_STOP_GRACE = 1.0


@dataclass(frozen=True)
class DownloadRequest:
    """One file to fetch.

    ``hashes``: allowed digests per algorithm (the ``--hash`` values); for each algorithm
    present, the file's digest must be one of them. The index's hashes in
    ``file.hashes`` are checked as well, whether or not they are repeated here.
    ``dest_dir``: also put the file there (``inst download -d DIR``).
    """

    file: DistFile
    hashes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    dest_dir: Path | None = None


@dataclass(frozen=True)
class Downloaded:
    """A file fetched: where it is, its sha256, and whether it came from a cache."""

    file: DistFile
    path: Path  # dest_dir/filename when dest_dir was given
    sha256: str
    from_cache: bool  # not transferred by this call (cache, earlier fetch, -d dir)


class _Aborted(Exception):
    """Another download of the batch failed: stop this one at the next chunk."""


@dataclass(frozen=True)
class _Checks:
    """The digests a file must have, with where each came from."""

    filename: str
    index: Mapping[str, str]  # algorithm -> the index's digest
    allowed: Mapping[str, frozenset[str]]  # algorithm -> the --hash digests

    @classmethod
    def of(cls, file: DistFile, hashes: Mapping[str, frozenset[str]]) -> _Checks:
        # Indexes may offer others (blake2b, md5); only the ones inst trusts count.
        index = {
            algorithm: digest.lower()
            for algorithm, digest in file.hashes.items()
            if algorithm in HASH_ALGORITHMS
        }
        allowed: dict[str, frozenset[str]] = {}
        for algorithm, digests in hashes.items():
            if algorithm not in HASH_ALGORITHMS:
                # Skipping it would silently drop a check the user asked for.
                raise InstError(
                    f"cannot check the {algorithm} hash of {file.filename}",
                    "inst checks only " + ", ".join(HASH_ALGORITHMS) + " hashes",
                    "give a sha256 hash instead",
                )
            allowed[algorithm] = frozenset(digest.lower() for digest in digests)
        return cls(file.filename, index, allowed)

    @property
    def empty(self) -> bool:
        return not self.index and not self.allowed

    @property
    def algorithms(self) -> frozenset[str]:
        # sha256 always: Downloaded.sha256 and the content-addressed cache need it.
        return frozenset({"sha256", *self.index, *self.allowed})

    @property
    def known_sha256(self) -> str | None:
        """The file's sha256 before reading it, when it can only be one value."""
        if "sha256" in self.index:
            return self.index["sha256"]
        candidates = self.allowed.get("sha256", frozenset())
        return next(iter(candidates)) if len(candidates) == 1 else None

    def failure(self, digests: Mapping[str, str]) -> HashMismatch | None:
        for algorithm in HASH_ALGORITHMS:
            expected = self.index.get(algorithm)
            if expected is not None and digests[algorithm] != expected:
                return HashMismatch(
                    self.filename,
                    algorithm,
                    [expected],
                    digests[algorithm],
                    "the index",
                )
        for algorithm in HASH_ALGORITHMS:
            allowed = self.allowed.get(algorithm)
            if allowed is not None and digests[algorithm] not in allowed:
                return HashMismatch(
                    self.filename,
                    algorithm,
                    sorted(allowed),
                    digests[algorithm],
                    "--hash",
                )
        return None


class Downloader:
    """Fetches distribution files into the cache, the work dir or a ``-d`` directory."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        cache: Downloads,
        work_dir: Path,
        local_hashes: LocalHashes | None = None,
        max_workers: int = 10,
        progress: bool = True,
        retries: int = 2,
        reporter: DownloadReporter | None = None,
    ) -> None:
        self._fetcher = fetcher
        self._cache = cache
        # Digests of local files (file:// indexes, --find-links) by path and stat.
        self._local_hashes = local_hashes
        self._retries = max(0, retries)
        # False once a write into the cache failed: the rest of the run skips it.
        self._cache_writable = cache.writable
        self._work_dir = work_dir
        self._max_workers = max(1, max_workers)
        self._progress = progress  # bars wanted (--progress-bar)
        self._reporter = reporter or DownloadReporter()
        # URL -> where this Downloader last put that file (fetched or stored), so a
        # second fetch in the same run needs no transfer even without a cache.
        self._seen: dict[str, Path] = {}
        self._seen_lock = threading.Lock()
        # Temporary files being written now: what an interrupted run removes itself
        # when a worker stuck on a silent server cannot.
        self._partial: set[str] = set()

    # -- public API ------------------------------------------------------------

    def fetch(self, request: DownloadRequest) -> Downloaded:
        """Fetch one file in the calling thread."""
        return self._fetch(request, None)

    def fetch_all(self, requests: Sequence[DownloadRequest]) -> list[Downloaded]:
        """Fetch files in parallel; results in input order.

        On the first failure the other downloads stop (pending ones are cancelled,
        running ones end at their next chunk and delete their partial files), and that
        failure is raised. Files already complete stay: they are whole and verified.
        """
        if not requests:
            return []
        if len(requests) == 1 or all(_is_file_url(r.file.url) for r in requests):
            # One file (a build's backend wheel), or files on disk (used where they
            # are, their digests remembered): a pool would only add its start-up.
            return [self.fetch(request) for request in requests]
        abort = threading.Event()
        errors: list[BaseException] = []
        errors_lock = threading.Lock()

        def work(request: DownloadRequest) -> Downloaded:
            try:
                return self._fetch(request, abort)
            except _Aborted:
                raise
            except BaseException as exc:
                with errors_lock:
                    errors.append(exc)
                abort.set()
                raise

        executor = ThreadPoolExecutor(
            max_workers=max(1, min(self._max_workers, len(requests))),
            thread_name_prefix="inst-download",
        )
        futures: list[Future[Downloaded]] = []
        try:
            futures = [executor.submit(work, request) for request in requests]
            wait(futures, return_when=FIRST_EXCEPTION)
        except BaseException:
            # Ctrl-C or SIGTERM while waiting: stop the workers too. Each removes its
            # partial file at its next chunk; one stalled on a silent server would
            # hold the user until the read timeout, so it gets a moment, no more.
            abort.set()
            wait(futures, timeout=_STOP_GRACE)
            executor.shutdown(wait=False, cancel_futures=True)
            self._remove_partial_files()
            raise
        # Waits for running downloads, so their partial files are gone when we raise;
        # pending ones are cancelled when something failed.
        executor.shutdown(wait=True, cancel_futures=abort.is_set())
        if errors:
            raise errors[0]
        return [future.result() for future in futures]

    def _remove_partial_files(self) -> None:
        with self._seen_lock:
            partial, self._partial = list(self._partial), set()
        for name in partial:
            with contextlib.suppress(OSError):
                os.unlink(name)

    def cached(self, file: DistFile) -> Path | None:
        """A verified local copy of ``file`` (cache, earlier fetch, or a file:// path)."""
        _check_filename(file)
        checks = _Checks.of(file, {})
        if _is_file_url(file.url):
            source = path_from_file_url(file.url)
            if not source.is_file():
                return None
            try:
                digests: dict[str, str] | None = self._local_hash(source, checks)
            except OSError:
                digests = None
            ok = digests is not None and checks.failure(digests) is None
            return source if ok else None
        hit = self._lookup(file, checks)
        return hit[0] if hit is not None else None

    def store(self, file: DistFile, path: Path) -> Path:
        """Keep a copy of ``path`` (``file`` fetched elsewhere) where fetch() finds it.

        Verified against the index's hashes first (HashMismatch if wrong), or as an
        archive when the index gives none. Returns the copy's path: in the cache, or
        in the work dir when there is no cache (or it cannot be written)."""
        _check_filename(file)
        checks = _Checks.of(file, {})
        failure = checks.failure(self._hash(path, checks))
        if failure is not None:
            raise failure
        if checks.empty:
            problem = archive_problem(path, file.filename)
            if problem is not None:
                raise DownloadError(f"{file.filename} is not usable", problem)
        target = self._cache_target(file, checks)
        if target is not None:
            try:
                self._place(path, target)
            except OSError as error:
                self._cache_failed(error)
                target = None
        if target is None:
            target = self._work_target(file)
            self._place_or_fail(path, target)
        self._remember(file, target)
        return target

    def discard(self, path: Path) -> bool:
        """Drop a cached copy that failed a check when used (a wheel that will not
        unpack), so that the next fetch() downloads it again. Returns whether ``path``
        was a cache entry (files elsewhere, such as in ``-d``, are left alone)."""
        with self._seen_lock:
            for url in [url for url, seen in self._seen.items() if seen == path]:
                del self._seen[url]
        if not self._cache.holds(path):
            return False
        with contextlib.suppress(OSError):
            path.unlink()
        return True

    # -- one file ----------------------------------------------------------------

    def _fetch(
        self, request: DownloadRequest, abort: threading.Event | None
    ) -> Downloaded:
        if abort is not None and abort.is_set():
            raise _Aborted  # started just as another download failed
        file = request.file
        _check_filename(file)
        checks = _Checks.of(file, request.hashes)
        dest = None if request.dest_dir is None else request.dest_dir / file.filename
        if _is_file_url(file.url):
            return self._fetch_local(file, checks, dest, abort)

        if dest is not None:
            kept = self._reusable(dest, checks, None, abort)
            if kept is not None:
                self._reporter.already_downloaded(dest)
                self._remember(file, dest)
                return Downloaded(file, dest, kept["sha256"], from_cache=True)

        hit = self._lookup(file, checks, abort)
        if hit is not None:
            path, found, earlier = hit
            if not earlier:  # earlier = fetched or stored in this run: said already
                self._reporter.using_cached(file.filename, path.stat().st_size)
                self._remember(file, path)  # said once per run
            if dest is not None:
                path = self._place_or_fail(path, dest)
            return Downloaded(file, path, found["sha256"], from_cache=True)

        target = self._cache_target(file, checks)
        digests: dict[str, str] | None = None
        if target is not None:
            try:
                digests = self._download(file, target, checks, abort)
            except OSError as error:  # the cache, not the transfer: go on without it
                self._cache_failed(error)
                target = None
        if target is None or digests is None:
            target = dest or self._work_target(file)
            try:
                digests = self._download(file, target, checks, abort)
            except OSError as error:
                raise _save_error(error, file.filename, target) from None
        self._remember(file, target)
        if dest is not None and target != dest:
            self._place_or_fail(target, dest)
        return Downloaded(file, dest or target, digests["sha256"], from_cache=False)

    def _fetch_local(
        self,
        file: DistFile,
        checks: _Checks,
        dest: Path | None,
        abort: threading.Event | None,
    ) -> Downloaded:
        source = path_from_file_url(file.url)
        if not source.is_file():
            raise DownloadError(
                f"cannot find {file.filename}",
                f"{source} does not exist (from {redact(file.url)})",
                "check the path, or the --find-links / --index-url that lists it",
            )
        if dest is None or _same_file(source, dest):
            # Used where it is: verified, never copied.
            digests = self._local_hash(source, checks, abort)
            failure = checks.failure(digests)
            if failure is not None:
                raise failure
            return Downloaded(file, source, digests["sha256"], from_cache=False)

        digests_or_none = self._reusable(dest, checks, source, abort)
        if digests_or_none is not None:
            self._reporter.already_downloaded(dest)
            return Downloaded(file, dest, digests_or_none["sha256"], from_cache=True)
        try:
            with source.open("rb") as stream:
                digests = self._write(
                    iter(lambda: stream.read(CHUNK_SIZE), b""),
                    dest,
                    checks,
                    abort,
                    archive_check=False,  # a local file: the user's own, as it is
                )
        except OSError as error:
            raise _save_error(error, file.filename, dest) from None
        return Downloaded(file, dest, digests["sha256"], from_cache=False)

    def _download(
        self,
        file: DistFile,
        target: Path,
        checks: _Checks,
        abort: threading.Event | None,
    ) -> dict[str, str]:
        """Fetch into ``target``; broken transfers are tried again, up to the limit."""
        tries = self._retries + 1
        for attempt in range(1, tries + 1):
            try:
                return self._download_once(file, target, checks, abort)
            except BrokenTransfer as broken:
                if attempt == tries:
                    if tries > 1:
                        broken.why += f" (tried {tries} times)"
                    raise
                self._reporter.warning(f"{broken.why}; trying again")
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
                if abort is not None:
                    if abort.wait(delay):
                        raise _Aborted from None
                else:
                    time.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _download_once(
        self,
        file: DistFile,
        target: Path,
        checks: _Checks,
        abort: threading.Event | None,
    ) -> dict[str, str]:
        url = redact(file.url)
        response = self._fetcher.get(file.url, headers=dict(_IDENTITY), stream=True)
        try:
            status = response.status_code
            if status != 200:
                raise DownloadError(
                    f"cannot download {file.filename}",
                    f"{url} answered HTTP {status} {response.reason or ''}".rstrip(),
                    _status_hint(status),
                )
            length = _content_length(response)
            size = length if length is not None else file.size
            self._reporter.downloading(file.filename, size)
            bar = (
                self._reporter.progress(file.filename, size)
                if self._progress
                else ProgressBar()
            )
            try:
                return self._write(
                    _response_chunks(response, file.filename, url),
                    target,
                    checks,
                    abort,
                    bar=bar,
                    length=length,
                    url=url,
                )
            finally:
                bar.finish()
        finally:
            response.close()  # back to the pool, even when we stopped reading early

    # -- files on disk -------------------------------------------------------------

    def _write(
        self,
        chunks: Iterable[bytes],
        final: Path,
        checks: _Checks,
        abort: threading.Event | None,
        *,
        bar: ProgressBar | None = None,
        length: int | None = None,
        url: str = "",
        archive_check: bool = True,
    ) -> dict[str, str]:
        """Stream chunks to a temporary file beside ``final``, check, move into place.

        OSError when ``final``'s directory cannot be written; the checks' errors
        (BrokenTransfer, HashMismatch) otherwise. Either way nothing is left."""
        final.parent.mkdir(parents=True, exist_ok=True)
        hashers = {algorithm: hashlib.new(algorithm) for algorithm in checks.algorithms}
        written = 0
        with fileio.atomic_writer(final) as out, self._writing(out.name, final):
            for chunk in chunks:
                if abort is not None and abort.is_set():
                    raise _Aborted
                out.write(chunk)
                for hasher in hashers.values():
                    hasher.update(chunk)
                written += len(chunk)
                if bar is not None:
                    bar.advance(len(chunk))
            if length is not None and written != length:
                raise BrokenTransfer(
                    f"cannot download {checks.filename}",
                    f"the transfer from {url} ended after {written} of {length} bytes",
                    "try again; check your connection or proxy",
                )
            digests = {name: hasher.hexdigest() for name, hasher in hashers.items()}
            failure = checks.failure(digests)
            if failure is not None:
                raise failure
            if archive_check and checks.empty and not fileio.is_special(final):
                # No hash vouches for these bytes: at least the archive must be whole.
                out.flush()
                problem = archive_problem(Path(out.name), checks.filename)
                if problem is not None:
                    raise BrokenTransfer(
                        f"cannot download {checks.filename}",
                        f"the file from {url} is not whole: {problem}",
                        "try again; if it stays so, the server holds a broken file",
                    )
            return digests

    @contextlib.contextmanager
    def _writing(self, name: str, final: Path) -> Iterator[None]:
        """Register a temporary file (not a special file written in place) while it
        is written."""
        if fileio.is_special(final):
            yield
            return
        with self._seen_lock:
            self._partial.add(name)
        try:
            yield
        finally:
            with self._seen_lock:
                self._partial.discard(name)

    def _hash(
        self, path: Path, checks: _Checks, abort: threading.Event | None = None
    ) -> dict[str, str]:
        hashers = {algorithm: hashlib.new(algorithm) for algorithm in checks.algorithms}
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
                if abort is not None and abort.is_set():
                    raise _Aborted
                for hasher in hashers.values():
                    hasher.update(chunk)
        return {name: hasher.hexdigest() for name, hasher in hashers.items()}

    def _local_hash(
        self, path: Path, checks: _Checks, abort: threading.Event | None = None
    ) -> dict[str, str]:
        """_hash() of a local file, remembered by its path and stat: an index on
        disk is installed from again and again, and each wheel read and hashed
        whole every time was most of the work of fetching it."""
        memo = self._local_hashes
        if memo is None or not memo.keeps:
            return self._hash(path, checks, abort)
        stamp = memo.stamp(path)
        known = memo.recall(path, stamp, checks.algorithms)
        if known is not None:
            return known
        digests = self._hash(path, checks, abort)
        if memo.stamp(path) == stamp:  # not changed while it was read
            memo.remember(path, stamp, digests)
        return digests

    def _hash_or_none(
        self, path: Path, checks: _Checks, abort: threading.Event | None = None
    ) -> dict[str, str] | None:
        """The digests of a file that may be unreadable (then None: not usable)."""
        try:
            return self._hash(path, checks, abort)
        except OSError:
            return None

    def _reusable(
        self,
        dest: Path,
        checks: _Checks,
        source: Path | None,
        abort: threading.Event | None,
    ) -> dict[str, str] | None:
        """Digests of an existing ``dest`` that can stay as it is, else None."""
        if not dest.is_file():
            return None
        digests = self._hash_or_none(dest, checks, abort)
        if digests is None:
            return None
        if not checks.empty:
            ok = checks.failure(digests) is None
        elif source is not None:
            ok = digests["sha256"] == self._local_hash(source, checks, abort)["sha256"]
        else:
            # Nothing to compare with: kept as pip keeps it, if it is a whole archive.
            try:
                problem = archive_problem(dest, checks.filename)
            except OSError as error:
                problem = error.strerror or str(error)
            if problem is not None:
                self._reporter.warning(
                    f"previously-downloaded file {dest} is damaged ({problem}); "
                    "replacing it"
                )
                return None
            ok = True
        if not ok:
            self._reporter.warning(
                f"previously-downloaded file {dest} has bad hash; replacing it"
            )
            return None
        return digests

    def _place(self, source: Path, dest: Path) -> Path:
        """Put ``source`` at ``dest`` atomically: a hard link when possible, else a copy."""
        if _same_file(source, dest):
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        fileio.copy_file(source, dest, link=True)
        return dest

    def _place_or_fail(self, source: Path, dest: Path) -> Path:
        """_place() where failing is an error the user must see (-d, the work dir)."""
        try:
            return self._place(source, dest)
        except OSError as error:
            raise _save_error(error, dest.name, dest) from None

    def _cache_failed(self, error: OSError) -> None:
        """The cache cannot be written: warn once, and store nothing more there."""
        self._cache.cannot_write(error)
        self._cache_writable = False

    # -- cache -----------------------------------------------------------------------

    def _lookup(
        self,
        file: DistFile,
        checks: _Checks,
        abort: threading.Event | None = None,
    ) -> tuple[Path, dict[str, str], bool] | None:
        """(path, digests, seen in this run) of a verified local copy, else None."""
        with self._seen_lock:
            seen = self._seen.get(file.url)
        candidates = [(seen, True)] if seen is not None else []
        candidates += [(path, False) for path in self._cache_paths(file, checks)]
        for path, earlier in candidates:
            if not path.is_file():
                continue
            digests = self._hash_or_none(path, checks, abort)
            if digests is None:
                continue  # unreadable: as good as absent
            if checks.failure(digests) is None:
                try:
                    problem = (
                        archive_problem(path, file.filename)
                        if checks.empty and not earlier
                        else None
                    )
                except OSError:
                    continue  # unreadable: as good as absent
                if problem is None:
                    return path, digests, earlier
                # Nothing vouches for it and it is not whole: never use it again.
                self._reporter.cached_copy_dropped(file.filename, problem)
                self.discard(path)
                continue
            known = checks.known_sha256
            if path == self._sha256_path(file, known) and digests["sha256"] != known:
                # Does not hold what its name promises: damaged, so drop it.
                self._reporter.cached_copy_dropped(file.filename, "its sha256 changed")
                self.discard(path)
        return None

    def _cache_paths(self, file: DistFile, checks: _Checks) -> list[Path]:
        by_sha256 = self._sha256_path(file, checks.known_sha256)
        return [path for path in (by_sha256, self._url_path(file)) if path is not None]

    def _cache_target(self, file: DistFile, checks: _Checks) -> Path | None:
        if not self._cache_writable:
            return None
        known = checks.known_sha256
        return self._url_path(file) if known is None else self._sha256_path(file, known)

    def _sha256_path(self, file: DistFile, sha256: str | None) -> Path | None:
        if sha256 is None:
            return None
        return self._cache.by_sha256(sha256, file.filename)

    def _url_path(self, file: DistFile) -> Path | None:
        return self._cache.by_url(_url_key(file.url), file.filename)

    def _work_target(self, file: DistFile) -> Path:
        # One folder per URL: two indexes may serve different files under one name.
        return self._work_dir / "downloads" / _url_key(file.url)[:16] / file.filename

    def _remember(self, file: DistFile, path: Path) -> None:
        with self._seen_lock:
            self._seen[file.url] = path


# -- helpers ---------------------------------------------------------------------------


def _check_filename(file: DistFile) -> None:
    # The name comes from an index page: it must not lead out of the target folder.
    name = file.filename
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise DownloadError(
            f"refusing to download {name!r}",
            f"{redact(file.url)} gives a file name that is not a plain name",
        )


def _is_file_url(url: str) -> bool:
    return url.lower().startswith("file:")


def _url_key(url: str) -> str:
    # Without credentials: the same file keeps its key when the password changes.
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    bare = urllib.parse.urlunsplit(parts._replace(netloc=netloc, fragment=""))
    return hashlib.sha256(bare.encode("utf-8")).hexdigest()


def _save_error(error: OSError, filename: str, target: Path) -> InstError:
    return fileio.os_error(error, f"cannot save {filename} into {target.parent}")


def archive_problem(path: Path, filename: str) -> str | None:
    """Why ``path`` is not a whole archive of its kind (by ``filename``), or None.

    Cheap checks that catch a cut-short file: a zip (wheel or sdist) must have its
    central directory, which is at the very end; a compressed tar must decompress to
    its end-of-stream marker. Other names are not judged."""
    lowered = filename.lower()
    try:
        if lowered.endswith((".whl", ".zip")):
            import zipfile

            with zipfile.ZipFile(path) as archive:
                archive.infolist()
            return None
        stream = _decompressing(path, lowered)
        if stream is None:
            return None
        with stream:
            while stream.read(CHUNK_SIZE * 4):
                pass
    except Exception as error:  # zipfile, gzip, bz2 and lzma each raise their own
        if isinstance(error, OSError) and error.errno is not None:
            raise  # the disk, not the archive: the caller says so
        return str(error) or type(error).__name__
    return None


def _decompressing(path: Path, lowered: str) -> io.BufferedIOBase | None:
    """The decompressed stream of a compressed tar, by its name; None for others."""
    if lowered.endswith((".tar.gz", ".tgz")):
        import gzip

        return gzip.open(path, "rb")
    if lowered.endswith((".tar.bz2", ".tbz")):
        import bz2

        return bz2.open(path, "rb")
    if lowered.endswith((".tar.xz", ".tar.lzma")):
        import lzma

        return lzma.open(path, "rb")
    return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _content_length(response: requests.Response) -> int | None:
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return None  # the length of the encoded body, not of the file
    try:
        length = int(response.headers.get("Content-Length", ""))
    except ValueError:
        return None
    return length if length >= 0 else None


def _response_chunks(
    response: requests.Response, filename: str, url: str
) -> Iterator[bytes]:
    """The body as sent (never decoded), with read errors as DownloadError."""
    import requests
    import urllib3

    stream = response.raw.stream(CHUNK_SIZE, decode_content=False)
    while True:
        try:
            chunk = next(stream)
        except StopIteration:
            return
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            OSError,
        ) as exc:
            raise BrokenTransfer(
                f"cannot download {filename}",
                f"the transfer from {url} broke: {_reason(exc)}",
                "try again; check your connection or proxy",
            ) from None
        if chunk:
            yield chunk


def _reason(error: BaseException) -> str:
    """A short reason for a broken read, without urllib3's object soup."""
    import urllib3

    pending: list[object] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, urllib3.exceptions.ReadTimeoutError):
            return "the server stopped sending (read timed out)"
        if isinstance(current, urllib3.exceptions.IncompleteRead):
            return (
                f"the connection closed after {current.partial} bytes, "
                f"{current.expected} short of the announced length"
            )
        if isinstance(current, ConnectionResetError):
            return "the connection was reset"
        pending += [*current.args, current.__cause__, current.__context__]
    return redact(str(error).split(">: ", 1)[-1]) or type(error).__name__


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return "check the credentials for this index"
    if status == 404:
        return "the index lists a file it does not serve; try again later"
    if status >= 500:
        return "the server has a problem; try again later"
    return ""

"""Downloads of distribution files: parallel, hash-checked, cached, never half-written.

Every file is streamed into a temporary ``.part`` file next to where it will live,
hashed on the way, checked, and only then moved into place with ``os.replace``; on any
failure (Ctrl-C included) the temporary file is deleted, so neither the cache nor a
``-d`` directory ever holds a partial or unverified file.

Which hashes are checked: the index's own (``DistFile.hashes``) always, and on top of
them the allowed digests of ``DownloadRequest.hashes`` (the ``--hash`` values). For each
algorithm in either, the file's digest must match.

The cache (``cache_dir/files``) is content-addressed by sha256 when the sha256 is known
before downloading, else keyed by URL. A cache hit is re-hashed before use: one local
read is cheap next to a download, and it catches a cache file damaged on disk or edited
through a hard link in a ``-d`` directory.

HTTP goes through a ``Fetcher`` (``inst.index.http.HttpClient`` in inst); ``file://``
URLs are read directly.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from inst import ui
from inst.errors import InstError
from inst.models import HASH_ALGORITHMS, DistFile
from inst.ui.progress import Bar, Progress, format_size

if TYPE_CHECKING:
    import requests

CHUNK_SIZE = 256 * 1024

# Sent with every file request: a transparently gzip-encoded body would not hash to
# the index's digest of the file itself (pip does the same).
_IDENTITY = {"Accept-Encoding": "identity"}


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
        cache_dir: Path | None,
        work_dir: Path,
        max_workers: int = 10,
        progress: bool = True,
    ) -> None:
        self._fetcher = fetcher
        self._cache_dir = cache_dir
        self._work_dir = work_dir
        self._max_workers = max(1, max_workers)
        self._progress = Progress(progress)
        # URL -> where this Downloader last put that file (fetched or stored), so a
        # second fetch in the same run needs no transfer even without a cache.
        self._seen: dict[str, Path] = {}
        self._seen_lock = threading.Lock()

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
            abort.set()  # Ctrl-C while waiting: stop the workers too
            raise
        finally:
            # Waits for running downloads, so their partial files are gone when we
            # raise; pending ones are cancelled when something failed.
            executor.shutdown(wait=True, cancel_futures=abort.is_set())
        if errors:
            raise errors[0]
        return [future.result() for future in futures]

    def cached(self, file: DistFile) -> Path | None:
        """A verified local copy of ``file`` (cache, earlier fetch, or a file:// path)."""
        _check_filename(file)
        checks = _Checks.of(file, {})
        if _is_file_url(file.url):
            source = _file_url_path(file.url)
            if not source.is_file():
                return None
            return (
                source if checks.failure(self._hash(source, checks)) is None else None
            )
        hit = self._lookup(file, checks)
        return hit[0] if hit is not None else None

    def store(self, file: DistFile, path: Path) -> Path:
        """Keep a copy of ``path`` (``file`` fetched elsewhere) where fetch() finds it.

        Verified against the index's hashes first (HashMismatch if wrong). Returns the
        copy's path: in the cache, or in the work dir when there is no cache.
        """
        _check_filename(file)
        checks = _Checks.of(file, {})
        failure = checks.failure(self._hash(path, checks))
        if failure is not None:
            raise failure
        target = self._cache_target(file, checks) or self._work_target(file)
        self._place(path, target)
        self._remember(file, target)
        return target

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
            digests = self._reusable(dest, checks, None, abort)
            if digests is not None:
                self._progress.message(f"File was already downloaded {dest}")
                self._remember(file, dest)
                return Downloaded(file, dest, digests["sha256"], from_cache=True)

        hit = self._lookup(file, checks, abort)
        if hit is not None:
            path, digests, earlier = hit
            if not earlier:  # earlier = fetched or stored in this run: said already
                size = format_size(path.stat().st_size)
                self._progress.message(f"Using cached {file.filename} ({size})")
            if dest is not None:
                path = self._place(path, dest)
            return Downloaded(file, path, digests["sha256"], from_cache=True)

        target = self._cache_target(file, checks) or dest or self._work_target(file)
        digests = self._download(file, target, checks, abort)
        self._remember(file, target)
        if dest is not None and target != dest:
            self._place(target, dest)
        return Downloaded(file, dest or target, digests["sha256"], from_cache=False)

    def _fetch_local(
        self,
        file: DistFile,
        checks: _Checks,
        dest: Path | None,
        abort: threading.Event | None,
    ) -> Downloaded:
        source = _file_url_path(file.url)
        if not source.is_file():
            raise DownloadError(
                f"cannot find {file.filename}",
                f"{source} does not exist (from {ui.redact(file.url)})",
                "check the path, or the --find-links / --index-url that lists it",
            )
        if dest is None or _same_file(source, dest):
            # Used where it is: verified, never copied.
            digests = self._hash(source, checks, abort)
            failure = checks.failure(digests)
            if failure is not None:
                raise failure
            return Downloaded(file, source, digests["sha256"], from_cache=False)

        digests_or_none = self._reusable(dest, checks, source, abort)
        if digests_or_none is not None:
            self._progress.message(f"File was already downloaded {dest}")
            return Downloaded(file, dest, digests_or_none["sha256"], from_cache=True)
        with source.open("rb") as stream:
            digests = self._write(
                iter(lambda: stream.read(CHUNK_SIZE), b""), dest, checks, abort
            )
        return Downloaded(file, dest, digests["sha256"], from_cache=False)

    def _download(
        self,
        file: DistFile,
        target: Path,
        checks: _Checks,
        abort: threading.Event | None,
    ) -> dict[str, str]:
        url = ui.redact(file.url)
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
            shown = f" ({format_size(size)})" if size is not None else ""
            self._progress.message(f"Downloading {file.filename}{shown}")
            with self._progress.bar(file.filename, size) as bar:
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
            response.close()  # back to the pool, even when we stopped reading early

    # -- files on disk -------------------------------------------------------------

    def _write(
        self,
        chunks: Iterable[bytes],
        final: Path,
        checks: _Checks,
        abort: threading.Event | None,
        *,
        bar: Bar | None = None,
        length: int | None = None,
        url: str = "",
    ) -> dict[str, str]:
        """Stream chunks to a temporary file beside ``final``, check, move into place."""
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = _temp_beside(final)
        hashers = {algorithm: hashlib.new(algorithm) for algorithm in checks.algorithms}
        written = 0
        try:
            with temp.open("xb") as out:  # "x": a fresh file, mode from the umask
                for chunk in chunks:
                    if abort is not None and abort.is_set():
                        raise _Aborted
                    out.write(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
                    written += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            if length is not None and written != length:
                raise DownloadError(
                    f"cannot download {checks.filename}",
                    f"the transfer from {url} ended after {written} of {length} bytes",
                    "try again",
                )
            digests = {name: hasher.hexdigest() for name, hasher in hashers.items()}
            failure = checks.failure(digests)
            if failure is not None:
                raise failure
            os.replace(temp, final)
            return digests
        finally:
            temp.unlink(missing_ok=True)  # gone already after a successful replace

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
        digests = self._hash(dest, checks, abort)
        if not checks.empty:
            ok = checks.failure(digests) is None
        elif source is not None:
            ok = digests["sha256"] == self._hash(source, checks, abort)["sha256"]
        else:
            ok = True  # nothing to compare with: kept as pip keeps it
        if not ok:
            ui.warning(f"previously-downloaded file {dest} has bad hash; replacing it")
            return None
        return digests

    def _place(self, source: Path, dest: Path) -> Path:
        """Put ``source`` at ``dest`` atomically: a hard link when possible, else a copy."""
        if _same_file(source, dest):
            return dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        temp = _temp_beside(dest)
        try:
            try:
                os.link(source, temp)
            except OSError:  # another filesystem, or links not allowed there
                shutil.copyfile(source, temp)
            os.replace(temp, dest)
        finally:
            temp.unlink(missing_ok=True)
        return dest

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
            digests = self._hash(path, checks, abort)
            if checks.failure(digests) is None:
                return path, digests, earlier
            known = checks.known_sha256
            if path == self._sha256_path(file, known) and digests["sha256"] != known:
                # Does not hold what its name promises: damaged, so drop it.
                path.unlink(missing_ok=True)
        return None

    def _cache_paths(self, file: DistFile, checks: _Checks) -> list[Path]:
        if self._cache_dir is None:
            return []
        by_sha256 = self._sha256_path(file, checks.known_sha256)
        return [path for path in (by_sha256, self._url_path(file)) if path is not None]

    def _cache_target(self, file: DistFile, checks: _Checks) -> Path | None:
        if self._cache_dir is None:
            return None
        known = checks.known_sha256
        return self._url_path(file) if known is None else self._sha256_path(file, known)

    def _sha256_path(self, file: DistFile, sha256: str | None) -> Path | None:
        if self._cache_dir is None or sha256 is None:
            return None
        root = self._cache_dir / "files" / "sha256"
        return root / sha256[:2] / sha256[2:] / file.filename

    def _url_path(self, file: DistFile) -> Path:
        assert self._cache_dir is not None
        return self._cache_dir / "files" / "url" / _url_key(file.url) / file.filename

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
            f"{ui.redact(file.url)} gives a file name that is not a plain name",
        )


def _is_file_url(url: str) -> bool:
    return url.lower().startswith("file:")


def _file_url_path(url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    path = urllib.request.url2pathname(parts.path)
    if parts.netloc and parts.netloc.lower() != "localhost":
        path = f"//{parts.netloc}{path}"  # a UNC share: file://server/share/x.whl
    return Path(path)


def _url_key(url: str) -> str:
    # Without credentials: the same file keeps its key when the password changes.
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    bare = urllib.parse.urlunsplit(parts._replace(netloc=netloc, fragment=""))
    return hashlib.sha256(bare.encode("utf-8")).hexdigest()


def _temp_beside(final: Path) -> Path:
    # Same folder, so os.replace is atomic; random, so parallel writers never collide.
    return final.with_name(f".{final.name}.{secrets.token_hex(6)}.part")


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
            raise DownloadError(
                f"cannot download {filename}",
                f"the transfer from {url} broke: {ui.redact(str(exc))}",
                "try again; check your connection or proxy",
            ) from None
        if chunk:
            yield chunk


def _status_hint(status: int) -> str:
    if status in (401, 403):
        return "check the credentials for this index"
    if status == 404:
        return "the index lists a file it does not serve; try again later"
    if status >= 500:
        return "the server has a problem; try again later"
    return ""

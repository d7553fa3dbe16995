"""Core metadata of a candidate distribution, from the cheapest source that has it.

In order: the index's PEP 658 ``.metadata`` file; the wheel's own METADATA, read from a
local file, or over HTTP range requests on the zip's tail where the server allows it
(else the whole wheel is fetched and kept for installing); for sdists and source trees the
build layer's ``prepare metadata`` (a protocol here, implemented by the build layer).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from inst import __version__, fileio
from inst.cache import NULL_CACHE, MetadataFiles
from inst.core_metadata import (
    InvalidMetadata,
    Metadata,
    MetadataError,
    metadata_from_zip,
    read_wheel_metadata,
)
from inst.errors import InstError
from inst.fileurls import path_from_file_url
from inst.index.cache import is_from_cache
from inst.index.http import ShortBody, broken_body_errors
from inst.ui import redact

if TYPE_CHECKING:
    import requests

    from inst.download import Downloader, DownloadReporter
    from inst.index.http import HttpClient
    from inst.models import DistFile, SourceTree

#: How much of a wheel's tail to ask for first: the central directory and, as wheels put
#: .dist-info last, usually METADATA itself.
TAIL_BYTES = 64 * 1024
MIN_RANGE = 16 * 1024


class SourceMetadataBuilder(Protocol):
    """What the build layer provides: metadata of an sdist or source tree, by building."""

    def prepare_metadata(self, source: Path, name: str | None) -> Metadata: ...

    def build_wheel(self, source: Path, name: str | None) -> Path: ...


def cannot_build(what: str, source: str, *, local: bool = False) -> InstError:
    """The error while the build layer has not landed: sources are refused."""
    hint = (
        "build a wheel of it with another tool and give inst the .whl file"
        if local
        else "ask for a version that has a wheel, or use --only-binary :all: so that "
        "only wheels are considered"
    )
    return InstError(
        f"{what} would have to be built from source ({source}), and inst {__version__} "
        "cannot build yet",
        hint=hint,
    )


class MetadataSource:
    """Fetches the metadata of index files; thread-safe (used by prefetching too)."""

    def __init__(
        self,
        client: HttpClient,
        downloader: Downloader,
        builder: SourceMetadataBuilder | None = None,
        *,
        cache: MetadataFiles = NULL_CACHE.metadata,
        reporter: DownloadReporter | None = None,
    ) -> None:
        from inst.download import DownloadReporter

        self._client = client
        self._downloader = downloader
        self._builder = builder
        self._reporter = reporter or DownloadReporter()  # cached copies dropped
        # Metadata of a file with a known sha256 never changes: kept without expiry.
        self._cache = cache
        self._trees: dict[str, Metadata] = {}

    def for_tree(self, tree: Path) -> SourceTree:
        """A local source tree, named by the metadata the builder prepared from it."""
        from inst.models import SourceTree

        if self._builder is None:
            raise cannot_build(str(tree), str(tree), local=True)
        metadata = self._builder.prepare_metadata(tree, None)
        source = SourceTree(
            tree.resolve(), metadata.name, metadata.version, metadata.display_name
        )
        self._trees[source.url] = metadata
        return source

    def of_tree(self, tree: SourceTree) -> Metadata:
        """The metadata for_tree() prepared."""
        return self._trees[tree.url]

    def for_unnamed_archive(
        self,
        url: str,
        hashes: Mapping[str, str],
        suffix: str,
        allowed: Mapping[str, frozenset[str]],
    ) -> DistFile:
        """An sdist whose file name gives no name and version (a branch archive such
        as ``main.zip``): fetched and built to find out, as pip does. The DistFile
        returned keeps the URL and is named after the metadata, so everything after
        this (report, download, wheel cache, direct_url) treats it as an sdist."""
        from inst.download import DownloadRequest
        from inst.models import DistFile, url_filename

        unnamed = DistFile(url_filename(url), url, hashes, source=redact(url))
        if self._builder is None:
            raise cannot_build(unnamed.filename, redact(url), local=True)
        path = self._downloader.fetch(DownloadRequest(unnamed, allowed)).path
        metadata = self._builder.prepare_metadata(path, None)
        stem = f"{metadata.name.replace('-', '_')}-{metadata.version}"
        file = DistFile(stem + suffix, url, hashes, source=redact(url))
        self._trees[file.url] = metadata
        return file

    def for_file(self, file: DistFile) -> Metadata:
        metadata, fetched = self._read(file)
        if metadata.name != file.project or metadata.version != file.version:
            if not fetched:  # stored by an earlier run: it must not stay
                self._unstore(file)
            raise InvalidMetadata(
                f"{file.filename} holds metadata for {metadata.display_name} "
                f"{metadata.version}, not {file.project} {file.version}",
                hint="the file is mislabelled; report it to whoever publishes it",
            )
        if fetched:  # only metadata that passed every check is kept
            self._store(file, metadata.raw)
        return metadata

    def _read(self, file: DistFile) -> tuple[Metadata, bool]:
        """The metadata, and whether it was fetched from the index (and so is worth
        storing in the metadata cache once checked)."""
        if file.url in self._trees:
            return self._trees[file.url], False
        if not file.is_wheel:
            if self._builder is None:
                raise cannot_build(f"{file.project} {file.version}", file.filename)
            from inst.download import DownloadRequest

            path = self._downloader.fetch(DownloadRequest(file, _hashes(file))).path
            return self._builder.prepare_metadata(path, file.project), False
        local = _local_path(file.url)
        if local is not None:
            data = self._local_metadata_file(file)
            if data is not None:
                return Metadata.parse(data, file.filename), False
            return read_wheel_metadata(local, file.filename), False
        # Stored metadata first: one small read, where finding a cached wheel costs
        # path work and stats for every release a backtracking resolve reads (it is
        # the metadata of the file with that sha256, checked when it was stored).
        stored = self._stored(file)
        if stored is not None:
            try:
                return Metadata.parse(stored, file.filename), False
            except MetadataError:
                self._unstore(file)  # unreadable: ask the index again
        cached = self._downloader.cached(file)
        if cached is not None:
            try:
                return read_wheel_metadata(cached, file.filename), False
            except MetadataError as error:
                # A cached wheel that does not read: dropped, and fetched again.
                if not self._downloader.discard(cached):
                    raise
                self._reporter.cached_copy_dropped(file.filename, error.why)
        if file.metadata_url is not None:
            data = self._metadata_file(file)
            if data is not None:
                try:
                    return Metadata.parse(data, file.filename), True
                except MetadataError:
                    # Without a hash nothing says these are the bytes the index
                    # published: not kept. With one, they are, and the release is
                    # skipped just as well from the cache next time.
                    if not file.metadata_hashes:
                        self._client.forget(file.metadata_url)
                    raise
        return self._from_remote_wheel(file), True

    def _stored_path(self, file: DistFile) -> Path | None:
        digest = file.hashes.get("sha256")
        if digest is None or len(digest) != 64:
            return None
        return self._cache.by_sha256(digest)

    def _stored(self, file: DistFile) -> bytes | None:
        path = self._stored_path(file)
        if path is None:
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def _store(self, file: DistFile, data: bytes) -> None:
        path = self._stored_path(file)
        if path is None or path.exists():
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fileio.write_bytes(path, data)
        except OSError:
            pass  # a cache that cannot be written only costs speed

    def _unstore(self, file: DistFile) -> None:
        path = self._stored_path(file)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()

    def _local_metadata_file(self, file: DistFile) -> bytes | None:
        """A local index's PEP 658 file of a local wheel: one small read, where the
        wheel's own METADATA needs its zip directory read (pip reads it too). None
        when the index offers none or it cannot be read: then the wheel is read."""
        if file.metadata_url is None:
            return None
        path = _local_path(file.metadata_url)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        for algorithm, digest in (file.metadata_hashes or {}).items():
            if algorithm in hashlib.algorithms_available:
                actual = hashlib.new(algorithm, data).hexdigest()
                if actual != digest:
                    raise MetadataError(
                        f"hash mismatch for the metadata file of {file.filename}",
                        why=f"expected {algorithm} {digest}, got {actual}",
                        hint="the index serves a corrupted or tampered file",
                    )
        return data

    def _metadata_file(self, file: DistFile) -> bytes | None:
        assert file.metadata_url is not None
        response = self._client.get(file.metadata_url, cache=True)
        if response.status_code != 200:
            return None  # PEP 714 says clients fall back to the wheel itself
        data = response.content
        expected = file.metadata_hashes or {}
        for algorithm, digest in expected.items():
            if algorithm in hashlib.algorithms_available:
                actual = hashlib.new(algorithm, data).hexdigest()
                if actual != digest:
                    # Never served from the HTTP cache again.
                    self._client.forget(file.metadata_url)
                    if is_from_cache(response):
                        self._reporter.warning(
                            f"the cached metadata file of {file.filename} does not "
                            "match its hash; it is dropped and fetched again"
                        )
                        return self._metadata_file(file)
                    raise MetadataError(
                        f"hash mismatch for the metadata file of {file.filename}",
                        why=f"expected {algorithm} {digest}, got {actual}",
                        hint="the index serves a corrupted or tampered file",
                    )
        return data

    def _from_remote_wheel(self, file: DistFile) -> Metadata:
        response = self._client.get(
            file.url, headers={"Range": f"bytes=-{TAIL_BYTES}"}, stream=True
        )
        try:
            if response.status_code == 206:
                total = _total_size(response)
                try:
                    tail = response.content if total is not None else None
                except broken_body_errors():
                    tail = None  # the downloader tries again, and says why not
                if total is None or tail is None:
                    return self._from_whole_wheel(file)
                reader = HttpRangeReader(
                    self._client, file.url, total, total - len(tail), tail
                )
                return metadata_from_zip(reader, file.filename)
            if response.status_code != 200:
                raise MetadataError(
                    f"could not fetch {file.filename}",
                    why=f"{redact(file.url)} answered HTTP {response.status_code}",
                )
            try:
                # No range support: the whole wheel came; keep it for installing.
                path = self._keep_whole_wheel(file, response)
            except broken_body_errors():
                return self._from_whole_wheel(file)
        finally:
            response.close()
        return read_wheel_metadata(path, file.filename)

    def _from_whole_wheel(self, file: DistFile) -> Metadata:
        """Through the downloader: retried, checked, cached, kept for installing."""
        from inst.download import DownloadRequest

        path = self._downloader.fetch(DownloadRequest(file, _hashes(file))).path
        return read_wheel_metadata(path, file.filename)

    def _keep_whole_wheel(self, file: DistFile, response: requests.Response) -> Path:
        """A server without range support sent the whole wheel: keep it for installing.

        Raises one of broken_body_errors() when the body breaks or comes short."""
        with tempfile.NamedTemporaryFile(
            prefix="inst-", suffix=".whl", delete=False
        ) as out:
            digest = hashlib.sha256()
            for chunk in response.iter_content(256 * 1024):
                digest.update(chunk)
                out.write(chunk)
        try:
            expected_length = response.headers.get("Content-Length", "")
            encoding = response.headers.get("Content-Encoding", "identity")
            if (
                encoding == "identity"
                and expected_length.isdigit()
                and os.path.getsize(out.name) != int(expected_length)
            ):
                raise ShortBody(f"{file.filename} came short")
            expected = file.hashes.get("sha256")
            if expected is not None and expected != digest.hexdigest():
                raise MetadataError(
                    f"hash mismatch for {file.filename}",
                    why=f"expected sha256 {expected}, got {digest.hexdigest()}",
                    hint="the file may be corrupted or tampered with",
                )
            return self._downloader.store(file, Path(out.name))
        finally:
            if os.path.exists(out.name):
                os.unlink(out.name)


def _hashes(file: DistFile) -> dict[str, frozenset[str]]:
    return {algorithm: frozenset([value]) for algorithm, value in file.hashes.items()}


def _local_path(url: str) -> Path | None:
    if not url.startswith("file:"):
        return None
    return path_from_file_url(url)


def _total_size(response: requests.Response) -> int | None:
    content_range = response.headers.get("Content-Range", "")
    _, _, total = content_range.rpartition("/")
    return int(total) if total.isdigit() else None


class HttpRangeReader(io.RawIOBase):
    """A read-only, seekable view of a remote file that fetches only the byte ranges
    zipfile actually reads."""

    def __init__(
        self, client: HttpClient, url: str, size: int, start: int, data: bytes
    ) -> None:
        super().__init__()
        self._client = client
        self._url = url
        self._size = size
        self._pos = 0
        self._spans: list[tuple[int, bytes]] = [(start, data)]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        end = min(self._size, self._pos + len(view))
        if end <= self._pos:
            return 0
        data = self._read_range(self._pos, end)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _read_range(self, start: int, end: int) -> bytes:
        for span_start, span in self._spans:
            if span_start <= start and end <= span_start + len(span):
                return span[start - span_start : end - span_start]
        fetch_start = max(0, min(start, end - MIN_RANGE))
        response = self._client.get(
            self._url, headers={"Range": f"bytes={fetch_start}-{end - 1}"}
        )
        if response.status_code != 206:
            raise MetadataError(
                f"could not read {redact(self._url)}",
                why=f"a range request answered HTTP {response.status_code}",
            )
        self._spans.append((fetch_start, response.content))
        return response.content[start - fetch_start : end - fetch_start]

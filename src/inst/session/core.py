"""The session: the connected parts of one resolving run (index client, finder,
downloader, metadata source, builder and its environments, preparer), made in order
from the settings, and closed together."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from inst.errors import InstError

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from inst.build.builder import SourceBuilder
    from inst.cache import HttpPages
    from inst.core_metadata import Metadata
    from inst.environment import Environment
    from inst.index.finder import Finder
    from inst.index.http import HttpClient
    from inst.index.reporting import IndexReporter
    from inst.pylock.read import LockedBuild
    from inst.requirements.files import FileOptions
    from inst.requirements.inputs import Inputs
    from inst.resolution.provider import ProviderOptions
    from inst.resolution.resolver import Resolution
    from inst.session.reporting import Reporters
    from inst.settings.resolve import Settings


class Session:
    """The parts of one run, each made once, in the order they need each other: the
    builder's provisioner holds the session and uses its finder, metadata source and
    preparer when a build environment is needed, after all are made. Each part gets
    its stage's reporter from ``reporters``.

    The builder is made when first used (``session.builder``) unless the run's
    settings or requirements configure builds (see open_session): most runs install
    wheels only, and the build layer is a good part of a run's start-up."""

    def __init__(
        self,
        settings: Settings,
        file_options: FileOptions,
        environment: Environment,
        work_dir: Path,
        reporters: Reporters,
    ) -> None:
        from inst.download import Downloader
        from inst.prepare import Preparer
        from inst.resolution.metadata import MetadataSource
        from inst.session.targets import run_cache

        self._settings = settings
        self._builder: SourceBuilder | None = None
        self._builder_lock = threading.Lock()  # made once, whichever thread asks
        self._build_inputs: Inputs | None = None  # told to the builder once made
        self.environment = environment
        self.work_dir = work_dir
        #: sdists of a lock with their locked build environment (inst sync): the
        #: provisioner installs exactly those wheels for them, resolving nothing.
        self.locked_builds: dict[NormalizedName, LockedBuild] = {}
        self.reporters = reporters
        self.cache = run_cache(settings)
        self.require_hashes = bool(
            settings.require_hashes or file_options.require_hashes
        )
        workers = max(1, settings.max_downloads)
        self.client = _client(settings, file_options, self.cache.http, workers)
        try:
            self.finder = _finder(
                settings, file_options, self.client, environment, reporters.index
            )
        except BaseException:
            self.client.close()
            raise
        self.downloader = Downloader(
            self.client,
            cache=self.cache.downloads,
            work_dir=work_dir,
            local_hashes=self.cache.local_hashes,
            max_workers=workers,
            progress=settings.progress_bar == "on",
            retries=settings.retries,
            reporter=reporters.download,
        )
        builds = _SessionBuilds(self)
        self.metadata = MetadataSource(
            self.client,
            self.downloader,
            builds,
            cache=self.cache.metadata,
            reporter=reporters.download,
        )
        self.preparer = Preparer(self.downloader, builds, reporters.download)

    @property
    def builder(self) -> SourceBuilder:
        """The run's SourceBuilder, made (and told the requirements' build options
        and -e) when first asked for."""
        with self._builder_lock:
            if self._builder is None:
                from inst.session.building import configure_builder, make_builder

                builder = make_builder(self._settings, self)
                if self._build_inputs is not None:
                    configure_builder(builder, self._build_inputs)
                self._builder = builder
            return self._builder

    def configure_builds(self, inputs: Inputs) -> None:
        """Tell the builder the requirements' own build options and -e: now when the
        run configures builds at all (so that a bad setting is an error before
        anything is resolved), else when the builder is first made."""
        with self._builder_lock:
            made = self._builder
            if made is None:
                self._build_inputs = inputs
        if made is not None:
            from inst.session.building import configure_builder

            configure_builder(made, inputs)
        elif _configures_builds(self._settings, inputs):
            self.builder  # noqa: B018 - made (and told the inputs) now

    def resolve(self, inputs: Inputs, options: ProviderOptions) -> Resolution:
        from inst.resolution.resolver import ResolveRequest, resolve

        request = ResolveRequest(
            inputs.requirements,
            inputs.constraints,
            require_hashes=self.require_hashes,
            options=options,
        )
        return resolve(
            request,
            self.finder,
            self.metadata,
            self.environment,
            self.reporters.resolve,
        )

    def close(self) -> None:
        """End what the run started: the index's connections, and the build
        backends' processes (waited for: none outlives inst)."""
        self.finder.close()
        self.client.close()
        if self._builder is not None:
            self._builder.cleanup()


class _SessionBuilds:
    """The builder as the metadata source and the preparer see it: the session's,
    made on the first build."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def prepare_metadata(self, source: Path, name: str | None) -> Metadata:
        return self._session.builder.prepare_metadata(source, name)

    def build_wheel(self, source: Path, name: str | None) -> Path:
        return self._session.builder.build_wheel(source, name)

    def built_here(self, wheel: Path) -> bool:
        return self._session.builder.built_here(wheel)


def _configures_builds(settings: Settings, inputs: Inputs) -> bool:
    """Whether the settings or requirements say anything about builds: then making
    the builder checks them (and may refuse them) when the session opens."""
    return bool(
        settings.build_interface
        or settings.use_pep517
        or settings.no_use_pep517
        or settings.no_build_isolation
        or settings.config_settings
        or settings.global_option
        or settings.build_option
        or settings.build_constraint
        or any(
            spec.config_settings or spec.global_options or spec.build_options
            for spec in inputs.requirements
        )
    )


def gather_inputs(
    settings: Settings,
    texts: Sequence[str],
    command: str,
    *,
    allow_empty: bool = False,
) -> Inputs:
    """The requirements a command was given: its arguments, -r, -c, -e and --group."""
    from inst.pylock.names import is_lock_path
    from inst.requirements.inputs import gather_inputs as gather
    from inst.session.fetching import RequirementsFetcher

    for path in settings.requirement:
        if is_lock_path(path):  # install and sync take locks before coming here
            from inst.errors import UsageError

            raise UsageError(
                f"{path} is a PEP 751 lock, and inst {command} -r reads requirements "
                "files",
                why="a lock's packages are installed as locked, not resolved again",
                hint=f"install it with inst sync {path} or inst install -r {path}",
            )
    fetch = RequirementsFetcher(settings)  # for -r/-c files named by http(s) URLs
    try:
        return gather(
            texts,
            command=command,
            requirement_files=settings.requirement,
            constraint_files=settings.constraint,
            editables=settings.editable,
            groups=settings.group,
            fetch=fetch,
            allow_empty=allow_empty,
        )
    finally:
        fetch.close()


@contextmanager
def open_session(
    settings: Settings,
    inputs: Inputs,
    environment: Environment,
    reporters: Reporters,
) -> Iterator[Session]:
    """The run's session, its parts telling what they do to ``reporters``; while it
    is open, SIGTERM unwinds like Ctrl-C (its work directory removed, a running build
    ended) unless a transaction handles it."""
    import shutil

    from inst.interrupts import sigterm_unwinds_run

    with sigterm_unwinds_run():
        work_dir = _work_dir()
        try:
            session = Session(
                settings, inputs.options, environment, work_dir, reporters
            )
            try:
                session.configure_builds(inputs)
                yield session
            finally:
                session.close()
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)


def _work_dir() -> Path:
    import tempfile

    try:
        return Path(tempfile.mkdtemp(prefix="inst-"))
    except OSError as error:
        from inst import fileio

        raise fileio.os_error(
            error,
            f"cannot make a temporary directory in {tempfile.gettempdir()}",
            hint="point TMPDIR at a directory you may write to",
        ) from None


def default_index_url() -> str:
    """pip's own default index, read from pip at run time (no address lives in inst)."""
    try:
        from pip._internal.models.index import PyPI

        return str(PyPI.simple_url)
    except ImportError:
        raise InstError(
            "no package index is configured, and pip (whose default inst would use) is "
            "not installed",
            hint="name an index with --index-url, INST_INDEX_URL or the config file, "
            "or use --no-index with --find-links",
        ) from None


def _client(
    settings: Settings, file_options: FileOptions, pages: HttpPages, workers: int
) -> HttpClient:
    from inst.index.http import HttpClient, HttpConfig

    return HttpClient(
        HttpConfig(
            timeout=settings.timeout,
            retries=settings.retries,
            trusted_hosts=(*settings.trusted_host, *file_options.trusted_hosts),
            cert=settings.cert,
            client_cert=settings.client_cert,
            proxy=settings.proxy,
            pages=pages,
            max_connections=max(workers, 10),
            keyring_provider=settings.keyring_provider,
            # For the keyring's service names; a default index has its host's.
            index_urls=tuple(
                url
                for url in (
                    file_options.index_url,
                    settings.index_url,
                    *settings.extra_index_url,
                    *file_options.extra_index_urls,
                )
                if url
            ),
        )
    )


def _finder(
    settings: Settings,
    file_options: FileOptions,
    client: HttpClient,
    environment: Environment,
    reporter: IndexReporter,
) -> Finder:
    from inst.index.finder import BinaryPolicy, Finder, FinderPolicy
    from inst.index.sources import FindLinksSource, IndexSource

    indexes: list[IndexSource] = []
    if not (settings.no_index or file_options.no_index):
        primary = file_options.index_url or settings.index_url or default_index_url()
        extras = [*settings.extra_index_url, *file_options.extra_index_urls]
        urls = [*extras, primary]  # first-index searches extra indexes first, as uv
        indexes = [IndexSource(url, reporter) for url in dict.fromkeys(urls)]
    find_links = [
        FindLinksSource(location, reporter)
        for location in dict.fromkeys([*settings.find_links, *file_options.find_links])
    ]
    policy = FinderPolicy(
        pre=settings.pre or file_options.pre,
        prefer_binary=settings.prefer_binary or file_options.prefer_binary,
        binary=BinaryPolicy.from_lists(
            [*settings.only_binary, *file_options.only_binary],
            [*settings.no_binary, *file_options.no_binary],
        ),
        ignore_requires_python=settings.ignore_requires_python,
        first_index=settings.index_strategy == "first-index",
    )
    for url in [s.url for s in indexes] + [s.location for s in find_links]:
        _check_secure(client, url)
    return Finder(client, indexes, find_links, environment, policy)


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def _check_secure(client: HttpClient, url: str) -> None:
    """Plain http only to this machine or a --trusted-host, as pip: anyone on the way
    could otherwise swap the files."""
    from urllib.parse import urlsplit

    from inst.ui import redact

    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or host in _LOCAL_HOSTS or host.startswith("127."):
        return
    if not client.is_trusted(url):
        raise InstError(
            f"{redact(url)} is plain http and {host} is not a trusted host",
            why="files fetched without TLS could be replaced on the way",
            hint=f"use https, or allow it with --trusted-host {host}",
        )

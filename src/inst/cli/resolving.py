"""What every resolving command shares: settings → requirements → the target environment
→ index client, finder, metadata and downloads → a resolution."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from inst.errors import InstError, UsageError

if TYPE_CHECKING:
    from inst.build.builder import SourceBuilder
    from inst.download import Downloader
    from inst.environment import Environment
    from inst.index.finder import Finder
    from inst.index.http import HttpClient
    from inst.install.target import InstallTarget
    from inst.requirements.files import FileOptions
    from inst.requirements.specs import RequirementSpec
    from inst.resolution.metadata import MetadataSource
    from inst.resolution.provider import ProviderOptions
    from inst.resolution.resolver import Resolution
    from inst.settings.resolve import Settings


@dataclass
class Inputs:
    """The requirements of one run, from the command line and -r/-c files."""

    requirements: list[RequirementSpec] = field(default_factory=list)
    constraints: list[RequirementSpec] = field(default_factory=list)
    options: FileOptions | None = None


def gather_inputs(settings: Settings, texts: Sequence[str], command: str) -> Inputs:
    from inst.requirements.files import FileOptions, read_requirements
    from inst.requirements.specs import parse_requirement

    inputs = Inputs(options=FileOptions())
    assert inputs.options is not None
    for path in settings.requirement:
        parsed = read_requirements(path)
        inputs.requirements += parsed.requirements
        inputs.constraints += parsed.constraints
        _merge_options(inputs.options, parsed.options)
    for path in settings.constraint:
        parsed = read_requirements(path, constraint=True)
        # A -r inside a constraints file still lists requirements, as in pip.
        inputs.requirements += parsed.requirements
        inputs.constraints += parsed.constraints
        _merge_options(inputs.options, parsed.options)
    base_dir = Path.cwd()
    inputs.requirements += [
        parse_requirement(text, origin="the command line", base_dir=base_dir)
        for text in texts
    ]
    inputs.requirements += [
        parse_requirement(
            text, origin="the command line (-e)", base_dir=base_dir, editable=True
        )
        for text in getattr(settings, "editable", ())
    ]
    if not inputs.requirements:
        raise UsageError(
            f"`inst {command}` needs at least one requirement",
            hint=f"name packages (inst {command} requests), or give a file with -r",
        )
    return inputs


def _merge_options(into: FileOptions, new: FileOptions) -> None:
    """Options from requirement files add to those of earlier files (pip's rule)."""
    into.index_url = new.index_url or into.index_url
    into.extra_index_urls += new.extra_index_urls
    into.no_index = into.no_index or new.no_index
    into.find_links += new.find_links
    into.pre = into.pre or new.pre
    into.only_binary += new.only_binary
    into.no_binary += new.no_binary
    into.prefer_binary = into.prefer_binary or new.prefer_binary
    into.require_hashes = into.require_hashes or new.require_hashes
    into.trusted_hosts += new.trusted_hosts


def cache_location(settings: Settings) -> Path | None:
    """Where the cache is (None with --no-cache-dir), whether or not it can be used."""
    if settings.no_cache_dir:
        return None
    if settings.cache_dir:
        # Absolute: builds run their environment's interpreter from the project dir.
        return Path(os.path.abspath(Path(settings.cache_dir).expanduser()))
    import platformdirs

    return Path(platformdirs.user_cache_dir("inst", appauthor=False))


def cache_dir(settings: Settings) -> Path | None:
    """The cache of this run: None with --no-cache-dir, and when it cannot be written
    (a file in its place, a read-only disk, no permission); then, as pip, the run goes
    on without a cache after a warning."""
    location = cache_location(settings)
    if location is None:
        return None
    from inst.cache_layout import usable

    return location if usable(location) else None


_environments: dict[tuple[str, str], Environment] = {}


def target_environment(settings: Settings) -> Environment:
    """The environment --python names (probed once per process)."""
    from inst.environment import find_environment

    cache = cache_dir(settings)
    key = (str(settings.python or ""), str(cache))
    if key not in _environments:
        _environments[key] = find_environment(settings.python, cache_dir=cache)
    return _environments[key]


def chosen_install_target(
    settings: Settings, environment: Environment
) -> InstallTarget:
    """Where install (and repair) work: the environment, or --user, --target,
    --prefix or --root."""
    from inst.install.target import install_target

    def path(value: object) -> Path | None:
        return None if value in (None, "") else Path(str(value)).expanduser()

    return install_target(
        environment,
        user=bool(settings.user),
        target=path(settings.target),
        prefix=path(settings.prefix),
        root=path(settings.root),
    )


def settled_environment(settings: Settings) -> Environment:
    """The target environment, once no inst is changing it and nothing a killed inst
    left half done remains (for the commands that read it)."""
    from inst.install.state import STATE_DIR_NAME, has_journal

    environment = target_environment(settings)
    if environment.installed_set is not None and environment.scheme.get("purelib"):
        state_dir = Path(environment.scheme["purelib"]) / STATE_DIR_NAME
        if has_journal(state_dir):
            from inst.install.transaction import settle

            settle(
                state_dir,
                label=f"the environment of {environment.python}",
                repair_options=()
                if environment.is_current
                else ("--python", str(environment.python)),
            )
    return environment


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


@dataclass
class Session:
    """The connected pieces of one resolving run; close() when done."""

    environment: Environment
    client: HttpClient
    finder: Finder
    downloader: Downloader
    metadata: MetadataSource
    work_dir: Path
    require_hashes: bool
    builder: SourceBuilder | None = None


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


@contextmanager
def open_session(
    settings: Settings, inputs: Inputs, environment: Environment
) -> Iterator[Session]:
    """The run's session; while it is open, SIGTERM unwinds like Ctrl-C (its work
    directory removed, a running build ended) unless a transaction handles it."""
    from inst.interrupts import sigterm_unwinds_run

    with sigterm_unwinds_run(), _session(settings, inputs, environment) as session:
        yield session


@contextmanager
def _session(
    settings: Settings, inputs: Inputs, environment: Environment
) -> Iterator[Session]:
    from inst.download import Downloader
    from inst.index.finder import BinaryPolicy, Finder, FinderPolicy
    from inst.index.http import HttpClient, HttpConfig
    from inst.index.sources import FindLinksSource, IndexSource
    from inst.resolution.metadata import MetadataSource

    assert inputs.options is not None
    file_options = inputs.options
    cache = cache_dir(settings)
    workers = max(1, int(settings.max_downloads))
    client = HttpClient(
        HttpConfig(
            timeout=float(settings.timeout),
            retries=int(settings.retries),
            trusted_hosts=(*settings.trusted_host, *file_options.trusted_hosts),
            cert=settings.cert,
            client_cert=settings.client_cert,
            proxy=settings.proxy,
            cache_dir=cache,
            max_connections=max(workers, 10),
        )
    )
    indexes: list[IndexSource] = []
    if not (settings.no_index or file_options.no_index):
        primary = file_options.index_url or settings.index_url or default_index_url()
        extras = [*settings.extra_index_url, *file_options.extra_index_urls]
        urls = [*extras, primary]  # first-index searches extra indexes first, as uv
        indexes = [IndexSource(url) for url in dict.fromkeys(urls)]
    find_links = [
        FindLinksSource(location)
        for location in dict.fromkeys([*settings.find_links, *file_options.find_links])
    ]
    policy = FinderPolicy(
        pre=bool(settings.pre or file_options.pre),
        prefer_binary=bool(settings.prefer_binary or file_options.prefer_binary),
        binary=BinaryPolicy.from_lists(
            [*settings.only_binary, *file_options.only_binary],
            [*settings.no_binary, *file_options.no_binary],
        ),
        ignore_requires_python=bool(settings.ignore_requires_python),
        first_index=settings.index_strategy == "first-index",
    )
    for url in [s.url for s in indexes] + [s.location for s in find_links]:
        _check_secure(client, url)
    finder = Finder(client, indexes, find_links, environment, policy)
    try:
        work_dir = Path(tempfile.mkdtemp(prefix="inst-"))
    except OSError as error:
        from inst import fileio

        finder.close()
        raise fileio.os_error(
            error,
            f"cannot make a temporary directory in {tempfile.gettempdir()}",
            hint="point TMPDIR at a directory you may write to",
        ) from None
    progress = settings.progress_bar == "on"
    downloader = Downloader(
        client,
        cache_dir=cache,
        work_dir=work_dir,
        max_workers=workers,
        progress=progress,
        retries=int(settings.retries),
    )
    metadata = MetadataSource(client, downloader, cache_dir=cache)
    try:
        session = Session(
            environment,
            client,
            finder,
            downloader,
            metadata,
            work_dir,
            require_hashes=bool(settings.require_hashes or file_options.require_hashes),
        )
        from inst.cli.building import configure_builder, make_builder

        session.builder = make_builder(settings, session)
        metadata.builder = session.builder
        configure_builder(session.builder, inputs)
        yield session
    finally:
        finder.close()
        client.close()
        shutil.rmtree(work_dir, ignore_errors=True)


def resolve_inputs(
    session: Session, inputs: Inputs, options: ProviderOptions
) -> Resolution:
    from inst.resolution.resolver import ResolveRequest, resolve

    request = ResolveRequest(
        inputs.requirements,
        inputs.constraints,
        require_hashes=session.require_hashes,
        options=options,
    )
    return resolve(request, session.finder, session.metadata, session.environment)

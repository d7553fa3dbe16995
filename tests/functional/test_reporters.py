"""Stages driven directly with recording reporters (tests/harness/reporting.py): what
each tells, as events with data, in order; the words are the CLI's and are checked
by the functional tests of the commands."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from resolvelib import BaseReporter

from harness import SAMPLE_YANK_REASON, IndexServer, LocalIndex
from harness.fault_backends import fault_tree
from harness.reporting import recording
from inst.build.builder import BuilderConfig, SourceBuilder
from inst.build.choice import BuildChoice
from inst.build.environments import target_build_env
from inst.build.interfaces import BuildOptions
from inst.build.reporting import BuildReporter, BuildStep
from inst.build.runner import BuildFailed
from inst.cache import NULL_CACHE, Cache
from inst.download import Downloader, DownloadReporter, DownloadRequest
from inst.environment import Environment, current_environment
from inst.index.finder import Finder, FinderPolicy
from inst.index.http import HttpClient, HttpConfig
from inst.index.sources import IndexSource
from inst.install.installation import (
    InstallOptions,
    WheelToInstall,
    install_wheels,
    unpack_all,
)
from inst.install.reporting import InstallReporter
from inst.install.target import install_target
from inst.install.transaction import changing
from inst.install.unpacked import UnpackedWheels
from inst.models import DistFile
from inst.requirements.specs import parse_requirement
from inst.resolution.metadata import MetadataSource
from inst.resolution.reporting import ResolveReporter
from inst.resolution.resolver import Resolution, ResolveRequest, resolve


@pytest.fixture
def client() -> Iterator[HttpClient]:
    client = HttpClient(HttpConfig())
    yield client
    client.close()


def resolved(
    index: LocalIndex,
    client: HttpClient,
    work: Path,
    texts: tuple[str, ...],
    reporter: ResolveReporter,
    *,
    quiet: bool = False,
) -> Resolution:
    environment: Environment = current_environment()
    finder = Finder(
        client, [IndexSource(index.file_url)], [], environment, FinderPolicy()
    )
    metadata = MetadataSource(
        client, Downloader(client, cache=NULL_CACHE.downloads, work_dir=work)
    )
    specs = [parse_requirement(text, origin="the command line") for text in texts]
    try:
        return resolve(
            ResolveRequest(specs, quiet=quiet), finder, metadata, environment, reporter
        )
    finally:
        finder.close()


# -- resolving --------------------------------------------------------------------------


def test_resolving_tells_what_it_collects_in_order(
    sample_index: LocalIndex, client: HttpClient, tmp_path: Path
) -> None:
    reporter = recording(ResolveReporter)

    resolved(sample_index, client, tmp_path, ("withdeps", "another==1.1"), reporter)

    # The roots as given, then what they depend on, naming who asks for it.
    assert reporter.of("collecting") == [
        ("withdeps", None),
        ("another==1.1", None),
        ("simple>=1.0", ("withdeps", "1.0")),
    ]
    assert reporter.of("yanked_pick") == [
        ("another-1.1-py3-none-any.whl", SAMPLE_YANK_REASON)
    ]
    assert reporter.names() == ["collecting"] * 3 + ["yanked_pick"]


def test_a_quiet_resolution_collects_silently_but_still_warns(
    sample_index: LocalIndex, client: HttpClient, tmp_path: Path
) -> None:
    reporter = recording(ResolveReporter)

    resolved(sample_index, client, tmp_path, ("another==1.1",), reporter, quiet=True)

    assert reporter.names() == ["yanked_pick"]  # build requirements: no "Collecting"


def test_the_resolve_reporter_is_resolvelibs_reporter_too(
    sample_index: LocalIndex, client: HttpClient, tmp_path: Path
) -> None:
    class Pins(ResolveReporter):
        def __init__(self) -> None:
            self.pinned: list[str] = []

        def pinning(self, candidate: Any) -> None:
            self.pinned.append(str(candidate.name))

    reporter = Pins()
    assert isinstance(reporter, BaseReporter)

    resolved(sample_index, client, tmp_path, ("withdeps",), reporter)

    assert {"withdeps", "simple"} <= set(reporter.pinned)


def test_resolving_says_nothing_without_a_reporter(
    sample_index: LocalIndex,
    client: HttpClient,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    resolved(sample_index, client, tmp_path, ("withdeps",), ResolveReporter())

    assert capsys.readouterr() == ("", "")


# -- downloading ------------------------------------------------------------------------


def test_downloads_tell_transfers_then_cache_hits(
    index_server: Any, sample_index: LocalIndex, client: HttpClient, tmp_path: Path
) -> None:
    server: IndexServer = index_server(sample_index)
    entry = next(e for e in sample_index.files if e.filename.endswith(".whl"))
    file = DistFile(
        entry.filename,
        server.files_url + entry.filename,
        hashes={"sha256": entry.sha256},
        size=entry.size,
    )
    cache = tmp_path / "cache"

    def fetch(progress: bool) -> Any:
        reporter = recording(DownloadReporter)
        loader = Downloader(
            client,
            cache=Cache(cache).downloads,
            work_dir=tmp_path / "work",
            progress=progress,
            reporter=reporter,
        )
        loader.fetch(DownloadRequest(file))
        return reporter

    first = fetch(progress=True)
    assert first.events == [
        ("downloading", (entry.filename, entry.size)),
        ("progress", (entry.filename, entry.size)),
    ]
    again = fetch(progress=False)
    assert again.events == [("using_cached", (entry.filename, entry.size))]


# -- building ---------------------------------------------------------------------------


def builder(work: Path, reporter: BuildReporter) -> SourceBuilder:
    """Builds without isolation in this interpreter: the fault backend needs nothing."""
    return SourceBuilder(
        BuilderConfig(
            options=BuildOptions(),
            choice=BuildChoice(),
            isolated=False,
            no_clean=False,
            work_dir=work,
            markers={},
        ),
        environments=None,
        target_env=target_build_env(Path(sys.executable), {}),
        wheel_cache=None,
        reporter=reporter,
    )


def test_a_build_tells_its_step_and_the_wheel(tmp_path: Path) -> None:
    tree = fault_tree(tmp_path / "src", "demo")
    reporter = recording(BuildReporter)

    wheel = builder(tmp_path / "work", reporter).build_wheel(tree, None)

    step = BuildStep("wheel", "demo", "pyproject.toml")
    assert reporter.events == [
        ("step_started", (step,)),
        ("step_finished", (step, "done")),
        ("built", ("demo", wheel, False)),
    ]


def test_a_failed_build_step_ends_in_error(tmp_path: Path) -> None:
    tree = fault_tree(tmp_path / "src", "broken")
    (tree / "fault_backend.py").write_text(
        "def build_wheel(wheel_directory, config_settings=None, "
        "metadata_directory=None):\n"
        "    raise RuntimeError('no wheel today')\n",
        encoding="utf-8",
    )
    reporter = recording(BuildReporter)

    with pytest.raises(BuildFailed):
        builder(tmp_path / "work", reporter).build_wheel(tree, None)

    step = BuildStep("wheel", "broken", "pyproject.toml")
    assert ("step_finished", (step, "error")) in reporter.events
    assert "built" not in reporter.names()


# -- installing -------------------------------------------------------------------------


def test_installing_tells_what_it_installs_and_what_a_target_keeps(
    dist_factory: Any, tmp_path: Path
) -> None:
    environment = current_environment()
    target = install_target(environment, target=tmp_path / "target")
    wheels = [WheelToInstall(dist_factory.wheel("simple", "1.0"))]

    def install() -> Any:
        reporter = recording(InstallReporter)
        cache = UnpackedWheels(
            NULL_CACHE.unpacked, tmp_path / "work", reporter=reporter
        )
        unpacked = unpack_all(wheels, cache)
        with changing(
            target.state_dir,
            label=target.label,
            keep_dirs=target.keep_dirs,
            timeout=10,
            reporter=reporter,
        ) as changes:
            install_wheels(
                list(zip(wheels, unpacked)),
                target,
                environment,
                changes,
                InstallOptions(),
                reporter=reporter,
            )
        return reporter

    assert install().events == [("installing", (["simple"],))]
    # --target without --upgrade: what the directory holds stays, and is named.
    assert install().events == [("kept_in_target", (target.label, "simple", "1.0"))]

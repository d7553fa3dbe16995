"""What the provider fetches ahead of the resolver from indexes on the network (none
from indexes on disk): every new dependency's index page, and the metadata of the
release it would most likely get, guessed once per project (a backtracking resolve reads the dependencies of hundreds of releases of
one project, each wanting another release of the next, and rejects most of them
before those dependencies' metadata is needed). Metadata the resolver asks for
itself is read in its own thread, once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from inst.models import DistFile
from inst.resolution.candidates import SpecifierRequirement
from inst.resolution.provider import Provider, ProviderOptions


class _Release:
    def __init__(self, file: DistFile) -> None:
        self.best = file


class FakeFinder:
    """Every specifier's best release is the newest version it allows of 1.0-9.0;
    local: whether its indexes are all on disk."""

    def __init__(self, *, local: bool = False) -> None:
        self.pages: list[str] = []
        self.local = local

    def prefetch(self, names: Iterable[str]) -> None:
        self.pages += names

    def iter_matching(self, name: str, specifier: SpecifierSet) -> list[_Release]:
        versions = [Version(f"{n}.0") for n in range(9, 0, -1)]
        best = next(v for v in versions if specifier.contains(v))
        filename = f"{name}-{best}-py3-none-any.whl"
        return [_Release(DistFile(filename, f"https://files.example/{filename}"))]


class CountingMetadata:
    def __init__(self) -> None:
        self.asked: list[str] = []
        self.threads: list[int] = []

    def for_file(self, file: DistFile) -> Any:
        self.asked.append(file.filename)
        self.threads.append(threading.get_ident())
        return None


class AtOnce:
    """A pool that runs what it is given at once, in the caller's thread."""

    def submit(self, function: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(function(*args))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


class NoEnvironment:
    version_info = (3, 11, 0)

    def installed(self) -> dict[str, Any]:
        return {}


def _requirement(name: str, specifier: str) -> SpecifierRequirement:
    return SpecifierRequirement(name, frozenset(), SpecifierSet(specifier), "")


def _provider(finder: FakeFinder, metadata: CountingMetadata) -> Provider:
    return Provider(
        finder,  # type: ignore[arg-type]
        metadata,  # type: ignore[arg-type]
        NoEnvironment(),  # type: ignore[arg-type]
        constraints={},
        user_names=(),
        options=ProviderOptions(),
    )


def test_the_best_release_of_a_dependency_is_fetched_ahead_once_per_project() -> None:
    finder, metadata = FakeFinder(), CountingMetadata()
    provider = _provider(finder, metadata)
    provider.close()
    provider._pool = AtOnce()  # type: ignore[assignment]

    # The dependencies of three releases of "top", each on another "dep".
    provider._prefetch([_requirement("dep", "==5.0"), _requirement("other", "")])
    provider._prefetch([_requirement("dep", "==4.0")])
    provider._prefetch([_requirement("dep", "==3.0")])

    assert finder.pages == ["dep", "other", "dep", "dep"]  # asked, fetched once
    assert sorted(metadata.asked) == [
        "dep-5.0-py3-none-any.whl",
        "other-9.0-py3-none-any.whl",
    ]


def test_nothing_is_fetched_ahead_from_indexes_on_disk() -> None:
    """Reading there is the interpreter's work, which threads do not overlap."""
    finder, metadata = FakeFinder(local=True), CountingMetadata()
    provider = _provider(finder, metadata)
    provider.close()
    provider._pool = AtOnce()  # type: ignore[assignment]

    provider._prefetch([_requirement("dep", "==5.0"), _requirement("other", "")])

    assert finder.pages == [] and metadata.asked == []


def test_metadata_the_resolver_asks_for_is_read_in_its_thread_once() -> None:
    metadata = CountingMetadata()
    provider = _provider(FakeFinder(), metadata)
    file = DistFile("a-1.0-py3-none-any.whl", "https://files.example/a.whl")
    try:
        provider.metadata_of(file)
        provider.metadata_of(file)
    finally:
        provider.close()

    assert metadata.threads == [threading.get_ident()]

"""The finder: every usable file of a project, best first.

Files come from the indexes and find-links locations; the finder drops what the target
cannot use (wheel tags, Requires-Python, binary policy, pre-releases, yanked) and orders
the rest: newest version first; at one version, the wheel with the best tag, then the sdist.
Index pages are fetched once per project and may be prefetched in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from inst.errors import InstError
from inst.index.matching import VersionMatcher
from inst.models import SDIST_SUFFIXES, sdist_suffix

if TYPE_CHECKING:
    from packaging.tags import Tag

    from inst.environment import Environment
    from inst.index.http import HttpClient
    from inst.index.sources import FindLinksSource, IndexSource
    from inst.models import DistFile

ALL = ":all:"
NONE = ":none:"


@dataclass(frozen=True)
class BinaryPolicy:
    """--only-binary / --no-binary as pip reads them: :all:, :none: or project names.
    A name listed on one side beats :all: on the other."""

    only_binary: frozenset[str] = frozenset()
    no_binary: frozenset[str] = frozenset()

    @classmethod
    def from_lists(
        cls, only_binary: Iterable[str], no_binary: Iterable[str]
    ) -> BinaryPolicy:
        return cls(_names(only_binary), _names(no_binary))

    def allows_wheel(self, name: str) -> bool:
        if name in self.no_binary:
            return False
        return not (ALL in self.no_binary and name not in self.only_binary)

    def allows_sdist(self, name: str) -> bool:
        if name in self.only_binary:
            return False
        return not (ALL in self.only_binary and name not in self.no_binary)


def _names(items: Iterable[str]) -> frozenset[str]:
    names: set[str] = set()
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if part == NONE:
                names.clear()
            elif part == ALL:
                names.add(ALL)
            elif part:
                names.add(canonicalize_name(part))
    return frozenset(names)


@dataclass(frozen=True)
class FinderPolicy:
    pre: bool = False
    prefer_binary: bool = False
    binary: BinaryPolicy = field(default_factory=BinaryPolicy)
    ignore_requires_python: bool = False
    first_index: bool = True  # --index-strategy first-index


@dataclass(frozen=True)
class Skipped:
    """A file the finder left out, and why (for "no matching distribution" errors)."""

    file: DistFile
    reason: str


@dataclass(frozen=True)
class Release:
    """One version of a project with its usable files, best first."""

    version: Version
    files: tuple[DistFile, ...]

    @property
    def best(self) -> DistFile:
        return self.files[0]

    @property
    def yanked(self) -> bool:
        return all(file.yanked is not None for file in self.files)

    @property
    def has_wheel(self) -> bool:
        return any(file.is_wheel for file in self.files)

    @cached_property
    def unyanked(self) -> Release:
        """This release without its yanked files (itself when none is yanked):
        remembered, as every matching() that accepts it asks."""
        files = tuple(file for file in self.files if file.yanked is None)
        return self if len(files) == len(self.files) else Release(self.version, files)


@dataclass(frozen=True)
class Found:
    """What the sources hold for a project after filtering by the target."""

    name: NormalizedName
    releases: tuple[Release, ...]  # best first
    skipped: tuple[Skipped, ...]
    sources: tuple[str, ...]  # where the files came from

    def versions(self) -> list[Version]:
        return sorted({release.version for release in self.releases})


@dataclass(frozen=True)
class Elsewhere:
    """Versions of a project on the indexes that ``--index-strategy first-index`` did
    not use, because an index asked before them has the project."""

    name: NormalizedName
    versions: tuple[Version, ...]  # usable by the target, oldest first
    indexes: tuple[str, ...]  # where they are (credentials hidden)


#: How long the end of a resolution waits for the pages of indexes the strategy did not
#: use (asked in the background only to be honest about what they hold).
ELSEWHERE_WAIT = 5.0


class Finder:
    def __init__(
        self,
        client: HttpClient,
        indexes: Sequence[IndexSource],
        find_links: Sequence[FindLinksSource],
        environment: Environment,
        policy: FinderPolicy,
        *,
        workers: int = 8,
    ) -> None:
        self._client = client
        self._indexes = list(indexes)
        self._find_links = list(find_links)
        self._environment = environment
        self._policy = policy
        self._lock = threading.Lock()
        self._pages: dict[NormalizedName, Future[list[DistFile]]] = {}
        self._found: dict[NormalizedName, Found] = {}
        # matching(), remembered per project: which releases each specifier accepts,
        # and each answer (a backtracking resolve asks the same questions again).
        self._matchers: dict[NormalizedName, VersionMatcher] = {}
        self._answers: dict[_AnswerKey, tuple[Release, ...]] = {}
        self._python_answers: dict[str, bool] = {}
        self._tag_answers: dict[frozenset[Tag], int | None] = {}
        # first-index: the files of the indexes after the one used, per project.
        self._others: dict[NormalizedName, Future[list[DistFile]]] = {}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="inst-finder")

    @property
    def policy(self) -> FinderPolicy:
        return self._policy

    @property
    def environment(self) -> Environment:
        return self._environment

    def searched(self) -> list[str]:
        """Where the finder looks, for messages (credentials hidden)."""
        links = [source.display for source in self._find_links]
        return links + [source.display for source in self._indexes]

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def prefetch(self, names: Iterable[str]) -> None:
        """Start fetching these projects' pages in the background."""
        for name in names:
            self._page_future(canonicalize_name(name))

    def _page_future(self, name: NormalizedName) -> Future[list[DistFile]]:
        with self._lock:
            future = self._pages.get(name)
            if future is None:
                future = self._pool.submit(self._collect, name)
                self._pages[name] = future
            return future

    def _collect(self, name: NormalizedName) -> list[DistFile]:
        files: list[DistFile] = []
        for link in self._find_links:
            files += link.project_files(self._client, name)
        for number, index in enumerate(self._indexes):
            found = index.project_files(self._client, name)
            if found:
                files += found
                if self._policy.first_index:
                    self._ask_others(name, self._indexes[number + 1 :])
                    break
        return files

    def _ask_others(self, name: NormalizedName, others: Sequence[IndexSource]) -> None:
        """Read the project's pages of the indexes the strategy does not use, in the
        background: their files are never candidates, only told about."""
        if not others:
            return

        def collect() -> list[DistFile]:
            files: list[DistFile] = []
            for index in others:
                try:
                    found = index.project_files(self._client, name)
                except InstError:
                    found = None  # an index that is not used may fail: then say nothing
                files += found or []
            return files

        with self._lock:
            if name not in self._others:
                self._others[name] = self._pool.submit(collect)

    def elsewhere(
        self,
        name: str,
        specifier: SpecifierSet | None = None,
        timeout: float = ELSEWHERE_WAIT,
    ) -> Elsewhere | None:
        """What the indexes that first-index left out hold for a project (usable by
        the target, in ``specifier`` when given); None if nothing, or not known
        within ``timeout`` seconds."""
        with self._lock:
            future = self._others.get(canonicalize_name(name))
        if future is None:
            return None
        done, _ = wait_for([future], timeout=timeout)
        if not done or future.exception() is not None:
            return None
        found = self._evaluate(canonicalize_name(name), future.result())
        allow_pre = self._policy.pre or bool(specifier and specifier.prereleases)
        versions = [
            v
            for v in found.versions()
            if (specifier is None or specifier.contains(v, True))
            and (allow_pre or not v.is_prerelease)
        ]
        if not versions:
            return None
        return Elsewhere(found.name, tuple(versions), found.sources)

    def hidden_newer(self, names: Sequence[str]) -> list[tuple[Version, Elsewhere]]:
        """For each project whose used index holds older versions than an index that
        first-index left out: (the newest used, what is elsewhere). Waits at most
        ELSEWHERE_WAIT seconds in all for those pages."""
        with self._lock:
            pending = [
                self._others[n]
                for n in map(canonicalize_name, names)
                if n in self._others
            ]
        wait_for(pending, timeout=ELSEWHERE_WAIT)
        hidden = []
        for name in names:
            found = self._found.get(canonicalize_name(name))
            other = self.elsewhere(name, timeout=0)
            if found is None or other is None:
                continue
            used = [
                r.version
                for r in found.releases
                if self._policy.pre or not r.version.is_prerelease
            ]
            if used and other.versions[-1] > max(used):
                hidden.append((max(used), other))
        return hidden

    def find(self, name: str) -> Found:
        project = canonicalize_name(name)
        found = self._found.get(project)
        if found is None:
            found = self._evaluate(project, self._page_future(project).result())
            with self._lock:
                # One Found per project, even when two threads evaluated it.
                found = self._found.setdefault(project, found)
        return found

    def _evaluate(self, name: NormalizedName, files: Sequence[DistFile]) -> Found:
        usable: dict[Version, list[tuple[tuple[int, int], DistFile]]] = {}
        skipped: list[Skipped] = []
        seen: set[str] = set()
        for file in files:
            if file.filename in seen:
                continue  # the same file from two sources: the first one wins
            seen.add(file.filename)
            rank, reason = self._rank(name, file)
            if reason:
                skipped.append(Skipped(file, reason))
            else:
                usable.setdefault(file.version, []).append((rank, file))
        releases = [
            Release(version, _best_first(ranked)) for version, ranked in usable.items()
        ]
        releases.sort(key=self._release_key, reverse=True)
        sources = tuple(dict.fromkeys(file.source for file in files if file.source))
        return Found(name, tuple(releases), tuple(skipped), sources)

    def _rank(
        self, name: NormalizedName, file: DistFile
    ) -> tuple[tuple[int, int], str]:
        """A sort key within one version (lower is better), or the reason to skip."""
        if file.project != name:
            return (0, 0), f"it is a file of {file.project}"
        policy = self._policy
        if (
            file.requires_python
            and not policy.ignore_requires_python
            and not self._python_supported(file.requires_python)
        ):
            return (0, 0), f"it requires Python {file.requires_python}"
        if file.is_wheel:
            if not policy.binary.allows_wheel(name):
                return (0, 0), "wheels are turned off by --no-binary"
            rank = self._tag_rank(file.tags)
            if rank is None:
                tags = ", ".join(sorted(str(tag) for tag in file.tags))
                return (0, 0), f"no tag of it fits the target ({tags})"
            return (0, rank), ""
        if not policy.binary.allows_sdist(name):
            return (0, 0), "source distributions are turned off by --only-binary"
        return (1, 0), ""

    # A project's files repeat a few Requires-Python strings and tag sets thousands
    # of times: each is judged once.
    def _python_supported(self, requires_python: str) -> bool:
        answer = self._python_answers.get(requires_python)
        if answer is None:
            answer = self._environment.python_supported(requires_python)
            self._python_answers[requires_python] = answer
        return answer

    def _tag_rank(self, tags: frozenset[Tag]) -> int | None:
        try:
            return self._tag_answers[tags]
        except KeyError:
            rank = self._tag_answers[tags] = self._environment.tag_rank(tags)
            return rank

    def _release_key(self, release: Release) -> tuple[bool, Version]:
        if self._policy.prefer_binary:
            return (release.has_wheel, release.version)
        return (True, release.version)

    def matching(
        self,
        name: str,
        specifier: SpecifierSet,
        *,
        hashes: Mapping[str, frozenset[str]] | None = None,
    ) -> list[Release]:
        """The releases a requirement accepts, best first: pre-releases only with --pre,
        an explicit pre-release specifier, or when nothing else matches; yanked releases
        only when the specifier pins exactly that version (PEP 592)."""
        found = self.find(name)
        allow_pre = self._policy.pre or bool(specifier.prereleases)
        key: _AnswerKey = (
            found.name,
            str(specifier),
            allow_pre,
            frozenset(hashes.items()) if hashes else None,
        )
        answer = self._answers.get(key)
        if answer is None:
            positions = self._matcher(found).positions(specifier)
            releases = [found.releases[position] for position in positions]
            answer = tuple(_select(releases, specifier, allow_pre, hashes))
            with self._lock:
                self._answers[key] = answer
        return list(answer)

    def _matcher(self, found: Found) -> VersionMatcher:
        matcher = self._matchers.get(found.name)
        if matcher is None:
            matcher = VersionMatcher([release.version for release in found.releases])
            with self._lock:
                matcher = self._matchers.setdefault(found.name, matcher)
        return matcher


#: What one answer of Finder.matching depends on besides the project's releases:
#: the project, the specifier set (as text), whether pre-releases are allowed, hashes.
_AnswerKey = tuple[
    NormalizedName, str, bool, "frozenset[tuple[str, frozenset[str]]] | None"
]


def _select(
    releases: list[Release],
    specifier: SpecifierSet,
    allow_pre: bool,
    hashes: Mapping[str, frozenset[str]] | None,
) -> list[Release]:
    """Of the releases the specifier set accepts (best first), the ones to offer:
    hashes, pre-release and yanked rules applied."""
    if hashes:
        allowed = [r for r in map(_with_hashes(hashes), releases) if r is not None]
        # As pip: when no file has an allowed hash, keep them all, so that the
        # download reports the mismatch (expected and actual digest) instead of
        # a baffling "no version satisfies lib==1.0".
        releases = allowed or releases
    if not allow_pre:
        finals = [r for r in releases if not r.version.is_prerelease]
        if finals or not releases:
            releases = finals
    pinned = _pinned(specifier)
    kept: list[Release] = []
    for release in releases:
        if release.version != pinned:
            release = release.unyanked
        if release.files:
            kept.append(release)
    return kept


def _best_first(ranked: list[tuple[tuple[int, int], DistFile]]) -> tuple[DistFile, ...]:
    """The files of one version, best first, in an order that is total and does not
    depend on the order the sources listed them: best rank (wheel tag, then sdist),
    then the higher wheel build tag (as pip), then the sdist's format (``.tar.gz``, then
    ``.zip``, then the legacy ones such as ``.tar.bz2``, which need more of Python),
    then the filename, then the URL."""
    # Stable sorts, least significant key first: the build tag sorts descending.
    ranked = sorted(ranked, key=lambda item: (item[1].filename, item[1].url))
    ranked.sort(key=lambda item: _format_rank(item[1]))
    ranked.sort(key=lambda item: item[1].build_tag, reverse=True)
    ranked.sort(key=lambda item: item[0])
    return tuple(file for _, file in ranked)


def _format_rank(file: DistFile) -> int:
    suffix = None if file.is_wheel else sdist_suffix(file.filename)
    return SDIST_SUFFIXES.index(suffix) if suffix is not None else 0


def _pinned(specifier: SpecifierSet) -> Version | None:
    specs = list(specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0]:
        try:
            return Version(specs[0].version)
        except ValueError:
            return None
    return None


def _with_hashes(
    hashes: Mapping[str, frozenset[str]],
) -> Callable[[Release], Release | None]:
    """Keep only the files whose index hash is one the user allowed (pip does the same
    before choosing, so a hashed requirement never picks a file it would then refuse)."""

    def keep(release: Release) -> Release | None:
        files = tuple(
            file
            for file in release.files
            if not any(
                algorithm in hashes and value not in hashes[algorithm]
                for algorithm, value in file.hashes.items()
            )
        )
        return Release(release.version, files) if files else None

    return keep

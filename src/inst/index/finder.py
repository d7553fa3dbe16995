"""The finder: every usable file of a project, best first.

Files come from the indexes and find-links locations; the finder drops what the target
cannot use (wheel tags, Requires-Python, binary policy, pre-releases, yanked) and orders
the rest: newest version first; at one version, the wheel with the best tag, then the sdist.
Index pages are fetched once per project and may be prefetched in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from inst._records import dataclass
from inst.errors import InstError
from inst.index.listing import Listing
from inst.index.matching import VersionMatcher
from inst.models import SDIST_SUFFIXES, parse_dist_file, sdist_suffix

if TYPE_CHECKING:
    from packaging.tags import Tag

    from inst.environment import Environment
    from inst.index.http import HttpClient
    from inst.index.sources import FindLinksSource, IndexSource
    from inst.models import DistFile

_T = TypeVar("_T")

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
    """What the options say about which files may be used, and in what order."""

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


#: How the finder judges one file: a rank within its version (lower is better) and
#: the reason to skip it ("" to keep it).
Judge = Callable[["DistFile"], "tuple[tuple[int, int], str]"]


class Found:
    """What the sources hold for a project after filtering by the target.

    A project's page may list thousands of files (botocore: 5,000) while a resolve
    looks at a few of its versions: the files are grouped by the version their names
    give, and each version's files are made (see Listing), parsed and judged only
    when that version is asked for (release()); ``releases``, ``skipped`` and
    ``sources`` make and judge them all."""

    def __init__(
        self,
        name: NormalizedName,
        listings: Sequence[Listing],
        judge: Judge,
        release_key: Callable[[Release], tuple[bool, Version]],
    ) -> None:
        self.name = name
        self._listings = listings
        self._judge = judge
        self._release_key = release_key
        # Each file name once: the first source listing it wins (a later one when
        # the first entry is no usable file). A name is (listing, position) slots.
        self._slots: dict[str, list[tuple[Listing, int]]] = {}
        self._groups: dict[Version, list[str]] = {}
        self._made: dict[str, DistFile | None] = {}
        self._releases: dict[Version, Release | None] = {}
        self._judged: dict[str, tuple[tuple[int, int], str] | None] = {}
        slots = self._slots
        groups = self._groups
        parsed: dict[str, Version | None] = {}
        unnamed: list[str] = []  # names whose version text does not parse
        for listing in listings:
            for position, filename in enumerate(listing.filenames):
                known = slots.get(filename)
                if known is not None:
                    known.append((listing, position))
                    continue
                slots[filename] = [(listing, position)]
                text = _version_text(filename)
                if text is None:
                    unnamed.append(filename)
                    continue
                version = parsed.get(text)
                if version is None:
                    if text in parsed:
                        unnamed.append(filename)
                        continue
                    version = parsed[text] = _version(text)
                    if version is None:
                        unnamed.append(filename)
                        continue
                groups.setdefault(version, []).append(filename)
        for filename in unnamed:
            # The name's own parser may still read it (then it is a candidate).
            file = self._file(filename)
            version = None if file is None else _parsed_version(file)
            if version is not None:
                groups.setdefault(version, []).append(filename)
        #: Every version some file names, newest first (usable or not).
        self.candidate_versions: tuple[Version, ...] = tuple(
            sorted(groups, reverse=True)
        )

    def _file(self, filename: str) -> DistFile | None:
        """The file of that name: the first usable entry listing it."""
        try:
            return self._made[filename]
        except KeyError:
            pass
        made = None
        for listing, position in self._slots[filename]:
            made = listing.file(position)
            if made is not None:
                break
        return self._made.setdefault(filename, made)

    @cached_property
    def _files(self) -> list[DistFile]:
        """Every usable file once, in the order the sources listed them."""
        files: list[DistFile] = []
        seen: set[str] = set()
        for listing in self._listings:
            for file in listing.files():
                if file.filename not in seen:
                    seen.add(file.filename)
                    files.append(file)
        return files

    @cached_property
    def sources(self) -> tuple[str, ...]:
        """Where the files came from."""
        return tuple(dict.fromkeys(file.source for file in self._files if file.source))

    def release(self, version: Version) -> Release | None:
        """The usable files of one version, best first; None if it has none."""
        try:
            return self._releases[version]
        except KeyError:
            pass
        ranked = []
        for filename in self._groups.get(version, ()):
            file = self._file(filename)
            if file is None:
                continue
            judged = self._judgement(file)
            if judged is not None and not judged[1]:
                ranked.append((judged[0], file))
        release = Release(version, _best_first(ranked)) if ranked else None
        self._releases[version] = release
        return release

    def _judgement(self, file: DistFile) -> tuple[tuple[int, int], str] | None:
        """The judge's answer for a file; None for a name that does not parse."""
        if file.filename not in self._judged:
            judged = None if parse_dist_file(file) is None else self._judge(file)
            self._judged[file.filename] = judged
        return self._judged[file.filename]

    @cached_property
    def releases(self) -> tuple[Release, ...]:
        """Every usable release, best first."""
        found = [self.release(version) for version in self.candidate_versions]
        releases = [release for release in found if release is not None]
        releases.sort(key=self._release_key, reverse=True)
        return tuple(releases)

    @cached_property
    def skipped(self) -> tuple[Skipped, ...]:
        """The files left out, and why, in the order the sources listed them."""
        skipped = []
        for file in self._files:
            judged = self._judgement(file)
            if judged is not None and judged[1]:
                skipped.append(Skipped(file, judged[1]))
        return tuple(skipped)

    def versions(self) -> list[Version]:
        return sorted({release.version for release in self.releases})


def _version_text(filename: str) -> str | None:
    """The version a distribution's file name gives, cut out without parsing the rest
    (as packaging cuts it); None when the name is no such name."""
    if filename.endswith(".whl"):
        stem = filename[:-4]
        if stem.count("-") not in (4, 5):
            return None
        return stem.split("-", 2)[1]
    # Most sdists are .tar.gz: asked first, before every suffix is tried.
    suffix = ".tar.gz" if filename.endswith(".tar.gz") else sdist_suffix(filename)
    if suffix is None:
        return None
    _, dash, version = filename[: -len(suffix)].rpartition("-")
    return version if dash else None


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _parsed_version(file: DistFile) -> Version | None:
    return None if parse_dist_file(file) is None else file.version


class _Remembered(Iterable[_T]):
    """An iterable that runs its iterator once, as far as anyone asks, remembering
    what it gave: each iteration sees the same items, and those nobody asks for are
    never made (threads may iterate it together)."""

    def __init__(self, items: Iterator[_T]) -> None:
        self._items = items
        self._made: list[_T] = []
        self._done = False
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[_T]:
        made = self._made
        index = 0
        while True:
            if index < len(made):
                yield made[index]
                index += 1
                continue
            with self._lock:
                if index < len(made):
                    continue
                if self._done:
                    return
                try:
                    made.append(next(self._items))
                except StopIteration:
                    self._done = True
                    return


def remembered(items: Iterable[_T]) -> Iterable[_T]:
    """items as an iterable each iteration of which gives the same items, made once,
    only as far as asked (see _Remembered)."""
    return _Remembered(iter(items))


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
        self._pages: dict[NormalizedName, Future[list[Listing]]] = {}
        self._found: dict[NormalizedName, Found] = {}
        # matching(), remembered per project: which releases each specifier accepts,
        # and each answer (a backtracking resolve asks the same questions again).
        self._matchers: dict[tuple[NormalizedName, bool], VersionMatcher] = {}
        self._answers: dict[_AnswerKey, Iterable[Release]] = {}
        self._python_answers: dict[str, bool] = {}
        self._tag_answers: dict[frozenset[Tag], int | None] = {}
        # first-index: the files of the indexes after the one used, per project.
        self._others: dict[NormalizedName, Future[list[Listing]]] = {}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="inst-finder")
        # Pages all on disk: read where they are asked for. Reading one is work for
        # the interpreter, which a thread does not overlap; starting one costs more.
        self._local = all(
            getattr(source, "is_local", False)
            for source in [*self._indexes, *self._find_links]
        )

    @property
    def policy(self) -> FinderPolicy:
        return self._policy

    @property
    def local(self) -> bool:
        """Whether every index and find-links location is on disk (nothing to wait
        for: what is read there is best read where it is asked for)."""
        return self._local

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
        """Start fetching these projects' pages in the background (not pages on
        disk, which are read when asked for)."""
        if self._local:
            return
        for name in names:
            self._page_future(canonicalize_name(name))

    def _page_future(self, name: NormalizedName) -> Future[list[Listing]]:
        with self._lock:
            future = self._pages.get(name)
            if future is not None:
                return future
            if not self._local:
                future = self._pool.submit(self._collect, name)
                self._pages[name] = future
                return future
            future = Future()
            self._pages[name] = future
        try:
            future.set_result(self._collect(name))
        except Exception as error:  # noqa: BLE001 - kept for every caller, as a pool does
            future.set_exception(error)
        except BaseException:  # Ctrl-C: not remembered as the page's answer
            with self._lock:
                self._pages.pop(name, None)
            future.cancel()
            raise
        return future

    def _collect(self, name: NormalizedName) -> list[Listing]:
        listings: list[Listing] = []
        for link in self._find_links:
            files = link.project_files(self._client, name)
            if files:
                listings.append(Listing.of(files))
        for number, index in enumerate(self._indexes):
            found = index.project_listing(self._client, name)
            if found:
                listings.append(found)
                if self._policy.first_index:
                    self._ask_others(name, self._indexes[number + 1 :])
                    break
        return listings

    def _ask_others(self, name: NormalizedName, others: Sequence[IndexSource]) -> None:
        """Read the project's pages of the indexes the strategy does not use, in the
        background: their files are never candidates, only told about."""
        if not others:
            return

        def collect() -> list[Listing]:
            listings: list[Listing] = []
            for index in others:
                try:
                    found = index.project_listing(self._client, name)
                except InstError:
                    found = None  # an index that is not used may fail: then say nothing
                if found:
                    listings.append(found)
            return listings

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

    def with_policy(self, policy: FinderPolicy) -> Finder:
        """A finder over the same sources and client for another policy (the lock's
        wheels-only look at build requirements); pages are fetched again."""
        return Finder(
            self._client, self._indexes, self._find_links, self._environment, policy
        )

    def index_roots(self) -> list[str]:
        """The roots of the indexes searched, as files name their ``source``
        (credentials hidden): for a lock file's ``index`` key."""
        return [source.display for source in self._indexes]

    def find(self, name: str) -> Found:
        project = canonicalize_name(name)
        found = self._found.get(project)
        if found is None:
            found = self._evaluate(project, self._page_future(project).result())
            with self._lock:
                # One Found per project, even when two threads evaluated it.
                found = self._found.setdefault(project, found)
        return found

    def _evaluate(self, name: NormalizedName, listings: Sequence[Listing]) -> Found:
        return Found(
            name, listings, lambda file: self._rank(name, file), self._release_key
        )

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
        return list(self.iter_matching(name, specifier, hashes=hashes))

    def iter_matching(
        self,
        name: str,
        specifier: SpecifierSet,
        *,
        hashes: Mapping[str, frozenset[str]] | None = None,
    ) -> Iterable[Release]:
        """matching()'s releases, each judged only when an iteration reaches it (the
        resolver tries the first few of thousands); iterable any number of times."""
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
            answer = self._answer(found, specifier, allow_pre, hashes)
            with self._lock:
                answer = self._answers.setdefault(key, answer)
        return answer

    def _answer(
        self,
        found: Found,
        specifier: SpecifierSet,
        allow_pre: bool,
        hashes: Mapping[str, frozenset[str]] | None,
    ) -> Iterable[Release]:
        if self._policy.prefer_binary:
            # Releases with wheels first: an order only judging every file gives.
            positions = self._matcher(found).positions(specifier)
            releases = [found.releases[position] for position in positions]
            return tuple(_select(releases, specifier, allow_pre, hashes))
        versions = found.candidate_versions
        accepted = (
            versions[position]
            for position in self._matcher(found, lazy=True).positions(specifier)
        )
        usable = (r for r in map(found.release, accepted) if r is not None)
        if hashes:
            # Whether any file has an allowed hash is known only after all.
            return tuple(_select(list(usable), specifier, allow_pre, hashes))
        return remembered(_select_lazily(usable, specifier, allow_pre))

    def _matcher(self, found: Found, *, lazy: bool = False) -> VersionMatcher:
        """A matcher over the project's usable releases (in their order), or, lazy,
        over every version its files name (newest first)."""
        key = (found.name, lazy)
        matcher = self._matchers.get(key)
        if matcher is None:
            versions = (
                found.candidate_versions
                if lazy
                else [release.version for release in found.releases]
            )
            matcher = VersionMatcher(versions)
            with self._lock:
                matcher = self._matchers.setdefault(key, matcher)
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


def _select_lazily(
    releases: Iterable[Release], specifier: SpecifierSet, allow_pre: bool
) -> Iterator[Release]:
    """_select() without hashes, one release at a time: the same releases in the
    same order. Pre-releases (unless allowed) are held back until a final release
    shows they are not wanted, and given only if none does."""
    pinned = _pinned(specifier)
    held: list[Release] = []
    final_seen = False
    for release in releases:
        if not allow_pre and release.version.is_prerelease:
            if not final_seen:
                held.append(release)
            continue
        final_seen = True
        kept = release if release.version == pinned else release.unyanked
        if kept.files:
            yield kept
    if final_seen:
        return
    for release in held:
        kept = release if release.version == pinned else release.unyanked
        if kept.files:
            yield kept


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

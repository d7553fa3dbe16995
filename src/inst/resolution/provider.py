"""The resolvelib provider: answers the resolver's questions from the finder, the
metadata source and the target environment. It knows nothing of output or commands."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import Requirement as Pep508Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from resolvelib import AbstractProvider

from inst._records import dataclass
from inst.core_metadata import InvalidMetadata
from inst.index.finder import remembered
from inst.models import DistFile, SourceTree, file_label
from inst.resolution.candidates import (
    PYTHON,
    BaseCandidate,
    Candidate,
    ExplicitRequirement,
    ExtrasCandidate,
    FileCandidate,
    InstalledCandidate,
    PythonCandidate,
    PythonRequirement,
    Requirement,
    SpecifierRequirement,
    UnusableRelease,
    requirement_text,
)

if TYPE_CHECKING:
    from inst.core_metadata import Metadata
    from inst.environment import Environment, InstalledDist
    from inst.index.finder import Finder
    from inst.requirements.specs import RequirementSpec
    from inst.resolution.metadata import MetadataSource


@dataclass(frozen=True)
class Constraint:
    """What -c files say about one project: a specifier, hashes, where it was written."""

    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    hashes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    origins: tuple[str, ...] = ()
    #: A ``name @ URL`` (or path) constraint: when the project is required, it is
    #: this file (pip accepts these in -c files).
    direct: RequirementSpec | None = None

    def __and__(self, other: Constraint) -> Constraint:
        return Constraint(
            self.specifier & other.specifier,
            merge_hashes(self.hashes, other.hashes),
            self.origins + other.origins,
            self.direct or other.direct,
        )


def merge_hashes(
    first: Mapping[str, frozenset[str]], second: Mapping[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """Both sets of allowed hashes must hold: intersect per algorithm."""
    merged = dict(first)
    for algorithm, values in second.items():
        merged[algorithm] = (
            merged[algorithm] & values if algorithm in merged else values
        )
    return merged


@dataclass(frozen=True)
class ProviderOptions:
    """What the command asks of the provider (pip's install options that change
    the resolution). Every dataclass here has a docstring: without one, making the
    class computes its signature for one (inspect), at every start."""

    no_deps: bool = False
    ignore_installed: bool = False
    force_reinstall: bool = False
    upgrade: bool = False
    eager: bool = False  # --upgrade-strategy eager
    ignore_requires_python: bool = False
    #: Metadata of every resolved distribution, sdists' too under --no-deps (where
    #: nothing else needs it built): what --report shows, as pip's report does.
    full_metadata: bool = False


class Provider(AbstractProvider):  # type: ignore[type-arg]
    def __init__(
        self,
        finder: Finder,
        metadata: MetadataSource,
        environment: Environment,
        *,
        constraints: Mapping[str, Constraint],
        user_names: Iterable[str],
        options: ProviderOptions,
        on_collect: Callable[[Requirement, InstalledDist | None], None] | None = None,
        on_discard: Callable[[str, str, str, str], None] | None = None,
        on_unknown_extra: Callable[[str, str, str], None] | None = None,
        workers: int = 8,
    ) -> None:
        self._finder = finder
        self._metadata = metadata
        self._environment = environment
        self._constraints = constraints
        self._user_names = {canonicalize_name(name) for name in user_names}
        self._options = options
        self._on_collect = on_collect
        self._on_discard = on_discard
        self._discarded: set[str] = set()  # URLs of releases with invalid metadata
        self._on_unknown_extra = on_unknown_extra
        self._unknown_extras: set[tuple[str, str, str]] = set()  # warned once each
        self._installed: dict[NormalizedName, InstalledDist] = (
            {} if options.ignore_installed else environment.installed()
        )
        self._python = PythonCandidate(
            Version(".".join(map(str, environment.version_info)))
        )
        self._file_candidates: dict[str, FileCandidate] = {}
        self._lock = threading.Lock()
        self._meta_futures: dict[str, Future[Metadata]] = {}
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="inst-metadata")
        self._announced: set[str] = set()
        self._prefetched: set[str] = set()  # projects whose best release was asked

    @property
    def no_deps(self) -> bool:
        return self._options.no_deps

    @property
    def full_metadata(self) -> bool:
        return self._options.full_metadata

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def constraint(self, name: str) -> Constraint | None:
        """What -c files say about a project, if anything (for messages)."""
        return self._constraints.get(canonicalize_name(name))

    # -- resolvelib's questions ---------------------------------------------------------

    def identify(self, requirement_or_candidate: Requirement | Candidate) -> str:
        if isinstance(requirement_or_candidate, (PythonRequirement, PythonCandidate)):
            return PYTHON
        if isinstance(requirement_or_candidate, ExtrasCandidate):
            return _identifier(
                requirement_or_candidate.name, requirement_or_candidate.extras
            )
        if isinstance(requirement_or_candidate, (FileCandidate, InstalledCandidate)):
            return requirement_or_candidate.name
        return requirement_or_candidate.identifier

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Any]],
        backtrack_causes: Sequence[Any],
    ) -> Any:
        requirements = [info.requirement for info in information[identifier]]
        explicit = any(isinstance(r, ExplicitRequirement) for r in requirements)
        pinned = any(
            isinstance(r, SpecifierRequirement)
            and any(s.operator in ("==", "===") for s in r.specifier)
            for r in requirements
        )
        causes = {self.identify(cause.requirement) for cause in backtrack_causes}
        # Python first (it has one candidate), then what backtracking is about, then
        # direct and pinned requirements, then the rest in a stable order.
        return (
            identifier != PYTHON,
            identifier not in causes,
            not explicit,
            not pinned,
            identifier,
        )

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Requirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> list[Candidate] | Callable[[], Iterator[Candidate]]:
        wanted = list(requirements[identifier])
        bad = set(incompatibilities[identifier])
        if identifier == PYTHON:
            # Requires-Python that excludes the target leaves no candidate, so the
            # resolver backtracks (returning it anyway is an InconsistentCandidate).
            python = self._python
            if python in bad or not all(r.is_satisfied_by(python) for r in wanted):
                return []
            return [python]
        name = canonicalize_name(identifier.partition("[")[0])
        extras = _extras(identifier)
        bases = self._base_matches(name, wanted)
        # Said once per project: kept as installed when that is the first choice
        # (pip's "Requirement already satisfied"), else looked up ("Collecting").
        first = next(iter(bases), None) if self._on_collect else None
        kept = first.dist if isinstance(first, InstalledCandidate) else None
        for requirement in wanted:
            if requirement.name not in self._announced and self._on_collect:
                self._announced.add(requirement.name)
                self._on_collect(requirement, kept)

        # Made as the resolver asks for them: it tries the first few of what may be
        # thousands of releases (resolvelib calls this once, and remembers).
        def matches() -> Iterator[Candidate]:
            for base in bases:
                candidate: Candidate = ExtrasCandidate(base, extras) if extras else base
                if candidate in bad:
                    continue
                if all(r.is_satisfied_by(candidate) for r in wanted):
                    yield candidate

        return matches

    def _base_matches(
        self, name: NormalizedName, wanted: Sequence[Requirement]
    ) -> Iterable[BaseCandidate]:
        """The candidates of a project before the requirements' own checks, best
        first; iterable any number of times, index ones made only as reached."""
        constraint = self._constraints.get(name, Constraint())
        explicit = [r.candidate for r in wanted if isinstance(r, ExplicitRequirement)]
        if constraint.direct is not None:
            explicit.insert(0, self._constrained_candidate(constraint.direct))
        if explicit:
            first = explicit[0]
            if all(c == first for c in explicit) and constraint.specifier.contains(
                first.version, prereleases=True
            ):
                return [first]
            return []
        specifier = constraint.specifier
        hashes = dict(constraint.hashes)
        for requirement in wanted:
            if isinstance(requirement, SpecifierRequirement):
                specifier &= requirement.specifier
                hashes = merge_hashes(hashes, requirement.hashes)
        installed = self._installed_candidate(name, specifier)
        upgrading = self._options.upgrade and (
            self._options.eager or name in self._user_names
        )
        if installed is not None and not upgrading:
            index = self._index_candidates(name, specifier, hashes)
            return remembered(itertools.chain([installed], index))
        found = self._index_candidates(name, specifier, hashes)
        if installed is None:
            return found
        # Upgrading: the installed version competes at its own place, and wins a tie.
        ordered: list[BaseCandidate] = []
        placed = False
        for candidate in found:
            if not placed and candidate.version <= installed.version:
                ordered.append(installed)
                placed = True
            if candidate.version != installed.version:
                ordered.append(candidate)
        if not placed:
            ordered.append(installed)
        return ordered

    def _constrained_candidate(self, spec: RequirementSpec) -> FileCandidate:
        """The candidate a ``name @ URL`` constraint names (made once: the same
        URL gives the same candidate, so it equals a requirement's own)."""
        from inst.resolution.direct import spec_file

        if spec.path is not None and os.path.isdir(spec.path):
            return self.file_candidate(
                self.tree_file(spec.path), direct=True, spec=spec
            )
        return self.file_candidate(spec_file(spec), direct=True, spec=spec)

    def _installed_candidate(
        self, name: NormalizedName, specifier: SpecifierSet
    ) -> InstalledCandidate | None:
        if self._options.force_reinstall:
            return None
        dist = self._installed.get(name)
        if dist is None or not specifier.contains(dist.version, prereleases=True):
            return None
        return InstalledCandidate(dist)

    def _index_candidates(
        self,
        name: NormalizedName,
        specifier: SpecifierSet,
        hashes: Mapping[str, frozenset[str]],
    ) -> Iterable[FileCandidate]:
        # Asked now, so that a page that cannot be had fails here, not mid-iteration.
        releases = self._finder.iter_matching(name, specifier, hashes=hashes)
        return remembered(self.file_candidate(release.best) for release in releases)

    def file_candidate(
        self, file: DistFile | SourceTree, *, direct: bool = False, spec: Any = None
    ) -> FileCandidate:
        with self._lock:
            candidate = self._file_candidates.get(file.url)
            if candidate is None:
                candidate = FileCandidate(
                    file.project, file.version, file, direct=direct, spec=spec
                )
                self._file_candidates[file.url] = candidate
            return candidate

    def unnamed_archive_file(
        self,
        url: str,
        hashes: Mapping[str, str],
        suffix: str,
        allowed: Mapping[str, frozenset[str]],
    ) -> DistFile:
        """The DistFile of an sdist that must be built to know its name and version."""
        return self._metadata.for_unnamed_archive(url, hashes, suffix, allowed)

    def tree_file(self, tree: Path, spec: Any = None) -> SourceTree:
        """A local source tree, its metadata prepared by the build layer (which also
        tells its name and version)."""
        return self._metadata.for_tree(tree)

    def is_satisfied_by(self, requirement: Requirement, candidate: Candidate) -> bool:
        return requirement.is_satisfied_by(candidate)

    def get_dependencies(self, candidate: Candidate) -> list[Requirement]:
        if isinstance(candidate, PythonCandidate):
            return []
        if isinstance(candidate, ExtrasCandidate):
            base = candidate.base
            deps: list[Requirement] = [
                ExplicitRequirement(base, text=f"{base.name}=={base.version}")
            ]
            if not self._options.no_deps:
                deps += self._requirements_of(base, candidate.extras, parent=candidate)
                self._check_extras(base, candidate.extras)
            return deps
        if self._options.no_deps:
            return self._checked_only(candidate)
        return self._requirements_of(candidate, frozenset(), parent=candidate)

    def _check_extras(self, base: BaseCandidate, extras: frozenset[str]) -> None:
        """An extra the release does not declare brings nothing: a warning, as in
        pip and uv (said once per release and extra, backtracking or not)."""
        if isinstance(base, FileCandidate) and base.file.url in self._discarded:
            return  # its metadata is invalid: the discard said so
        provided = self.provided_extras(base)
        for extra in sorted(extras - (provided or frozenset())):
            key = (base.name, str(base.version), extra)
            if key in self._unknown_extras or self._on_unknown_extra is None:
                continue
            self._unknown_extras.add(key)
            self._on_unknown_extra(*key)

    def _checked_only(self, candidate: BaseCandidate) -> list[Requirement]:
        """--no-deps: no dependencies, but a release from an index whose metadata is
        invalid is still discarded (as pip), where reading it costs no build."""
        if (
            isinstance(candidate, FileCandidate)
            and not candidate.direct
            and isinstance(candidate.file, DistFile)
            and (candidate.file.is_wheel or self._options.full_metadata)
        ):
            try:
                self.metadata_of(candidate.file)
            except InvalidMetadata as exc:
                self._discard(candidate, exc)
                return [UnusableRelease(candidate.name, candidate, exc.paragraph())]
        return []

    def _requirements_of(
        self, base: BaseCandidate, extras: frozenset[str], parent: Candidate
    ) -> list[Requirement]:
        try:
            requires, requires_python = self._dependency_facts(base)
        except InvalidMetadata as exc:
            if not isinstance(base, FileCandidate) or base.direct:
                raise  # a file the user named: nothing else to choose
            self._discard(base, exc)
            return [UnusableRelease(base.name, parent, exc.paragraph())]
        result: list[Requirement] = []
        if requires_python and not self._options.ignore_requires_python:
            result.append(PythonRequirement(SpecifierSet(requires_python), parent))
        for requirement in requires:
            if extras:
                # Only what the extras add: the base candidate brings the rest.
                if requirement.marker is None or not self._environment.evaluate(
                    requirement.marker, extras
                ):
                    continue
                if self._environment.evaluate(requirement.marker, ()):
                    continue
            elif not self._environment.evaluate(requirement.marker, ()):
                continue
            result.append(self._dependency(requirement, parent))
        self._prefetch(result)
        return result

    def _discard(self, candidate: FileCandidate, error: InvalidMetadata) -> None:
        with self._lock:
            if candidate.file.url in self._discarded:
                return
            self._discarded.add(candidate.file.url)
        if self._on_discard is not None:  # name, version, file, why
            self._on_discard(
                candidate.name,
                str(candidate.version),
                file_label(candidate.file),
                error.paragraph(),
            )

    def _dependency(
        self, requirement: Pep508Requirement, parent: Candidate
    ) -> Requirement:
        name = canonicalize_name(requirement.name)
        extras = frozenset(canonicalize_name(e) for e in requirement.extras)
        if requirement.url:
            from inst.resolution.direct import direct_file

            file = direct_file(requirement.url, name)
            candidate = self.file_candidate(file, direct=True)
            text = requirement_text(requirement)
            return ExplicitRequirement(candidate, extras, text=text, parent=parent)
        return SpecifierRequirement(
            name, extras, requirement.specifier, "", parent, written=requirement
        )

    def _dependency_facts(
        self, candidate: BaseCandidate
    ) -> tuple[Sequence[Pep508Requirement], str | None]:
        if isinstance(candidate, InstalledCandidate):
            return candidate.dist.requires, candidate.dist.requires_python
        metadata = self.metadata_of(candidate.file)
        return metadata.requires_dist, metadata.requires_python

    # -- metadata, fetched once and prefetched in parallel ------------------------------

    def metadata_of(self, file: DistFile | SourceTree) -> Metadata:
        if isinstance(file, SourceTree):
            return self._metadata.of_tree(file)  # prepared when the tree was named
        return self._metadata_future(file).result()

    def provided_extras(self, candidate: BaseCandidate) -> frozenset[str] | None:
        """The extras a candidate declares (None when unknown without building)."""
        if isinstance(candidate, InstalledCandidate):
            provided = candidate.dist.headers.get_all("Provides-Extra") or ()
            return frozenset(canonicalize_name(e) for e in provided)
        return self.metadata_of(candidate.file).provides_extra

    def _metadata_future(self, file: DistFile) -> Future[Metadata]:
        """The metadata of a file, read once per run: by the first thread that asks
        (the resolver, or a prefetch already in a pool thread), whoever asks later
        waits for it. Read in the asking thread, not handed to the pool: the
        resolver waits for it anyway, and a backtracking resolve reads hundreds."""
        with self._lock:
            future = self._meta_futures.get(file.url)
            if future is not None:
                return future
            future = Future()
            self._meta_futures[file.url] = future
        # An sdist's metadata comes from a build, made in the asking thread: builds run
        # one at a time under the builder's reentrant lock, and a build may resolve its
        # own build requirements, which may need building in turn. Made in a pool
        # thread, that inner build would wait for the lock its own caller holds, and a
        # project needing itself to build would hang instead of being named a cycle.
        future.set_running_or_notify_cancel()
        try:
            future.set_result(self._metadata.for_file(file))
        except Exception as error:  # noqa: BLE001 - raised again by future.result()
            future.set_exception(error)
        except BaseException as error:  # Ctrl-C, SIGTERM: not an answer to keep
            with self._lock:
                self._meta_futures.pop(file.url, None)
            future.set_exception(error)  # any thread waiting on it stops too
            raise
        return future

    def _prefetch(self, requirements: Iterable[Requirement]) -> None:
        """Fetch the pages of new dependencies, and the metadata of the release each
        would most likely get, while the resolver works on something else.

        The best release is guessed once per project, from the first requirement
        on it: a backtracking resolve reads the dependencies of hundreds of
        releases (boto3's, each wanting another botocore), and most of them are
        rejected before any of those dependencies' metadata is needed.

        Not from indexes on disk: reading there costs the interpreter's time, which
        a thread does not overlap, and threads contending for it cost more (a fifth
        of a 106-distribution resolve)."""
        if self._finder.local:
            return
        names = [r.name for r in requirements if isinstance(r, SpecifierRequirement)]
        self._finder.prefetch(names)
        for requirement in requirements:
            if (
                isinstance(requirement, SpecifierRequirement)
                and requirement.name not in self._installed
                and requirement.name not in self._prefetched
            ):
                self._prefetched.add(requirement.name)
                self._pool.submit(self._prefetch_best, requirement)

    def _prefetch_best(self, requirement: SpecifierRequirement) -> None:
        try:
            releases = self._finder.iter_matching(
                requirement.name, requirement.specifier
            )
            best = next(iter(releases), None)
        except Exception:  # noqa: BLE001 - a prefetch; the real lookup reports errors
            return
        if best is not None and best.best.is_wheel:
            self._metadata_future(best.best)


def _identifier(name: str, extras: frozenset[str]) -> str:
    return f"{name}[{','.join(sorted(extras))}]" if extras else name


def _extras(identifier: str) -> frozenset[str]:
    _, bracket, rest = identifier.partition("[")
    if not bracket:
        return frozenset()
    return frozenset(part for part in rest.rstrip("]").split(",") if part)

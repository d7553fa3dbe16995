"""Resolve requirements into one consistent set of distributions, or explain why not."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, Union

from packaging.utils import NormalizedName, canonicalize_name

from inst._records import dataclass
from inst.errors import InstError
from inst.models import DistFile, SourceTree
from inst.resolution.candidates import (
    PYTHON,
    ExplicitRequirement,
    ExtrasCandidate,
    FileCandidate,
    InstalledCandidate,
    PythonCandidate,
    PythonRequirement,
    Requirement,
    SpecifierRequirement,
    UnusableRelease,
)
from inst.resolution.direct import spec_file, spec_url, unnamed_archive
from inst.resolution.provider import (
    Constraint,
    Provider,
    ProviderOptions,
    merge_hashes,
)
from inst.resolution.reporting import ResolveReporter
from inst.ui import redact

if TYPE_CHECKING:
    from inst.core_metadata import Metadata
    from inst.environment import Environment, InstalledDist
    from inst.index.finder import Finder
    from inst.requirements.specs import RequirementSpec
    from inst.resolution.metadata import MetadataSource

#: resolvelib counts a round per pin or backtrack; real resolutions take hundreds.
MAX_ROUNDS = 200_000

Chosen = Union[FileCandidate, InstalledCandidate]
#: What a resolved distribution is: a file to fetch, or a distribution kept as it is.
C = TypeVar("C", FileCandidate, InstalledCandidate)


class ResolutionError(InstError):
    """No consistent set of distributions satisfies the requirements."""


@dataclass(frozen=True)
class ResolvedDist(Generic[C]):
    """One distribution of the pinned set, and what the user asked of it."""

    candidate: C
    metadata: Metadata | None  # None for what is installed already
    requested: bool  # named by the user, not only a dependency
    requested_extras: frozenset[str]
    hashes: Mapping[str, frozenset[str]]  # what the user's --hash options allow

    @property
    def name(self) -> NormalizedName:
        return self.candidate.name


@dataclass(frozen=True)
class Resolution:
    """The pinned set, split by what each needs (each part in install order:
    dependencies before what depends on them)."""

    to_fetch: tuple[ResolvedDist[FileCandidate], ...]
    satisfied: tuple[ResolvedDist[InstalledCandidate], ...]
    environment: Environment

    @property
    def dists(
        self,
    ) -> tuple[ResolvedDist[FileCandidate] | ResolvedDist[InstalledCandidate], ...]:
        return (*self.to_fetch, *self.satisfied)


@dataclass(frozen=True)
class ResolveRequest:
    """What to resolve, and how."""

    requirements: Sequence[RequirementSpec]
    constraints: Sequence[RequirementSpec] = ()
    require_hashes: bool = False
    options: ProviderOptions = field(default_factory=ProviderOptions)
    max_rounds: int = MAX_ROUNDS
    quiet: bool = False  # no "Collecting" lines (build requirements)


def resolve(
    request: ResolveRequest,
    finder: Finder,
    metadata: MetadataSource,
    environment: Environment,
    reporter: ResolveReporter | None = None,
) -> Resolution:
    """The pinned set; reporter hears what happens on the way (by default nothing
    is said)."""
    reporter = reporter or ResolveReporter()
    require_hashes = request.require_hashes or any(
        spec.hashes for spec in request.requirements
    )
    provider = Provider(
        finder,
        metadata,
        environment,
        constraints=_constraints(request.constraints, environment),
        user_names=[s.name for s in request.requirements if s.name],
        options=request.options,
        on_collect=None if request.quiet else _collector(reporter),
        on_discard=reporter.discarded,
        on_unknown_extra=reporter.unknown_extra,
    )
    try:
        roots = _root_requirements(
            request.requirements, provider, environment, reporter
        )
        if require_hashes:
            _check_hash_mode(request.requirements)
        finder.prefetch(r.name for r in roots if isinstance(r, SpecifierRequirement))
        result = _run_resolvelib(provider, roots, request.max_rounds, finder, reporter)
        resolution = _resolution(result, roots, provider, environment, reporter)
        if not request.quiet:
            _tell_hidden(resolution, finder, reporter)
    finally:
        provider.close()
    if require_hashes:
        _check_all_hashed(resolution)
    return resolution


def _tell_hidden(
    resolution: Resolution, finder: Finder, reporter: ResolveReporter
) -> None:
    """--index-strategy first-index used one index for a project, and an index it
    left out has newer versions: said once per project (pip would have used them)."""
    names = [d.name for d in resolution.to_fetch if not d.candidate.direct]
    for used, elsewhere in finder.hidden_newer(names):
        reporter.hidden_by_index_strategy(
            elsewhere.name, str(used), str(elsewhere.versions[-1]), elsewhere.indexes
        )


def _collector(
    reporter: ResolveReporter,
) -> Callable[[Requirement, InstalledDist | None], None]:
    """What the provider calls when it first looks a requirement up (with the
    installed distribution it keeps, if that is its first choice)."""

    def collecting(requirement: Requirement, kept: InstalledDist | None) -> None:
        if isinstance(requirement, (PythonRequirement, UnusableRelease)):
            return
        if (
            isinstance(requirement, ExplicitRequirement)
            and isinstance(requirement.candidate, FileCandidate)
            and isinstance(requirement.candidate.file, SourceTree)
        ):
            return  # "processing" said it
        parent = getattr(requirement, "parent", None)
        asker = None if parent is None else (str(parent.name), str(parent.version))
        if kept is not None:
            reporter.already_satisfied(
                str(requirement), str(kept.location), asker, str(kept.version)
            )
        else:
            reporter.collecting(str(requirement), asker)

    return collecting


def _constraints(
    specs: Sequence[RequirementSpec], environment: Environment
) -> dict[str, Constraint]:
    constraints: dict[str, Constraint] = {}
    for spec in specs:
        if spec.name is None or not environment.evaluate(spec.marker):
            continue
        direct = spec if spec.url is not None or spec.path is not None else None
        new = Constraint(spec.specifier, dict(spec.hashes), (spec.origin,), direct)
        old = constraints.get(spec.name)
        if old is not None and _different_files(old.direct, direct):
            raise InstError(
                f"the constraints name two different files for {spec.name}: "
                f"{old.direct} ({'; '.join(old.origins)}) and {spec} ({spec.origin})",
                hint="keep one name @ URL constraint per project",
            )
        constraints[spec.name] = new if old is None else old & new
    return constraints


def _different_files(
    first: RequirementSpec | None, second: RequirementSpec | None
) -> bool:
    if first is None or second is None:
        return False
    return spec_url(first) != spec_url(second)


def _root_requirements(
    specs: Sequence[RequirementSpec],
    provider: Provider,
    environment: Environment,
    reporter: ResolveReporter,
) -> list[Requirement]:
    from inst.requirements.specs import SourceKind

    roots: list[Requirement] = []
    for spec in specs:
        if not environment.evaluate(spec.marker):
            reporter.ignoring(str(spec.name or spec), str(spec.marker))
            continue
        text = str(spec)
        if spec.kind is SourceKind.NAMED:
            assert spec.name is not None
            roots.append(
                SpecifierRequirement(
                    spec.name,
                    spec.extras,
                    spec.specifier,
                    text=text,
                    origin=spec.origin,
                    hashes=dict(spec.hashes),
                )
            )
            continue
        tree = _tree_path(spec)
        if tree is not None:
            reporter.processing(str(tree))  # metadata comes from a build
            source = provider.tree_file(tree, spec)
            candidate = provider.file_candidate(source, direct=True, spec=spec)
            roots.append(
                ExplicitRequirement(
                    candidate, spec.extras, text=text, origin=spec.origin
                )
            )
            continue
        if spec.editable:
            raise InstError(
                f"{spec} is an editable requirement ({spec.origin}), and only a local "
                "project directory can be installed in editable mode",
                hint="give the path of the project's directory after -e",
            )
        file = _unnamed_archive_file(spec, provider, reporter) or spec_file(spec)
        if file.is_wheel and environment.tag_rank(file.tags) is None:
            raise InstError(
                f"{file.filename} is not a supported wheel for the target "
                f"environment (Python {environment.markers['python_full_version']})",
                why="none of its tags fits the target interpreter and platform",
                hint="use a wheel built for this platform, or its source distribution",
            )
        candidate = provider.file_candidate(file, direct=True, spec=spec)
        roots.append(
            ExplicitRequirement(candidate, spec.extras, text=text, origin=spec.origin)
        )
    return roots


def _unnamed_archive_file(
    spec: RequirementSpec, provider: Provider, reporter: ResolveReporter
) -> DistFile | None:
    """The DistFile of an sdist whose file name does not say what it is, found out by
    building its metadata (``pip install .../archive/main.zip``); None for others."""
    url = spec_url(spec)
    unnamed = unnamed_archive(url)
    if unnamed is None:
        return None
    base, hashes, suffix = unnamed
    reporter.processing(str(spec.path) if spec.path is not None else redact(base))
    file = provider.unnamed_archive_file(base, hashes, suffix, dict(spec.hashes))
    if spec.name is not None and file.project != canonicalize_name(spec.name):
        raise InstError(
            f"{redact(base)} is a distribution of {file.project}, not of {spec.name}",
            hint="fix the name before the @, or the URL",
        )
    return file


def _tree_path(spec: RequirementSpec) -> Path | None:
    """The source tree a requirement names: a directory path, or a file: URL of one."""
    from inst.requirements.specs import SourceKind

    if spec.kind is SourceKind.DIRECTORY and spec.path is not None:
        return spec.path
    if spec.url is not None and spec.url.startswith("file:"):
        from inst.fileurls import path_from_file_url

        path = path_from_file_url(spec.url)
        if path.is_dir():
            return path
    return None


def _check_hash_mode(specs: Sequence[RequirementSpec]) -> None:
    unpinned = [
        f"{spec} ({spec.origin})"
        for spec in specs
        if spec.url is None and spec.path is None and spec.pinned_version() is None
    ]
    if unpinned:
        raise InstError(
            "in hash-checking mode every requirement must be pinned with ==, and these "
            f"are not: {'; '.join(unpinned)}",
            why="--require-hashes is on, or some requirement carries a --hash",
            hint="pin each one (name==version) with its --hash",
        )


def _check_all_hashed(resolution: Resolution) -> None:
    missing = [d for d in resolution.to_fetch if not d.hashes]
    if missing:
        lines = "; ".join(_hash_suggestion(d) for d in missing)
        raise InstError(
            "in hash-checking mode every distribution needs a --hash, dependencies "
            f"included, and these have none: {lines}",
            why="--require-hashes is on, or some requirement carries a --hash",
            hint="add the lines shown (checking the hashes yourself) to your "
            "requirements file",
        )


def _hash_suggestion(dist: ResolvedDist[FileCandidate]) -> str:
    candidate = dist.candidate
    file = candidate.file
    digest = None  # a source tree has no hash to check
    if isinstance(file, DistFile):
        digest = file.hashes.get("sha256") or _local_sha256(file.url)
    hashed = f" --hash=sha256:{digest}" if digest else ""
    if candidate.direct and candidate.spec is not None:
        # A path or URL requirement: pinning by name would fetch from an index.
        return f"{candidate.spec}{hashed}"
    return f"{candidate.name}=={candidate.version}{hashed}"


def _local_sha256(url: str) -> str | None:
    """The digest of a local file named directly (no index told its hash)."""
    if not url.startswith("file:"):
        return None
    from inst.fileurls import path_from_file_url
    from inst.hashing import file_sha256

    try:
        return file_sha256(path_from_file_url(url))
    except OSError:
        return None


def _run_resolvelib(
    provider: Provider,
    roots: list[Requirement],
    max_rounds: int,
    finder: Finder,
    reporter: ResolveReporter,
) -> Any:
    from resolvelib import ResolutionImpossible, ResolutionTooDeep, Resolver

    resolver: Resolver[Any, Any, Any] = Resolver(provider, reporter)
    try:
        return resolver.resolve(roots, max_rounds=max_rounds)
    except ResolutionImpossible as exc:
        raise _explain(exc.causes, finder, provider) from None
    except ResolutionTooDeep:
        raise ResolutionError(
            f"resolution gave up after {max_rounds} rounds",
            why="the requirements admit so many combinations that backtracking did not "
            "finish",
            hint="narrow the version ranges (for example pin the packages that "
            "backtracking swings between) or add a constraints file with -c",
        ) from None


def _explain(causes: Collection[Any], finder: Finder, provider: Provider) -> InstError:
    python = [c for c in causes if isinstance(c.requirement, PythonRequirement)]
    if python:
        info = python[0]
        target = provider.identify(info.parent) if info.parent else "a requirement"
        return ResolutionError(
            f"{info.parent} requires Python {info.requirement.specifier}, and the "
            f"target is Python {finder.environment.markers['python_full_version']}",
            why=f"no version of {target} that fits the other requirements supports "
            "this Python",
            hint="ask for an older version of it, or use a newer Python",
        )
    unusable = [c for c in causes if isinstance(c.requirement, UnusableRelease)]
    others = {c.requirement.name for c in causes} - {
        c.requirement.name for c in unusable
    }
    if unusable and not others:
        name = unusable[0].requirement.name
        asked = [
            f"{c.requirement} ({_who(c)})"
            for c in _unique(list(causes))
            if c.requirement.name == name
            and not isinstance(c.requirement, UnusableRelease)
        ]
        return ResolutionError(
            f"no usable version of {name} fits "
            + ("; ".join(asked) if asked else "the requirements"),
            why=f"the metadata of every version that fits is invalid; the last one: "
            f"{unusable[-1].requirement.reason}",
            hint="allow other versions of it, or report the broken releases to its "
            "maintainers",
        )
    # Broken releases met on the way are not what conflicts: the others are.
    by_name: dict[str, list[Any]] = {}
    for cause in causes:
        if not isinstance(cause.requirement, UnusableRelease):
            by_name.setdefault(cause.requirement.name, []).append(cause)
    for name, infos in by_name.items():
        for info in infos:
            requirement = info.requirement
            if isinstance(requirement, SpecifierRequirement) and not finder.matching(
                requirement.name, requirement.specifier
            ):
                return _no_match(requirement, info.parent, finder)
    parts = []
    for name, infos in by_name.items():
        asks = _summarised_asks(_unique(infos))
        constraint = provider.constraint(name)
        if constraint is not None:
            # Constraints narrow the candidates without being requirements, so
            # resolvelib never names them as a cause.
            asks.append(
                f"{name}{constraint.specifier} (constraint: "
                f"{'; '.join(constraint.origins)})"
            )
        parts.append(f"{name}: {'; '.join(asks)}")
    names = ", ".join(by_name)
    return ResolutionError(
        f"cannot find versions of {names} that satisfy every requirement",
        why="these requirements conflict: " + " | ".join(parts),
        hint="loosen one of the conflicting requirements, or pick other versions of "
        "the packages that ask for them",
    )


#: How many versions of one parent project are named before the rest is summarised.
_ASKS_SHOWN = 3


def _summarised_asks(infos: list[Any]) -> list[str]:
    """What each cause asks, with the versions of one parent project past the first
    few folded into one entry: backtracking through hundreds of releases (boto3 asking
    for botocore) would otherwise name every one."""
    asks: list[str] = []
    folded: dict[str, list[Any]] = {}
    for info in infos:
        parent = info.parent
        if parent is not None and not isinstance(parent, ExtrasCandidate):
            same = folded.setdefault(str(parent.name), [])
            same.append(info)
            if len(same) > _ASKS_SHOWN:
                continue
        asks.append(f"{info.requirement} ({_who(info)})")
    for project, same in folded.items():
        rest = same[_ASKS_SHOWN:]
        if rest:
            asks.append(
                f"and what {len(rest)} other versions of {project} ask for "
                f"({rest[0].parent.version} to {rest[-1].parent.version})"
            )
    return asks


def _unique(infos: list[Any]) -> list[Any]:
    seen: set[str] = set()
    kept = []
    for info in infos:
        key = f"{info.requirement} {_who(info)}"
        if key not in seen:
            seen.add(key)
            kept.append(info)
    return kept


def _who(info: Any) -> str:
    parent = info.parent
    if parent is None:
        origin = getattr(info.requirement, "origin", "") or "the command line"
        return f"asked for on {origin}" if origin == "the command line" else origin
    if isinstance(parent, ExtrasCandidate):
        return f"required by {parent}"
    return f"required by {parent.name} {parent.version}"


def _no_match(
    requirement: SpecifierRequirement, parent: Any, finder: Finder
) -> ResolutionError:
    found = finder.find(requirement.name)
    asked = f" (required by {parent.name} {parent.version})" if parent else ""
    what = f"no matching distribution found for {requirement}{asked}"
    versions = found.versions()
    if not found.releases and not found.skipped:
        where = ", ".join(finder.searched()) or "none: --no-index and no --find-links"
        return ResolutionError(
            what,
            why=f"no index or find-links location has a project named "
            f"{requirement.name}",
            hint=f"check the spelling, and the indexes searched ({where}); "
            "--index-url and --find-links change them",
        )
    reasons = []
    if versions:
        reasons.append(_available(versions))
    if any("requires Python" in s.reason for s in found.skipped):
        python = finder.environment.markers["python_full_version"]
        reasons.append(f"the target is Python {python}")
    if found.skipped:
        sample = "; ".join(f"{s.file.filename}: {s.reason}" for s in found.skipped[:3])
        more = len(found.skipped) - 3
        extra = f" (and {more} more)" if more > 0 else ""
        reasons.append(f"files left out: {sample}{extra}")
    elsewhere = finder.elsewhere(requirement.name, requirement.specifier)
    if elsewhere is not None:
        reasons.append(
            f"{', '.join(elsewhere.indexes)} has matching versions "
            f"({', '.join(str(v) for v in elsewhere.versions[-5:])}), which "
            "--index-strategy first-index left out because an index asked before it "
            f"has {requirement.name}; --index-strategy best-match uses every index"
        )
    yanked_only = [
        r.version
        for r in found.releases
        if r.yanked and requirement.specifier.contains(r.version, True)
    ]
    if yanked_only:
        reasons.append(
            "yanked versions in range: " + ", ".join(str(v) for v in yanked_only)
        )
    hint = (
        "change the version range, or the options that left files out "
        "(--pre, --only-binary, --no-binary, --python)"
    )
    if elsewhere is not None:
        hint = "add --index-strategy best-match, or " + hint
    return ResolutionError(what, why="; ".join(reasons), hint=hint)


#: How many versions "the versions available are ..." names before it summarises.
_LISTED_VERSIONS = 8


def _available(versions: Sequence[Any]) -> str:
    """All the versions when they are few; else how many, their range and the newest
    (botocore has over a thousand)."""
    if len(versions) <= _LISTED_VERSIONS:
        return "the versions available are " + ", ".join(str(v) for v in versions)
    newest = ", ".join(str(v) for v in reversed(versions[-5:]))
    return (
        f"{len(versions)} versions are available, from {versions[0]} to "
        f"{versions[-1]}; the newest are {newest}"
    )


def _resolution(
    result: Any,
    roots: Sequence[Requirement],
    provider: Provider,
    environment: Environment,
    reporter: ResolveReporter,
) -> Resolution:
    mapping: dict[str, Any] = dict(result.mapping)
    requested: dict[NormalizedName, frozenset[str]] = {}
    user_hashes: dict[NormalizedName, dict[str, frozenset[str]]] = {}
    for root in roots:
        name = canonicalize_name(root.name)
        extras = root.extras if hasattr(root, "extras") else frozenset()
        requested[name] = requested.get(name, frozenset()) | extras
        hashes = getattr(root, "hashes", None)
        if hashes:
            user_hashes[name] = merge_hashes(user_hashes.get(name, {}), hashes)
        if (
            isinstance(root, ExplicitRequirement)
            and isinstance(root.candidate, FileCandidate)
            and root.candidate.spec is not None
        ):
            spec_hashes = dict(root.candidate.spec.hashes)
            if spec_hashes:
                user_hashes[name] = merge_hashes(user_hashes.get(name, {}), spec_hashes)
    order = _dependency_order(result)
    to_fetch: list[ResolvedDist[FileCandidate]] = []
    satisfied: list[ResolvedDist[InstalledCandidate]] = []
    for key in order:
        candidate = mapping[key]
        if isinstance(candidate, (ExtrasCandidate, PythonCandidate)):
            continue
        metadata = None
        if isinstance(candidate, FileCandidate):
            file = candidate.file
            wheel = isinstance(file, DistFile) and file.is_wheel
            # With --no-deps an sdist's metadata would need a build nothing else needs
            # (but a report shows it).
            if wheel or not provider.no_deps or provider.full_metadata:
                metadata = provider.metadata_of(file)
            if isinstance(file, DistFile) and file.yanked is not None:
                reporter.yanked_pick(file.filename, file.yanked or None)
        resolved = (
            metadata,
            candidate.name in requested,
            requested.get(candidate.name, frozenset()),
            user_hashes.get(candidate.name, {}),
        )
        if isinstance(candidate, FileCandidate):
            to_fetch.append(ResolvedDist(candidate, *resolved))
        else:
            satisfied.append(ResolvedDist(candidate, *resolved))
    return Resolution(tuple(to_fetch), tuple(satisfied), environment)


def _dependency_order(result: Any) -> list[str]:
    """Identifiers with dependencies first (a depth-first walk of resolvelib's graph)."""
    graph = result.graph
    order: list[str] = []
    seen: set[str] = set()

    def visit(key: str) -> None:
        if key in seen:
            return
        seen.add(key)
        for child in sorted(graph.iter_children(key), key=str):
            visit(child)
        order.append(key)

    for key in sorted(k for k in graph if k is not None):
        visit(key)
    return [key for key in order if key != PYTHON and key in result.mapping]

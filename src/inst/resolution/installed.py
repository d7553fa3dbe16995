"""Questions answered from the installed distributions alone, without an index.

``satisfied_by_installed`` lets ``inst install`` finish at once, with no network at
all, when what is asked for is installed already (the common case of re-running an
install in CI). ``broken_requirements`` finds, after an install, the installed
distributions whose requirements the change broke.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from inst._records import dataclass
from inst.environment import Environment, InstalledDist
from inst.requirements.specs import RequirementSpec, SourceKind


def satisfied_by_installed(
    requirements: Sequence[RequirementSpec],
    constraints: Sequence[RequirementSpec],
    environment: Environment,
    *,
    no_deps: bool = False,
) -> list[InstalledDist] | None:
    """The installed distributions that satisfy every requirement and, unless no_deps,
    all their dependencies, in the order met; None when anything is missing, of the
    wrong version, or not a named requirement or a local wheel (a URL, an sdist, a
    directory, an editable)."""
    pending: list[tuple[NormalizedName, SpecifierSet, frozenset[str]]] = []
    for spec in requirements:
        if spec.editable or spec.name is None:
            return None
        if not environment.evaluate(spec.marker):
            continue
        if spec.kind is SourceKind.NAMED:
            pending.append((spec.name, spec.specifier, spec.extras))
        elif spec.kind is SourceKind.WHEEL_FILE and spec.pinned_version() is not None:
            # As pip: a local wheel of the installed version is installed already.
            pinned = SpecifierSet(f"=={spec.pinned_version()}")
            pending.append((spec.name, pinned, spec.extras))
        else:
            return None  # a URL, an sdist, a directory: the resolver decides
    limits: dict[NormalizedName, SpecifierSet] = {}
    for spec in constraints:
        if spec.kind is not SourceKind.NAMED or spec.name is None:
            return None
        if environment.evaluate(spec.marker):
            limits[spec.name] = limits.get(spec.name, SpecifierSet()) & spec.specifier
    installed = environment.installed()
    found: dict[NormalizedName, InstalledDist] = {}
    seen: set[tuple[NormalizedName, frozenset[str]]] = set()
    while pending:
        name, specifier, extras = pending.pop(0)
        dist = installed.get(name)
        if dist is None:
            return None
        allowed = specifier & limits.get(name, SpecifierSet())
        if not allowed.contains(dist.version, prereleases=True):
            return None
        found.setdefault(name, dist)
        if no_deps or (name, extras) in seen:
            continue
        seen.add((name, extras))
        if extras and not extras <= _provided_extras(dist):
            return None  # let the resolver explain the unknown extra
        for requirement in dist.requires:
            if environment.evaluate(requirement.marker, extras):
                pending.append(
                    (
                        canonicalize_name(requirement.name),
                        requirement.specifier,
                        frozenset(canonicalize_name(e) for e in requirement.extras),
                    )
                )
    return list(found.values())


@dataclass(frozen=True)
class Unmet:
    """A requirement of an installed distribution that is not met: ``have`` is the
    installed distribution of the wrong version, None when none is installed."""

    dist: InstalledDist
    requirement: Requirement
    have: InstalledDist | None


def unmet_requirements(
    environment: Environment, changed: Iterable[NormalizedName] | None = None
) -> list[Unmet]:
    """The requirements of installed distributions that are not met (markers evaluated
    for the target, no extras: as pip), by distribution name; with ``changed``, only
    among the distributions that changed and those that depend on them."""
    only = None if changed is None else set(changed)
    installed = environment.installed()
    problems: list[Unmet] = []
    for dist in sorted(installed.values(), key=lambda d: d.name):
        for requirement in dist.requires:
            name = canonicalize_name(requirement.name)
            if only is not None and dist.name not in only and name not in only:
                continue
            if not environment.evaluate(requirement.marker):
                continue
            have = installed.get(name)
            if have is None or not requirement.specifier.contains(
                have.version, prereleases=True
            ):
                problems.append(Unmet(dist, requirement, have))
    return problems


def broken_requirements(
    environment: Environment, changed: Iterable[NormalizedName]
) -> list[str]:
    """One line per requirement of an installed distribution that is not met, among
    the distributions that changed and those that depend on them."""
    problems: list[str] = []
    for unmet in unmet_requirements(environment, changed):
        dist, have = unmet.dist, unmet.have
        wanted = _describe(unmet.requirement)
        if have is None:
            problems.append(
                f"{dist.display_name} {dist.version} requires {wanted}, which is "
                "not installed"
            )
        else:
            problems.append(
                f"{dist.display_name} {dist.version} requires {wanted}, but "
                f"{have.display_name} {have.version} is installed"
            )
    return problems


def _describe(requirement: Requirement) -> str:
    return f"{requirement.name}{requirement.specifier}"


def _provided_extras(dist: InstalledDist) -> set[str]:
    return {
        canonicalize_name(str(extra))
        for extra in dist.headers.get_all("Provides-Extra") or []
    }

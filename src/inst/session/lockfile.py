"""``inst lock`` below the CLI: resolve the inputs once per target and gather, for
each locked package, every file of its version that fits a target, with URL, size
and sha256 (from the index page when it gives them, else downloaded, through the
cache, and hashed).

A target is the environment inst runs for (``--python``), or one of those that
``--python-version``/``--implementation``/``--platform`` lists describe (every
combination of the values given). ``--abi`` values apply to every target.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from inst._records import dataclass
from inst.errors import InstError
from inst.models import DistFile, SourceTree
from inst.pylock.write import (
    BASE,
    TARGET_VARIABLES,
    LockedFile,
    LockedPackage,
    Need,
    TargetLock,
)

if TYPE_CHECKING:
    from inst.environment import Environment
    from inst.index.finder import Finder
    from inst.requirements.inputs import Inputs
    from inst.requirements.specs import RequirementSpec
    from inst.resolution.candidates import FileCandidate
    from inst.resolution.resolver import Resolution, ResolvedDist
    from inst.session.core import Session
    from inst.session.reporting import Reporters
    from inst.settings.resolve import Settings


@dataclass(frozen=True)
class LockTarget:
    """One environment the lock is made for."""

    label: str  # what stderr calls it: "CPython 3.12 on linux x86_64"
    environment: Environment
    markers: Mapping[str, str]  # the values naming it in `environments`


@dataclass
class LockRequest:
    """What to lock: the inputs, and why each root requirement is there."""

    inputs: Inputs
    needs: list[tuple[RequirementSpec, Need]] = field(default_factory=list)
    lock_dir: Path = field(default_factory=Path.cwd)


def lock_targets(settings: Settings, environment: Environment) -> list[LockTarget]:
    """The targets the settings name; the environment itself when none is named."""
    versions: Sequence[str | None] = settings.python_version or [None]
    implementations: Sequence[str | None] = settings.implementation or [None]
    platforms: Sequence[str | None] = settings.platform or [None]
    abis = list(settings.abi)
    targets: list[LockTarget] = []
    seen: set[tuple[tuple[str, str], ...]] = set()
    for version, implementation, platform in itertools.product(
        dict.fromkeys(versions),
        dict.fromkeys(implementations),
        dict.fromkeys(platforms),
    ):
        described = environment.described(
            platforms=[platform] if platform else [],
            python_version=version,
            implementation=implementation,
            abis=abis,
        )
        markers = _target_markers(described, platform)
        key = (*sorted(markers.items()), ("tags", platform or ""))
        if key in seen:
            continue
        seen.add(key)
        targets.append(LockTarget(_label(markers, platform), described, markers))
    return targets


def _target_markers(environment: Environment, platform: str | None) -> dict[str, str]:
    from inst.environment.platform import platform_markers

    markers = {
        v: environment.markers[v] for v in TARGET_VARIABLES if v in environment.markers
    }
    if platform:
        implied = platform_markers(platform)
        # What the tag does not say is not known: the lock does not guess it from the
        # machine running inst.
        for variable in ("sys_platform", "platform_machine"):
            if variable not in implied:
                markers.pop(variable, None)
    return markers


def _label(markers: Mapping[str, str], platform: str | None) -> str:
    implementation = {"cpython": "CPython", "pypy": "PyPy"}.get(
        markers.get("implementation_name", ""), markers.get("implementation_name", "")
    )
    where = platform or " ".join(
        markers[v] for v in ("sys_platform", "platform_machine") if v in markers
    )
    return f"{implementation} {markers.get('python_version', '')} on {where}".strip()


def lock_target(
    settings: Settings,
    request: LockRequest,
    target: LockTarget,
    reporters: Reporters,
    notes: list[str],
) -> TargetLock:
    """Resolve the request for one target and lock what it resolved to; what the
    caller should tell the user goes into ``notes``."""
    from inst.resolution.provider import ProviderOptions
    from inst.session.core import open_session

    options = ProviderOptions(
        no_deps=settings.no_deps,
        ignore_installed=True,  # a lock is of what the requirements need, not what is here
        ignore_requires_python=settings.ignore_requires_python,
    )
    inputs = request.inputs
    try:
        with open_session(settings, inputs, target.environment, reporters) as session:
            resolution = session.resolve(inputs, options)
            needs = _needs(resolution, request.needs, target.environment)
            packages = _locked(session, session.finder, resolution, request.lock_dir)
            packages = _with_builds(settings, session, packages, resolution, notes)
    except InstError as error:
        raise error.within(f"cannot lock for {target.label}") from None
    return TargetLock(
        target.label,
        target.markers,
        [(package, needs.get(package.name, frozenset({BASE}))) for package in packages],
    )


def _needs(
    resolution: Resolution,
    roots: Sequence[tuple[RequirementSpec, Need]],
    environment: Environment,
) -> dict[NormalizedName, frozenset[Need]]:
    """For each resolved project, the needs (base, groups, extras) whose requirements
    reach it through the resolved dependencies."""
    dists = {dist.name: dist for dist in resolution.to_fetch}
    by_spec = {
        id(dist.candidate.spec): dist.name
        for dist in resolution.to_fetch
        if dist.candidate.spec is not None
    }
    found: dict[NormalizedName, set[Need]] = {}
    for spec, need in roots:
        if not environment.evaluate(spec.marker):
            continue
        name = spec.name or by_spec.get(id(spec))
        if name is None:
            continue
        seen: set[tuple[str, frozenset[str]]] = set()
        stack = [(canonicalize_name(name), frozenset(spec.extras))]
        while stack:
            project, extras = stack.pop()
            if (project, extras) in seen:
                continue
            seen.add((project, extras))
            found.setdefault(project, set()).add(need)
            dist = dists.get(project)
            if dist is None or dist.metadata is None:
                continue
            for requirement in dist.metadata.requires_dist:
                if environment.evaluate(requirement.marker, extras):
                    stack.append(
                        (
                            canonicalize_name(requirement.name),
                            frozenset(map(canonicalize_name, requirement.extras)),
                        )
                    )
    return {name: frozenset(needs) for name, needs in found.items()}


def _locked(
    session: Session, finder: Finder, resolution: Resolution, lock_dir: Path
) -> list[LockedPackage]:
    """The locked package of every resolved distribution, its files (as ``finder``
    sees them) hashed."""
    indexes = set(finder.index_roots())
    chosen: list[tuple[ResolvedDist[FileCandidate], list[DistFile]]] = []
    for dist in resolution.to_fetch:
        file = dist.candidate.file
        if isinstance(file, SourceTree):
            chosen.append((dist, []))
        elif dist.candidate.direct:
            chosen.append((dist, [file]))
        else:
            chosen.append((dist, _release_files(finder, dist.name, file)))
    digests = _digests(session, [f for _, files in chosen for f in files])
    packages = []
    for dist, files in chosen:
        candidate = dist.candidate
        requires_python = (
            dist.metadata.requires_python if dist.metadata is not None else None
        )
        if isinstance(candidate.file, SourceTree):
            spec = candidate.spec
            packages.append(
                LockedPackage(
                    name=dist.name,
                    version=candidate.version,
                    requires_python=requires_python,
                    directory=(
                        _relative(candidate.file.path, lock_dir),
                        bool(spec is not None and spec.editable),
                    ),
                )
            )
            continue
        locked = [
            LockedFile(f.filename, _public(f.url), *digests[f.url]) for f in files
        ]
        if candidate.direct:
            packages.append(
                LockedPackage(
                    name=dist.name,
                    version=candidate.version,
                    requires_python=requires_python,
                    archive=locked[0],
                )
            )
            continue
        source = candidate.file.source
        packages.append(
            LockedPackage(
                name=dist.name,
                version=candidate.version,
                index=_public(source) if source in indexes else None,
                requires_python=requires_python or candidate.file.requires_python,
                wheels=tuple(
                    sorted(
                        (f for f in locked if f.name.endswith(".whl")),
                        key=lambda f: f.name,
                    )
                ),
                sdist=next((f for f in locked if not f.name.endswith(".whl")), None),
            )
        )
    return packages


def _release_files(finder: Finder, name: str, chosen: DistFile) -> list[DistFile]:
    """The files of the chosen version that fit the target (the finder's policy and
    tags applied): every wheel, and the best sdist; yanked ones only when the chosen
    file is."""
    found = finder.find(name)
    files: list[DistFile] = [chosen]
    for release in found.releases:
        if release.version == chosen.version:
            files = list(release.files)
            break
    if chosen.yanked is None:
        files = [f for f in files if f.yanked is None] or [chosen]
    wheels = [f for f in files if f.is_wheel]
    sdists = [f for f in files if not f.is_wheel]
    return wheels + sdists[:1]  # best first: the .tar.gz before a .zip


def _with_builds(
    settings: Settings,
    session: Session,
    packages: list[LockedPackage],
    resolution: Resolution,
    notes: list[str],
) -> list[LockedPackage]:
    """Each package with an sdist, with the build interface inst's policy chooses for
    it and its build requirements locked as wheels (for this target)."""
    import dataclasses

    from inst.index.finder import ALL, BinaryPolicy

    if not any(package.sdist is not None for package in packages):
        return packages
    sdists = {
        dist.name: file
        for dist in resolution.to_fetch
        for file in [dist.candidate.file]
        if isinstance(file, DistFile)
    }
    # Build requirements are locked as wheels only: a build environment built from
    # sdists would need builds of its own, which no lock can pin down.
    policy = dataclasses.replace(
        session.finder.policy, binary=BinaryPolicy.from_lists([ALL], [])
    )
    wheels_only = session.finder.with_policy(policy)
    try:
        result = []
        for package in packages:
            if package.sdist is None:
                result.append(package)
                continue
            file = sdists.get(package.name)
            sdist = file if file is not None and not file.is_wheel else None
            result.append(
                _with_build(settings, session, wheels_only, package, sdist, notes)
            )
        return result
    finally:
        wheels_only.close()


def _with_build(
    settings: Settings,
    session: Session,
    finder: Finder,
    package: LockedPackage,
    chosen: DistFile | None,
    notes: list[str],
) -> LockedPackage:
    import dataclasses

    from inst.build.project import setup_cfg_requires
    from inst.build.sources import unpack_sdist
    from inst.download import DownloadRequest
    from inst.requirements.specs import parse_requirement
    from inst.resolution.provider import ProviderOptions
    from inst.resolution.resolver import ResolveRequest, resolve

    assert package.sdist is not None
    label = f"{package.name} {package.version}"
    file = chosen or DistFile(package.sdist.name, package.sdist.url)
    try:
        done = session.downloader.fetch(
            DownloadRequest(file, hashes={"sha256": frozenset({package.sdist.sha256})})
        )
        where = session.work_dir / "lock-sdists" / f"{package.name}-{package.version}"
        tree = unpack_sdist(done.path, where)
        # The session's builder applies the user's --build-interface rules and
        # plug-ins, as a build from the lock would.
        selection = session.builder.selection(tree)
        interface = selection.interface
        requirements = list(interface.static_requirements())
        if interface.backend.startswith("setuptools"):
            requirements += setup_cfg_requires(tree)
        origin = f"the build requirements of {label}"
        specs = [parse_requirement(text, origin=origin) for text in requirements]
        resolution = resolve(
            ResolveRequest(
                specs, options=ProviderOptions(ignore_installed=True), quiet=True
            ),
            finder,
            session.metadata,
            session.environment,
        )
        builds = _locked(session, finder, resolution, Path.cwd())
    except InstError as error:
        notes.append(
            f"the build environment of {label} is not locked ({error.message}); "
            "an install from the lock builds it as inst always does"
        )
        return package
    name = "pyproject" if interface.name == "pyproject.toml" else interface.name
    return dataclasses.replace(
        package, build_interface=name, build_packages=tuple(builds)
    )


def _digests(session: Session, files: Sequence[DistFile]) -> dict[str, tuple[int, str]]:
    """(size, sha256) of each file: the index's when it gives both, else the file's
    own, downloaded through the cache."""
    from inst.download import DownloadRequest

    result: dict[str, tuple[int, str]] = {}
    missing: dict[str, DistFile] = {}
    for file in files:
        sha256 = file.hashes.get("sha256")
        if sha256 and file.size is not None:
            result[file.url] = (file.size, sha256)
        else:
            missing[file.url] = file
    if missing:
        requests = [DownloadRequest(file) for file in missing.values()]
        for done in session.downloader.fetch_all(requests):
            try:
                size = done.path.stat().st_size
            except OSError as error:
                from inst import fileio

                raise fileio.os_error(error, f"cannot read {done.path}") from None
            result[done.file.url] = (size, done.sha256)
    return result


def _public(url: str) -> str:
    """A URL as a lock file may hold it: no user name, password or token (the
    installer brings its own credentials, as it does for the index)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=host))


def _relative(path: Path, lock_dir: Path) -> str:
    """A directory's path as PEP 751 wants it: relative to the lock file when it can
    be, with forward slashes."""
    try:
        text = os.path.relpath(path, lock_dir)
    except ValueError:  # another drive (Windows)
        return path.as_posix()
    return Path(text).as_posix()

"""Installing a PEP 751 lock below the CLI (``inst install -r pylock.toml`` and
``inst sync pylock.toml``): exactly the locked packages selected for the target, no
resolver run, every file hash-checked against the lock, in one transaction.

``sync`` also removes what the target holds that the lock does not, in the same
transaction, except pip (unless ``--remove-pip``) and, when the target is the
environment inst itself runs from, inst and what inst needs to run (skipped with a
note: removing them would break the tool doing the removing).

Packages installed at their locked version are left alone. An sdist whose lock entry
carries inst's ``[packages.tool.inst]`` is built in an environment of exactly its
locked build wheels (``LockedBuilds``, read by the session's provisioner).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from inst._records import dataclass
from inst.errors import InstError

if TYPE_CHECKING:
    from packaging.utils import NormalizedName
    from packaging.version import Version

    from inst.environment import Environment, InstalledDist
    from inst.install.target import InstallTarget
    from inst.install.uninstall import RemovalPlan
    from inst.prepare import PreparedWheel
    from inst.pylock.read import Lock, LockedPackage
    from inst.resolution.candidates import FileCandidate
    from inst.resolution.resolver import ResolvedDist
    from inst.session.core import Session
    from inst.session.reporting import Reporters
    from inst.settings.resolve import Settings
    from inst.wheel.manifest import WheelManifest


@dataclass(frozen=True)
class Change:
    """One locked package and what the target has of it now (None: nothing)."""

    package: LockedPackage
    installed: InstalledDist | None

    @property
    def kind(self) -> str:
        """ "install", "upgrade", "downgrade" or "reinstall"."""
        if self.installed is None:
            return "install"
        version = self.package.version
        if version is None or version == self.installed.version:
            return "reinstall"
        return "upgrade" if version > self.installed.version else "downgrade"


@dataclass
class SyncPlan:
    """What installing the lock changes in the target."""

    lock: Lock
    target: InstallTarget
    exact: bool  # sync: what the lock does not hold goes
    changes: list[Change] = field(default_factory=list)
    kept: list[InstalledDist] = field(default_factory=list)  # at the locked version
    packages_kept: list[LockedPackage] = field(default_factory=list)  # their entries
    removals: list[InstalledDist] = field(default_factory=list)  # sync only
    protected: list[tuple[InstalledDist, str]] = field(default_factory=list)  # why


@dataclass
class SyncResult:
    """What a sync did, or (--dry-run) would do."""

    plan: SyncPlan
    installed: Sequence[WheelManifest] = ()
    removed: Sequence[RemovalPlan] = ()


def plan_lock(
    settings: Settings,
    lock_path: str,
    environment: Environment,
    *,
    remove_extraneous: bool,
) -> SyncPlan:
    """Read the lock, select its packages for the target and compare with what the
    target holds (no network)."""
    from inst.pylock.read import Selection, read_lock, select_packages
    from inst.session.targets import chosen_install_target

    lock = read_lock(lock_path)
    target = chosen_install_target(settings, environment)
    selection = Selection(
        environment.markers,
        environment.tags,
        extras=settings.extra,
        groups=settings.group or None,
    )
    packages = select_packages(lock, selection)
    _check_binary_policy(settings, lock_path, packages)
    return _compare(lock, target, packages, environment, settings, remove_extraneous)


def _check_binary_policy(
    settings: Settings, lock_path: str, packages: list[LockedPackage]
) -> None:
    """--only-binary forbids building a locked sdist, as pip refuses such a lock;
    --no-binary cannot swap a locked wheel for a build, so it is refused too."""
    from inst.index.finder import BinaryPolicy

    policy = BinaryPolicy.from_lists(settings.only_binary, settings.no_binary)
    sdists = [
        p.label
        for p in packages
        if p.file is not None
        and not p.file.is_wheel
        and not policy.allows_sdist(p.name)
    ]
    if sdists:
        raise InstError(
            f"{lock_path} installs {', '.join(sdists)} from an sdist, which "
            "--only-binary forbids",
            why="the lock holds no wheel of that version for this target, and an sdist "
            "would run its build code",
            hint="drop --only-binary for these projects, or lock versions that have "
            "wheels for this target",
        )
    wheels = [
        p.label
        for p in packages
        if p.file is not None and p.file.is_wheel and not policy.allows_wheel(p.name)
    ]
    if wheels:
        raise InstError(
            f"{lock_path} installs {', '.join(wheels)} from a wheel, which --no-binary "
            "forbids",
            why="a lock installs the files it locks; inst does not swap them for builds",
            hint="drop --no-binary for these projects, or lock them without their "
            "wheels",
        )


def _compare(
    lock: Lock,
    target: InstallTarget,
    packages: Sequence[LockedPackage],
    environment: Environment,
    settings: Settings,
    remove_extraneous: bool,
) -> SyncPlan:
    installed = target.installed()
    plan = SyncPlan(lock, target, exact=remove_extraneous)
    for package in packages:
        old = installed.get(package.name)
        fresh = settings.force_reinstall or package.tree is not None
        if old is not None and old.version == package.version and not fresh:
            plan.kept.append(old)
            plan.packages_kept.append(package)
        else:
            plan.changes.append(Change(package, old))
    if not remove_extraneous:
        return plan
    locked = {package.name for package in packages}
    needed = _needed_by_inst(environment, target)
    for name, dist in sorted(installed.items()):
        if name in locked:
            continue
        if name == "pip" and not settings.remove_pip:
            plan.protected.append((dist, "pip stays unless --remove-pip"))
        elif name in needed:
            plan.protected.append(
                (dist, "inst runs from this environment and needs it")
            )
        else:
            plan.removals.append(dist)
    return plan


def _needed_by_inst(
    environment: Environment, target: InstallTarget
) -> frozenset[NormalizedName]:
    """inst and everything it requires, when the target is the environment inst runs
    from (removing them would break the tool doing the removal); else nothing."""
    if target.kind != "environment":
        return frozenset()
    here = os.path.realpath(sys.prefix)
    if os.path.realpath(str(environment.interpreter.prefix)) != here:
        return frozenset()
    from packaging.utils import canonicalize_name

    installed = environment.installed()
    markers = dict(environment.markers)
    needed: set[NormalizedName] = set()
    todo = [canonicalize_name("inst")]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        dist = installed.get(name)
        if dist is None:
            continue
        for requirement in dist.requires:
            if requirement.marker is None or requirement.marker.evaluate(
                {**markers, "extra": ""}
            ):
                todo.append(canonicalize_name(requirement.name))
    return frozenset(needed)


def install_lock(
    settings: Settings,
    lock_path: str,
    environment: Environment,
    reporters: Reporters,
    *,
    remove_extraneous: bool,
) -> SyncResult:
    """Install the lock into the target the settings name (``remove_extraneous``:
    sync, which also removes what the lock does not hold), in one transaction:
    every file is fetched and checked before anything changes."""
    from inst.install.installation import install_wheels
    from inst.install.uninstall import plan_for_target
    from inst.install.unpacked import UnpackedWheels
    from inst.requirements.files import FileOptions
    from inst.requirements.inputs import Inputs
    from inst.session.core import open_session
    from inst.session.installing import begin_change

    plan = plan_lock(
        settings, lock_path, environment, remove_extraneous=remove_extraneous
    )
    target = plan.target
    # --target: the locked version replaces what is there.
    options, transaction_cm = begin_change(
        settings, environment, target, reporters, upgrade=True
    )
    # No index unless a locked sdist must be built with build requirements the lock
    # does not hold (then the run's indexes provide them, as any build).
    needs_index = any(
        change.package.tree is not None
        or (
            change.package.file is not None
            and not change.package.file.is_wheel
            and (change.package.build is None or not change.package.build.packages)
        )
        for change in plan.changes
    )
    inputs = Inputs(options=FileOptions(no_index=not needs_index))
    with transaction_cm as transaction:
        # Again under the lock: another inst may have changed the target meanwhile.
        plan = _compare(
            plan.lock,
            target,
            [*(c.package for c in plan.changes), *plan.packages_kept],
            environment,
            settings,
            remove_extraneous,
        )
        if not plan.changes and not plan.removals:
            return SyncResult(plan)
        removals = [plan_for_target(dist, target) for dist in plan.removals]
        installed: Sequence[WheelManifest] = ()
        if plan.changes:
            with open_session(settings, inputs, environment, reporters) as session:
                prepared = _prepare(session, plan)
                unpacked = session.preparer.unpack(
                    prepared,
                    UnpackedWheels(
                        session.cache.unpacked,
                        session.work_dir,
                        verify=settings.verify_cache,
                        reporter=reporters.install,
                    ),
                )
                # Marked before install_wheels commits: one transaction for both.
                for removal in removals:
                    for path in removal.files:
                        transaction.remove(path)
                outcome = install_wheels(
                    unpacked,
                    target,
                    environment,
                    transaction,
                    options,
                    reporter=reporters.install,
                )
                installed = outcome.installed
        if not installed:  # install_wheels committed nothing: removals only
            for removal in removals:
                for path in removal.files:
                    transaction.remove(path)
            try:
                transaction.commit()
            except OSError as error:
                raise InstError(
                    f"cannot remove packages from {target.label}",
                    why=f"{error.filename or ''} {error.strerror or error}".strip(),
                    hint="nothing was changed; check that you may change those files",
                ) from None
    return SyncResult(plan, installed=installed, removed=removals)


def _prepare(session: Session, plan: SyncPlan) -> list[PreparedWheel]:
    """A wheel for each change: the locked files fetched (from the cache when there,
    no index asked) and checked against the lock's hashes; sdists and directories
    built, sdists with locked build packages in exactly that environment."""
    from inst.download import HashMismatch

    for change in plan.changes:
        package = change.package
        if package.tree is not None:
            session.builder.configure(
                package.tree, options=None, editable=package.editable
            )
        if package.build is not None:
            session.locked_builds[package.name] = package.build
            identity = " ".join(
                f"{p.name}=={p.version}:{p.file.hashes.get('sha256', '')}"
                for p in package.build.packages
                if p.file is not None
            )
            session.builder.lock_build(package.name, package.build.interface, identity)
    dists = [_resolved(session, change.package) for change in plan.changes]
    try:
        return session.preparer.prepare(dists)
    except HashMismatch as mismatch:
        raise InstError(
            f"{mismatch.filename} does not match its hash in {plan.lock.path.name}",
            why=f"expected {mismatch.algorithm} {' or '.join(mismatch.expected)}, "
            f"got {mismatch.got}",
            hint="nothing was installed; the file may be corrupted or tampered with, "
            "or the lock is out of date: lock again and check what changed",
        ) from None


def _resolved(session: Session, package: LockedPackage) -> ResolvedDist[FileCandidate]:
    """A locked package as the preparer takes a resolved one."""
    from inst.models import SourceTree
    from inst.resolution.candidates import FileCandidate
    from inst.resolution.resolver import ResolvedDist

    if package.file is not None:
        version: Version = package.version or package.file.version
        candidate = FileCandidate(package.name, version, package.file)
        hashes = {a: frozenset({d}) for a, d in package.file.hashes.items()}
    else:
        assert package.tree is not None
        from inst.requirements.specs import parse_requirement

        metadata = session.builder.prepare_metadata(package.tree, package.name)
        tree = SourceTree(
            package.tree, package.name, metadata.version, metadata.display_name
        )
        spec = parse_requirement(
            str(package.tree), origin="the lock", editable=package.editable
        )
        candidate = FileCandidate(
            package.name, metadata.version, tree, direct=True, spec=spec
        )
        hashes = {}
    return ResolvedDist(
        candidate,
        metadata=None,
        requested=True,
        requested_extras=frozenset(),
        hashes=hashes,
    )

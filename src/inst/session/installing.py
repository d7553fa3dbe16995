"""``inst install`` below the CLI: the target's checks, then one transaction in which
the requirements are resolved, prepared and installed. What happens is told through
the run's reporters and the caller's ``resolved`` hook (the CLI says what is satisfied
already and writes --report there); the result says what changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field
from typing import TYPE_CHECKING

from inst._records import dataclass

if TYPE_CHECKING:
    from contextlib import AbstractContextManager as ContextManager

    from inst.environment import Environment, InstalledDist
    from inst.install.installation import InstallOptions
    from inst.install.target import InstallTarget
    from inst.install.transaction import Transaction
    from inst.requirements.inputs import Inputs
    from inst.resolution.provider import ProviderOptions
    from inst.resolution.resolver import Resolution
    from inst.session.reporting import Reporters
    from inst.settings.resolve import Settings
    from inst.wheel.manifest import WheelManifest


@dataclass
class InstallResult:
    """What an install did: everything satisfied already (known without an index,
    ``satisfied``), or ``installed`` (possibly nothing, when the resolution found all
    installed)."""

    target: InstallTarget
    satisfied: Sequence[InstalledDist] = ()
    installed: Sequence[WheelManifest] = field(default_factory=list)


def provider_options(settings: Settings, *, ignore_installed: bool) -> ProviderOptions:
    """The resolver's options for install (and install --dry-run)."""
    from inst.resolution.provider import ProviderOptions

    return ProviderOptions(
        no_deps=settings.no_deps,
        ignore_installed=settings.ignore_installed or ignore_installed,
        force_reinstall=settings.force_reinstall,
        upgrade=settings.upgrade,
        eager=settings.upgrade_strategy == "eager",
        ignore_requires_python=settings.ignore_requires_python,
        full_metadata=bool(settings.report),
    )


def begin_change(
    settings: Settings,
    environment: Environment,
    target: InstallTarget,
    reporters: Reporters,
    *,
    upgrade: bool,
) -> tuple[InstallOptions, ContextManager[Transaction]]:
    """What install and sync share before they change a target: the PEP 668 check
    (as pip: not for --target/--prefix/--root), the install options, and the
    transaction, under the target's lock, that makes the change all or nothing."""
    from inst.install.installation import InstallOptions
    from inst.install.target import check_externally_managed
    from inst.install.transaction import changing

    if target.kind in ("environment", "user"):
        check_externally_managed(
            environment, break_system_packages=settings.break_system_packages
        )
    options = InstallOptions(
        link_mode=settings.link_mode,
        compile=settings.compile,
        force_reinstall=settings.force_reinstall,
        ignore_requires_python=settings.ignore_requires_python,
        upgrade=upgrade,
    )
    transaction = changing(
        target.state_dir,
        label=target.label,
        keep_dirs=target.keep_dirs,
        timeout=settings.lock_timeout,
        repair_options=target.options,
        reporter=reporters.install,
    )
    return options, transaction


def install_requirements(
    settings: Settings,
    inputs: Inputs,
    environment: Environment,
    reporters: Reporters,
    *,
    resolved: Callable[[Resolution], None] = lambda resolution: None,
) -> InstallResult:
    """Resolve, prepare and install inputs into the target the settings name, all in
    one transaction: whatever stops it, the target is as before or as after."""
    from inst.install.installation import install_wheels
    from inst.install.unpacked import UnpackedWheels
    from inst.session.core import open_session
    from inst.session.targets import chosen_install_target

    target = chosen_install_target(settings, environment)
    options, transaction = begin_change(
        settings, environment, target, reporters, upgrade=settings.upgrade
    )
    resolve_options = provider_options(
        settings, ignore_installed=target.ignore_installed
    )
    with transaction as changes:
        if not (target.ignore_installed or settings.report):
            satisfied = _satisfied_without_index(settings, inputs, environment)
            if satisfied is not None:
                return InstallResult(target, satisfied=satisfied)
        with open_session(settings, inputs, environment, reporters) as session:
            resolution = session.resolve(inputs, resolve_options)
            resolved(resolution)
            if not resolution.to_fetch:
                return InstallResult(target)  # all installed already (-U included)
            prepared = session.preparer.prepare(resolution.to_fetch)
            unpacked = session.preparer.unpack(
                prepared,
                UnpackedWheels(
                    session.cache.unpacked,
                    session.work_dir,
                    verify=settings.verify_cache,
                    reporter=reporters.install,
                ),
            )
            outcome = install_wheels(
                unpacked,
                target,
                environment,
                changes,
                options,
                reporter=reporters.install,
            )
    return InstallResult(target, installed=outcome.installed)


def _satisfied_without_index(
    settings: Settings, inputs: Inputs, environment: Environment
) -> Sequence[InstalledDist] | None:
    """The installed distributions that satisfy everything already, as far as can be
    told without an index (then nothing is touched: no network at all); else None."""
    if settings.upgrade or settings.force_reinstall or settings.ignore_installed:
        return None
    from inst.resolution.installed import satisfied_by_installed

    return satisfied_by_installed(
        inputs.requirements,
        inputs.constraints,
        environment,
        no_deps=settings.no_deps,
    )

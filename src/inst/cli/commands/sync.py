"""``inst sync pylock.toml [--dry-run]``: make the target hold exactly what a PEP 751
lock gives it. Also ``inst install -r pylock.toml``'s printing (install keeps what
the lock does not hold)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from inst import ui

if TYPE_CHECKING:
    from inst.environment import Environment
    from inst.session.syncing import SyncPlan, SyncResult
    from inst.settings.resolve import Settings

SUMMARY = (
    "Make an environment match a pylock.toml exactly: install what it locks, remove "
    "the rest."
)
#: What run() imports after the target's probe (see inst.cli.commands).
PRELOAD = (
    "inst.cli.reporters",
    "inst.session.syncing",
    "inst.install.installation",
    "inst.install.unpacked",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "lock",
        nargs="?",
        default="pylock.toml",
        metavar="LOCK",
        help="a PEP 751 lock file (pylock.toml or pylock.NAME.toml); default: "
        "pylock.toml in the current directory",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.errors import UsageError
    from inst.pylock.names import is_lock_path
    from inst.session import target_environment

    if not is_lock_path(args.lock):
        raise UsageError(
            f"{args.lock} is not named as a PEP 751 lock",
            why="a lock file is named pylock.toml or pylock.NAME.toml",
            hint="rename it, or install a requirements file with inst install -r",
        )
    environment = target_environment(settings)
    run_lock(settings, args.lock, environment, remove_extraneous=True)
    return 0


def run_lock(
    settings: Settings,
    lock_path: str,
    environment: Environment,
    *,
    remove_extraneous: bool,
) -> None:
    """Install (or with --dry-run, show) a lock; sync when remove_extraneous."""
    if settings.dry_run:
        from inst.session.syncing import plan_lock

        plan = plan_lock(
            settings, lock_path, environment, remove_extraneous=remove_extraneous
        )
        _say_plan(plan, would=True)
        return
    from inst.cli.reporters import text_reporters
    from inst.session.syncing import install_lock

    result = install_lock(
        settings,
        lock_path,
        environment,
        text_reporters(settings),
        remove_extraneous=remove_extraneous,
    )
    _say_result(result)


def _say_plan(plan: SyncPlan, *, would: bool) -> None:
    count = len(plan.changes) + len(plan.kept)
    ui.info(
        f"{plan.lock.path.name} locks {count} package{'' if count == 1 else 's'} "
        f"for {plan.target.label}"
    )
    installs = [c for c in plan.changes if c.kind in ("install", "reinstall")]
    if installs:
        ui.info(
            "Would install "
            + " ".join(
                f"{c.package.name}-{c.package.version or '(directory)'}"
                for c in installs
            )
        )
    for kind in ("upgrade", "downgrade"):
        for change in plan.changes:
            if change.kind == kind:
                assert change.installed is not None
                ui.info(
                    f"Would {kind} {change.package.name} "
                    f"{change.installed.version} -> {change.package.version}"
                )
    if plan.removals:
        ui.info(
            "Would uninstall "
            + " ".join(f"{d.display_name}-{d.version}" for d in plan.removals)
        )
    _say_protected(plan)
    if not plan.changes and not plan.removals:
        _say_nothing(plan)


def _say_nothing(plan: SyncPlan) -> None:
    name = plan.lock.path.name
    if plan.exact:
        ui.info(
            f"Nothing to change: {plan.target.label} matches {name} "
            f"({len(plan.kept)} packages)"
        )
    else:
        ui.info(
            f"Nothing to install: the {len(plan.kept)} packages {name} locks for "
            f"{plan.target.label} are installed"
        )


def _say_protected(plan: SyncPlan) -> None:
    for dist, why in plan.protected:
        ui.info(f"Keeping {dist.display_name}-{dist.version}: {why}")


def _say_result(result: SyncResult) -> None:
    plan = result.plan
    if result.installed:
        names = " ".join(
            f"{m.display_name}-{m.version}"
            for m in sorted(result.installed, key=lambda m: m.name)
        )
        ui.info(f"Successfully installed {names}")
    if result.removed:
        names = " ".join(f"{d.display_name}-{d.version}" for d in plan.removals)
        ui.info(f"Successfully uninstalled {names}")
    _say_protected(plan)
    if not result.installed and not result.removed:
        _say_nothing(plan)

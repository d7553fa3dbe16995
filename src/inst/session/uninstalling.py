"""``inst uninstall`` below the CLI: which installed distributions are the target's to
remove, and their removal in one transaction (if any file cannot be taken away,
nothing is). The CLI supplies the reporter's words and the confirmation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from inst.errors import InstError

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from inst.environment import Environment, InstalledDist
    from inst.install.reporting import InstallReporter, UninstallReporter
    from inst.install.target import InstallTarget
    from inst.install.uninstall import RemovalPlan


def select_installed(
    names: Mapping[NormalizedName, str],
    environment: Environment,
    target: InstallTarget,
    reporter: UninstallReporter,
) -> list[InstalledDist]:
    """The installed distributions of these names that are the target's to remove."""
    from inst.install.uninstall import develop_install_error, develop_link

    installed = environment.installed()
    chosen: list[InstalledDist] = []
    for name, written in names.items():
        dist = installed.get(name)
        if dist is None:
            reporter.not_installed(written)
            continue
        link = develop_link(dist, target.lib_dirs)
        if link is not None:
            raise develop_install_error(dist, link)
        if not target.owns(dist):
            reporter.not_owned(dist, target.label)
            continue
        chosen.append(dist)
    return chosen


def uninstall_distributions(
    environment: Environment,
    target: InstallTarget,
    candidates: Sequence[InstalledDist],
    *,
    names: Mapping[NormalizedName, str],
    lock_timeout: float,
    confirm: Callable[[RemovalPlan], bool],
    reporter: UninstallReporter,
    install_reporter: InstallReporter,
) -> list[RemovalPlan]:
    """Remove the candidates that are still installed once the target is locked, each
    after confirm(plan) agrees; the plans carried out."""
    from inst.install.transaction import changing
    from inst.install.uninstall import plan_for_target

    plans: list[RemovalPlan] = []
    try:
        with changing(
            target.state_dir,
            label=target.label,
            keep_dirs=target.keep_dirs,
            timeout=lock_timeout,
            repair_options=target.options,
            reporter=install_reporter,
        ) as changes:
            # Again under the lock: another inst may have changed the environment.
            wanted = {dist.name: names[dist.name] for dist in candidates}
            for dist in select_installed(wanted, environment, target, reporter):
                plan = plan_for_target(dist, target)
                reporter.found(plan, target.label)
                if confirm(plan):
                    plans.append(plan)
            for path in (path for plan in plans for path in plan.files):
                changes.remove(path)
            changes.commit()
    except OSError as error:  # rolled back as it left the transaction
        raise _failure(plans, error) from None
    return plans


def _failure(plans: Sequence[RemovalPlan], error: OSError) -> InstError:
    what = ", ".join(f"{p.dist.display_name} {p.dist.version}" for p in plans)
    where = f" ({error.filename})" if error.filename else ""
    return InstError(
        f"could not uninstall {what}",
        why=f"{error.strerror or error}{where}",
        hint="nothing was removed; check that you may change those files, then try "
        "again",
    )

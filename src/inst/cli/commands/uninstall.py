"""``inst uninstall NAME... [-r FILE] [-y]``: remove installed distributions.

Every distribution named is removed in one transaction: if any file cannot be taken
away, nothing is. Output follows pip's, except that without ``-y`` and without a
terminal to ask on, inst stops with an error instead of waiting for an answer.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import InstError, UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from packaging.utils import NormalizedName

    from inst.environment import Environment, InstalledDist
    from inst.install.target import InstallTarget
    from inst.install.uninstall import RemovalPlan
    from inst.settings.resolve import Settings

SUMMARY = "Uninstall packages."

#: How many paths outside the target one distribution's warning names at most.
_OUTSIDE_SHOWN = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="an installed distribution's name (a version specifier is allowed and "
        "ignored)",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.install.target import check_externally_managed, install_target
    from inst.session import target_environment

    names = _names(settings, args.names)
    environment = target_environment(settings)
    target = install_target(environment)
    check_externally_managed(
        environment, break_system_packages=settings.break_system_packages
    )
    chosen = _select(names, environment, target)
    if not chosen:
        return 0
    yes = settings.yes
    if not yes and not _can_ask():
        raise InstError(
            "inst uninstall needs a confirmation, and standard input is not a terminal",
            why="without -y inst asks before removing anything",
            hint="pass -y (--yes) to uninstall without asking",
        )
    _uninstall(settings, environment, target, names, chosen, yes=yes)
    return 0


def _names(settings: Settings, texts: Sequence[str]) -> dict[NormalizedName, str]:
    """The distribution names of the command line and the -r files, each once (as
    first written)."""
    from pathlib import Path

    from inst.requirements.files import read_requirements
    from inst.requirements.specs import RequirementSpec, parse_requirement

    specs: list[RequirementSpec] = []
    for path in settings.requirement:
        specs += read_requirements(path).requirements
    base_dir = Path.cwd()
    specs += [
        parse_requirement(text, origin="the command line", base_dir=base_dir)
        for text in texts
    ]
    if not specs:
        raise UsageError(
            "`inst uninstall` needs at least one package name",
            hint="name installed distributions (inst uninstall requests), or give a "
            "file with -r",
        )
    names: dict[NormalizedName, str] = {}
    for spec in specs:
        if spec.requirement is None or spec.name is None or spec.editable:
            raise UsageError(
                f"{spec.origin}: {spec.line!r} does not name a distribution",
                why="inst uninstall removes installed distributions by their name; a "
                "path or URL names none",
                hint="write the project's name instead (as `inst list` shows it)",
            )
        names.setdefault(spec.name, spec.requirement.name)
    return names


def _select(
    names: Mapping[NormalizedName, str],
    environment: Environment,
    target: InstallTarget,
) -> list[InstalledDist]:
    """The installed distributions of these names that are the target's to remove."""
    from inst.install.uninstall import develop_install_error, develop_link

    installed = environment.installed()
    chosen: list[InstalledDist] = []
    for name, written in names.items():
        dist = installed.get(name)
        if dist is None:
            ui.warning(f"Skipping {written} as it is not installed.")
            continue
        link = develop_link(dist, target.lib_dirs)
        if link is not None:
            raise develop_install_error(dist, link)
        if not target.owns(dist):
            ui.warning(
                f"Not uninstalling {dist.display_name} at {dist.location}, "
                f"outside {target.label}"
            )
            continue
        chosen.append(dist)
    return chosen


def _uninstall(
    settings: Settings,
    environment: Environment,
    target: InstallTarget,
    names: Mapping[NormalizedName, str],
    candidates: Sequence[InstalledDist],
    *,
    yes: bool,
) -> None:
    from inst.cli.reporters.install import TextInstallReporter
    from inst.install.transaction import changing

    plans: list[RemovalPlan] = []
    try:
        with changing(
            target.state_dir,
            label=target.label,
            keep_dirs=target.keep_dirs,
            timeout=settings.lock_timeout,
            repair_options=target.options,
            reporter=TextInstallReporter(),
        ) as changes:
            # Again under the lock: another inst may have changed the environment.
            wanted = {dist.name: names[dist.name] for dist in candidates}
            for dist in _select(wanted, environment, target):
                plan = _plan(dist, target)
                ui.info(
                    f"Found existing installation: {dist.display_name} {dist.version}"
                )
                _warn_outside(plan, target)
                if yes or _confirm(plan, target):
                    plans.append(plan)
            for path in (path for plan in plans for path in plan.files):
                changes.remove(path)
            changes.commit()
    except OSError as error:  # rolled back as it left the transaction
        raise _failure(plans, error) from None
    for plan in plans:
        label = f"{plan.dist.display_name}-{plan.dist.version}"
        ui.info(f"Uninstalling {label}:")
        ui.info(f"  Successfully uninstalled {label}")


def _plan(dist: InstalledDist, target: InstallTarget) -> RemovalPlan:
    """The removal plan, without anything of inst's own state directory and without
    the target's interpreter (a RECORD naming it would leave the environment dead)."""
    import dataclasses

    from inst.install.paths import is_below
    from inst.install.uninstall import plan_removal

    plan = plan_removal(dist, target.roots)
    state = os.path.normcase(os.path.abspath(target.state_dir))
    state_real = os.path.normcase(os.path.realpath(target.state_dir))
    files: list[Path] = []
    for path in plan.files:
        if is_below(os.path.normcase(os.path.abspath(path)), state) or is_below(
            os.path.normcase(os.path.realpath(path.parent)), state_real
        ):
            continue
        if _is_interpreter(path, target.interpreter):
            ui.warning(f"not removing {path}: it is the Python of {target.label}")
            continue
        files.append(path)
    return dataclasses.replace(plan, files=tuple(files))


def _is_interpreter(path: Path, interpreter: str) -> bool:
    """path is the interpreter, or a name of it beside it (python3, python3.12)."""
    executable = os.path.abspath(interpreter)
    if os.path.normcase(os.path.dirname(os.path.abspath(path))) != os.path.normcase(
        os.path.dirname(executable)
    ):
        return False
    if os.path.normcase(os.path.abspath(path)) == os.path.normcase(executable):
        return True
    try:
        return os.path.samefile(path, executable)
    except OSError:
        return False


def _warn_outside(plan: RemovalPlan, target: InstallTarget) -> None:
    for path in plan.outside[:_OUTSIDE_SHOWN]:
        ui.warning(f"not removing {path}: it is outside {target.label}")
    more = len(plan.outside) - _OUTSIDE_SHOWN
    if more > 0:
        ui.warning(
            f"and {more} more paths of {plan.dist.display_name} outside {target.label}"
        )


def _can_ask() -> bool:
    stdin = sys.stdin
    return stdin is not None and bool(getattr(stdin, "isatty", lambda: False)())


def _confirm(plan: RemovalPlan, target: InstallTarget) -> bool:
    from inst.install.uninstall import compress_listing

    label = f"{plan.dist.display_name}-{plan.dist.version}"
    ui.output("Would remove:")
    for line in compress_listing(plan.files, target.keep_dirs):
        ui.output(f"  {line}")
    sys.stdout.write("Proceed (Y/n)? ")
    sys.stdout.flush()
    answer = sys.stdin.readline()
    if not answer:  # end of input: no answer is no
        ui.output("")
        ui.info(f"Not uninstalling {label}.")
        return False
    if answer.strip().lower() in ("", "y", "yes"):
        return True
    ui.info(f"Not uninstalling {label}.")
    return False


def _failure(plans: Sequence[RemovalPlan], error: OSError) -> InstError:
    what = ", ".join(f"{p.dist.display_name} {p.dist.version}" for p in plans)
    where = f" ({error.filename})" if error.filename else ""
    return InstError(
        f"could not uninstall {what}",
        why=f"{error.strerror or error}{where}",
        hint="nothing was removed; check that you may change those files, then try "
        "again",
    )

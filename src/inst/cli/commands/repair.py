"""``inst repair [--dry-run]``: settle an unfinished change whose journal inst cannot read.

Takes the same location options as ``inst install`` (``--python``, ``--user``,
``--target``, ``--prefix``, ``--root``). Readable journals are recovered as by any inst
command; for each unreadable one, what its transaction left is listed, what is certain
is put back or removed, and what is not is kept and named. Exit 0 when the target is
as before or as after the change, 1 (after the repair) when inst cannot tell.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import InstError

if TYPE_CHECKING:
    from inst.install.repair import Leftover
    from inst.install.target import InstallTarget
    from inst.settings.resolve import Settings

SUMMARY = "Repair an environment left half changed by an inst whose journal is damaged."

#: Paths listed per kind of action at most (the rest is counted).
_SHOWN = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No positional arguments: the options come from the table."""


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.reporters.install import TextInstallReporter
    from inst.install.repair import inspect, repair
    from inst.install.transaction import recover, say_recovered
    from inst.locking import locked
    from inst.session import chosen_install_target, target_environment

    environment = target_environment(settings)
    target = chosen_install_target(settings, environment)
    dry_run = settings.dry_run
    if not os.path.isdir(target.state_dir):  # nothing of inst's there: change nothing
        ui.info(f"Nothing to repair in {target.label}.")
        return 0
    reporter = TextInstallReporter()
    with locked(
        target.state_dir,
        timeout=settings.lock_timeout,
        label=target.label,
        waiting=reporter.waiting_for_lock,
    ):
        if not dry_run:  # readable journals: as every inst does
            say_recovered(recover(target.state_dir), target.label, reporter)
        leftovers = inspect(target)
        if not leftovers:
            ui.info(f"Nothing to repair in {target.label}.")
            _mention_kept(target.state_dir)
            return 0
        uncertain: list[Leftover] = []
        for found in leftovers:
            _describe(found, dry_run)
            if not dry_run:
                try:
                    repair(found)
                except OSError as error:
                    raise _failed(target, found, error) from None
            if not found.certain:
                uncertain.append(found)
    if uncertain:
        unsure = _uncertain(target, uncertain, dry_run)
        if dry_run:
            ui.warning(unsure.paragraph())
            return 0
        raise unsure
    if dry_run:
        ui.info(f"Would repair {target.label}.")
    else:
        ui.info(f"Repaired {target.label}: {_outcome(leftovers)}.")
    return 0


def _mention_kept(state_dir: Path) -> None:
    from inst.install.repair import KEPT_PREFIX

    for name in sorted(os.listdir(state_dir)):
        if name.startswith(KEPT_PREFIX):
            ui.info(
                f"{state_dir / name} holds files an earlier repair could not place; "
                "delete it once you no longer need them."
            )


def _describe(found: Leftover, dry_run: bool) -> None:
    def verb(done: str, would: str) -> str:
        return would if dry_run else done

    salvaged = found.salvaged
    ui.output(f"Unreadable journal {found.journal}: {found.problem}")
    state = salvaged.state or "unknown"
    moves = f"{salvaged.moves} moves readable"
    if not salvaged.complete:
        moves += ", the rest lost"
    ui.output(f"  state: {state}; {moves}")
    for root in found.roots:
        ui.output(f"  staging area: {root}")
    ui.output(f"  {found.staged} staged files, {found.stashed} stashed files")
    _list(
        verb("Put back", "Would put back") + " (their place was empty):",
        [place for _, place in found.put_back],
    )
    _list(
        verb("Put back", "Would put back")
        + " over the new file (the change was caught midway):",
        [place for _, place in found.undo],
    )
    _list(
        verb("Removed", "Would remove") + " new files the change had put in place:",
        found.new_files,
    )
    _list(
        verb("Removed", "Would remove")
        + " what the change had created where nothing was:",
        found.new_paths,
    )
    if found.links:
        ui.output(
            f"{verb('Dropped', 'Would drop')} {len(found.links)} stashed copies of "
            "files still in place"
        )
    if found.discard:
        ui.output(
            f"{verb('Deleted', 'Would delete')} {len(found.discard)} old files the "
            "finished change had replaced or removed"
        )
    _list(
        f"{verb('Kept', 'Would keep')} stashed files whose place inst cannot tell:",
        [found.kept[entry] for entry in found.unknown],
    )
    if found.roots:
        ui.output(
            f"{verb('Removed', 'Would remove')} the staging area "
            f"({found.staged} staged files that never moved into place)"
        )
    ui.output(f"{verb('Removed', 'Would remove')} the journal {found.journal}")


def _list(title: str, paths: list[str]) -> None:
    if not paths:
        return
    ui.output(title)
    for path in paths[:_SHOWN]:
        ui.output(f"  {path}")
    if len(paths) > _SHOWN:
        ui.output(f"  and {len(paths) - _SHOWN} more")


def _outcome(leftovers: list[Leftover]) -> str:
    outcomes = {found.outcome for found in leftovers}
    if outcomes == {"before"}:
        return "it is as it was before the interrupted change"
    if outcomes == {"after"}:
        return "the interrupted change had finished, and only its temporary files were left"
    return "each interrupted change is either undone or finished"


def _uncertain(
    target: InstallTarget, uncertain: list[Leftover], dry_run: bool
) -> InstError:
    import shlex

    names = sorted({name for found in uncertain for name in found.distributions})
    touched = ", ".join(
        f"{name} ({versions})" if versions else name
        for found in uncertain
        for name, versions in sorted(found.distributions.items())
    )
    kept = sorted(
        {
            str(Path(path).parent.parent)
            for found in uncertain
            for path in found.kept.values()
        }
    )
    why = (
        "the journal of the interrupted change is damaged, so inst cannot tell "
        "whether every file it had moved is back"
    )
    if touched:
        why += f"; it was changing {touched}"
    if kept:
        why += (
            f"; the files whose place is unknown {'would be' if dry_run else 'are'} "
            f"kept in {', '.join(kept)}"
        )
    if names:
        command = shlex.join(
            [
                "inst",
                "install",
                *target.options,
                "--force-reinstall",
                "--no-deps",
                *names,
            ]
        )
        hint = f"reinstall them with `{command}`"
    else:
        command = shlex.join(
            ["inst", "install", *target.options, "--force-reinstall", "--no-deps"]
        )
        hint = (
            "reinstall the distributions you installed or uninstalled last with "
            f"`{command} NAME...`"
        )
    if kept:
        hint += ", and delete the kept files once you no longer need them"
    what = (
        f"after the repair, {target.label} may still be half changed"
        if dry_run
        else f"{target.label} may still be half changed, though inst may change it again"
    )
    return InstError(what, why=why, hint=hint)


def _failed(target: InstallTarget, found: Leftover, error: OSError) -> InstError:
    where = f" ({error.filename})" if error.filename else ""
    return InstError(
        f"could not repair {target.label}",
        why=f"{error.strerror or error}{where}",
        hint="what was done stays done and the journal "
        f"{found.journal} stays; fix the cause (permissions, a full disk) and run "
        "inst repair again",
    )

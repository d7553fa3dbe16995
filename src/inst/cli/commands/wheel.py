"""``inst wheel [REQUIREMENT...] [-r FILE] [-w DIR] [--no-deps]``: wheels for the
requirements and (unless --no-deps) their whole dependency tree; sdists and trees are
built, wheels from indexes copied."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from inst import ui
from inst.cli.commands import RESOLVING

if TYPE_CHECKING:
    from inst.prepare import PreparedWheel
    from inst.settings.resolve import Settings
    from inst.wheel.problems import InvalidWheel

SUMMARY = "Build wheels for projects and their dependencies (existing wheels copied)."
#: What run() imports after the target's probe (see inst.cli.commands).
PRELOAD = RESOLVING


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "requirements",
        nargs="*",
        metavar="REQUIREMENT",
        help="a project directory (.), an sdist or wheel path, name @ URL, or a PEP 508 "
        "requirement",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.reporters import text_reporters
    from inst.prepare import check_built
    from inst.resolution.provider import ProviderOptions
    from inst.session import gather_inputs, open_session, target_environment

    inputs = gather_inputs(settings, args.requirements, "wheel")
    environment = target_environment(settings)
    dest = Path(settings.wheel_dir or os.getcwd()).expanduser()
    options = ProviderOptions(
        no_deps=settings.no_deps,
        ignore_installed=True,  # as pip wheel: what is installed does not count
        ignore_requires_python=settings.ignore_requires_python,
    )
    reporters = text_reporters(settings)
    with open_session(settings, inputs, environment, reporters) as session:
        resolution = session.resolve(inputs, options)
        prepared = session.preparer.prepare(resolution.to_fetch)
        for item, refused in check_built(prepared, reporters.build.warning):
            _warn_refused(item, refused)
        saved = _save([item.wheel.path for item in prepared], dest)
    for path in saved:
        ui.info(f"Saved {path}")
    built = [str(item.name) for item in prepared if item.built_here]
    if built:
        ui.info(f"Successfully built {' '.join(built)}")
    return 0


def _warn_refused(item: PreparedWheel, refused: InvalidWheel) -> None:
    """A built wheel gets the checks an install makes, but `inst wheel` installs
    nothing: what breaks an install rule (a RECORD without hashes, say) is a warning,
    and the wheel is saved as the backend made it (pip wheel saves it too)."""
    ui.warning(
        f"the wheel built for {item.name} ({item.wheel.path.name}) breaks a rule installers "
        f"check: {refused.why.rstrip('.')}. inst wheel keeps it as the build "
        "backend made it, but inst install would refuse it; report it to the "
        "project's maintainers"
    )


def _save(wheels: list[Path], dest: Path) -> list[Path]:
    """Copy every wheel into dest, only once all exist (a failed build leaves dest
    as it was); each file appears whole or not at all, and when one cannot be saved
    those this call saved go again."""
    from inst import fileio

    created = fileio.make_dirs(dest, "save the wheels")
    saved: list[Path] = []
    new: list[Path] = []
    for path in wheels:
        final = dest / path.name
        try:
            existed = final.exists()
            if existed and os.path.samefile(final, path):
                saved.append(final)
                continue
            fileio.copy_file(path, final)
        except OSError as exc:
            for made in new:
                made.unlink(missing_ok=True)
            fileio.remove_dirs(created)
            raise fileio.os_error(exc, f"cannot save {path.name} into {dest}") from None
        if not existed:
            new.append(final)
        saved.append(final)
    return saved

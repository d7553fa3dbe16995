"""``inst wheel [REQUIREMENT...] [-r FILE] [-w DIR] [--no-deps]``: wheels for the
requirements and (unless --no-deps) their whole dependency tree; sdists and trees are
built, wheels from indexes copied."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from inst import ui

if TYPE_CHECKING:
    from inst.cli.resolving import Session
    from inst.resolution.resolver import ResolvedDist
    from inst.settings.resolve import Settings

SUMMARY = "Build wheels for projects and their dependencies (existing wheels copied)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "requirements",
        nargs="*",
        metavar="REQUIREMENT",
        help="a project directory (.), an sdist or wheel path, name @ URL, or a PEP 508 "
        "requirement",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.resolving import (
        gather_inputs,
        open_session,
        resolve_inputs,
        target_environment,
    )
    from inst.resolution.provider import ProviderOptions

    inputs = gather_inputs(settings, args.requirements, "wheel")
    environment = target_environment(settings)
    dest = Path(settings.wheel_dir or os.getcwd()).expanduser()
    options = ProviderOptions(
        no_deps=bool(settings.no_deps),
        ignore_installed=True,  # as pip wheel: what is installed does not count
        ignore_requires_python=bool(settings.ignore_requires_python),
    )
    with open_session(settings, inputs, environment) as session:
        resolution = resolve_inputs(session, inputs, options)
        wheels = _wheels(session, list(resolution.to_fetch))
        saved = _save(wheels, dest)
    for path in saved:
        ui.info(f"Saved {path}")
    built = [name for name, _, was_built in wheels if was_built]
    if built:
        ui.info(f"Successfully built {' '.join(built)}")
    return 0


def _wheels(
    session: Session, dists: list[ResolvedDist]
) -> list[tuple[str, Path, bool]]:
    """(name, wheel path, built here) for each distribution, checked like any wheel."""
    from inst.download import DownloadRequest
    from inst.fileurls import path_from_file_url
    from inst.resolution.candidates import FileCandidate

    assert session.builder is not None
    files = []
    for dist in dists:
        assert isinstance(dist.candidate, FileCandidate)
        files.append(dist.candidate.file)
    fetched = iter(
        session.downloader.fetch_all(
            [
                DownloadRequest(file, dist.hashes)
                for file, dist in zip(files, dists)
                if not file.tree
            ]
        )
    )
    result = []
    for file, dist in zip(files, dists):
        if file.tree:
            tree = path_from_file_url(file.url)
            path, built = session.builder.build_wheel(tree, None), True
        else:
            item = next(fetched)
            path, built = item.path, not file.is_wheel
            if built:
                path = session.builder.build_wheel(item.path, dist.name)
                built = session.builder.built_here(path)
        if built:
            _check_built(path, str(dist.name))
        result.append((str(dist.name), path, built))
    return result


def _check_built(path: Path, name: str) -> None:
    """A built wheel gets the checks an install makes, but `inst wheel` installs
    nothing: what breaks an install rule (a RECORD without hashes, say) is a warning,
    and the wheel is saved as the backend made it (pip wheel saves it too)."""
    from inst.wheel.checks import InvalidWheel, inspect_wheel

    try:
        inspect_wheel(path)
    except InvalidWheel as refused:
        ui.warning(
            f"the wheel built for {name} ({path.name}) breaks a rule installers "
            f"check: {refused.why.rstrip('.')}. inst wheel keeps it as the build "
            "backend made it, but inst install would refuse it; report it to the "
            "project's maintainers"
        )


def _save(wheels: list[tuple[str, Path, bool]], dest: Path) -> list[Path]:
    """Copy every wheel into dest, only once all exist (a failed build leaves dest
    as it was); each file appears whole or not at all, and when one cannot be saved
    those this call saved go again."""
    from inst import fileio

    created = fileio.make_dirs(dest, "save the wheels")
    saved: list[Path] = []
    new: list[Path] = []
    for _, path, _ in wheels:
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

"""``inst download REQUIREMENT... [-r FILE] [-d DIR]``."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from inst import fileio, ui
from inst.cli.commands import RESOLVING
from inst.errors import UsageError

if TYPE_CHECKING:
    from inst.environment import Environment
    from inst.models import DistFile
    from inst.settings.resolve import Settings

SUMMARY = "Download the distributions requirements resolve to, without installing."
#: What run() imports after the target's probe (see inst.cli.commands).
PRELOAD = RESOLVING


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "requirements",
        nargs="*",
        metavar="REQUIREMENT",
        help="a PEP 508 requirement, name @ URL, or a path to a distribution",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.reporters import text_reporters
    from inst.models import DistFile
    from inst.resolution.provider import ProviderOptions
    from inst.session import gather_inputs, open_session, target_environment

    inputs = gather_inputs(settings, args.requirements, "download")
    environment = _with_target(settings, target_environment(settings))
    dest = Path(settings.dest).expanduser()
    options = ProviderOptions(
        no_deps=settings.no_deps,
        ignore_installed=True,  # pip download fetches whatever is installed already
        ignore_requires_python=settings.ignore_requires_python,
    )
    # Made before resolving, as pip does: a -d that cannot be used fails at once.
    created = fileio.make_dirs(dest, "save the downloads")
    try:
        before = {path.name for path in dest.iterdir()}
    except OSError as exc:
        fileio.remove_dirs(created)
        raise fileio.os_error(exc, f"cannot save the downloads into {dest}") from None
    files: list[DistFile] = []  # a local project has nothing to download (as pip)
    try:
        with open_session(
            settings, inputs, environment, text_reporters(settings)
        ) as session:
            resolution = session.resolve(inputs, options)
            files = [
                d.candidate.file
                for d in resolution.to_fetch
                if isinstance(d.candidate.file, DistFile)
            ]
            downloaded = session.preparer.download(resolution.to_fetch, dest)
    except BaseException:
        _remove_new_files(dest, files, before, created)
        raise
    for item in downloaded:
        if item.path.name not in before:  # else "File was already downloaded" said it
            ui.info(f"Saved {item.path}")
    names = " ".join(
        str(d.name)
        for d in resolution.to_fetch
        if isinstance(d.candidate.file, DistFile)
    )
    if names:
        ui.info(f"Successfully downloaded {names}")
    return 0


def _remove_new_files(
    dest: Path, files: list[DistFile], before: set[str], created: list[Path]
) -> None:
    """After a failed batch, -d holds what it held before: the files this run saved
    (whole and verified, but only part of the set) go again, as do the directories
    it made."""
    for file in files:
        if file.filename not in before:
            with contextlib.suppress(OSError):
                (dest / file.filename).unlink()
    fileio.remove_dirs(created)


def _with_target(settings: Settings, environment: Environment) -> Environment:
    """--platform / --python-version / --implementation / --abi describe another target;
    as pip, only wheels can be trusted to fit it."""
    platforms = list(settings.platform)
    abis = list(settings.abi)
    # Given more than once, the last one counts (pip's rule for these options).
    python_version = settings.python_version[-1] if settings.python_version else None
    implementation = settings.implementation[-1] if settings.implementation else None
    if not (platforms or abis or python_version or implementation):
        return environment
    from inst.index.finder import ALL, BinaryPolicy

    # As pip: either --no-deps, or wheels only (--no-binary unset or :none:).
    binary = BinaryPolicy.from_lists(
        map(str, settings.only_binary), map(str, settings.no_binary)
    )
    wheels_only = ALL in binary.only_binary and not binary.no_binary
    if not (settings.no_deps or wheels_only):
        raise UsageError(
            "--platform, --python-version, --implementation and --abi need "
            "--only-binary=:all: (or --no-deps)",
            why="a source distribution would be built for this machine, not for the "
            "target they describe",
            hint="add --only-binary=:all:",
        )
    return environment.described(
        platforms=platforms,
        python_version=python_version,
        implementation=implementation,
        abis=abis,
    )

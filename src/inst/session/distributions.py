"""``inst build`` below the CLI: a project's sdist and wheel, as ``python -m build``
makes them (by default the sdist, then the wheel built from that sdist), through the
run's builder (isolated cached environments, -C, --build-constraint, hashes), placed
into the output directory only once everything is built and checked."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from inst._records import dataclass
from inst.errors import InstError

if TYPE_CHECKING:
    from inst.environment import Environment
    from inst.session.reporting import Reporters
    from inst.settings.resolve import Settings


@dataclass(frozen=True)
class DistributionsRequest:
    """What `inst build` is asked to make."""

    tree: Path
    outdir: Path
    sdist: bool
    wheel: bool
    #: The wheel from the sdist (python -m build's default), not from the tree.
    wheel_from_sdist: bool = False


@dataclass(frozen=True)
class BuiltDistributions:
    """The files placed into the output directory, sdist first."""

    files: tuple[Path, ...]


def build_distributions(
    settings: Settings,
    request: DistributionsRequest,
    environment: Environment,
    reporters: Reporters,
) -> BuiltDistributions:
    from inst.build.sdists import check_wheel_name
    from inst.core_metadata import read_wheel_metadata
    from inst.requirements.inputs import Inputs
    from inst.session.core import open_session
    from inst.wheel.checks import inspect_wheel
    from inst.wheel.problems import InvalidWheel

    if not (request.sdist or request.wheel):
        raise InstError("inst build was asked to build nothing")
    made: list[Path] = []
    with open_session(settings, Inputs(), environment, reporters) as session:
        builder = session.builder
        warn = reporters.build.warning
        name: str | None = None
        if request.sdist:
            checked = builder.build_sdist(request.tree)
            made.append(checked.path)
            name = checked.metadata.display_name
        if request.wheel:
            if request.sdist and request.wheel_from_sdist:
                # As python -m build: the wheel comes from the sdist, so what the
                # sdist lacks shows now, not after publishing.
                source = checked.path
                builder.configure(source, cached=False)
            else:
                source = request.tree
            try:
                wheel = builder.build_wheel(source, name)
            except InstError as error:
                if source == request.tree:
                    raise
                raise error.within(
                    f"cannot build the wheel from the sdist {source.name}"
                ) from None
            metadata = (
                checked.metadata
                if request.sdist
                else read_wheel_metadata(wheel, wheel.name)
            )
            check_wheel_name(wheel, metadata.display_name, metadata.version)
            try:
                inspect_wheel(wheel, warn=warn)
            except InvalidWheel as refused:
                warn(
                    f"the wheel built for {metadata.display_name} ({wheel.name}) breaks "
                    f"a rule installers check: {refused.why.rstrip('.')}. inst build "
                    "keeps it as the build backend made it, but inst install would "
                    "refuse it; fix the project (or report it to the backend's "
                    "maintainers) before publishing it"
                )
            made.append(wheel)
        return BuiltDistributions(tuple(_place(made, request.outdir)))


def _place(files: list[Path], outdir: Path) -> list[Path]:
    """Every file into outdir, each whole (a temporary file renamed into place), and
    all or none: when one cannot be placed, those placed by this call go again."""
    from inst import fileio

    created = fileio.make_dirs(outdir, "write the built distributions")
    placed: list[Path] = []
    new: list[Path] = []
    for path in files:
        final = outdir / path.name
        try:
            existed = os.path.lexists(final)
            fileio.copy_file(path, final)
        except OSError as exc:
            for done in new:
                done.unlink(missing_ok=True)
            fileio.remove_dirs(created)
            raise fileio.os_error(
                exc, f"cannot write {path.name} into {outdir}"
            ) from None
        if not existed:
            new.append(final)
        placed.append(final)
    return placed

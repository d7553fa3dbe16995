"""``inst install REQUIREMENT... [-r FILE] [--dry-run] [--report FILE]``."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from inst import ui

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from inst.environment import Environment
    from inst.requirements.inputs import Inputs
    from inst.resolution.provider import ProviderOptions
    from inst.resolution.resolver import Resolution
    from inst.settings.resolve import Settings

SUMMARY = "Install packages: resolve requirements, download and install them."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "requirements",
        nargs="*",
        metavar="REQUIREMENT",
        help="a PEP 508 requirement (name[extras]>=1.0; marker), name @ URL, or a path "
        "to a wheel, sdist or project directory",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.session import gather_inputs, target_environment

    if settings.report == "-":
        ui.info_to_stderr()
    inputs = gather_inputs(settings, args.requirements, "install")
    environment = target_environment(settings)
    if settings.dry_run:
        _resolve_only(settings, inputs, environment)
        return 0
    _install(settings, inputs, environment)
    return 0


def _provider_options(settings: Settings, *, ignore_installed: bool) -> ProviderOptions:
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


def _resolve_only(settings: Settings, inputs: Inputs, environment: Environment) -> None:
    from inst.cli.reporters import text_reporters
    from inst.session import open_session

    options = _provider_options(settings, ignore_installed=bool(settings.target))
    reporters = text_reporters(settings)
    with open_session(settings, inputs, environment, reporters) as session:
        resolution = session.resolve(inputs, options)
    _say_satisfied(resolution)
    if settings.report:
        _write_report(resolution, settings.report)
    names = " ".join(
        f"{d.metadata.display_name if d.metadata else d.name}-{d.candidate.version}"
        for d in sorted(resolution.to_fetch, key=lambda d: d.name)
    )
    if names:
        ui.info(f"Would install {names}")


def _install(settings: Settings, inputs: Inputs, environment: Environment) -> None:
    from inst.cli.reporters import text_reporters
    from inst.install.installation import InstallOptions, install_wheels
    from inst.install.target import check_externally_managed
    from inst.install.transaction import changing
    from inst.install.unpacked import UnpackedWheels
    from inst.session import chosen_install_target, open_session

    target = chosen_install_target(settings, environment)
    if target.kind in ("environment", "user"):  # as pip: not --target/--prefix/--root
        check_externally_managed(
            environment, break_system_packages=settings.break_system_packages
        )
    options = InstallOptions(
        link_mode=settings.link_mode,
        compile=settings.compile,
        force_reinstall=settings.force_reinstall,
        ignore_requires_python=settings.ignore_requires_python,
        upgrade=settings.upgrade,
    )
    provider_options = _provider_options(
        settings, ignore_installed=target.ignore_installed
    )
    reporters = text_reporters(settings)
    with changing(
        target.state_dir,
        label=target.label,
        keep_dirs=target.keep_dirs,
        timeout=settings.lock_timeout,
        repair_options=target.options,
        reporter=reporters.install,
    ) as changes:
        if not (target.ignore_installed or settings.report) and _all_satisfied(
            settings, inputs, environment
        ):
            return
        with open_session(settings, inputs, environment, reporters) as session:
            resolution = session.resolve(inputs, provider_options)
            _say_satisfied(resolution)
            if settings.report:  # as pip: the report describes a real install too
                _write_report(resolution, settings.report)
            if not resolution.to_fetch:
                return  # everything asked for is installed already (-U included)
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
    if outcome.installed:
        names = " ".join(
            f"{m.display_name}-{m.version}"
            for m in sorted(outcome.installed, key=lambda m: m.name)
        )
        ui.info(f"Successfully installed {names}")
        if target.kind != "target":
            _warn_broken(environment, {m.name for m in outcome.installed})


def _all_satisfied(
    settings: Settings, inputs: Inputs, environment: Environment
) -> bool:
    """Whether the installed distributions satisfy everything already, as far as can
    be told without an index; if so, say so and touch nothing (no network at all)."""
    if settings.upgrade or settings.force_reinstall or settings.ignore_installed:
        return False
    from inst.resolution.installed import satisfied_by_installed

    found = satisfied_by_installed(
        inputs.requirements,
        inputs.constraints,
        environment,
        no_deps=settings.no_deps,
    )
    if found is None:
        return False
    for dist in found:
        ui.info(
            f"Requirement already satisfied: {dist.display_name} in {dist.location} "
            f"({dist.version})"
        )
    return True


def _warn_broken(environment: Environment, changed: set[NormalizedName]) -> None:
    from inst.resolution.installed import broken_requirements

    for line in broken_requirements(environment, changed):
        ui.warning(line)


def _say_satisfied(resolution: Resolution) -> None:
    for dist in resolution.satisfied:
        if dist.requested:
            installed = dist.candidate.dist
            ui.info(
                f"Requirement already satisfied: {installed.display_name} in "
                f"{installed.location} ({installed.version})"
            )


def _write_report(resolution: Resolution, target: str) -> None:
    from inst.resolution.report import installation_report

    text = json.dumps(installation_report(resolution), indent=2) + "\n"
    if target == "-":
        ui.output(text.rstrip("\n"))
        return
    from inst import fileio

    try:
        fileio.write_text(target, text)
    except OSError as exc:
        raise fileio.os_error(
            exc,
            f"cannot write the report to {target}",
            hint="choose a writable path, or - for standard output",
        ) from None

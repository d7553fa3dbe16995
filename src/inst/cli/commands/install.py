"""``inst install REQUIREMENT... [-r FILE] [--dry-run] [--report FILE]``."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import InstError

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from inst.build.builder import SourceBuilder
    from inst.cli.resolving import Inputs, Session
    from inst.download import Downloaded, DownloadRequest
    from inst.environment import Environment
    from inst.install.installation import WheelToInstall
    from inst.install.unpacked import UnpackedWheel, UnpackedWheels
    from inst.resolution.candidates import FileCandidate
    from inst.resolution.provider import ProviderOptions
    from inst.resolution.resolver import Resolution, ResolvedDist
    from inst.settings.resolve import Settings
    from inst.wheel.manifest import WheelManifest

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
    from inst.cli.resolving import gather_inputs, target_environment

    if settings.report and str(settings.report) == "-":
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
        no_deps=bool(settings.no_deps),
        ignore_installed=bool(settings.ignore_installed) or ignore_installed,
        force_reinstall=bool(settings.force_reinstall),
        upgrade=bool(settings.upgrade),
        eager=settings.upgrade_strategy == "eager",
        ignore_requires_python=bool(settings.ignore_requires_python),
        full_metadata=bool(settings.report),
    )


def _resolve_only(settings: Settings, inputs: Inputs, environment: Environment) -> None:
    from inst.cli.resolving import open_session, resolve_inputs

    options = _provider_options(settings, ignore_installed=bool(settings.target))
    with open_session(settings, inputs, environment) as session:
        resolution = resolve_inputs(session, inputs, options)
    _say_satisfied(resolution)
    if settings.report:
        _write_report(resolution, str(settings.report))
    names = " ".join(
        f"{d.metadata.display_name if d.metadata else d.name}-{d.candidate.version}"
        for d in sorted(resolution.to_fetch, key=lambda d: d.name)
    )
    if names:
        ui.info(f"Would install {names}")


def _install(settings: Settings, inputs: Inputs, environment: Environment) -> None:
    from inst.cli.resolving import (
        cache_dir,
        chosen_install_target,
        open_session,
        resolve_inputs,
    )
    from inst.install.installation import InstallOptions, install_wheels
    from inst.install.target import check_externally_managed
    from inst.install.transaction import changing
    from inst.install.unpacked import UnpackedWheels

    target = chosen_install_target(settings, environment)
    if target.kind in ("environment", "user"):  # as pip: not --target/--prefix/--root
        check_externally_managed(
            environment, break_system_packages=bool(settings.break_system_packages)
        )
    options = InstallOptions(
        link_mode=str(settings.link_mode),
        compile=bool(settings.compile),
        force_reinstall=bool(settings.force_reinstall),
        ignore_requires_python=bool(settings.ignore_requires_python),
        upgrade=bool(settings.upgrade),
    )
    provider_options = _provider_options(
        settings, ignore_installed=target.ignore_installed
    )
    with changing(
        target.state_dir,
        label=target.label,
        keep_dirs=target.keep_dirs,
        timeout=float(settings.lock_timeout),
        repair_options=target.options,
    ) as changes:
        if not (target.ignore_installed or settings.report) and _all_satisfied(
            settings, inputs, environment
        ):
            return
        with open_session(settings, inputs, environment) as session:
            resolution = resolve_inputs(session, inputs, provider_options)
            _say_satisfied(resolution)
            if settings.report:  # as pip: the report describes a real install too
                _write_report(resolution, str(settings.report))
            if not resolution.to_fetch:
                return  # everything asked for is installed already (-U included)
            wheels, fetched = _download(session, resolution)
            wheels, unpacked = _unpack(
                session,
                wheels,
                fetched,
                UnpackedWheels(
                    cache_dir(settings),
                    session.work_dir,
                    verify=bool(settings.verify_cache),
                ),
            )
            outcome = install_wheels(
                list(zip(wheels, unpacked)),
                target,
                environment,
                changes,
                options,
                announce=_announce,
            )
    if outcome.installed:
        names = " ".join(
            f"{m.display_name}-{m.version}"
            for m in sorted(outcome.installed, key=lambda m: m.name)
        )
        ui.info(f"Successfully installed {names}")
        if target.kind != "target":
            _warn_broken(environment, {m.name for m in outcome.installed})


def _announce(manifests: list[WheelManifest]) -> None:
    names = ", ".join(m.display_name for m in manifests)
    ui.info(f"Installing collected packages: {names}")


def _download(
    session: Session, resolution: Resolution
) -> tuple[list[WheelToInstall], dict[int, tuple[Downloaded, DownloadRequest]]]:
    """Wheels for everything to install: fetched, or built from sdists and trees;
    and, by position, how each wheel that was fetched as it is came."""
    from inst.download import DownloadRequest
    from inst.fileurls import path_from_file_url
    from inst.install.installation import WheelToInstall
    from inst.resolution.candidates import FileCandidate

    fetch = [d for d in resolution.to_fetch if not _candidate(d).file.tree]
    requests = {d.name: DownloadRequest(_candidate(d).file, d.hashes) for d in fetch}
    downloaded = dict(
        zip(requests, session.downloader.fetch_all(list(requests.values())))
    )
    wheels: list[WheelToInstall] = []
    fetched: dict[int, tuple[Downloaded, DownloadRequest]] = {}
    for dist in resolution.to_fetch:
        candidate = _candidate(dist)
        assert isinstance(candidate, FileCandidate)
        file = candidate.file
        if file.tree:
            tree = path_from_file_url(file.url)
            wheels.append(
                WheelToInstall(
                    path=_builder(session).build_wheel(tree, None),
                    built=True,
                    requested=dist.requested,
                    direct_url=_tree_direct_url(file.url, candidate),
                )
            )
            continue
        item = downloaded[dist.name]
        path: Path = item.path
        sha256: str | None = item.sha256
        if file.is_wheel:
            fetched[len(wheels)] = (item, requests[dist.name])
        else:
            path, sha256 = _builder(session).build_wheel(item.path, dist.name), None
        wheels.append(
            WheelToInstall(
                path=path,
                sha256=sha256,
                built=not file.is_wheel,
                requested=dist.requested,
                direct_url=_direct_url(candidate, item.sha256),
            )
        )
    return wheels, fetched


def _unpack(
    session: Session,
    wheels: list[WheelToInstall],
    fetched: dict[int, tuple[Downloaded, DownloadRequest]],
    cache: UnpackedWheels,
) -> tuple[list[WheelToInstall], list[UnpackedWheel]]:
    """Every wheel checked and unpacked. A refused wheel never stays in the download
    cache; one that came from there (an earlier run) is downloaded once more and
    checked again: the cached copy may be what was damaged."""
    from inst.install.installation import unpack_all
    from inst.wheel.checks import InvalidWheel

    try:
        return wheels, unpack_all(wheels, cache)
    except InvalidWheel as refusal:
        built = next(
            (w for w in wheels if w.built and w.path.name == refusal.wheel), None
        )
        if built is not None:
            raise _refused_build(refusal, built.path) from None
        index = next((i for i in fetched if wheels[i].path.name == refusal.wheel), None)
        if index is None:
            raise
        item, request = fetched[index]
        if not session.downloader.discard(item.path) or not item.from_cache:
            raise
        ui.warning(
            f"the cached copy of {refusal.wheel} cannot be installed "
            f"({refusal.why}); it is dropped and downloaded again"
        )
    again = session.downloader.fetch(request)
    wheels = list(wheels)
    wheels[index] = dataclasses.replace(
        wheels[index], path=again.path, sha256=again.sha256
    )
    try:
        return wheels, unpack_all(wheels, cache)
    except InvalidWheel as refusal:
        if refusal.wheel == again.path.name:
            session.downloader.discard(again.path)
        raise


def _refused_build(refusal: InstError, wheel: Path) -> InstError:
    """A wheel built here that inst will not install: it leaves the wheel cache (nothing
    that fails a check stays in a cache), and the hint fits a build, not a download."""
    from inst.build.wheel_cache import WheelCache

    WheelCache.forget(wheel)
    return InstError(
        refusal.what,
        why=refusal.why,
        hint="the project's build backend made it so: report the problem to the "
        "project's maintainers (inst wheel saves such a wheel, with a warning)",
    )


def _candidate(dist: ResolvedDist) -> FileCandidate:
    from inst.resolution.candidates import FileCandidate

    assert isinstance(dist.candidate, FileCandidate)
    return dist.candidate


def _builder(session: Session) -> SourceBuilder:
    assert session.builder is not None
    return session.builder


def _tree_direct_url(url: str, candidate: FileCandidate) -> dict[str, object]:
    """PEP 610 for a local project directory (editable or not)."""
    editable = bool(candidate.spec is not None and candidate.spec.editable)
    return {"url": url, "dir_info": {"editable": True} if editable else {}}


def _direct_url(candidate: FileCandidate, sha256: str) -> dict[str, object] | None:
    """PEP 610's record of a wheel or sdist named by URL or path (never with
    credentials)."""
    if not candidate.direct:
        return None
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(candidate.file.url)
    netloc = parts.netloc.rpartition("@")[2]
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return {
        "url": url,
        "archive_info": {"hash": f"sha256={sha256}", "hashes": {"sha256": sha256}},
    }


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
        no_deps=bool(settings.no_deps),
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
            from inst.resolution.candidates import InstalledCandidate

            assert isinstance(dist.candidate, InstalledCandidate)
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

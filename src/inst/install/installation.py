"""Installing a set of wheels into an install target, as one transaction.

The steps, each finished for every wheel before the next starts, so that a refusal
comes before the first byte reaches the environment:

1. unpack: every wheel checked whole and unpacked into the cache (in parallel), or
   found there already;
2. place: each checked against where it goes (paths inside the scheme, Requires-Python,
   files of other distributions);
3. stage: the old versions' files marked for removal, the paths that do not exist yet
   claimed in the journal (fresh.py), the new files linked or copied by the installer
   library (in parallel): straight into place below a new path, into the staging area
   where they replace a file; bytecode compiled if asked;
4. commit: everything staged moves into place at once (transaction.py).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import field
from pathlib import Path
from typing import Any, TypeVar

from packaging.utils import NormalizedName

from inst import fileio
from inst._records import dataclass
from inst.environment import Environment, InstalledDist
from inst.errors import InstError, Interrupted
from inst.install.fresh import NewPaths
from inst.install.placement import check_placement
from inst.install.reporting import InstallReporter
from inst.install.staging import StagedWheel, stage_wheel
from inst.install.target import InstallTarget
from inst.install.transaction import Transaction
from inst.install.unpacked import UnpackedWheel, UnpackedWheels
from inst.interrupts import held_back
from inst.wheel.manifest import WheelManifest

#: Threads unpacking or staging wheels: file system calls and zlib release the GIL.
_WORKERS = min(8, (os.cpu_count() or 1) + 2)

#: How often a wait for worker threads takes a signal (see _in_parallel).
_POLL = 0.05

_T = TypeVar("_T")


@dataclass(frozen=True)
class WheelToInstall:
    """A wheel on disk and what to record about it."""

    path: Path
    sha256: str | None = None  # known from the download: saves hashing it again
    requested: bool = False  # REQUESTED: the user named it
    direct_url: Mapping[str, Any] | None = None  # direct_url.json (PEP 610)
    built: bool = False  # made by a build here (maybe kept in the wheel cache)


@dataclass(frozen=True)
class InstallOptions:
    """How wheels are installed (--link-mode, --compile, --force-reinstall, ...)."""

    link_mode: str = "hardlink"
    compile: bool = False
    force_reinstall: bool = False
    ignore_requires_python: bool = False
    upgrade: bool = False  # --target: replace what the directory holds already


@dataclass
class InstallOutcome:
    """What an install did: the wheels installed and the distributions replaced."""

    installed: list[WheelManifest] = field(default_factory=list)
    replaced: list[InstalledDist] = field(default_factory=list)


def unpack_all(
    wheels: Sequence[WheelToInstall], cache: UnpackedWheels
) -> list[UnpackedWheel]:
    """Every wheel checked and unpacked; the first refusal is raised. Entries already
    in the cache are looked up here: worker threads only cost time for them (GIL,
    thread starts); those to hash or unpack get the workers."""
    found = [cache.ready(wheel.sha256) for wheel in wheels]
    missing = [index for index, entry in enumerate(found) if entry is None]
    if len(missing) == 1:
        wheel = wheels[missing[0]]
        found[missing[0]] = cache.get(wheel.path, wheel.sha256)
    elif missing:
        try:
            # Stopped at the first error or interrupt: a wheel of tens of thousands
            # of files is not unpacked to its end first.
            done = _in_parallel(
                [
                    functools.partial(
                        cache.get, wheels[index].path, wheels[index].sha256
                    )
                    for index in missing
                ],
                stop=cache.stop,
            )
        finally:
            cache.resume()  # a refused wheel is fetched and unpacked again
        for index, entry in zip(missing, done):
            found[index] = entry
    ready = [entry for entry in found if entry is not None]
    assert len(ready) == len(wheels)
    return ready


def install_wheels(
    wheels: Sequence[tuple[WheelToInstall, UnpackedWheel]],
    target: InstallTarget,
    environment: Environment,
    changes: Transaction,
    options: InstallOptions,
    *,
    reporter: InstallReporter | None = None,
) -> InstallOutcome:
    """Install the wheels (dependencies first) and commit; roll back on any error."""
    reporter = reporter or InstallReporter()
    installed = target.installed()
    outcome = InstallOutcome()
    chosen: list[tuple[WheelToInstall, UnpackedWheel]] = []
    for wheel, unpacked in wheels:
        manifest = unpacked.manifest
        old = installed.get(manifest.name)
        if old is not None and target.kind == "target" and not options.upgrade:
            reporter.kept_in_target(target.label, old.display_name, str(old.version))
            continue
        chosen.append((wheel, unpacked))
    replacing: dict[NormalizedName, InstalledDist] = {
        unpacked.manifest.name: installed[unpacked.manifest.name]
        for _, unpacked in chosen
        if unpacked.manifest.name in installed
    }
    staying = {name: d for name, d in installed.items() if name not in replacing}
    requires_python_ok = (
        None if options.ignore_requires_python else environment.python_supported
    )
    realpaths: dict[str, str] = {}
    for wheel, unpacked in chosen:
        check_placement(
            unpacked.manifest,
            scheme_for(target, unpacked.manifest),
            python=environment.python,
            installed=lambda: installed,
            installing_over=staying,
            force_reinstall=options.force_reinstall,
            requires_python_ok=requires_python_ok,
            python_version=".".join(map(str, environment.version_info)),
            realpaths=realpaths,
            private=target.state_dir,
        )
    if not chosen:
        return outcome
    reporter.installing([unpacked.manifest.display_name for _, unpacked in chosen])

    try:
        _stage_and_commit(chosen, replacing, target, environment, changes, options)
    except OSError as error:  # the transaction rolls back as this leaves its body
        where = f"{error.filename}: " if error.filename else ""
        raise InstError(
            f"cannot install into {target.label}",
            why=f"{where}{error.strerror or error}",
            hint="nothing was changed; "
            + fileio.hint_for(
                error,
                "fix the cause (permissions, disk space, a directory where a file "
                "should go) and run inst again",
                machine_only=True,
            ),
        ) from error
    outcome.installed = [unpacked.manifest for _, unpacked in chosen]
    outcome.replaced = list(replacing.values())
    return outcome


def _stage_and_commit(
    chosen: list[tuple[WheelToInstall, UnpackedWheel]],
    replacing: Mapping[NormalizedName, InstalledDist],
    target: InstallTarget,
    environment: Environment,
    changes: Transaction,
    options: InstallOptions,
) -> None:
    if replacing:  # (imported only then: a fresh install removes nothing)
        from inst.install.uninstall import plan_removal
    for dist in replacing.values():
        for path in plan_removal(dist, target.roots).files:
            changes.remove(path)
    new_paths = NewPaths()
    for _, unpacked in chosen:
        new_paths.add_wheel(unpacked.manifest, scheme_for(target, unpacked.manifest))
    changes.claim_new(new_paths.paths)
    link = options.link_mode == "hardlink"

    staged: list[StagedWheel | None] = [None] * len(chosen)

    def stage(index: int) -> None:
        wheel, unpacked = chosen[index]
        staged[index] = stage_wheel(
            unpacked,
            scheme_for(target, unpacked.manifest),
            target.interpreter,
            changes,
            slot=f"w{index}",
            link=link,
            requested=wheel.requested,
            direct_url=wheel.direct_url,
        )

    if len(chosen) <= 1:
        for index in range(len(chosen)):
            stage(index)
    else:
        tasks = [functools.partial(stage, index) for index in range(len(chosen))]
        _in_parallel(tasks, stop=changes.abandon)
    if options.compile:
        _compile([wheel for wheel in staged if wheel is not None], environment, changes)
    changes.commit()


def _in_parallel(
    tasks: Sequence[Callable[[], _T]], *, stop: Callable[[], None] = lambda: None
) -> list[_T]:
    """Each task's result, the tasks run on worker threads. At the first error, Ctrl-C
    or SIGTERM, the tasks not yet begun are dropped, stop() asks the running ones to
    end early (staging: at the next file), and they are waited for, so that nothing
    writes any more while the caller undoes; then it is raised. Waiting for every
    task instead made Ctrl-C during a large install take many seconds."""
    pool = ThreadPoolExecutor(max(1, min(_WORKERS, len(tasks))))
    try:
        # Signals are taken between the waits, never inside one (see held_back).
        with held_back():
            futures = [pool.submit(task) for task in tasks]
        while True:
            with held_back():
                _, running = wait(futures, _POLL, return_when=FIRST_EXCEPTION)
                failed = [f for f in futures if f.done() and f.exception() is not None]
            if failed or not running:
                break
        with held_back():
            if failed:  # the error of the first task that failed, in order
                failed[0].result()
            results = [future.result() for future in futures]
    except BaseException:
        stop()
        _wait_for(pool)
        raise
    with held_back():
        pool.shutdown()
    return results


def _wait_for(pool: ThreadPoolExecutor) -> None:
    """The pool's running tasks ended, the others dropped; a second Ctrl-C or SIGTERM
    (users press it again) does not cut the wait short: it is brief, and the undoing
    that follows must not race a thread still writing."""
    while True:
        try:
            with held_back():
                pool.shutdown(wait=True, cancel_futures=True)
            return
        except (KeyboardInterrupt, Interrupted):
            continue


def scheme_for(target: InstallTarget, manifest: WheelManifest) -> dict[str, str]:
    """The target's scheme for one distribution: as pip, headers go into a directory
    named after it, so two projects' foo.h do not collide."""
    scheme = dict(target.scheme)
    if "headers" in scheme:
        scheme["headers"] = os.path.join(scheme["headers"], manifest.display_name)
    return scheme


def _compile(
    staged: list[StagedWheel], environment: Environment, changes: Transaction
) -> None:
    """Bytecode for the modules in purelib/platlib, listed in their RECORDs."""
    owner: dict[str, StagedWheel] = {}
    modules = []
    for wheel in staged:
        for scheme, staged_path, final in wheel.written:
            if scheme in ("purelib", "platlib") and final.endswith(".py"):
                owner[staged_path] = wheel
                pyc = _pyc_for(staged_path, final, changes)
                modules.append((staged_path, pyc, final))
    compiled: dict[int, tuple[StagedWheel, list[str]]] = {}
    from inst.install.bytecode import compile_modules

    for source, staged_pyc, final_pyc in compile_modules(modules, environment.python):
        wheel = owner[source]
        compiled.setdefault(id(wheel), (wheel, []))[1].append(final_pyc)
        if staged_pyc != final_pyc:
            changes.place(staged_pyc, final_pyc)
    for wheel, finals in compiled.values():
        wheel.add_to_record(finals)


def _pyc_for(source: str, final: str, changes: Transaction) -> str:
    """Where a module's bytecode is written: in place when it goes below a new path
    (its package is new), otherwise in the staging area beside the staged module (or,
    for a module written in place whose __pycache__ exists, one of its own)."""
    final_pyc = importlib.util.cache_from_source(final)
    if changes.is_new(final_pyc):
        return final_pyc
    if source != final:
        return importlib.util.cache_from_source(source)
    root = changes.stage_root(os.path.dirname(final))
    return os.path.join(root, "pyc", final_pyc.lstrip(os.sep))

"""Which files uninstalling a distribution removes: ``plan_removal()``.

The list comes from the distribution's own record (``RECORD`` of a ``.dist-info``,
``installed-files.txt`` of an ``.egg-info``), plus the compiled files of every listed
``.py`` and everything in the metadata directory itself. A record can name any path
(absolute, or climbing out with ``..``): only paths inside the target's roots are ever
removed, whatever the record says; the others are reported so the caller can warn.

Nothing here changes the environment: the caller hands the files to a Transaction.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inst._records import dataclass
from inst.environment import InstalledDist
from inst.errors import InstError
from inst.install.paths import is_below

if TYPE_CHECKING:
    from inst.install.target import InstallTarget

__all__ = [
    "RemovalPlan",
    "compress_listing",
    "develop_link",
    "plan_for_target",
    "plan_removal",
]


@dataclass(frozen=True)
class RemovalPlan:
    """What uninstalling a distribution removes."""

    dist: InstalledDist
    files: tuple[Path, ...]  # existing files to remove, sorted
    outside: tuple[str, ...]  # paths the record lists outside every root: never touched
    missing: int  # listed but already absent
    interpreter: tuple[Path, ...] = ()  # the target's Python, which the record names


def plan_for_target(dist: InstalledDist, target: InstallTarget) -> RemovalPlan:
    """The removal plan within target: without anything of inst's own state
    directory, and without the target's interpreter (a RECORD naming it would leave
    the environment dead; those are in ``interpreter``)."""
    plan = plan_removal(dist, target.roots)
    state = os.path.normcase(os.path.abspath(target.state_dir))
    state_real = os.path.normcase(os.path.realpath(target.state_dir))
    files: list[Path] = []
    interpreter: list[Path] = []
    for path in plan.files:
        if is_below(os.path.normcase(os.path.abspath(path)), state) or is_below(
            os.path.normcase(os.path.realpath(path.parent)), state_real
        ):
            continue
        if _is_interpreter(path, target.interpreter):
            interpreter.append(path)
            continue
        files.append(path)
    return dataclasses.replace(plan, files=tuple(files), interpreter=tuple(interpreter))


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


def plan_removal(dist: InstalledDist, roots: Sequence[str]) -> RemovalPlan:
    """The files that uninstalling dist removes, limited to what lies inside roots.

    Raises InstError when inst cannot know which files belong to the distribution
    (no RECORD nor installed-files.txt, an egg, a develop install's .egg-link)."""
    info = Path(os.path.abspath(dist.path))
    _refuse_unknowable(dist, info)
    fence = _Fence(roots)
    if info.name.lower().endswith(".dist-info"):
        listed = _record_paths(dist, info, os.path.abspath(dist.location))
    else:
        listed = _installed_files_paths(dist, info)
    files: dict[str, str] = {}  # normcased key -> path
    outside: dict[str, None] = {}
    missing = 0
    sources: list[str] = []
    for path in listed:
        if not fence.holds(path):
            outside[path] = None
            continue
        if _is_real_directory(path):
            continue  # directories go when emptied, never with their content
        if not os.path.lexists(path):
            missing += 1
            continue
        files.setdefault(os.path.normcase(path), path)
        if path.endswith(".py"):
            sources.append(path)
    if fence.holds(os.fspath(info)):
        for path in _walk_files(os.fspath(info)):
            files.setdefault(os.path.normcase(path), path)
    pycache = _PycacheIndex()
    for source in sources:
        for compiled in pycache.compiled_files(source):
            if fence.holds(compiled):
                files.setdefault(os.path.normcase(compiled), compiled)
    return RemovalPlan(
        dist=dist,
        files=tuple(sorted(Path(path) for path in files.values())),
        outside=tuple(sorted(outside)),
        missing=missing,
    )


def develop_link(dist: InstalledDist, lib_dirs: Iterable[str]) -> Path | None:
    """The ``.egg-link`` in lib_dirs that put dist's project directory on sys.path
    (``setup.py develop``), if there is one."""
    if not dist.path.name.lower().endswith(".egg-info"):
        return None
    project = _physical(os.fspath(dist.location))
    for directory in lib_dirs:
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            continue
        for name in names:
            if not name.lower().endswith(".egg-link"):
                continue
            link = Path(directory) / name
            try:
                first = link.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            lines = first.splitlines()
            if lines and lines[0].strip():
                target = os.path.join(directory, lines[0].strip())
                if _physical(target) == project:
                    return link
    return None


def develop_install_error(dist: InstalledDist, link: Path) -> InstError:
    return InstError(
        f"cannot uninstall {_label(dist)}: it is a develop install ({link})",
        why="`setup.py develop` records no list of its files, so inst cannot know "
        "which files belong to it",
        hint=f"remove it by hand: delete {link} and its line in easy-install.pth "
        "beside it (the project's own directory is yours to keep)",
    )


def compress_listing(files: Iterable[Path], keep_dirs: Iterable[str]) -> list[str]:
    """What uninstalling removes, for people: a directory whose every file goes is
    shown once as ``dir/*``; compiled files are left out of the listing."""
    removed = {os.path.normcase(os.fspath(path)): os.fspath(path) for path in files}
    kept = {os.path.normcase(os.path.abspath(directory)) for directory in keep_dirs}
    # Directories holding removed files, up to (not including) a kept directory.
    parents: dict[str, str] = {}
    for key, path in removed.items():
        directory, directory_key = os.path.dirname(path), os.path.dirname(key)
        while (
            directory_key not in kept
            and directory_key not in parents
            and any(is_below(directory_key, k) for k in kept)
        ):
            parents[directory_key] = directory
            directory, directory_key = (
                os.path.dirname(directory),
                os.path.dirname(directory_key),
            )
    whole: dict[str, bool] = {}
    for key in sorted(parents, key=len, reverse=True):  # deepest first
        whole[key] = _goes_whole(parents[key], key, removed, whole)
    lines: list[str] = []
    for key in sorted(parents):
        parent_key = os.path.dirname(key)
        top = whole[key] and not whole.get(parent_key, False)
        if top and os.path.basename(key) != "__pycache__":
            lines.append(os.path.join(parents[key], "*"))
    for key, path in removed.items():
        if whole.get(os.path.dirname(key), False) or key.endswith((".pyc", ".pyo")):
            continue
        lines.append(path)
    return sorted(lines)


# -- helpers ------------------------------------------------------------------------------


def _refuse_unknowable(dist: InstalledDist, info: Path) -> None:
    name = info.name.lower()
    location = os.fspath(dist.location).lower().rstrip("/\\")
    if location.endswith(".egg") or name == "egg-info":
        egg = dist.location if location.endswith(".egg") else info.parent
        raise InstError(
            f"cannot uninstall {_label(dist)}: it is an egg ({egg})",
            why="eggs (easy_install) carry no list of the files they installed, so "
            "inst cannot know which files belong to it",
            hint=f"remove it by hand: delete {egg} and its line in easy-install.pth",
        )
    if name.endswith(".egg-link"):
        raise develop_install_error(dist, info)
    if name.endswith(".dist-info"):
        record = info / "RECORD"
        if not record.is_file():
            raise InstError(
                f"cannot uninstall {_label(dist)}: its {info.name} has no RECORD",
                why="RECORD lists the files an installer put in place; without it "
                "inst cannot know which files belong to the distribution",
                hint=f"remove it by hand: {info} and the files of the project",
            )
        return
    if not info.is_dir():
        raise InstError(
            f"cannot uninstall {_label(dist)}: it was installed by distutils ({info})",
            why="distutils left only this metadata file, no list of the files it "
            "installed, so inst cannot know which files belong to it",
            hint=f"remove it by hand: {info} and the files of the project",
        )
    if not (info / "installed-files.txt").is_file():
        raise InstError(
            f"cannot uninstall {_label(dist)}: its {info.name} has no "
            "installed-files.txt",
            why="without that list (or a RECORD) inst cannot know which files belong "
            "to the distribution",
            hint=f"remove it by hand: {info} and the files of the project",
        )


def _label(dist: InstalledDist) -> str:
    return f"{dist.display_name} {dist.version}"


def _read_list(dist: InstalledDist, path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError as error:
        raise InstError(
            f"cannot uninstall {_label(dist)}: {path} cannot be read",
            why=error.strerror or str(error),
        ) from None


def _record_paths(dist: InstalledDist, info: Path, location: str) -> list[str]:
    """RECORD's paths (relative to the dist's location, or absolute), normalised."""
    text = _read_list(dist, info / "RECORD")
    return [
        os.path.normpath(os.path.join(location, row[0]))
        for row in csv.reader(text.splitlines())
        if row and row[0]
    ]


def _installed_files_paths(dist: InstalledDist, info: Path) -> list[str]:
    """installed-files.txt's paths (relative to the .egg-info directory), normalised."""
    text = _read_list(dist, info / "installed-files.txt")
    return [
        os.path.normpath(os.path.join(info, line.strip()))
        for line in text.splitlines()
        if line.strip()
    ]


class _Fence:
    """Whether a path lies inside one of the roots, judged where it physically is:
    its directory with every symlink resolved (so that neither ``..`` nor a symlinked
    directory inside a root lead out of it), its last part as it is (a symlink is
    removed itself, wherever it points), against each root resolved the same way."""

    def __init__(self, roots: Sequence[str]) -> None:
        self.roots = list(dict.fromkeys(_physical(root) for root in roots))
        self._resolved: dict[str, str] = {}

    def holds(self, path: str) -> bool:
        parent, name = os.path.split(os.path.abspath(path))
        resolved = self._resolved.get(parent)
        if resolved is None:
            resolved = self._resolved[parent] = _physical(parent)
        real = os.path.join(resolved, os.path.normcase(name))
        return any(is_below(real, root) for root in self.roots)


def _physical(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _is_real_directory(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _walk_files(top: str) -> list[str]:
    """Every non-directory below top (symlinks to directories count as files)."""
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(top):
        found += [os.path.join(directory, name) for name in filenames]
        found += [
            os.path.join(directory, name)
            for name in dirnames
            if os.path.islink(os.path.join(directory, name))
        ]
    return found


class _PycacheIndex:
    """The compiled files of a source file, whichever Python made them."""

    def __init__(self) -> None:
        self._listings: dict[str, list[str]] = {}

    def _names(self, directory: str) -> list[str]:
        names = self._listings.get(directory)
        if names is None:
            try:
                names = os.listdir(directory)
            except OSError:
                names = []
            self._listings[directory] = names
        return names

    def compiled_files(self, source: str) -> list[str]:
        directory, filename = os.path.split(source)
        stem = filename[: -len(".py")]
        found: list[str] = []
        cache = os.path.join(directory, "__pycache__")
        # __pycache__/<stem>.<tag>.pyc and .<tag>.opt-N.pyc (PEP 3147, PEP 488): any
        # tag, since the environment's Python may not be the one running inst.
        for name in self._names(cache):
            if not (name.startswith(stem + ".") and name.endswith(".pyc")):
                continue
            parts = name[len(stem) + 1 : -len(".pyc")].split(".")
            if len(parts) == 1 or (len(parts) == 2 and parts[1].startswith("opt-")):
                found.append(os.path.join(cache, name))
        # Python 2's compiled files beside the source.
        for name in (stem + ".pyc", stem + ".pyo"):
            if name in self._names(directory):
                found.append(os.path.join(directory, name))
        return found


def _goes_whole(
    directory: str, key: str, removed: dict[str, str], whole: dict[str, bool]
) -> bool:
    """Every entry of directory is a removed file or a subdirectory that goes whole."""
    try:
        entries = os.listdir(directory)
    except OSError:
        return False
    for name in entries:
        entry_key = os.path.join(key, os.path.normcase(name))
        if entry_key in removed:
            continue
        if not whole.get(entry_key, False):
            return False
    return bool(entries)

"""Reading a PEP 751 lock: the file validated by ``packaging.pylock`` (never our own
parser), then the packages it locks for one target selected by ``Pylock.select()``
(markers, requires-python, ``environments``, wheel tags, extras and groups), each as
one file to fetch with the hashes it must have, or a local directory to build.

inst's own ``[packages.tool.inst]`` table (docs/reference/installing-locks.md) adds, for an
sdist, the build interface and the exact wheels of its build environment; they are
selected for the build interpreter the same way, by wrapping them in a lock of their
own.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from packaging.utils import NormalizedName, canonicalize_name

from inst._records import dataclass
from inst.errors import InstError
from inst.models import HASH_ALGORITHMS, DistFile

if TYPE_CHECKING:
    from packaging.pylock import (
        Package,
        PackageArchive,
        PackageDirectory,
        PackageSdist,
        PackageVcs,
        PackageWheel,
        Pylock,
    )
    from packaging.tags import Tag
    from packaging.version import Version

    Source = Union[
        PackageVcs, PackageDirectory, PackageArchive, PackageWheel, PackageSdist
    ]

#: Lock files above this size are refused (a lock of thousands of packages is ~1 MB).
MAX_LOCK_SIZE = 32 * 1024 * 1024


class LockError(InstError):
    """A lock that cannot be read, or does not apply to the target."""


@dataclass(frozen=True)
class LockedBuild:
    """How inst built a locked sdist: its interface and its build environment's exact
    wheels (already selected for the build interpreter)."""

    interface: str | None  # "pyproject" or "setup.py"; None: inst's policy decides
    packages: tuple[LockedPackage, ...]  # wheels only, hash-checked like any other


@dataclass(frozen=True)
class LockedPackage:
    """One package a lock selects for the target: a file to fetch (``file``, with the
    hashes it must have) or a local project directory (``tree``)."""

    name: NormalizedName
    version: Version | None
    file: DistFile | None = None
    tree: Path | None = None
    editable: bool = False
    build: LockedBuild | None = None

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name


@dataclass(frozen=True)
class Lock:
    """A validated lock file."""

    path: Path
    pylock: Pylock

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def covers(self) -> str:
        """What the lock applies to, in words (for refusals and --dry-run)."""
        parts = []
        if self.pylock.environments:
            parts.append(
                "the environments "
                + " or ".join(f"`{marker}`" for marker in self.pylock.environments)
            )
        if self.pylock.requires_python:
            parts.append(f"Python {self.pylock.requires_python}")
        return " and ".join(parts) if parts else "any environment"


def read_lock(path: str | Path) -> Lock:
    """The lock at path, validated; a LockError says what is wrong with it."""
    import sys

    from packaging.pylock import Pylock, PylockValidationError

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the tomli backport, as settings/files.py
        import tomli as tomllib

    where = Path(path)
    try:
        size = os.path.getsize(where)
        if size > MAX_LOCK_SIZE:
            raise LockError(
                f"{where} is too large to be a lock file ({size} bytes)",
                hint="check that -r names the right file",
            )
        with open(where, "rb") as stream:
            data = tomllib.load(stream)
    except OSError as error:
        raise LockError(
            f"cannot read the lock file {where}",
            why=error.strerror or str(error),
            hint="check the path given",
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise LockError(
            f"{where} is not valid TOML",
            why=str(error),
            hint="a pylock.toml file is written by a locking tool (inst lock); "
            "write it again",
        ) from None
    try:
        pylock = Pylock.from_dict(data)
    except PylockValidationError as error:
        raise LockError(
            f"{where} is not a valid PEP 751 lock",
            why=str(error),
            hint="write it again with a locking tool (inst lock), or fix the key named",
        ) from None
    return Lock(where.resolve(), pylock)


@dataclass(frozen=True)
class Selection:
    """What to select for: the target's markers and tags, extras and groups."""

    markers: Mapping[str, str]
    tags: Sequence[Tag]
    extras: Collection[str] = ()
    groups: Collection[str] | None = None  # None: the lock's default groups

    def describe(self) -> str:
        m = self.markers
        return (
            f"Python {m.get('python_full_version', '?')} "
            f"({m.get('implementation_name', '?')}, {m.get('sys_platform', '?')}, "
            f"{m.get('platform_machine', '?')})"
        )


def select_packages(lock: Lock, target: Selection) -> list[LockedPackage]:
    """The packages the lock gives the target, in the lock's order; a LockError if
    the lock does not apply to it or has no file for it."""
    _check_declared(lock, target)
    chosen = _select(lock.pylock, target, lock, what=f"{lock.path.name}")
    return [_locked(package, source, lock, target) for package, source in chosen]


def _select(
    pylock: Pylock, target: Selection, lock: Lock, *, what: str
) -> list[tuple[Package, Source]]:
    from packaging.markers import UndefinedComparison, UndefinedEnvironmentName
    from packaging.pylock import PylockSelectError

    try:
        return list(
            pylock.select(
                environment=dict(target.markers),  # type: ignore[arg-type]
                tags=list(target.tags),
                extras=target.extras,
                dependency_groups=target.groups,
            )
        )
    except (UndefinedEnvironmentName, UndefinedComparison) as error:
        raise LockError(
            f"a marker in {what} cannot be evaluated for the target "
            f"{target.describe()}",
            why=f"{type(error).__name__}: {error}",
            hint="PEP 751 markers may use extras and dependency_groups, not extra; "
            "lock again",
        ) from None
    except PylockSelectError as error:
        raise LockError(
            f"{what} does not apply to the target {target.describe()}",
            why=f"the lock covers {lock.covers()}"
            + _declared(pylock)
            + f"; packaging.pylock says: {error}",
            hint="install it where it applies (--python), or lock again for this "
            "target",
        ) from None


def _check_declared(lock: Lock, target: Selection) -> None:
    """--extra and --group name what the lock declares: an unknown name is a mistake
    about the lock, not about the target it is installed to."""
    from inst.errors import UsageError

    for group in target.groups or ():
        if ":" in group:
            raise UsageError(
                f"--group {group!r} names a group of a pyproject.toml, and "
                f"{lock.path.name} is installed",
                why="with a lock, --group selects one of the groups the lock holds",
                hint=f"write --group {group.rpartition(':')[2]}",
            )
    for kind, option, asked, declared in (
        ("extra", "--extra", target.extras, lock.pylock.extras),
        ("dependency group", "--group", target.groups or (), _all_groups(lock.pylock)),
    ):
        known = [canonicalize_name(name) for name in declared or ()]
        unknown = [name for name in asked if canonicalize_name(name) not in known]
        if unknown:
            holds = ", ".join(dict.fromkeys(known))
            raise LockError(
                f"{lock.path.name} has no {kind} {', '.join(unknown)}",
                why=f"it locks the {kind}s {holds}"
                if holds
                else f"it locks no {kind}s",
                hint=f"name one of those with {option}, or lock again with "
                f"{option} {unknown[0]}",
            )


def _all_groups(pylock: Pylock) -> list[str]:
    return [*(pylock.dependency_groups or ()), *(pylock.default_groups or ())]


def _declared(pylock: Pylock) -> str:
    parts = []
    if pylock.extras:
        parts.append("extras " + ", ".join(pylock.extras))
    groups = [*(pylock.dependency_groups or ()), *(pylock.default_groups or ())]
    if groups:
        parts.append("groups " + ", ".join(dict.fromkeys(groups)))
    return f", with {' and '.join(parts)}" if parts else ""


def _locked(
    package: Package, source: Source, lock: Lock, target: Selection
) -> LockedPackage:
    from packaging.pylock import PackageDirectory, PackageVcs

    if isinstance(source, PackageVcs):
        raise LockError(
            f"{package.name} is locked to a VCS checkout in {lock.path.name}",
            why="inst installs locked files and directories, not VCS sources",
            hint="lock it from an index or a local directory instead",
        )
    if isinstance(source, PackageDirectory):
        if source.subdirectory:
            base = lock.base_dir / source.path / source.subdirectory
        else:
            base = lock.base_dir / source.path
        return LockedPackage(
            package.name,
            package.version,
            tree=base.resolve(),
            editable=bool(source.editable),
        )
    file = _dist_file(package, source, lock)
    build = None
    if not file.is_wheel:
        build = _locked_build(package, lock, target)
    # PEP 751 makes version optional; a file's name always says it.
    version = package.version or file.version
    return LockedPackage(package.name, version, file=file, build=build)


def _dist_file(
    package: Package,
    source: PackageArchive | PackageWheel | PackageSdist,
    lock: Lock,
) -> DistFile:
    from packaging.pylock import PackageArchive

    from inst.fileurls import file_url
    from inst.models import is_dist_filename, parse_dist_file, url_filename

    if source.url is not None:
        url = source.url
    else:
        assert source.path is not None  # packaging validates: url or path
        url = file_url((lock.base_dir / source.path).resolve())
    if isinstance(source, PackageArchive):
        filename = url_filename(url)
    else:
        filename = source.filename
    hashes = {
        algorithm: value.lower()
        for algorithm, value in source.hashes.items()
        if algorithm in HASH_ALGORITHMS
    }
    if not hashes:
        raise LockError(
            f"{filename} of {package.name} in {lock.path.name} has no hash inst "
            "can check",
            why=f"it gives {', '.join(source.hashes) or 'none'}; inst checks "
            + ", ".join(HASH_ALGORITHMS),
            hint="lock it again with sha256 hashes",
        )
    file = DistFile(
        filename,
        url.partition("#")[0],
        hashes,
        size=source.size,
        requires_python=str(package.requires_python)
        if package.requires_python
        else None,
        source=package.index or "",
    )
    if not is_dist_filename(filename) or parse_dist_file(file) is None:
        raise LockError(
            f"{filename} of {package.name} in {lock.path.name} is not a wheel or "
            "sdist file name",
            hint="lock it again",
        )
    if file.project != package.name or (
        package.version is not None and file.version != package.version
    ):
        raise LockError(
            f"{filename} in {lock.path.name} is not a file of "
            f"{package.name} {package.version}",
            why="the lock names another project or version for it",
            hint="lock it again",
        )
    return file


def _locked_build(
    package: Package, lock: Lock, target: Selection
) -> LockedBuild | None:
    """inst's [packages.tool.inst] of an sdist, its build packages selected for the
    build interpreter (the target's, as inst builds with it)."""
    from packaging.pylock import Pylock, PylockValidationError

    table = (package.tool or {}).get("inst")
    if not isinstance(table, Mapping):
        return None
    interface = table.get("build-interface")
    # "pyproject", "setup.py" or a plug-in's name: the build policy says whether this
    # run has it (a plug-in the lock was made with must be installed to sync).
    if interface is not None and (not isinstance(interface, str) or not interface):
        raise LockError(
            f"[packages.tool.inst] of {package.name} in {lock.path.name} names the "
            f"build interface {interface!r}",
            why="it is the name of an interface: 'pyproject', 'setup.py' or a "
            "plug-in's",
            hint="lock it again with this version of inst",
        )
    entries = table.get("build-packages")
    if entries is None:
        return LockedBuild(interface, ())
    what = f"the build packages of {package.name} in {lock.path.name}"
    data: dict[str, Any] = {
        "lock-version": "1.0",
        "created-by": "inst",
        "packages": entries,
    }
    try:
        build_lock = Pylock.from_dict(data)
    except PylockValidationError as error:
        raise LockError(
            f"{what} are not valid",
            why=str(error),
            hint="lock it again",
        ) from None
    build_target = Selection(target.markers, target.tags, (), ())
    chosen = _select(build_lock, build_target, lock, what=what)
    packages = []
    for build_package, source in chosen:
        locked = _locked(build_package, source, lock, build_target)
        if locked.file is None or not locked.file.is_wheel:
            raise LockError(
                f"{what} hold {build_package.name}, which is not a wheel",
                why="a build environment is made of locked wheels only",
                hint="lock it again",
            )
        packages.append(locked)
    return LockedBuild(interface, tuple(packages))


def lock_names(lock: Lock) -> frozenset[NormalizedName]:
    """Every package name the lock holds, for any target."""
    return frozenset(canonicalize_name(p.name) for p in lock.pylock.packages)

"""Environments builds run in.

Isolated (the default): a venv without pip per exact set of resolved build requirements,
kept in the cache and reused by every build needing the same set. Its content is
installed by a ``Provisioner`` the caller supplies (inst's own resolver and installer),
so this module never imports the install pipeline. Each environment records a stamp of
its files; one found changed is made again, so a build cannot taint later ones.

Not isolated (--no-build-isolation): the target environment itself.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from packaging.utils import NormalizedName
from packaging.version import Version

from inst import fileio
from inst._records import dataclass
from inst.build.interfaces import BuildEnv
from inst.build.reporting import BuildReporter
from inst.cache import BuildEnvironments
from inst.errors import InstError

STAMP_FILE = "inst-build-env.json"
#: Bumped when the layout of an environment or its stamp changes.
FORMAT = 1
#: Not part of the stamp: Python's own bytecode cache, and inst's lock/staging dir.
_UNSTAMPED = {"__pycache__", ".inst"}
#: Removed from a build's environment: they would let the outer world leak in.
_LEAKY_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE")


@dataclass(frozen=True)
class BuildPin:
    """One resolved build requirement: exactly this file of this version."""

    name: NormalizedName
    version: Version
    sha256: str

    def __str__(self) -> str:
        return f"{self.name}-{self.version}"


class Provisioner(Protocol):
    """What the caller provides: resolution and installation of build requirements,
    with the main run's indexes, cache and hash policy and the build constraints."""

    def resolve(self, requirements: Sequence[str], purpose: str) -> Sequence[BuildPin]:
        """The pins satisfying requirements (purpose: "demo 1.0", for messages)."""
        ...

    def install(self, pins: Sequence[BuildPin], prefix: Path, python: Path) -> None:
        """Install exactly the pins into the venv at prefix (whose interpreter is
        python)."""
        ...


def build_environ(extra_path: str | None, *, isolated: bool) -> dict[str, str]:
    environ = dict(os.environ)
    if isolated:
        for name in _LEAKY_VARIABLES:
            environ.pop(name, None)
        environ["PYTHONNOUSERSITE"] = "1"
    if extra_path:
        environ["PATH"] = extra_path + os.pathsep + environ.get("PATH", "")
    # setuptools must never fetch on its own: were it to try despite inst's shims and
    # checks, a pip it runs finds no index.
    environ["PIP_NO_INDEX"] = "1"
    environ.pop("PIP_FIND_LINKS", None)
    environ.pop("PIP_INDEX_URL", None)
    environ.pop("PIP_EXTRA_INDEX_URL", None)
    return environ


class EnvironmentStore:
    """Cached isolated build environments for one target interpreter."""

    def __init__(
        self,
        place: BuildEnvironments,
        python: Path,
        version_info: Sequence[int],
        provisioner: Provisioner,
        *,
        lock_timeout: float = 300.0,
        reporter: BuildReporter | None = None,
        implementation: str | None = None,
    ) -> None:
        #: Where environments go, and (its fallback: a run's work directory) where
        #: they go when that cannot be written.
        self._place = place
        self._reporter = reporter or BuildReporter()
        self._python = python
        self._version = ".".join(map(str, version_info[:3]))
        self._provisioner = provisioner
        self._lock_timeout = lock_timeout
        #: The target's implementation_name: a CPython venv is laid out here.
        self._implementation = implementation
        self._checked: dict[Path, BuildEnv] = {}

    def get(self, requirements: Sequence[str], purpose: str) -> BuildEnv:
        """An environment holding exactly what requirements resolve to."""
        pins = sorted(
            self._provisioner.resolve(requirements, purpose), key=lambda p: p.name
        )
        key = self._key(pins)
        path = self._place.entry(key)
        env = self._checked.get(path)
        if env is not None:
            return env
        from inst.locking import CannotLock

        try:
            made = self._ready(path, pins)
        except (CannotLock, OSError) as error:
            if self._place.fallback is None:
                raise
            # As pip with a cache it cannot write: the run goes on, only slower.
            self._reporter.warning(
                f"the build environment cache {self._place.directory} cannot be used "
                f"({getattr(error, 'why', None) or error}); this build gets a "
                "temporary environment"
            )
            self._place = self._place.fallback
            return self.get(requirements, purpose)
        env = BuildEnv(
            python=str(_venv_python(path)),
            environ=build_environ(str(_venv_python(path).parent), isolated=True),
            isolated=True,
            installed={pin.name: pin.version for pin in pins},
            new=made,
        )
        self._checked[path] = dataclasses.replace(env, new=False)
        return env

    def _ready(self, path: Path, pins: Sequence[BuildPin]) -> bool:
        """Make sure an intact environment of exactly these pins is at path; whether
        it was made now."""
        from inst.locking import locked

        listing = [str(pin) for pin in pins]
        with locked(
            path.parent / f".{path.name}.lock",
            timeout=self._lock_timeout,
            label=f"the build environment {path}",
            waiting=self._reporter.waiting_for_lock,
        ):
            if _intact(path, pins, self._reporter):
                self._reporter.using_cached_environment(listing)
                return False
            if pins:
                self._reporter.installing_requirements(listing)
            self._make(path, pins)
            return True

    def _key(self, pins: Sequence[BuildPin]) -> str:
        facts = {
            "format": FORMAT,
            "python": os.path.realpath(self._python),
            "version": self._version,
            "pins": [[p.name, str(p.version), p.sha256] for p in pins],
        }
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()

    def _make(self, path: Path, pins: Sequence[BuildPin]) -> None:
        if path.exists() or path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if not _lay_out_venv(
                self._python, path, self._version, self._implementation
            ):
                _create_venv(self._python, path)
            self._provisioner.install(pins, path, _venv_python(path))
            stamp = {
                "format": FORMAT,
                "pins": [str(p) for p in pins],
                "files": _files(path),
            }
            # Last, and whole: the stamp marks the environment complete.
            fileio.write_text(path / STAMP_FILE, json.dumps(stamp))
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise


def _venv_python(path: Path) -> Path:
    if sys.platform == "win32":
        return path / "Scripts" / "python.exe"
    return path / "bin" / "python"


def _lay_out_venv(
    python: Path, path: Path, version: str, implementation: str | None
) -> bool:
    """The venv ``python -m venv --without-pip --symlinks`` makes, laid out here
    instead (that subprocess cost a build a second interpreter start): CPython on
    POSIX but macOS, whose framework builds need more. False when this is not such
    a case, or the base interpreter cannot be told: then the interpreter makes it."""
    if implementation != "cpython" or os.name != "posix" or sys.platform == "darwin":
        return False
    base = _base_interpreter(python)
    if base is None:
        return False
    executable, home = base
    short = ".".join(version.split(".")[:2])
    bin_dir = path / "bin"
    for directory in (
        bin_dir,
        path / "include",
        path / "lib" / f"python{short}" / "site-packages",
    ):
        directory.mkdir(parents=True)
    # As venv: lib64 is lib (a platlib of lib64, as on Fedora, is the same folder).
    (path / "lib64").symlink_to("lib")
    main = f"python{short}"
    (bin_dir / main).symlink_to(executable)
    for alias in ("python", f"python{short.split('.')[0]}"):
        (bin_dir / alias).symlink_to(main)
    fileio.write_text(
        path / "pyvenv.cfg",
        f"home = {home}\n"
        "include-system-site-packages = false\n"
        f"version = {version}\n"
        f"executable = {os.path.realpath(executable)}\n",
    )
    return True


def _base_interpreter(python: Path) -> tuple[str, str] | None:
    """The interpreter a venv made by python links to, and its folder (pyvenv.cfg's
    home), as ``venv`` finds them: for a venv's python, its base interpreter."""
    executable = os.path.abspath(python)
    real = os.path.realpath(executable)
    home = os.path.dirname(executable)
    for cfg in (Path(home) / "pyvenv.cfg", Path(home).parent / "pyvenv.cfg"):
        try:
            lines = cfg.read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
        values = {
            key.strip().lower(): value.strip()
            for key, sep, value in (line.partition("=") for line in lines)
            if sep
        }
        if not values.get("home"):
            return None
        home = values["home"]
        # A venv of --symlinks: real is the base interpreter; of --copies: its copy,
        # and the base is the one of that name in home.
        beside = os.path.join(home, os.path.basename(real))
        executable = real if os.path.dirname(real) == home else beside
        break
    if not (os.path.isfile(executable) and os.path.isdir(home)):
        return None
    return executable, home


def _create_venv(python: Path, path: Path) -> None:
    """A venv without pip, made by the target interpreter itself (so its layout and
    base interpreter are that interpreter's)."""
    command = [str(python), "-m", "venv", "--without-pip", str(path)]
    if sys.platform != "win32":
        command.insert(4, "--symlinks")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or [
            "no output"
        ]
        raise InstError(
            f"cannot create a build environment at {path}",
            why=f"{python} -m venv failed: {last[0]}",
            hint="check that the interpreter has the venv module (Debian: the "
            "pythonX.Y-venv package), or use --no-build-isolation",
        )


def _files(path: Path) -> dict[str, list[int]]:
    """size and mtime of every file: what a later use checks is still so (what
    os.walk would list, symlinks to folders left out; scandir's entries save a
    stat per file, which a build pays for once and every reuse once more)."""
    found: dict[str, list[int]] = {}
    root = os.fspath(path)
    skip = len(os.path.join(root, ""))
    pending = [root]
    while pending:
        try:
            entries = os.scandir(pending.pop())
        except OSError:  # as os.walk: a folder that cannot be listed is left out
            continue
        with entries:
            for entry in entries:
                try:
                    if entry.is_dir():
                        if entry.name not in _UNSTAMPED and not entry.is_symlink():
                            pending.append(entry.path)
                        continue
                    # and the stamp's temporary
                    if entry.name.startswith((STAMP_FILE, f".{STAMP_FILE}")):
                        continue
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                found[entry.path[skip:]] = [info.st_size, info.st_mtime_ns]
    return found


def _intact(path: Path, pins: Sequence[BuildPin], reporter: BuildReporter) -> bool:
    try:
        stamp = json.loads((path / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if stamp.get("format") != FORMAT or stamp.get("pins") != [str(p) for p in pins]:
        return False
    if stamp.get("files") != _files(path):
        reporter.warning(
            f"the cached build environment {path} was changed; making it again"
        )
        return False
    return True


def target_build_env(
    python: Path, installed: Mapping[NormalizedName, Version]
) -> BuildEnv:
    """--no-build-isolation: build with the target interpreter and what it has."""
    return BuildEnv(
        python=str(python),
        environ=build_environ(None, isolated=False),
        isolated=False,
        installed=dict(installed),
    )

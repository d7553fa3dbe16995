"""Where an install writes: the environment, ``--user``, ``--target``, ``--prefix``, ``--root``.

``install_target()`` turns the target interpreter (an ``Environment``) and the location
options into one ``InstallTarget``: the scheme the wheels are unpacked into, the
directories an uninstall may remove files from, the directories whose distributions
count as installed *here*, and the name messages use for it. The rules are pip's:

- ``--user`` cannot be combined with ``--target`` or ``--prefix``, nor ``--target``
  with ``--prefix``; ``--user`` is refused in a venv that cannot see the user site;
- ``--target DIR`` is laid out as pip leaves it (libraries in DIR, scripts in DIR/bin)
  and ignores what is installed elsewhere;
- ``--root DIR`` moves every path of the other choice below DIR, the way distutils'
  ``change_root`` does, while scripts keep the real interpreter in their shebang.

``check_externally_managed()`` is PEP 668: a distribution's Python that marks itself
``EXTERNALLY-MANAGED`` is refused unless ``--break-system-packages``.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from packaging.utils import NormalizedName

from inst._records import dataclass
from inst.environment import Environment, InstalledDist, InstalledSet, Interpreter
from inst.errors import InstError
from inst.install.paths import is_below
from inst.install.state import STATE_DIR_NAME

TargetKind = Literal["environment", "user", "target", "prefix", "root"]

#: The scheme keys a wheel installs into (the subdirectories of ``.data`` and more).
SCHEME_KEYS = ("purelib", "platlib", "scripts", "data", "headers")


_SEPARATORS = os.sep + (os.altsep or "")


@dataclass(frozen=True)
class InstallTarget:
    """Where an install or uninstall writes, and what it may touch."""

    kind: TargetKind
    #: purelib, platlib, scripts, data, headers: absolute final paths (for --root,
    #: already below the root). Installers append the distribution's name to headers.
    scheme: Mapping[str, str]
    #: For script shebangs: the target interpreter's path (never below --root, as pip).
    interpreter: str
    #: inst's lock/journal/staging directory for this target.
    state_dir: Path
    #: Directories inside which uninstall may remove files (realpath-normalised).
    roots: tuple[str, ...]
    #: purelib and platlib, deduplicated and realpath-normalised.
    lib_dirs: tuple[str, ...]
    #: How messages name it: "the virtual environment /v", "the target directory /t".
    label: str
    #: True for --target (pip: --target implies --ignore-installed).
    ignore_installed: bool = False
    #: The command-line options that choose this target again (for the messages that
    #: name a command to run on it, such as ``inst repair``).
    options: tuple[str, ...] = ()

    def installed(self) -> dict[NormalizedName, InstalledDist]:
        """Distributions in this target's purelib/platlib only, first found per name."""
        # The scheme's own spelling of the directories, so messages show familiar paths.
        directories: dict[str, str] = {}
        for key in ("purelib", "platlib"):
            directories.setdefault(_resolved(self.scheme[key]), self.scheme[key])
        return InstalledSet(tuple(directories.values())).distributions()

    @property
    def keep_dirs(self) -> list[str]:
        """Directories that stay even when emptied (the scheme's, the roots), in both
        the spelling given and the resolved one."""
        directories = [*self.scheme.values(), *self.roots, *self.lib_dirs]
        return list(
            dict.fromkeys(
                spelling
                for directory in directories
                for spelling in (
                    os.path.abspath(directory),
                    os.path.realpath(directory),
                )
            )
        )

    def owns(self, dist: InstalledDist) -> bool:
        """Whether dist lives in this target's lib dirs; one found elsewhere on the
        target's sys.path (the base Python of a venv, the user site) is not ours to
        uninstall or replace."""
        return _resolved(dist.location) in {os.path.normcase(d) for d in self.lib_dirs}

    def within_roots(self, path: str | os.PathLike[str]) -> bool:
        """Whether uninstall may remove path: it lies strictly inside one of roots.

        The directory holding path is resolved, its last part is not: a symlink is
        judged by where it is, not by where it points.
        """
        parent, name = os.path.split(os.path.abspath(path))
        if not name:
            return False  # a filesystem root
        candidate = os.path.normcase(os.path.join(os.path.realpath(parent), name))
        return any(is_below(candidate, os.path.normcase(root)) for root in self.roots)


def install_target(
    environment: Environment,
    *,
    user: bool = False,
    target: Path | None = None,
    prefix: Path | None = None,
    root: Path | None = None,
) -> InstallTarget:
    """The InstallTarget for the location options; InstError for combinations pip refuses."""
    _check_combination(user=user, target=target, prefix=prefix, root=root)
    options = _options(environment, user=user, target=target, prefix=prefix, root=root)
    if target is not None:
        return _target_dir(environment, Path(os.path.abspath(target)), options)
    if user:
        kind: TargetKind = "user"
        scheme, base, label = _user(environment.interpreter)
    elif prefix is not None:
        kind, base = "prefix", os.path.abspath(prefix)
        scheme = _installer_keys(environment.interpreter.prefix_scheme_for(Path(base)))
        label = f"the prefix {base}"
    else:
        kind, base = "environment", str(environment.prefix)
        scheme = _installer_keys(environment.scheme)
        venv = environment.interpreter.is_venv
        name = "virtual environment" if venv else "Python installation"
        label = f"the {name} {base}"
    if root is not None:
        new_root = os.path.abspath(root)
        kind, label = "root", f"the root directory {new_root}"
        scheme = {key: change_root(new_root, path) for key, path in scheme.items()}
        base = change_root(new_root, base)
    return _make(environment, kind, scheme, base, label, options=options)


def venv_target(environment: Environment, prefix: Path) -> InstallTarget:
    """A fresh venv of environment's interpreter at prefix (a build environment)."""
    scheme = _installer_keys(environment.interpreter.prefix_scheme_for(prefix))
    return _make(
        environment,
        "environment",
        scheme,
        str(prefix),
        f"the build environment {prefix}",
        options=("--python", str(prefix)),
    )


def _options(
    environment: Environment,
    *,
    user: bool,
    target: Path | None,
    prefix: Path | None,
    root: Path | None,
) -> tuple[str, ...]:
    options: list[str] = []
    if not environment.is_current:
        options += ["--python", str(environment.python)]
    if user:
        options.append("--user")
    for flag, value in (("--target", target), ("--prefix", prefix), ("--root", root)):
        if value is not None:
            options += [flag, os.path.abspath(value)]
    return tuple(options)


def _check_combination(
    *, user: bool, target: Path | None, prefix: Path | None, root: Path | None
) -> None:
    if user and target is not None:
        raise InstError(
            "cannot combine --user and --target",
            why="--user installs into your user site, --target into the given directory",
            hint="leave out one of them",
        )
    if user and prefix is not None:
        raise InstError(
            "cannot combine --user and --prefix",
            why="they name different installation locations: your user base and "
            "the given prefix",
            hint="leave out one of them",
        )
    if target is not None and prefix is not None:
        raise InstError(
            "cannot combine --target and --prefix",
            why="--target puts libraries straight into its directory, --prefix lays "
            "out lib/ and bin/ below its directory",
            hint="leave out one of them",
        )
    if target is not None and root is not None:
        # pip accepts the pair but leaves the files in a temporary directory below
        # the root instead of the target: refuse rather than copy that.
        raise InstError(
            "cannot combine --target and --root",
            why="--target already names the one directory everything goes into",
            hint="give the directory below the root as --target instead",
        )


def _user(interpreter: Interpreter) -> tuple[dict[str, str], str, str]:
    """The user scheme, the user base, and the label; InstError where pip refuses."""
    if interpreter.is_venv and not interpreter.user_site_enabled:
        raise InstError(
            "cannot perform a --user install",
            why=f"user site-packages are not visible in the virtual environment "
            f"{interpreter.prefix}",
            hint="install without --user into the virtual environment, or recreate "
            "it with --system-site-packages",
        )
    if interpreter.user_scheme is None:
        raise InstError(
            "cannot perform a --user install",
            why=f"the Python at {interpreter.python} has no user scheme (no user base "
            "directory)",
            hint="install without --user",
        )
    scheme = _installer_keys(interpreter.user_scheme)
    # The user base: every path of the user scheme lies below it.
    try:
        base = os.path.commonpath(list(scheme.values()))
    except ValueError:  # paths on different drives: no common parent
        base = scheme["data"]
    return scheme, base, f"the user site {scheme['purelib']}"


def _target_dir(
    environment: Environment, directory: Path, options: tuple[str, ...]
) -> InstallTarget:
    # os.path: a name too long is "not there" here, and the lock then says why.
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise InstError(
            f"--target {directory} is not a directory",
            hint="give a directory, or a path that does not exist yet",
        )
    # What pip leaves in DIR: it installs with the "home" scheme (posix_home on every
    # platform, so bin/ even on Windows) into a temporary directory, then moves the
    # contents of lib/python and everything else except lib/ into DIR.
    if environment.interpreter.is_venv:
        major, minor = environment.version_info[:2]
        headers = directory / "include" / "site" / f"python{major}.{minor}"
    else:
        headers = directory / "include" / "python"
    scheme = {
        "purelib": str(directory),
        "platlib": str(directory),
        "scripts": str(directory / "bin"),
        "data": str(directory),
        "headers": str(headers),
    }
    return _make(
        environment,
        "target",
        scheme,
        str(directory),
        f"the target directory {directory}",
        ignore_installed=True,
        options=options,
    )


def _make(
    environment: Environment,
    kind: TargetKind,
    scheme: Mapping[str, str],
    base: str,
    label: str,
    *,
    ignore_installed: bool = False,
    options: tuple[str, ...] = (),
) -> InstallTarget:
    # A scheme path outside the base directories is still the target's own: Homebrew's
    # Python installs outside its Cellar prefix, some distributions into /usr/local.
    roots = _unique_resolved([base, *scheme.values()])
    return InstallTarget(
        kind=kind,
        scheme=MappingProxyType(dict(scheme)),
        interpreter=str(environment.python),
        state_dir=Path(scheme["purelib"]) / STATE_DIR_NAME,
        roots=roots,
        lib_dirs=_unique_resolved(
            [scheme["purelib"], scheme["platlib"]], drop_nested=False
        ),
        label=label,
        ignore_installed=ignore_installed,
        options=options,
    )


def _installer_keys(scheme: Mapping[str, str]) -> dict[str, str]:
    return {key: scheme[key] for key in SCHEME_KEYS}


def _unique_resolved(paths: list[str], *, drop_nested: bool = True) -> tuple[str, ...]:
    """Paths made real and deduplicated; with drop_nested, paths inside another go."""
    result: dict[str, str] = {}
    for path in paths:
        real = os.path.realpath(path)
        result.setdefault(os.path.normcase(real), real)
    if not drop_nested:
        return tuple(result.values())
    keys = list(result)
    return tuple(
        real
        for key, real in result.items()
        if not any(other != key and is_below(key, other) for other in keys)
    )


def _resolved(path: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.realpath(path))


def change_root(new_root: str, path: str) -> str:
    """path moved below new_root, as distutils' change_root (pip's --root).

    The drive and every leading separator are dropped: a path such as "//x" must not
    escape the root the way os.path.join(root, "/x") would.
    """
    _drive, rest = os.path.splitdrive(path)
    return os.path.join(new_root, rest.lstrip(_SEPARATORS))


# --- PEP 668 -------------------------------------------------------------------------

_MARKER = "EXTERNALLY-MANAGED"
_SECTION = "externally-managed"


def check_externally_managed(
    environment: Environment, *, break_system_packages: bool
) -> None:
    """Refuse to install into a Python whose distributor manages it (PEP 668).

    Only outside a venv, and only for installs into the environment or ``--user``:
    the caller does not call this for --target, --prefix or --root, as pip.
    """
    interpreter = environment.interpreter
    if interpreter.is_venv or break_system_packages:
        return
    marker = Path(interpreter.stdlib) / _MARKER
    if not marker.is_file():
        return
    message = _distributor_message(marker) or (
        f"The Python environment under {interpreter.prefix} is managed by its "
        f"distributor ({marker} says so), and inst may not change it. Use the "
        "distributor's own tools to install packages into it"
    )
    raise InstError(
        f"this environment ({interpreter.prefix}) is externally managed",
        why=message,
        hint="install into a virtual environment (python -m venv DIR), use pipx to "
        "install applications, or pass --break-system-packages to override this at "
        "the risk of breaking your Python installation or OS",
    )


def _distributor_message(marker: Path) -> str | None:
    """The Error (or localized Error-<lang>) of the marker; None when there is none."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(marker.read_text(encoding="utf-8"), source=str(marker))
        section = parser[_SECTION]
    except (OSError, UnicodeDecodeError, configparser.Error, KeyError):
        return None  # unreadable or malformed: the caller refuses with its default
    for key in _message_keys(os.environ):
        value = section.get(key)
        if value and value.strip():
            return value.strip()
    return None


def _message_keys(environ: Mapping[str, str]) -> list[str]:
    """Error-<lang> keys from the most to the least specific, then Error.

    The language is the POSIX one for messages: LC_ALL, else LC_MESSAGES, else LANG;
    "de_DE.UTF-8@euro" gives Error-de_DE, then Error-de.
    """
    keys: list[str] = []
    lang = next(
        (
            environ[name]
            for name in ("LC_ALL", "LC_MESSAGES", "LANG")
            if environ.get(name)
        ),
        "",
    )
    lang = lang.partition(".")[0].partition("@")[0]
    if lang and lang not in ("C", "POSIX"):
        keys.append(f"Error-{lang}")
        for separator in ("_", "-"):
            language, found, _ = lang.partition(separator)
            if found and language:
                keys.append(f"Error-{language}")
    keys.append("Error")
    return list(dict.fromkeys(keys))

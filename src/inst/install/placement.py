"""Where a checked wheel's files go in one environment, and whether they may go there.

``place_wheel()`` checks a manifest (inst.wheel.checks.inspect_wheel) against the
scheme directories it would be installed into, without opening the archive: an
unsupported Python, a file that would land outside its scheme directory, two files
written to one path, a script named like the environment's own, or a file that would
replace the interpreter or another distribution's file. What it returns
(``ValidWheel``) tells the installer where every member goes, so the installer does
not work that out a second time. A wheel unpacked once is placed into any number of
environments this way.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, NoReturn

from packaging.utils import NormalizedName
from packaging.version import Version

from inst._records import dataclass
from inst.environment import InstalledDist
from inst.wheel.manifest import WheelManifest, frozen_entry_points
from inst.wheel.problems import (
    BROKEN_HINT,
    RESERVED_SCRIPT,
    InvalidWheel,
    script_name_problem,
)

if TYPE_CHECKING:
    import email.message

_OVERWRITE_HINT = "pass --force-reinstall to install it over that file anyway"


@dataclass(frozen=True)
class ValidWheel:
    """A wheel that passed every check, and where each of its members goes."""

    path: Path
    name: NormalizedName
    version: Version
    dist_info: str  # "<name>-<version>.dist-info" as spelled in the archive
    metadata: email.message.Message
    members: tuple[str, ...]  # archive member names, files only, in archive order
    # scheme ("purelib", "platlib", "scripts", "data", "headers") -> member names; root
    # members are under root_scheme, `<data_dir>/<scheme>/...` members under <scheme>.
    scheme_paths: Mapping[str, tuple[str, ...]]
    entry_points: Mapping[str, Mapping[str, str]]  # console_scripts / gui_scripts
    root_scheme: str = "purelib"  # where the archive root goes (Root-Is-Purelib)
    data_dir: str | None = None  # "<name>-<version>.data" as spelled, if there is one
    manifest: WheelManifest | None = None  # what place_wheel() placed


def check_placement(
    manifest: WheelManifest,
    scheme: Mapping[str, str],
    *,
    python: Path | None,
    installed: Callable[[], Mapping[NormalizedName, InstalledDist]],
    installing_over: Mapping[NormalizedName, InstalledDist] | None = None,
    force_reinstall: bool = False,
    requires_python_ok: Callable[[str], bool] | None = None,
    python_version: str | None = None,
    realpaths: dict[str, str] | None = None,
    private: Path | None = None,
) -> None:
    """Check that a manifest's files can go into the scheme directories; raise
    InvalidWheel. The archive is not opened. place_wheel() also says where each
    member goes; installing needs only the check.

    scheme: purelib, platlib, scripts, data, headers -> directory. python: the
    interpreter, which no file may replace (None: no such check). installed: the
    distributions there, asked only when a file the wheel writes already exists.
    installing_over: the installed distributions that stay installed beside this
    one, whose files the wheel may not overwrite (None: everything in the environment;
    the wheel's own project is never counted: upgrading replaces its files). force_reinstall: skip the overwrite
    checks. requires_python_ok: whether the target's Python satisfies a Requires-Python
    (None: not checked); python_version names that Python in the refusal. realpaths:
    a dict the wheels of one install share, for the scheme directories' realpaths.
    private: inst's own directory in the target (its lock and journals), where no
    file of a wheel may go.
    """
    placement = _Placement(manifest, scheme, realpaths)
    requires_python = manifest.requires_python
    if (
        requires_python_ok is not None
        and requires_python is not None
        and not requires_python_ok(requires_python)
    ):
        placement.refuse(
            f"it requires Python {requires_python}, "
            + (
                "which the target environment's Python does not satisfy"
                if python_version is None
                else f"and the target environment has Python {python_version}"
            ),
            hint="install a release that supports this Python, or pass "
            "--ignore-requires-python",
        )

    routes = placement.route()
    if private is not None:
        placement.refuse_private(routes, private)
    if not force_reinstall:
        _Overwrites(placement, routes, python, installed, installing_over).check()


def place_wheel(
    manifest: WheelManifest,
    scheme: Mapping[str, str],
    *,
    python: Path | None,
    installed: Callable[[], Mapping[NormalizedName, InstalledDist]],
    installing_over: Mapping[NormalizedName, InstalledDist] | None = None,
    force_reinstall: bool = False,
    requires_python_ok: Callable[[str], bool] | None = None,
    python_version: str | None = None,
    path: Path | None = None,
) -> ValidWheel:
    """check_placement(), and where each member goes. path: the wheel's file, for
    ValidWheel.path (default: the manifest's file name)."""
    check_placement(
        manifest,
        scheme,
        python=python,
        installed=installed,
        installing_over=installing_over,
        force_reinstall=force_reinstall,
        requires_python_ok=requires_python_ok,
        python_version=python_version,
    )
    scheme_paths: dict[str, list[str]] = {}
    for entry in manifest.files:
        scheme_paths.setdefault(entry.scheme, []).append(entry.member)
    return ValidWheel(
        path=Path(manifest.filename) if path is None else path,
        name=manifest.name,
        version=manifest.version,
        dist_info=manifest.dist_info,
        metadata=manifest.metadata,
        members=tuple(entry.member for entry in manifest.files),
        scheme_paths=MappingProxyType(
            {scheme: tuple(names) for scheme, names in scheme_paths.items()}
        ),
        entry_points=frozen_entry_points(manifest.entry_points),
        root_scheme=manifest.root_scheme,
        data_dir=manifest.data_dir,
        manifest=manifest,
    )


def _source(what: str, name: str) -> str:
    """What writes a file: "member 'x'" or "the console_scripts entry point 'x'"."""
    if what == "member":
        return f"member {name!r}"
    return f"the {what} entry point {name!r}"


#: directory (absolute, normalised, normcased) -> file name (normcased) -> what
#: writes it there: ("member", member name) or (entry point group, script name).
#: Grouped by directory: a big install writes tens of thousands of files into a few
#: thousand directories, and each directory is looked at once, not once per file.
Routes = dict[str, dict[str, tuple[str, str]]]
#: Whether paths are compared case-insensitively (os.path.normcase folds them).
_FOLDS_CASE = os.path.normcase("A") == "a"


class _Placement:
    """Where the files of one manifest go, given the scheme directories."""

    def __init__(
        self,
        manifest: WheelManifest,
        scheme: Mapping[str, str],
        realpaths: dict[str, str] | None = None,
    ) -> None:
        self.manifest = manifest
        self.wheel = manifest.filename
        self.name = manifest.name
        self.scheme = scheme
        self._bases: dict[str, str] = {}
        # directory -> its realpath, shared by the wheels of one install
        self._realpaths = {} if realpaths is None else realpaths

    def refuse(self, why: str, hint: str = BROKEN_HINT) -> NoReturn:
        raise InvalidWheel(self.wheel, why, hint) from None

    def base(self, scheme: str) -> str:
        """The scheme's directory, absolute with symlinks resolved (computed once)."""
        if scheme not in self._bases:
            directory = self.scheme.get(scheme)
            if not directory:
                self.refuse(
                    f"it has files for the {scheme} directory, which the target "
                    "environment does not define"
                )
            real = self._realpaths.get(directory)
            if real is None:
                real = self._realpaths[directory] = os.path.realpath(directory)
            self._bases[scheme] = real
        return self._bases[scheme]

    def parent(self, scheme: str, directory: str, first: tuple[str, str, str]) -> str:
        """The directory a file of the scheme's relative directory goes into,
        normcased; refused if it leaves the scheme directory. first: the first file
        there, and what writes it (for the refusal)."""
        base = self.base(scheme)
        if not directory:
            return os.path.normcase(base)
        parent = os.path.normpath(os.path.join(base, directory))
        # Both normalised: inside is "below base", compared as paths are compared.
        folded, folded_base = os.path.normcase(parent), os.path.normcase(base)
        inside = folded == folded_base or folded.startswith(
            folded_base.rstrip(os.sep) + os.sep
        )
        if not inside:
            filename, what, name = first
            self.refuse(
                f"{_source(what, name)} would be written to "
                f"{os.path.join(parent, filename)}, outside the {scheme} directory "
                f"{base}"
            )
        return folded

    def route(self) -> Routes:
        """Every file the installation writes, by directory."""
        suffix = ".exe" if os.name == "nt" else ""  # installer's launchers on Windows
        shadowed = self.manifest.shadowed_scripts(suffix)
        # (scheme, relative directory) -> file name -> what writes it
        grouped: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        for (scheme, directory), files in self.manifest.directories.items():
            names = grouped[scheme, directory] = {}
            for filename, entry in files:
                if shadowed and entry.member in shadowed:
                    continue  # its entry point writes that script instead
                if scheme == "scripts":
                    self.refuse_reserved(entry.relative, f"member {entry.member!r}")
                key = os.path.normcase(filename) if _FOLDS_CASE else filename
                if key in names:
                    self._both(
                        names[key], ("member", entry.member), scheme, entry.relative
                    )
                names[key] = ("member", entry.member)
        for group, scripts in self.manifest.entry_points.items():
            for script in scripts:
                # Checked again here: the manifest may come from a JSON file.
                problem = script_name_problem(script)
                if problem:
                    self.refuse(f"its {group} entry point {script!r} {problem}")
                self.refuse_reserved(script + suffix, _source(group, script))
                names = grouped.setdefault(("scripts", ""), {})
                self._add(
                    names, "scripts", script + suffix, script + suffix, group, script
                )

        routes: Routes = {}
        for (scheme, directory), names in grouped.items():
            if not names:
                continue
            for filename in ("", ".", ".."):
                if filename in names:
                    self.refuse(f"{_source(*names[filename])} does not name a file")
            first = next(iter(names.items()))
            parent = self.parent(scheme, directory, (first[0], *first[1]))
            there = routes.get(parent)
            if there is None:
                routes[parent] = names
                continue
            # Another scheme or spelling of the same directory (rare): merged.
            for filename, writer in names.items():
                if filename in there:
                    self.refuse(
                        f"{_source(*there[filename])} and {_source(*writer)} would "
                        f"both be written to {os.path.join(parent, filename)}"
                    )
                there[filename] = writer
        return routes

    def _add(
        self,
        names: dict[str, tuple[str, str]],
        scheme: str,
        filename: str,
        relative: str,
        what: str,
        name: str,
    ) -> None:
        """One file into its directory's names; refused if another is there."""
        key = os.path.normcase(filename) if _FOLDS_CASE else filename
        if key in names:
            self._both(names[key], (what, name), scheme, relative)
        names[key] = (what, name)

    def _both(
        self,
        first: tuple[str, str],
        second: tuple[str, str],
        scheme: str,
        relative: str,
    ) -> NoReturn:
        path = os.path.normpath(os.path.join(self.base(scheme), relative))
        self.refuse(
            f"{_source(*first)} and {_source(*second)} would both be written to {path}"
        )

    def refuse_private(self, routes: Routes, private: Path) -> None:
        """No file goes into inst's own directory of the target: a wheel's lock or
        journal there would lock every later inst out."""
        own = os.path.normcase(os.path.realpath(private))
        for parent, names in routes.items():
            if parent == own or parent.startswith(own.rstrip(os.sep) + os.sep):
                path = os.path.join(parent, next(iter(names)))
                self.refuse(
                    f"{_source(*next(iter(names.values())))} would write {path}, "
                    "inside inst's own directory of the environment",
                    hint="report the problem to the project's maintainers; nothing "
                    "was installed",
                )

    def refuse_reserved(self, relative: str, source: str) -> None:
        """A script named like the interpreter or a venv's activation scripts would
        replace the environment's own (in a venv, its Python): refused everywhere."""
        if "/" not in relative and RESERVED_SCRIPT.match(relative):
            self.refuse(
                f"{source} would write {relative} into the scripts directory, a name "
                "reserved for the environment's own Python and activation scripts",
                hint="report the problem to the project's maintainers; nothing was "
                "installed",
            )


class _Overwrites:
    """Rule 10: no file of the interpreter or of another distribution is replaced."""

    def __init__(
        self,
        placement: _Placement,
        routes: Routes,
        python: Path | None,
        installed: Callable[[], Mapping[NormalizedName, InstalledDist]],
        installing_over: Mapping[NormalizedName, InstalledDist] | None,
    ) -> None:
        self.placement = placement
        self.routes = routes
        self.python = python
        self._list_installed = installed
        self.installing_over = installing_over
        self._installed: Mapping[NormalizedName, InstalledDist] | None = None
        # existing() paths found through a symlink -> the wheel's own spelling
        self._spelled: dict[str, str] = {}

    def installed(self) -> Mapping[NormalizedName, InstalledDist]:
        if self._installed is None:  # lists sys.path: only when something exists
            self._installed = self._list_installed()
        return self._installed

    def writer(self, key: str) -> tuple[str, str] | None:
        """What writes the file of this normcased path, if the wheel writes it."""
        parent, _, name = self._spelled.get(key, key).rpartition(os.sep)
        names = self.routes.get(parent)
        return None if names is None else names.get(name)

    def check(self) -> None:
        # The interpreter, and the directory it is in (the venv's bin, where the
        # environment's own files are).
        bin_dirs: set[str] = set()
        if self.python is not None:
            python = os.path.abspath(self.python)
            directory = os.path.dirname(python)
            bin_dirs.add(os.path.normcase(os.path.realpath(directory)))
            interpreter = {
                os.path.normcase(path)
                for path in (
                    python,
                    os.path.realpath(python),
                    os.path.join(os.path.realpath(directory), os.path.basename(python)),
                )
            }
            for key in sorted(interpreter):
                if self.writer(key) is not None:
                    self.refuse(
                        key,
                        f"the environment's Python interpreter {python}",
                        hint="report the problem to the project's maintainers (or "
                        "pass --force-reinstall to replace the interpreter anyway)",
                    )
            # A venv's pyvenv.cfg, beside its bin directory or in it (as Python
            # looks for it): replaced, the venv is another (its isolation gone).
            real_bin = os.path.realpath(directory)
            for place in (os.path.dirname(real_bin), real_bin):
                key = os.path.normcase(os.path.join(place, "pyvenv.cfg"))
                if self.writer(key) is not None and os.path.isfile(key):
                    self.refuse(
                        key,
                        "the virtual environment's own configuration",
                        hint="report the problem to the project's maintainers (or "
                        "pass --force-reinstall to replace the file anyway)",
                    )
        if self.placement.scheme.get("scripts"):
            bin_dirs.add(os.path.normcase(self.placement.base("scripts")))

        existing = self.existing()
        if not existing:
            return  # nothing to overwrite: the usual case, no RECORD is read
        name = self.placement.name
        over = self.installing_over
        same = (
            over[name]
            if over is not None and name in over
            else self.installed().get(name)
        )
        if same is not None:  # an upgrade replaces its own files
            owned = _installed_files(same)
            existing = [key for key in existing if key not in owned]
        if not existing:
            return

        others = self.installed() if over is None else over
        for dist in others.values():
            if dist.name == name:
                continue
            owned = _installed_files(dist)
            for key in existing:
                if key in owned:
                    self.refuse(key, f"a file of {dist.display_name} {dist.version}")

        # Left: files no remaining distribution owns. In the scripts directory, one
        # that no installed distribution owns at all is the environment's own
        # (python3, activate, ...).
        in_bin = [key for key in existing if os.path.dirname(key) in bin_dirs]
        if not in_bin:
            return
        owned_anywhere: set[str] = set()
        for dist in self.installed().values():
            owned_anywhere |= _installed_files(dist)
        for key in in_bin:
            if key not in owned_anywhere:
                self.refuse(
                    key,
                    "a file of the Python environment itself, which no "
                    "distribution installed",
                    hint="report the problem to the project's maintainers (or "
                    "pass --force-reinstall to replace the file anyway)",
                )

    def existing(self) -> list[str]:
        """Normcased paths of the files already on disk (a directory that does not
        exist is looked at once, its files and subdirectories not at all)."""
        is_directory: dict[str, bool] = {}

        def exists(directory: str) -> bool:
            known = is_directory.get(directory)
            if known is None:
                up = os.path.dirname(directory)
                known = (up == directory or exists(up)) and os.path.isdir(directory)
                is_directory[directory] = known
            return known

        result: list[str] = []
        for parent, names in self.routes.items():
            if exists(parent):
                # Through a symlink (a venv's lib64 -> lib) a file is the one its
                # owner's RECORD names below the real directory.
                real = os.path.normcase(os.path.realpath(parent))
                for name in names:
                    if os.path.lexists(os.path.join(parent, name)):
                        key = os.path.join(real, name)
                        if real != parent:
                            self._spelled[key] = os.path.join(parent, name)
                        result.append(key)
        return result

    def refuse(self, key: str, what: str, hint: str = _OVERWRITE_HINT) -> NoReturn:
        writer = self.writer(key)
        assert writer is not None
        self.placement.refuse(
            f"{_source(*writer)} would overwrite {key}, {what}", hint=hint
        )


def _installed_files(dist: InstalledDist) -> set[str]:
    """The normcased absolute paths a distribution's RECORD (installed-files.txt) lists."""
    if dist.path.name.lower().endswith(".dist-info"):
        listing, base = dist.path / "RECORD", dist.path.parent
    else:  # egg-info: paths relative to the .egg-info directory itself
        listing, base = dist.path / "installed-files.txt", dist.path
    try:
        text = listing.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    root = os.path.realpath(base)
    if listing.name == "RECORD":
        paths: Iterable[str] = (
            row[0] for row in csv.reader(io.StringIO(text, newline="")) if row
        )
    else:
        paths = (line.strip() for line in text.splitlines() if line.strip())
    return {os.path.normcase(os.path.normpath(os.path.join(root, p))) for p in paths}

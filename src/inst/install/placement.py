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
    (None: not checked); python_version names that Python in the refusal.
    """
    placement = _Placement(manifest, scheme)
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

    targets = placement.route()
    if not force_reinstall:
        _Overwrites(placement, targets, python, installed, installing_over).check()


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


class _Target:
    """One file the installation would write (one per file of every wheel: a plain
    class, its refusal message made only if it is refused)."""

    __slots__ = ("_name", "_what", "parent", "path")

    def __init__(self, path: str, parent: str, what: str, name: str) -> None:
        self.path = path  # absolute, normalised
        self.parent = parent  # its directory
        self._what = what  # "member" or an entry point group
        self._name = name

    @property
    def source(self) -> str:
        """What writes it: "member 'x'" or "the console_scripts entry point 'x'"."""
        if self._what == "member":
            return f"member {self._name!r}"
        return f"the {self._what} entry point {self._name!r}"


class _Placement:
    """Where the files of one manifest go, given the scheme directories."""

    def __init__(self, manifest: WheelManifest, scheme: Mapping[str, str]) -> None:
        self.manifest = manifest
        self.wheel = manifest.filename
        self.name = manifest.name
        self.scheme = scheme
        self._bases: dict[str, str] = {}
        self._directories: dict[tuple[str, str], str] = {}

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
            self._bases[scheme] = os.path.realpath(directory)
        return self._bases[scheme]

    def target(self, scheme: str, relative: str, what: str, name: str) -> _Target:
        """Where a file goes; refused if it leaves its scheme directory. what and
        name: what writes it (see _Target)."""
        directory, _, filename = relative.rpartition("/")
        if filename in ("", ".", ".."):
            self.refuse(f"{_Target('', '', what, name).source} does not name a file")
        # Checked once per directory: the file name itself holds no separator.
        parent = self._directories.get((scheme, directory))
        if parent is None:
            base = self.base(scheme)
            parent = os.path.normpath(os.path.join(base, directory))
            try:
                inside = os.path.commonpath([base, parent]) == base
            except ValueError:  # another drive
                inside = False
            if not inside:
                source = _Target("", "", what, name).source
                self.refuse(
                    f"{source} would be written to {os.path.join(parent, filename)}, "
                    f"outside the {scheme} directory {base}"
                )
            self._directories[scheme, directory] = parent
        path = (
            parent + filename if parent.endswith(os.sep) else parent + os.sep + filename
        )
        return _Target(path, parent, what, name)

    def route(self) -> dict[str, _Target]:
        """Every file the installation writes, by normcased path."""
        targets: dict[str, _Target] = {}

        def add(target: _Target) -> None:
            key = os.path.normcase(target.path)
            other = targets.get(key)
            if other is not None:
                self.refuse(
                    f"{other.source} and {target.source} would both be written to "
                    f"{target.path}"
                )
            targets[key] = target

        suffix = ".exe" if os.name == "nt" else ""  # installer's launchers on Windows
        shadowed = self.manifest.shadowed_scripts(suffix)
        for entry in self.manifest.files:
            if shadowed and entry.member in shadowed:
                continue  # its entry point writes that script instead
            if entry.scheme == "scripts":
                self.refuse_reserved(entry.relative, f"member {entry.member!r}")
            add(self.target(entry.scheme, entry.relative, "member", entry.member))

        for group, scripts in self.manifest.entry_points.items():
            for script in scripts:
                # Checked again here: the manifest may come from a JSON file.
                problem = script_name_problem(script)
                if problem:
                    self.refuse(f"its {group} entry point {script!r} {problem}")
                source = f"the {group} entry point {script!r}"
                self.refuse_reserved(script + suffix, source)
                add(self.target("scripts", script + suffix, group, script))
        return targets

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
        targets: Mapping[str, _Target],
        python: Path | None,
        installed: Callable[[], Mapping[NormalizedName, InstalledDist]],
        installing_over: Mapping[NormalizedName, InstalledDist] | None,
    ) -> None:
        self.placement = placement
        self.targets = targets
        self.python = python
        self._list_installed = installed
        self.installing_over = installing_over
        self._installed: Mapping[NormalizedName, InstalledDist] | None = None

    def installed(self) -> Mapping[NormalizedName, InstalledDist]:
        if self._installed is None:  # lists sys.path: only when something exists
            self._installed = self._list_installed()
        return self._installed

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
            for key, target in self.targets.items():
                if key in interpreter:
                    self.refuse(
                        target,
                        f"the environment's Python interpreter {python}",
                        hint="report the problem to the project's maintainers (or "
                        "pass --force-reinstall to replace the interpreter anyway)",
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
                    self.refuse(
                        self.targets[key],
                        f"a file of {dist.display_name} {dist.version}",
                    )

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
                    self.targets[key],
                    "a file of the Python environment itself, which no "
                    "distribution installed",
                    hint="report the problem to the project's maintainers (or "
                    "pass --force-reinstall to replace the file anyway)",
                )

    def existing(self) -> list[str]:
        """Keys of the targets already on disk (directories that don't exist: skipped)."""
        directories: dict[str, bool] = {}
        result: list[str] = []
        for key, target in self.targets.items():
            present = directories.get(target.parent)
            if present is None:
                present = directories[target.parent] = os.path.isdir(target.parent)
            if present and os.path.lexists(target.path):
                result.append(key)
        return result

    def refuse(
        self, target: _Target, what: str, hint: str = _OVERWRITE_HINT
    ) -> NoReturn:
        self.placement.refuse(
            f"{target.source} would overwrite {target.path}, {what}", hint=hint
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

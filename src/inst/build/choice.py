"""The user's choice of build interface per project: ``--build-interface NAME=INTERFACE``
(``INST_BUILD_INTERFACE``, ``build-interface`` in config files), and the pip spellings
``--use-pep517`` (``:all:=pyproject``) and ``--no-use-pep517`` (``:all:=setup.py``).

A rule for a named project beats one for ``:all:``; among equals the later one wins.
The name a tree is matched by is read from its files without running anything
(``static_project_name``): builds choose the interface before any metadata exists.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

from inst._records import dataclass
from inst.errors import SettingsError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on old interpreters only
    import tomli as tomllib

ALL = ":all:"
AUTO = "auto"
PYPROJECT = "pyproject"
SETUP_PY = "setup.py"
#: The interfaces inst has itself; "auto" means "let the policy decide".
BUILT_IN = (AUTO, PYPROJECT, SETUP_PY)
#: Other spellings users reach for, each meaning one of BUILT_IN.
ALIASES = {"pyproject.toml": PYPROJECT}

# PEP 508's project name (case-insensitive).
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """One ``NAME=INTERFACE`` entry and where it was written."""

    project: str  # a normalized name, or ":all:"
    interface: str  # "auto", "pyproject", "setup.py" or a plug-in's name
    spelled: str  # as the user wrote it: "bp-x=setup.py", "--no-use-pep517"
    origin: str  # "command line", "INST_BUILD_INTERFACE", a config file...

    @property
    def for_all(self) -> bool:
        return self.project == ALL

    def describe(self) -> str:
        """How build-info names the rule: ``--build-interface bp-x=setup.py
        (command line)``."""
        return f"{self.spelled} ({self.origin})"


def parse_rule(text: str, origin: str, option: str = "--build-interface") -> Rule:
    """One ``NAME=INTERFACE`` entry; a SettingsError says what is wrong with it."""
    name, sep, interface = text.partition("=")
    name, interface = name.strip(), interface.strip()
    problem = ""
    if not sep or not name or not interface:
        problem = "it is not NAME=INTERFACE"
    elif name != ALL and not _NAME.match(name):
        problem = f"{name!r} is not a project name (nor :all:)"
    if problem:
        raise SettingsError(
            f"{option} {text!r} ({origin}) cannot be used",
            why=problem,
            hint="write it as NAME=INTERFACE, where NAME is a project name or :all: "
            f"and INTERFACE is {', '.join(BUILT_IN)} or a plugged-in interface",
        )
    interface = ALIASES.get(interface, interface)
    project = name if name == ALL else canonicalize_name(name)
    return Rule(project, interface, f"{option} {text}", origin)


@dataclass(frozen=True)
class BuildChoice:
    """Every rule of a run, in the order they apply (later beats earlier)."""

    rules: tuple[Rule, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[Rule]) -> BuildChoice:
        return cls(tuple(entries))

    def for_project(self, name: str | None) -> Rule | None:
        """The rule that decides for the project (None: nothing chosen). A project
        whose name is unknown is matched by :all: rules only."""
        key = canonicalize_name(name) if name else None
        named = [r for r in self.rules if key is not None and r.project == key]
        if named:
            return named[-1]
        general = [r for r in self.rules if r.for_all]
        return general[-1] if general else None

    def interfaces(self) -> set[str]:
        """The interfaces the rules name, "auto" and the built-in ones left out."""
        return {r.interface for r in self.rules if r.interface not in BUILT_IN}

    def check(self, available: Sequence[str], sources: str) -> None:
        """An error naming the first rule whose interface inst does not have."""
        for rule in self.rules:
            if rule.interface not in available:
                raise SettingsError(
                    f"{rule.describe()} names the build interface "
                    f"{rule.interface!r}, which inst does not have",
                    why=f"the interfaces available are {', '.join(available)} "
                    f"({sources})",
                    hint="check the spelling, or install the plug-in that provides "
                    "it into inst's own environment",
                )


@dataclass(frozen=True)
class ProjectName:
    """A tree's name read from its files, and which file said it."""

    name: NormalizedName
    source: str


def static_project_name(tree: Path) -> ProjectName | None:
    """The project's name from pyproject.toml ``[project]``, setup.cfg ``[metadata]``
    or a literal ``name=`` in setup.py's ``setup()`` call, without running anything;
    None when none of them says it (or says it in a form that cannot be read)."""
    for reader in (_pyproject_name, _setup_cfg_name, _setup_py_name):
        found = reader(tree)
        if found is not None and _NAME.match(found[0]):
            return ProjectName(canonicalize_name(found[0]), found[1])
    return None


def _pyproject_name(tree: Path) -> tuple[str, str] | None:
    path = tree / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # the build itself reports a pyproject.toml it cannot read
    project = data.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return (name, "pyproject.toml [project] name") if isinstance(name, str) else None


def _setup_cfg_name(tree: Path) -> tuple[str, str] | None:
    path = tree / "setup.cfg"
    if not path.is_file():
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    name = parser.get("metadata", "name", fallback="").strip()
    return (name, "setup.cfg [metadata] name") if name else None


def _setup_py_name(tree: Path) -> tuple[str, str] | None:
    """``setup(name="literal", ...)`` (any call named setup), read from the syntax
    tree: setup.py is never run to learn its name."""
    path = tree / "setup.py"
    try:
        module = ast.parse(path.read_bytes(), str(path))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None  # unreadable here; the build reports what it finds
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = (
            func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        )
        if called != "setup":
            continue
        for keyword in node.keywords:
            value = keyword.value
            if (
                keyword.arg == "name"
                and isinstance(value, ast.Constant)
                and isinstance(value.value, str)
            ):
                return value.value, "setup.py setup(name=...)"
    return None

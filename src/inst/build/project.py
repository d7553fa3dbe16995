"""What a source tree declares about its build: ``[build-system]`` of pyproject.toml
(PEP 517/518) and ``setup_requires`` of setup.cfg."""

from __future__ import annotations

import configparser
import os
import sys
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from inst._records import dataclass
from inst.errors import InstError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on old interpreters only
    import tomli as tomllib

#: What PEP 517 frontends assume for a pyproject.toml without [build-system].
DEFAULT_REQUIRES = ("setuptools>=40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"


class ProjectError(InstError):
    """A source tree whose build declarations cannot be used."""


@dataclass(frozen=True)
class BuildSystem:
    """The build-system of a tree: requirements, backend, in-tree backend path."""

    requires: tuple[str, ...]
    backend: str
    backend_path: tuple[str, ...] = ()
    #: Why these values: "[build-system] of pyproject.toml", "no build-backend", ...
    origin: str = ""

    @classmethod
    def legacy_default(cls, origin: str) -> BuildSystem:
        return cls(DEFAULT_REQUIRES, LEGACY_BACKEND, (), origin)


def read_build_system(tree: Path) -> BuildSystem:
    """The [build-system] of tree/pyproject.toml, with PEP 517's defaults applied."""
    path = tree / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(
            f"{path} is not valid TOML",
            why=str(exc),
            hint="fix the syntax error in pyproject.toml",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read {path}", why=str(exc)) from None
    table = data.get("build-system")
    if table is None:
        return BuildSystem.legacy_default(
            "pyproject.toml has no [build-system] table: setuptools' legacy backend"
        )
    if not isinstance(table, dict):
        raise ProjectError(f"[build-system] of {path} is not a table")
    if "requires" not in table:
        raise ProjectError(
            f"[build-system] of {path} has no 'requires' key",
            why="PEP 518 makes it mandatory: it lists what the build needs",
            hint='add requires = ["setuptools>=61"] (or your backend) to [build-system]',
        )
    requires = table["requires"]
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise ProjectError(
            f"[build-system] requires of {path} is not a list of strings",
            hint='write it as requires = ["setuptools>=61", "wheel"]',
        )
    for text in requires:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            raise ProjectError(
                f"[build-system] requires of {path} has an invalid requirement "
                f"{text!r}",
                why=str(exc),
                hint="write each build requirement in PEP 508 form, like 'setuptools>=61'",
            ) from None
    backend = table.get("build-backend")
    backend_path = table.get("backend-path", [])
    if not isinstance(backend_path, list) or not all(
        isinstance(p, str) for p in backend_path
    ):
        raise ProjectError(
            f"[build-system] backend-path of {path} is not a list of strings"
        )
    for entry in backend_path:
        _check_inside(tree, entry, path)
    if backend is None:
        return BuildSystem(
            tuple(requires),
            LEGACY_BACKEND,
            tuple(backend_path),
            "[build-system] has no build-backend: setuptools' legacy backend",
        )
    if not isinstance(backend, str) or not backend.strip():
        raise ProjectError(f"[build-system] build-backend of {path} is not a string")
    return BuildSystem(
        tuple(requires), backend.strip(), tuple(backend_path), "[build-system] table"
    )


def _check_inside(tree: Path, entry: str, path: Path) -> None:
    """PEP 517: backend-path entries must stay inside the source tree."""
    root = os.path.realpath(tree)
    resolved = os.path.realpath(os.path.join(tree, entry))
    if os.path.commonpath([root, resolved]) != root:
        raise ProjectError(
            f"backend-path entry {entry!r} of {path} points outside the source tree",
            why="PEP 517 allows in-tree backends only inside the tree",
            hint="move the backend into the project directory",
        )


def setup_cfg_requires(tree: Path) -> list[str]:
    """``[options] setup_requires`` of tree/setup.cfg (one per line or ';'-separated)."""
    path = tree / "setup.cfg"
    if not path.is_file():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read {path}", why=str(exc)) from None
    value = parser.get("options", "setup_requires", fallback="").strip()
    # setuptools' rule: a multi-line value has one item per line, else commas separate.
    items = value.splitlines() if "\n" in value else value.split(",")
    return [item.strip() for item in items if item.strip()]

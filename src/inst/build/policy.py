"""The policy that picks a tree's build interface, an ordered chain:

1. the user's explicit choice (``--build-interface``, ``--use-pep517``,
   ``--no-use-pep517``), unless it is ``auto``;
2. plug-ins (``plugins``), the first that claims the tree;
3. the built-in rules: pyproject.toml when the tree has one; else setup.py, unless
   something asks for PEP 517 (-C, -e); neither file is an error.

Each answer carries the reasons that decided it, for ``inst build-info`` and -v.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from inst._records import dataclass
from inst.build.choice import AUTO, PYPROJECT, SETUP_PY, Rule
from inst.build.interfaces import (
    BuildInterface,
    LegacySetupPyInterface,
    PyprojectInterface,
)
from inst.build.project import BuildSystem, ProjectError, read_build_system

if TYPE_CHECKING:
    from inst.build.plugins import Plugin, PluginRegistry


@dataclass(frozen=True)
class SelectionFlags:
    """What besides the tree decides the interface."""

    config_settings: bool = False  # -C given for this project
    editable: bool = False
    #: The user's rule for this project (--build-interface & co.), if any.
    rule: Rule | None = None


@dataclass(frozen=True)
class Selection:
    """The build interface chosen for a tree, and why."""

    interface: BuildInterface
    #: The rules, files and flags that decided it, for build-info and -v.
    reasons: tuple[str, ...]
    #: The plug-in whose interface it is, if it is one.
    plugin: Plugin | None = None


def select_interface(
    tree: Path, flags: SelectionFlags, plugins: PluginRegistry | None = None
) -> Selection:
    rule = flags.rule
    before: tuple[str, ...] = ()
    if rule is not None and rule.interface != AUTO:
        chosen = _chosen(tree, rule, flags, plugins)
        if chosen is not None:
            return chosen
        before = (f"{rule.describe()} does not apply: the tree has no setup.py",)
    elif rule is not None:
        before = (f"{rule.describe()}: inst decides",)
    if plugins is not None:
        claimed = plugins.claim(tree)
        if claimed is not None:
            interface, plugin, reason = claimed
            return Selection(
                interface,
                (*before, f"the plug-in {plugin.name} claims it: {reason}"),
                plugin,
            )
    selection = _built_in(tree, flags, bool(plugins and plugins.plugins()))
    return Selection(selection.interface, before + selection.reasons)


def _chosen(
    tree: Path, rule: Rule, flags: SelectionFlags, plugins: PluginRegistry | None
) -> Selection | None:
    """The interface the rule names, or None for an :all:=setup.py rule that cannot
    apply (the tree has no setup.py); a named rule that cannot apply is an error."""
    has_pyproject = (tree / "pyproject.toml").is_file()
    has_setup_py = (tree / "setup.py").is_file()
    if rule.interface == PYPROJECT:
        _check_project(tree, has_pyproject or has_setup_py)
        system = (
            read_build_system(tree)
            if has_pyproject
            else BuildSystem.legacy_default(
                "setup.py only: setuptools' legacy backend (PEP 517)"
            )
        )
        found = (
            "the tree has pyproject.toml" if has_pyproject else "the tree has setup.py"
        )
        return Selection(
            PyprojectInterface(tree, system), (rule.describe(), found, system.origin)
        )
    if rule.interface == SETUP_PY:
        if not has_setup_py:
            if rule.for_all:
                return None
            raise ProjectError(
                f"{rule.describe()} asks for the setup.py interface, but {tree} has "
                "no setup.py",
                hint="choose pyproject or auto for it",
            )
        _check_legacy(rule, flags)
        if not has_pyproject:
            return Selection(
                LegacySetupPyInterface(tree), (rule.describe(), "the tree has setup.py")
            )
        system = read_build_system(tree)
        declared = system.origin != BuildSystem.legacy_default("").origin and (
            "no [build-system]" not in system.origin
        )
        return Selection(
            LegacySetupPyInterface(tree, system.requires),
            (
                rule.describe(),
                "the tree has setup.py",
                "[build-system] requires of pyproject.toml installed first"
                if declared
                else "pyproject.toml has no [build-system] table: its default "
                "requires installed first",
            ),
        )
    plugin = plugins.get(rule.interface) if plugins is not None else None
    if plugin is None or plugins is None:
        raise ProjectError(
            f"{rule.describe()} names the build interface {rule.interface!r}, which "
            "inst does not have",
            hint="run inst build-info PATH to see the interfaces available",
        )
    return Selection(
        plugins.interface(plugin, tree),
        (rule.describe(), f"the plug-in {plugin.name} ({plugin.source})"),
        plugin,
    )


def _check_legacy(rule: Rule, flags: SelectionFlags) -> None:
    """A choice of setup.py that the same run contradicts is an error, never silently
    overridden: -e and -C need the pyproject.toml interface."""
    clash = (
        "-e (editable installs go through PEP 660, a pyproject.toml hook)"
        if flags.editable
        else "-C/--config-settings (settings for a PEP 517 backend)"
        if flags.config_settings
        else ""
    )
    if clash:
        raise ProjectError(
            f"{rule.describe()} asks for the setup.py interface, which cannot be "
            f"combined with {clash}",
            hint="drop one of them, or choose pyproject (or auto) for this project "
            "with --build-interface NAME=pyproject",
        )


def _check_project(tree: Path, is_project: bool, plugged: bool = False) -> None:
    if not is_project:
        raise ProjectError(
            f"{tree} does not appear to be a Python project",
            why="it has neither pyproject.toml nor setup.py"
            + (", and no build interface plug-in claims it" if plugged else ""),
            hint="point inst at the directory holding the project's pyproject.toml or "
            "setup.py",
        )


def _built_in(tree: Path, flags: SelectionFlags, plugged: bool) -> Selection:
    """pyproject.toml when the tree has one; else setup.py, unless something asks for
    PEP 517 (-C, -e); neither file is an error."""
    has_pyproject = (tree / "pyproject.toml").is_file()
    has_setup_py = (tree / "setup.py").is_file()
    if has_pyproject:
        system = read_build_system(tree)
        return Selection(
            PyprojectInterface(tree, system),
            ("the tree has pyproject.toml", system.origin),
        )
    _check_project(tree, has_setup_py, plugged)
    forced = [
        reason
        for on, reason in (
            (flags.config_settings, "-C/--config-settings was given for it"),
            (flags.editable, "editable installs go through PEP 660"),
        )
        if on
    ]
    if forced:
        system = BuildSystem.legacy_default(
            "setup.py only: setuptools' legacy backend (PEP 517)"
        )
        return Selection(
            PyprojectInterface(tree, system),
            ("the tree has setup.py and no pyproject.toml", *forced, system.origin),
        )
    return Selection(
        LegacySetupPyInterface(tree),
        ("the tree has setup.py and no pyproject.toml",),
    )

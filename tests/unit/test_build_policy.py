"""The policy that picks a build interface (inst.build.policy), the user's rules
(inst.build.choice) and plug-ins (inst.build.plugins), in-process, on small trees
written here: nothing is built."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from inst.build.choice import (
    BuildChoice,
    Rule,
    parse_rule,
    static_project_name,
)
from inst.build.interfaces import (
    BuildOptions,
    LegacySetupPyInterface,
    PyprojectInterface,
)
from inst.build.plugins import PluggedInterface, Plugin, PluginRegistry
from inst.build.policy import SelectionFlags, select_interface
from inst.build.project import ProjectError
from inst.build.reporting import BuildReporter
from inst.build.runner import BuildFailed
from inst.errors import SettingsError

FILE_NAMES = {
    "pyproject": "pyproject.toml",
    "setup_py": "setup.py",
    "setup_cfg": "setup.cfg",
}


def tree_with(tmp_path: Path, **files: str) -> Path:
    """tmp_path/tree with the files given (pyproject=, setup_py=, setup_cfg=)."""
    tree = tmp_path / "tree"
    tree.mkdir(parents=True, exist_ok=True)
    for key, text in files.items():
        (tree / FILE_NAMES[key]).write_text(text, encoding="utf-8")
    return tree


SETUP_PY = 'from setuptools import setup\nsetup(name="Old_Lib", version="1")\n'
TOOL_ONLY = "[tool.black]\nline-length = 88\n"
DECLARED = '[build-system]\nrequires = ["setuptools>=61", "wheel"]\n'


def rule(text: str) -> Rule:
    return parse_rule(text, "command line")


# --- rules -----------------------------------------------------------------------------


def test_a_rule_names_a_normalized_project_and_an_interface() -> None:
    found = rule("Old_Lib=setup.py")
    assert (found.project, found.interface) == ("old-lib", "setup.py")
    assert found.describe() == "--build-interface Old_Lib=setup.py (command line)"
    assert rule(":all:=pyproject.toml").interface == "pyproject"  # an alias
    assert rule(" x = auto ").interface == "auto"


@pytest.mark.parametrize("text", ["old-lib", "=setup.py", "old-lib=", "old lib=auto"])
def test_a_rule_that_is_not_name_equals_interface_is_refused(text: str) -> None:
    with pytest.raises(SettingsError) as caught:
        rule(text)
    assert "NAME=INTERFACE" in caught.value.paragraph()


def test_a_named_rule_beats_all_and_a_later_rule_an_earlier_one() -> None:
    choice = BuildChoice.of(
        [rule("old-lib=setup.py"), rule(":all:=pyproject"), rule("OLD.lib=auto")]
    )
    assert choice.for_project("old_lib") == rule("OLD.lib=auto")
    assert choice.for_project("other") == rule(":all:=pyproject")
    assert choice.for_project(None) == rule(":all:=pyproject")
    assert BuildChoice.of([rule("a=setup.py")]).for_project(None) is None
    assert BuildChoice().for_project("a") is None


def test_an_unknown_interface_is_an_error_listing_the_available_ones() -> None:
    choice = BuildChoice.of([rule("a=setup.py"), rule("b=bazel")])
    assert choice.interfaces() == {"bazel"}
    with pytest.raises(SettingsError) as caught:
        choice.check(["auto", "pyproject", "setup.py"], "built in")
    text = caught.value.paragraph()
    assert "'bazel'" in text and "auto, pyproject, setup.py" in text


def test_the_name_is_read_from_the_files_without_running_anything(
    tmp_path: Path,
) -> None:
    tree = tree_with(tmp_path, setup_py=SETUP_PY)
    assert static_project_name(tree).name == "old-lib"  # type: ignore[union-attr]
    (tree / "setup.cfg").write_text("[metadata]\nname = Cfg.Name\n")
    assert static_project_name(tree).name == "cfg-name"  # type: ignore[union-attr]
    (tree / "pyproject.toml").write_text('[project]\nname = "Py_Name"\n')
    found = static_project_name(tree)
    assert found is not None
    assert (found.name, found.source) == ("py-name", "pyproject.toml [project] name")
    empty = tree_with(tmp_path / "e", setup_py="import setuptools\nsetuptools.setup()")
    assert static_project_name(empty) is None


# --- the policy ------------------------------------------------------------------------


def test_setup_py_chosen_for_a_tree_with_pyproject_installs_its_requires_first(
    tmp_path: Path,
) -> None:
    tree = tree_with(tmp_path, pyproject=DECLARED, setup_py=SETUP_PY)
    selection = select_interface(tree, SelectionFlags(rule=rule("old-lib=setup.py")))
    interface = selection.interface
    assert isinstance(interface, LegacySetupPyInterface)
    assert interface.static_requirements() == (
        "setuptools>=40.8.0",
        "setuptools>=61",
        "wheel",
    )
    assert selection.reasons[0] == "--build-interface old-lib=setup.py (command line)"
    # without [build-system], the default requires
    (tree / "pyproject.toml").write_text(TOOL_ONLY)
    interface = select_interface(
        tree, SelectionFlags(rule=rule(":all:=setup.py"))
    ).interface
    assert interface.static_requirements() == ("setuptools>=40.8.0",)
    # and nothing chosen: the pyproject.toml decides
    assert isinstance(
        select_interface(tree, SelectionFlags()).interface, PyprojectInterface
    )


def test_pyproject_chosen_for_a_setup_py_tree_gets_the_legacy_backend(
    tmp_path: Path,
) -> None:
    tree = tree_with(tmp_path, setup_py=SETUP_PY)
    selection = select_interface(tree, SelectionFlags(rule=rule("old-lib=pyproject")))
    assert isinstance(selection.interface, PyprojectInterface)
    assert selection.interface.backend == "setuptools.build_meta:__legacy__"


def test_auto_lets_the_rules_decide_and_says_so(tmp_path: Path) -> None:
    tree = tree_with(tmp_path, setup_py=SETUP_PY)
    selection = select_interface(tree, SelectionFlags(rule=rule("old-lib=auto")))
    assert isinstance(selection.interface, LegacySetupPyInterface)
    assert selection.reasons == (
        "--build-interface old-lib=auto (command line): inst decides",
        "the tree has setup.py and no pyproject.toml",
    )


def test_all_setup_py_gives_way_where_there_is_no_setup_py_a_named_rule_does_not(
    tmp_path: Path,
) -> None:
    tree = tree_with(tmp_path, pyproject=DECLARED)
    selection = select_interface(tree, SelectionFlags(rule=rule(":all:=setup.py")))
    assert isinstance(selection.interface, PyprojectInterface)
    assert "does not apply: the tree has no setup.py" in selection.reasons[0]
    with pytest.raises(ProjectError) as caught:
        select_interface(tree, SelectionFlags(rule=rule("tree=setup.py")))
    assert "has no setup.py" in caught.value.paragraph()


@pytest.mark.parametrize(
    "flags, clash",
    [({"editable": True}, "-e"), ({"config_settings": True}, "-C/--config-settings")],
)
def test_setup_py_chosen_with_e_or_c_is_an_error_not_a_silent_switch(
    tmp_path: Path, flags: dict[str, bool], clash: str
) -> None:
    tree = tree_with(tmp_path, setup_py=SETUP_PY)
    for text in ("old-lib=setup.py", ":all:=setup.py"):
        with pytest.raises(ProjectError) as caught:
            select_interface(tree, SelectionFlags(rule=rule(text), **flags))
        assert clash in caught.value.paragraph()


# --- plug-ins --------------------------------------------------------------------------


class Recorder(BuildReporter):
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, text: str) -> None:
        self.warnings.append(text)


class FakeEntryPoint:
    def __init__(self, name: str, obj: Any = None, error: Exception | None = None):
        self.name = name
        self.value = f"fake_{name}:plugin"
        self.dist = None
        self._obj = obj
        self._error = error

    def load(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._obj


class FakePlugin:
    api_version = 1

    def __init__(self, name: str, claims: Any = None, interface: Any = None):
        self.name = name
        self._claims = claims
        self._interface = interface

    def claims(self, tree: Path) -> str | None:
        if isinstance(self._claims, Exception):
            raise self._claims
        return self._claims  # type: ignore[no-any-return]

    def make_interface(self, tree: Path) -> Any:
        return self._interface or LegacySetupPyInterface(tree)


def registry(*entries: FakeEntryPoint) -> tuple[PluginRegistry, Recorder]:
    reporter = Recorder()
    return PluginRegistry(reporter, lambda: list(entries)), reporter


def test_a_plugin_that_claims_a_tree_comes_before_the_built_in_rules(
    tmp_path: Path,
) -> None:
    tree = tree_with(tmp_path, pyproject=DECLARED)
    plugins, reporter = registry(
        FakeEntryPoint("a", FakePlugin("a-iface", claims=None)),
        FakeEntryPoint("b", FakePlugin("b-iface", claims="it has a BUILD file")),
    )
    selection = select_interface(tree, SelectionFlags(), plugins)
    assert isinstance(selection.interface, PluggedInterface)
    assert selection.interface.name == "b-iface"
    assert selection.reasons == ("the plug-in b-iface claims it: it has a BUILD file",)
    assert selection.plugin is not None and selection.plugin.name == "b-iface"
    assert reporter.warnings == []
    # an explicit choice comes before the plug-ins
    chosen = select_interface(
        tree, SelectionFlags(rule=rule("tree=pyproject")), plugins
    )
    assert isinstance(chosen.interface, PyprojectInterface)
    # and may name a plug-in that would not claim the tree
    named = select_interface(tree, SelectionFlags(rule=rule("tree=a-iface")), plugins)
    assert named.interface.name == "a-iface"


def test_broken_plugins_are_reported_by_name_and_the_chain_goes_on(
    tmp_path: Path,
) -> None:
    tree = tree_with(tmp_path, setup_py=SETUP_PY)

    class Old(FakePlugin):
        api_version = 7

    plugins, reporter = registry(
        FakeEntryPoint("cannot-import", error=ImportError("No module named 'nope'")),
        FakeEntryPoint("raises", FakePlugin("raises", claims=RuntimeError("boom"))),
        FakeEntryPoint("old", Old("old")),
        FakeEntryPoint("mine", FakePlugin("setup.py")),
        FakeEntryPoint("nameless", object()),
        FakeEntryPoint("twice-1", FakePlugin("twice")),
        FakeEntryPoint("twice-2", FakePlugin("twice")),
    )
    selection = select_interface(tree, SelectionFlags(), plugins)
    assert isinstance(selection.interface, LegacySetupPyInterface)
    text = "\n".join(reporter.warnings)
    assert "plug-in cannot-import" in text and "ImportError: No module" in text
    assert "plug-in raises" in text and "RuntimeError: boom" in text
    assert "plug-in old" in text and "version 7 of the plug-in API" in text
    assert "'setup.py', which is inst's own" in text
    assert "plug-in nameless" in text and "has no name" in text
    assert "another plug-in has" in text
    assert all(w.endswith("inst goes on without it") for w in reporter.warnings)
    # a broken plug-in is left out for the rest of the run, warned about once
    assert [p.name for p in plugins.plugins()] == ["twice"]
    select_interface(tree, SelectionFlags(), plugins)
    assert len(reporter.warnings) == 6


def test_a_plugins_failing_step_becomes_a_failed_build_naming_it(
    tmp_path: Path,
) -> None:
    class Failing:
        name = "x"
        backend = "x-backend"

        def __init__(self) -> None:
            self.tree = tmp_path

        def static_requirements(self) -> tuple[str, ...]:
            return ()

        def dynamic_requirements(self, *args: Any) -> list[str]:
            raise subprocess.CalledProcessError(1, ["x"], output="line 1\nlast line\n")

        def prepare_metadata(self, *args: Any) -> Path:
            raise KeyError("oops")

        def build(self, *args: Any) -> Path:
            raise AssertionError

    plugin = Plugin("failing", "fake 1.0, entry point failing = m:p", object())
    interface = PluggedInterface(plugin, Failing(), tmp_path)  # type: ignore[arg-type]
    with pytest.raises(BuildFailed) as caught:
        interface.dynamic_requirements(None, "wheel", BuildOptions())  # type: ignore[arg-type]
    assert "failing interface, a plug-in" in caught.value.paragraph()
    assert "CalledProcessError" in caught.value.paragraph()
    assert caught.value.details == ["line 1", "last line"]
    with pytest.raises(BuildFailed) as caught:
        interface.prepare_metadata(None, tmp_path, "wheel", BuildOptions())  # type: ignore[arg-type]
    assert "KeyError: 'oops'" in caught.value.paragraph()

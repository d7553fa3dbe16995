"""The environment the `inst` program finds when no --python is given (settings/
active.py): VIRTUAL_ENV, then CONDA_PREFIX, then a .venv here or above, then the
interpreter running inst; and none of it for `python -m inst`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inst.errors import SettingsError
from inst.settings.active import Choice, active_environment


def fake_env(root: Path) -> Path:
    """A directory that looks like an environment: it has bin/python."""
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "python").write_text("", encoding="utf-8")
    return root


def test_nothing_is_looked_for_without_discovering(tmp_path: Path) -> None:
    env = {"VIRTUAL_ENV": str(fake_env(tmp_path / "v"))}
    choice = active_environment(env, str(tmp_path), discovering=False)
    assert choice.prefix is None
    assert "python -m inst" in choice.why


def test_the_order_is_virtual_env_conda_prefix_dot_venv(tmp_path: Path) -> None:
    virtual = str(fake_env(tmp_path / "v"))
    conda = str(fake_env(tmp_path / "c"))
    dot_venv = str(fake_env(tmp_path / "project" / ".venv"))
    cwd = str(tmp_path / "project")
    both = {"VIRTUAL_ENV": virtual, "CONDA_PREFIX": conda}
    assert active_environment(both, cwd, discovering=True).prefix == virtual
    conda_only = {"CONDA_PREFIX": conda}
    assert active_environment(conda_only, cwd, discovering=True).prefix == conda
    assert active_environment({}, cwd, discovering=True).prefix == dot_venv
    assert active_environment({}, str(tmp_path), discovering=True).prefix is None


def test_a_dot_venv_without_an_interpreter_is_passed_over(tmp_path: Path) -> None:
    outer = str(fake_env(tmp_path / ".venv"))
    (tmp_path / "inner" / ".venv").mkdir(parents=True)  # empty: not an environment
    (tmp_path / "inner" / "deeper").mkdir()
    found = active_environment({}, str(tmp_path / "inner" / "deeper"), discovering=True)
    assert found.prefix == outer


def test_the_running_environment_is_no_other(tmp_path: Path) -> None:
    choice = active_environment({"VIRTUAL_ENV": sys.prefix}, discovering=True)
    assert choice == Choice(
        None, "the active virtual environment, VIRTUAL_ENV: the one running inst"
    )


@pytest.mark.parametrize("variable", ["VIRTUAL_ENV", "CONDA_PREFIX"])
def test_an_active_environment_without_interpreter_is_an_error(
    tmp_path: Path, variable: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        active_environment({variable: str(tmp_path)}, discovering=True)
    assert caught.value.paragraph().startswith(
        f"{variable} names {tmp_path}, which is not a Python environment"
    )


def test_a_removed_current_directory_finds_no_dot_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    os.rmdir(gone)
    assert active_environment({}, discovering=True).prefix is None


def test_in_process_main_does_not_discover(
    inst: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # main(argv) is what tests and embedders call: only the program looks around.
    monkeypatch.setenv("VIRTUAL_ENV", str(fake_env(tmp_path / "v")))
    outcome = inst("config", "debug")
    assert "python -m inst works on the interpreter running it" in outcome.out

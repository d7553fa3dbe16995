"""Which environment the `inst` program works on with no --python: the active virtual
environment (VIRTUAL_ENV), then the active conda environment (CONDA_PREFIX), then a
.venv in the current directory or above it, then the interpreter running inst. `python
-m inst` keeps pip's meaning (the interpreter running it), and --python wins over all.

The program runs as its console script does (run_inst(..., program=True)), from a
directory below tmp_path unless a test names another.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import test_install_command as base
import test_install_locations as locations

from harness.config_home import make_config_home
from harness.trees import differences, snapshot
from harness.venvs import make_venv

universe = base.universe
cache = base.cache
managed_python = locations.managed_python

VIRTUAL_ENV_WHY = "the active virtual environment, VIRTUAL_ENV"
CONDA_WHY = "the active conda environment, CONDA_PREFIX"
DOT_VENV_WHY = "a .venv in the current directory or above it"

Inst = Callable[..., Any]  # run_inst and this module's inst: (*args, **kw) -> Run
VenvFactory = Callable[..., Any]


@pytest.fixture
def inst(run_inst: Inst, universe: base.Universe, cache: Path) -> Inst:
    """inst("install", "beta", env=..., cwd=...) runs the `inst` program (discovering)
    against the universe's index with the test's own cache; program=False runs
    `python -m inst` instead."""

    def run(command: str, *rest: str, program: bool = True, **kw: Any) -> Any:
        index = ("-i", universe.url, "--retries", "0") if command == "install" else ()
        return run_inst(
            command,
            "--cache-dir",
            str(cache),
            *index,
            *rest,
            program=program,
            **kw,
        )

    return run


def notice(where: Path, why: str) -> str:
    return f"Using environment {where} ({why})"


def test_virtual_env_is_where_the_program_installs(
    inst: Inst, venv_factory: VenvFactory, tmp_path: Path
) -> None:
    project = venv_factory("project")
    run = inst("install", "beta", env={"VIRTUAL_ENV": str(project.root)})
    assert run.code == 0, run.err
    assert "Successfully installed beta-2.0" in run.out
    assert project.installed() == {"beta": "2.0"}
    assert run.err.splitlines()[0] == notice(project.root, VIRTUAL_ENV_WHY)


def test_conda_prefix_is_used_without_a_virtual_env(
    inst: Inst, venv_factory: VenvFactory
) -> None:
    # A conda environment has bin/python under its prefix, as a venv has.
    conda = venv_factory("conda-env")
    run = inst("install", "beta", env={"CONDA_PREFIX": str(conda.root)})
    assert run.code == 0, run.err
    assert conda.installed() == {"beta": "2.0"}
    assert notice(conda.root, CONDA_WHY) in run.err


def test_virtual_env_comes_before_conda_prefix(
    inst: Inst, venv_factory: VenvFactory
) -> None:
    project = venv_factory("project")
    conda = venv_factory("conda-env")
    env = {"VIRTUAL_ENV": str(project.root), "CONDA_PREFIX": str(conda.root)}
    run = inst("install", "beta", env=env)
    assert run.code == 0, run.err
    assert project.installed() == {"beta": "2.0"}
    assert conda.installed() == {}


def test_dot_venv_in_a_parent_directory_is_found(inst: Inst, tmp_path: Path) -> None:
    project = make_venv(tmp_path / "project" / ".venv")
    deeper = tmp_path / "project" / "src" / "pkg"
    deeper.mkdir(parents=True)
    run = inst("install", "beta", cwd=deeper)
    assert run.code == 0, run.err
    assert project.installed() == {"beta": "2.0"}
    assert notice(project.root, DOT_VENV_WHY) in run.err


def test_active_environment_comes_before_dot_venv(
    inst: Inst, venv_factory: VenvFactory, tmp_path: Path
) -> None:
    local = make_venv(tmp_path / "here" / ".venv")
    active = venv_factory("active")
    env = {"VIRTUAL_ENV": str(active.root)}
    run = inst("install", "beta", env=env, cwd=tmp_path / "here")
    assert run.code == 0, run.err
    assert active.installed() == {"beta": "2.0"}
    assert local.installed() == {}


def test_python_option_wins_over_everything(
    inst: Inst, venv_factory: VenvFactory, tmp_path: Path
) -> None:
    named = venv_factory("named")
    active = venv_factory("active")
    conda = venv_factory("conda")
    local = make_venv(tmp_path / "here" / ".venv")
    env = {"VIRTUAL_ENV": str(active.root), "CONDA_PREFIX": str(conda.root)}
    run = inst(
        "install",
        "--python",
        str(named.root),
        "beta",
        env=env,
        cwd=tmp_path / "here",
    )
    assert run.code == 0, run.err
    assert named.installed() == {"beta": "2.0"}
    assert active.installed() == conda.installed() == local.installed() == {}
    assert "Using environment" not in run.err


def test_python_from_a_variable_also_wins(
    inst: Inst, venv_factory: VenvFactory
) -> None:
    named = venv_factory("named")
    active = venv_factory("active")
    env = {"VIRTUAL_ENV": str(active.root), "INST_PYTHON": str(named.python)}
    run = inst("install", "beta", env=env)
    assert run.code == 0, run.err
    assert named.installed() == {"beta": "2.0"}
    assert active.installed() == {}


def test_python_m_inst_works_on_the_interpreter_running_it(
    inst: Inst, venv_factory: VenvFactory, tmp_path: Path
) -> None:
    active = venv_factory("active")
    inst("install", "beta", env={"VIRTUAL_ENV": str(active.root)})
    make_venv(tmp_path / "here" / ".venv")
    env = {"VIRTUAL_ENV": str(active.root), "CONDA_PREFIX": str(active.root)}

    by_module = inst("freeze", env=env, cwd=tmp_path / "here", program=False)
    assert by_module.code == 0, by_module.err
    assert "beta==" not in by_module.out  # the interpreter running the tests
    assert "Using environment" not in by_module.err

    by_program = inst("freeze", env=env, cwd=tmp_path / "here")
    assert by_program.code == 0, by_program.err
    assert by_program.out == "beta==2.0\n"


def test_quiet_hides_the_notice(inst: Inst, venv_factory: VenvFactory) -> None:
    active = venv_factory("active")
    run = inst("list", "-q", env={"VIRTUAL_ENV": str(active.root)})
    assert run.code == 0, run.err
    assert run.err == ""


def test_the_running_environment_found_again_is_not_announced(inst: Inst) -> None:
    run = inst("list", env={"VIRTUAL_ENV": sys.prefix})
    assert run.code == 0, run.err
    assert "Using environment" not in run.err
    assert "pytest" in run.out.lower()  # the interpreter running the tests


def test_every_command_with_python_uses_the_found_environment(
    inst: Inst, venv_factory: VenvFactory
) -> None:
    active = venv_factory("active")
    env = {"VIRTUAL_ENV": str(active.root)}
    inst("install", "beta", env=env)
    for command in (("list",), ("freeze",), ("show", "beta")):
        run = inst(*command, env=env)
        assert run.code == 0, (command, run.err)
        assert "beta" in run.out.lower(), command
    run = inst("uninstall", "-y", "beta", env=env)
    assert run.code == 0, run.err
    assert active.installed() == {}


def test_a_virtual_env_without_an_interpreter_is_one_error(
    inst: Inst, tmp_path: Path
) -> None:
    gone = tmp_path / "removed-venv"
    run = inst("install", "beta", env={"VIRTUAL_ENV": str(gone)})
    base.assert_one_error(
        run,
        f"VIRTUAL_ENV names {gone}, which is not a Python environment",
        "unset VIRTUAL_ENV",
        "--python",
    )


def test_an_externally_managed_conda_prefix_is_refused(
    inst: Inst, managed_python: Path, tmp_path: Path
) -> None:
    system = tmp_path / "system"
    (system / "bin" / "python").symlink_to(managed_python.name)  # as conda has it
    before = snapshot(system, skip={base.STATE_DIR})
    run = inst("install", "beta", env={"CONDA_PREFIX": str(system)})
    base.assert_one_error(
        run,
        f"this environment ({system}) is externally managed",
        "This Python belongs to the fake distributor.",
        "--break-system-packages",
    )
    after = snapshot(system, skip={base.STATE_DIR})
    assert before == after, differences(before, after)


def test_config_debug_says_which_environment_and_why(
    run_inst: Inst, venv_factory: VenvFactory, tmp_path: Path
) -> None:
    active = venv_factory("active")
    env = {"VIRTUAL_ENV": str(active.root)}
    title = "Environment of the commands that take --python:"

    for words in (("config", "debug"), ("config", "debug", "install")):
        run = run_inst(*words, env=env, program=True)
        assert run.code == 0, run.err
        lines = run.out.splitlines()
        assert (
            lines[lines.index(title) + 1]
            == f"  {active.root}  (from {VIRTUAL_ENV_WHY})"
        )

    local = make_venv(tmp_path / "here" / ".venv")
    run = run_inst("config", "debug", program=True, cwd=tmp_path / "here")
    lines = run.out.splitlines()
    assert lines[lines.index(title) + 1] == f"  {local.root}  (from {DOT_VENV_WHY})"

    run = run_inst("config", "debug", program=True)
    lines = run.out.splitlines()
    assert lines[lines.index(title) + 1] == (
        f"  {sys.prefix}, the interpreter running inst  (no active virtual or conda "
        "environment, and no .venv in the current directory or above it)"
    )

    run = run_inst("config", "debug", env=env)
    lines = run.out.splitlines()
    assert lines[lines.index(title) + 1] == (
        f"  {sys.prefix}, the interpreter running inst  (python -m inst works on the "
        "interpreter running it)"
    )

    named = {**env, "INST_PYTHON": str(active.python)}
    run = run_inst("config", "debug", env=named, program=True)
    lines = run.out.splitlines()
    assert lines[lines.index(title) + 1] == f"  {active.python}  (from INST_PYTHON)"


def test_install_command_line_reports_the_found_environment(
    inst: Inst, venv_factory: VenvFactory
) -> None:
    # The notice is stderr's first line, before anything the command says.
    active = venv_factory("active")
    run = inst("install", "--dry-run", "beta", env={"VIRTUAL_ENV": str(active.root)})
    assert run.code == 0, run.err
    assert run.err.startswith(notice(active.root, VIRTUAL_ENV_WHY) + "\n")
    assert active.installed() == {}


def test_the_harness_drops_an_activated_environment(tmp_path: Path) -> None:
    base_env = {"VIRTUAL_ENV": "/somewhere", "CONDA_PREFIX": "/else", "PATH": "/bin"}
    home = make_config_home(tmp_path / "home", base=base_env)
    assert "VIRTUAL_ENV" not in home.env
    assert "CONDA_PREFIX" not in home.env
    assert home.env["PATH"] == "/bin"

"""Fixtures that drive the real ``inst`` command in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.config_home import ConfigHome, make_config_home


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli_home(tmp_path: Path) -> ConfigHome:
    """A clean environment for the subprocess: no INST_*/PIP_* of the machine, config
    locations inside tmp_path."""
    return make_config_home(tmp_path / "config-home")


@pytest.fixture
def run_inst(cli_home: ConfigHome):
    """run_inst("config", "debug", env={"INST_X": "1"}) -> Run, via ``python -m inst``.

    ``env`` adds to the clean environment of ``home`` (cli_home unless given).
    ``program=True`` runs inst as its console script does (``main()``), which looks for
    the active environment (VIRTUAL_ENV, CONDA_PREFIX, a .venv above cwd); its cwd is
    then home's root unless given, so that the repository's own .venv is never found."""

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        home: ConfigHome = cli_home,
        python: str = sys.executable,
        cwd: Path | None = None,
        timeout: float = 60,
        program: bool = False,
    ) -> Run:
        full_env = {**home.env, **(env or {})}
        _refuse_to_change_the_test_interpreter(
            args, full_env, found=program and (cwd is not None or _activated(full_env))
        )
        entry = ["-c", _CONSOLE_SCRIPT] if program else ["-m", "inst"]
        if program and cwd is None:
            cwd = home.root
        completed = subprocess.run(
            [python, *entry, *args],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            check=False,
        )
        return Run(completed.returncode, completed.stdout, completed.stderr)

    return run


# What makes an install or uninstall write somewhere other than the interpreter that
# runs the tests.
_ELSEWHERE = ("--python", "--target", "-t", "--prefix", "--root", "--dry-run", "--help")
_ELSEWHERE_ENV = (
    "INST_PYTHON",
    "INST_TARGET",
    "INST_PREFIX",
    "INST_ROOT",
    "INST_DRY_RUN",
)


#: What the `inst` console script runs.
_CONSOLE_SCRIPT = "import sys; from inst.cli.main import main; sys.exit(main())"


def _activated(env: Mapping[str, str]) -> bool:
    return bool(env.get("VIRTUAL_ENV") or env.get("CONDA_PREFIX"))


def _refuse_to_change_the_test_interpreter(
    args: tuple[str, ...], env: Mapping[str, str], *, found: bool = False
) -> None:
    """A test that installs must say where: never into the Python running pytest.
    ``found``: the `inst` program with an environment of its own to find."""
    if not args or args[0] not in ("install", "uninstall") or found:
        return
    named = any(arg.split("=")[0] in _ELSEWHERE for arg in args)
    if not named and not any(env.get(name) for name in _ELSEWHERE_ENV):
        raise AssertionError(
            f"inst {args[0]} without --python/--target/--prefix/--root/--dry-run would "
            "change the interpreter running the tests"
        )

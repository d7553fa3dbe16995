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

    ``env`` adds to the clean environment of ``home`` (cli_home unless given)."""

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        home: ConfigHome = cli_home,
        python: str = sys.executable,
        cwd: Path | None = None,
        timeout: float = 60,
    ) -> Run:
        full_env = {**home.env, **(env or {})}
        completed = subprocess.run(
            [python, "-m", "inst", *args],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=cwd,
            check=False,
        )
        return Run(completed.returncode, completed.stdout, completed.stderr)

    return run

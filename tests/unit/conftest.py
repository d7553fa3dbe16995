"""In-process fixtures for the settings and CLI unit tests."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.config_home import ConfigHome, make_config_home, patched_environ


@pytest.fixture
def config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ConfigHome]:
    """os.environ and every config location point into tmp_path; sys.prefix (home of the
    site file) is a temporary directory too."""
    home = make_config_home(tmp_path / "config-home")
    prefix = tmp_path / "prefix"
    prefix.mkdir()
    monkeypatch.setattr(sys, "prefix", str(prefix))
    monkeypatch.setattr(sys, "base_prefix", str(prefix))
    with patched_environ(home.env):
        yield home


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@pytest.fixture
def inst(config_home: ConfigHome, capsys: pytest.CaptureFixture[str]):
    """inst("config", "debug") runs inst's main() in-process and returns its Outcome."""
    from inst import ui
    from inst.cli.main import main

    def run(*argv: str) -> Outcome:
        capsys.readouterr()
        code = main(list(argv))
        ui.configure()  # main() leaves its verbosity behind; the next call starts fresh
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run

"""README.md opens with the two commands a newcomer needs, and CI runs the second."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(.+?)\n```", readme)


def test_readme_opens_with_install_and_test_commands() -> None:
    install, test = _commands()[:2]
    assert "pip install ." in install and "inst --version" in install
    assert "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test = _commands()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()

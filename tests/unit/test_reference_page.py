"""The options reference in docs/ is generated from the option table: never stale."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from inst.settings.options import OPTIONS
from inst.settings.reference import render

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "options.md"


def test_committed_reference_page_matches_the_option_table() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "docs/reference/options.md is stale: run python tools/gen_options_reference.py"
    )


def test_every_option_has_an_entry_with_its_variable() -> None:
    page = render()
    for option in OPTIONS:
        assert f"`{option.long_flag}" in page or f", {option.long_flag}" in page
        if option.env_var:
            assert f"`{option.env_var}`" in page


def test_the_check_mode_of_the_script_detects_a_stale_page(tmp_path: Path) -> None:
    script = ROOT / "tools" / "gen_options_reference.py"
    ok = subprocess.run(
        [sys.executable, str(script), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    # A copy of the repository layout with a stale page fails the check.
    (tmp_path / "tools").mkdir()
    (tmp_path / "docs" / "reference").mkdir(parents=True)
    (tmp_path / "tools" / script.name).write_text(script.read_text())
    # It writes the command pages too, from the module beside it.
    generator = ROOT / "tools" / "command_reference.py"
    (tmp_path / "tools" / generator.name).write_text(generator.read_text())
    (tmp_path / "src").symlink_to(ROOT / "src")
    (tmp_path / "docs" / "reference" / "options.md").write_text("# old\n")
    stale = subprocess.run(
        [sys.executable, str(tmp_path / "tools" / script.name), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert stale.returncode == 1
    assert "stale" in stale.stderr

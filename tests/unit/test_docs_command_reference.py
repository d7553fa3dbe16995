"""The command pages in docs/reference/commands/ are generated from the parser and the
option table: never stale, one per command, each option with its variable."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from inst.cli.commands import COMMANDS
from inst.settings.options import options_for

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "command_reference", ROOT / "tools" / "command_reference.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("command_reference", module)
    spec.loader.exec_module(module)
    return module


def test_committed_command_pages_match_the_code() -> None:
    pages = _generator().render_all()
    committed = {
        path.relative_to(REFERENCE).as_posix()
        for path in (REFERENCE / "commands").glob("*.md")
    }
    assert committed | {"commands.md"} == set(pages), (
        "docs/reference/commands/ is stale: run python tools/gen_options_reference.py"
    )
    for name, text in pages.items():
        assert (REFERENCE / name).read_text(encoding="utf-8") == text, (
            f"docs/reference/{name} is stale: run python tools/gen_options_reference.py"
        )


def test_every_command_has_a_page_with_every_option_and_its_variable() -> None:
    pages = _generator().render_all()
    overview = pages["commands.md"]
    for name in COMMANDS:
        assert f"](commands/{name}.md)" in overview
        page = pages[f"commands/{name}.md"]
        assert page.startswith("<!--") and f"# inst {name}\n" in page
        assert "## Usage" in page
        for option in options_for(name):
            assert option.long_flag in page, (name, option.long_flag)
            if option.env_var:
                assert f"`{option.env_var}`" in page, (name, option.env_var)


def test_options_a_command_adds_itself_are_named_as_command_line_only() -> None:
    page = _generator().render_all()["commands/build-info.md"]
    own = page.split("## Options of this command only")[1].split("\n## ")[0]
    assert "`--json`" in own and "`--static`" in own

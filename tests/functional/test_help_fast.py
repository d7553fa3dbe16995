"""`inst --help` and `inst COMMAND --help` answer without building every parser: from
the texts stored in cli/help_texts.py (for the Python and terminal width they were
rendered for), else from the one parser asked for. Either way the text is exactly
what the full parser prints."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.checks import top_level_imports
from harness.config_home import ConfigHome
from inst.cli import help_texts
from inst.cli.commands import COMMANDS
from inst.cli.parser import (
    HELP_COLUMNS,
    build_command_parser,
    build_parser,
    render_help_texts,
)

ROOT = Path(__file__).resolve().parents[2]
STORED = ROOT / "src" / "inst" / "cli" / "help_texts.py"
PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def full_help(name: str, columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    """What the parser of every command prints for `inst [name] --help`."""
    monkeypatch.setenv("COLUMNS", str(columns))
    parser = build_parser()
    return (parser.subcommands[name] if name else parser).format_help()


@pytest.mark.skipif(
    help_texts.PYTHON != PYTHON,
    reason=f"the stored texts were rendered by Python {help_texts.PYTHON}",
)
def test_stored_help_texts_are_those_of_the_parser() -> None:
    assert STORED.read_text(encoding="utf-8") == render_help_texts(), (
        "src/inst/cli/help_texts.py is stale: run python tools/gen_options_reference.py"
    )
    assert set(help_texts.TEXTS) == {"", *COMMANDS}


@pytest.mark.parametrize("columns", [HELP_COLUMNS, 57, 131])
def test_one_commands_parser_prints_the_full_parsers_help(
    columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    for name in COMMANDS:
        alone = build_command_parser(name).format_help()
        assert alone == full_help(name, columns, monkeypatch), name


@pytest.mark.parametrize("name", ["", *COMMANDS])
@pytest.mark.parametrize("columns", [HELP_COLUMNS, 101])
def test_help_printed_is_the_full_parsers(
    run_inst, name: str, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the stored width from the stored text, at another from one parser."""
    args = [name, "--help"] if name else ["--help"]
    result = run_inst(*args, env={"COLUMNS": str(columns)})
    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out == full_help(name, columns, monkeypatch)


def test_short_flag_and_unknown_words_are_answered_as_before(run_inst) -> None:
    assert run_inst("config", "-h").out == run_inst("config", "--help").out
    unknown = run_inst("instal", "--help")
    assert unknown.code == 1
    assert "error: 'instal' is not an inst command" in unknown.err


@pytest.mark.parametrize("args", [["--help"], ["install", "--help"]])
def test_stored_help_imports_no_parser(cli_home: ConfigHome, args: list[str]) -> None:
    if help_texts.PYTHON != PYTHON:
        pytest.skip(f"the stored texts were rendered by Python {help_texts.PYTHON}")
    code, _, stderr = top_level_imports(args, {**cli_home.env, "COLUMNS": "80"})
    assert code == 0, stderr
    modules = {
        line.split("|")[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "argparse" not in modules
    assert "inst.cli.parser" not in modules

"""General options before the command (``inst --python V install X``, as pip users type
it) mean what they mean after it, with the same precedence: the command's parser reads
them in the order typed. Run in-process."""

from __future__ import annotations

import sys

import pytest

from inst.cli.parser import arrange, general_options
from inst.errors import UsageError
from inst.settings.options import GENERAL, OPTIONS


def debug_values(out: str) -> dict[str, str]:
    """``inst config debug``'s "name = value  (from origin)" lines → {name: value}."""
    values = {}
    for line in out.splitlines():
        if "  (from " in line and " = " in line:
            name, _, rest = line.strip().partition(" = ")
            values[name] = rest.split("  (from ")[0]
    return values


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--python", "V", "install", "x"], ["install", "--python", "V", "x"]),
        (["--python=V", "install", "x"], ["install", "--python=V", "x"]),
        (["-vv", "-q", "list"], ["list", "-vv", "-q"]),
        (
            ["--timeout", "5", "install", "--timeout", "7"],
            ["install", "--timeout", "5", "--timeout", "7"],
        ),
        (["--", "freeze"], ["freeze"]),
        (["--version"], ["--version"]),
        (["--python", "V"], ["--python", "V"]),  # no command: inst's own parser
        ([], []),
        (["help"], ["help"]),
        # not an option of the table: left for the top-level parser to report
        (["--bogus", "install"], ["--bogus", "install"]),
    ],
)
def test_arrange_moves_general_options_after_the_command(
    argv: list[str], expected: list[str]
) -> None:
    assert arrange(argv) == expected


def test_the_general_options_are_the_general_group() -> None:
    names = {option.name for option in general_options()}
    assert names == {option.name for option in OPTIONS if option.group == GENERAL}
    # pip's general options that inst has
    assert {"verbose", "quiet", "python", "isolated", "cache-dir", "no-cache-dir"} <= (
        names
    )
    assert "index-url" not in names  # pip takes index options after the command only


def test_the_value_of_python_is_not_taken_for_the_command() -> None:
    # The bug: "'V' is not an inst command".
    assert arrange(["--python", "frob", "install"])[0] == "install"
    with pytest.raises(UsageError, match="'frob' is not an inst command"):
        arrange(["--python", "V", "frob"])


@pytest.mark.parametrize("option", ["--no-index", "-i", "--pre", "-r"])
def test_a_command_option_before_the_command_says_where_it_goes(option: str) -> None:
    argv = (
        [option, "value", "install"] if option in ("-i", "-r") else [option, "install"]
    )
    with pytest.raises(UsageError) as caught:
        arrange(argv)
    assert caught.value.what == (
        f"{option} is an option of the commands, so it goes after the command"
    )
    assert caught.value.hint.startswith(f"write `inst install {option} ...`")


def test_a_general_option_the_command_does_not_take_is_named() -> None:
    with pytest.raises(UsageError, match="--python does not apply to `inst cache`"):
        arrange(["--python", "V", "cache", "dir"])


def test_the_later_value_wins_on_either_side(inst) -> None:
    out = inst("--timeout", "5", "config", "debug", "--timeout", "7").out
    assert debug_values(out)["timeout"] == "7"
    out = inst("--timeout", "5", "config", "debug").out
    assert debug_values(out)["timeout"] == "5"


def test_counts_add_up_on_both_sides(inst) -> None:
    out = inst("-vv", "config", "debug", "-v", "-q").out
    assert debug_values(out)["verbose"] == "3"
    assert debug_values(out)["quiet"] == "1"


def test_lists_collect_from_both_sides_in_order(inst) -> None:
    out = inst("--trusted-host", "a", "config", "debug", "--trusted-host", "b").out
    assert debug_values(out)["trusted-host"] == "a b"


def test_command_line_before_the_command_still_beats_the_environment(
    inst, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INST_RETRIES", "9")
    out = inst("--retries", "2", "config", "debug").out
    assert debug_values(out)["retries"] == "2"


def test_python_before_the_command_works(inst) -> None:
    result = inst("--python", sys.executable, "freeze")
    assert result.code == 0, result.err
    assert result.out == inst("freeze", "--python", sys.executable).out


@pytest.mark.parametrize(
    "argv", [["--version"], [], ["help"], ["-q", "--version"], ["--python", "x"]]
)
def test_version_help_and_bare_inst_still_work(inst, argv: list[str]) -> None:
    result = inst(*argv)
    assert result.code == 0, result.err


def test_an_unknown_command_after_general_options_is_named(inst) -> None:
    result = inst("-q", "--cache-dir", "/tmp/x", "instal")
    assert result.code == 1
    assert result.err.startswith(
        "error: 'instal' is not an inst command. Did you mean `inst install`?"
    )

"""The command reference: an overview (docs/reference/commands.md) and a page per
command (docs/reference/commands/NAME.md), rendered from inst's argparse parser and its
option table.

tools/gen_options_reference.py writes them beside the options page; a test fails when a
committed page is stale. Import this module with ``src/`` on ``sys.path``.
"""

from __future__ import annotations

import argparse
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from inst.cli.commands import COMMANDS
from inst.cli.parser import build_parser, general_options
from inst.settings.options import Option, options_for

#: Usage lines are wrapped at a fixed width, so the pages do not depend on the terminal.
WIDTH = "90"

GENERATED = """\
<!-- Generated from inst's parser and option table by tools/gen_options_reference.py.
     Do not edit by hand: change the code and run the script. -->
"""


def render_all() -> dict[str, str]:
    """Every page, keyed by its path below docs/reference/."""
    parser = build_parser()
    pages = {"commands.md": _render_index(parser)}
    for name in COMMANDS:
        pages[f"commands/{name}.md"] = _render_command(name, parser.subcommands[name])
    return pages


def _render_index(parser: argparse.ArgumentParser) -> str:
    lines = [
        GENERATED,
        "# Commands",
        "",
        (
            "One page per command: its usage, its arguments, and every option it takes, "
            "with the `INST_*` variable and the config key that set the option without "
            "typing it. `inst help COMMAND` and `inst COMMAND --help` print the same on "
            "the command line; [the options reference](options.md) describes each "
            "option's values and its pip fallback."
        ),
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    for name, command in COMMANDS.items():
        summary = command.load().SUMMARY
        lines.append(f"| [`inst {name}`](commands/{name}.md) | {_cell(summary)} |")
    lines += [
        "",
        "## General options",
        "",
        (
            "These may also come before the command, as in pip "
            "(`inst --python .venv install flask`):"
        ),
        "",
        *_option_table(general_options(), "options.md"),
        "",
    ]
    return "\n".join(lines)


def _render_command(name: str, sub: argparse.ArgumentParser) -> str:
    module = COMMANDS[name].load()
    table_names = {option.name for option in options_for(name)}
    positionals = [action for action in sub._actions if not action.option_strings]
    own = [
        action
        for action in sub._actions
        if action.option_strings
        and action.dest not in table_names
        and action.dest != "help"
        and action.help != argparse.SUPPRESS
    ]
    lines = [GENERATED, f"# inst {name}", "", module.SUMMARY, "", "## Usage", ""]
    lines += ["```text", _usage(sub).rstrip(), "```", ""]
    if positionals:
        lines += ["## Arguments", "", "| argument | |", "| --- | --- |"]
        for action in positionals:
            lines.append(f"| `{_metavar(action)}` | {_cell(action.help or '')} |")
        lines.append("")
    if sub.epilog:
        lines += ["```text", sub.epilog.rstrip(), "```", ""]
    if own:
        lines += [
            "## Options of this command only",
            "",
            (
                "These are read from the command line only: no `INST_*` variable or "
                "config key sets them."
            ),
            "",
            "| option | |",
            "| --- | --- |",
        ]
        for action in own:
            lines.append(f"| `{_flags(action)}` | {_cell(action.help or '')} |")
        lines.append("")
    groups: dict[str, list[Option]] = {}
    for option in options_for(name):
        groups.setdefault(option.group, []).append(option)
    for group, options in groups.items():
        lines += [f"## {group} options", "", *_option_table(options), ""]
    return "\n".join(lines).rstrip() + "\n"


def _option_table(options: list[Option], page: str = "../options.md") -> list[str]:
    rows = [
        "| option | | variable | config key |",
        "| --- | --- | --- | --- |",
    ]
    for option in options:
        flags = (
            f"{option.short}, {option.long_flag}" if option.short else option.long_flag
        )
        link = f"[`{flags}`]({page}#{_options_anchor(option)})"
        variable = f"`{option.env_var}`" if option.env_var else "none"
        key = f"`{option.config_key}`" if option.config_key else "none"
        rows.append(
            f"| {link} | {_cell(_first_sentence(option.help))} | {variable} | {key} |"
        )
    return rows


def _options_anchor(option: Option) -> str:
    """The anchor of the option's heading in options.md (``### `-v, --verbose` ``),
    slugged as Python-Markdown's toc extension slugs it."""
    from inst.settings.reference import _render_option

    heading = _render_option(option).splitlines()[0].removeprefix("### ")
    return _slugify(heading.replace("`", ""))


def _slugify(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?\.)(\s|$)", text)
    return match.group(1) if match else text


def _usage(sub: argparse.ArgumentParser) -> str:
    with _columns(WIDTH):
        return sub.format_usage()


@contextmanager
def _columns(width: str) -> Iterator[None]:
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def _metavar(action: argparse.Action) -> str:
    if action.metavar:
        return str(action.metavar)
    if action.choices:
        return "{" + ",".join(map(str, action.choices)) + "}"
    return action.dest.upper()


def _flags(action: argparse.Action) -> str:
    flags = ", ".join(action.option_strings)
    if action.nargs == 0:
        return flags
    return f"{flags} {_metavar(action)}"


def _cell(text: str) -> str:
    """Text for one cell of a Markdown table: on one line, pipes escaped, argparse's
    %% unescaped."""
    return " ".join(text.replace("%%", "%").split()).replace("|", "\\|")

"""argparse parsers generated from the option table."""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from inst import __version__
from inst.cli.commands import COMMANDS
from inst.errors import UsageError
from inst.settings.options import (
    ALL_COMMANDS,
    COMMAND_NAMES,
    OPTIONS,
    Kind,
    Option,
    options_for,
)
from inst.settings.values import display

DESCRIPTION = (
    "inst installs Python packages, pip style: it resolves requirements against package "
    "indexes, builds what has no wheel and installs into a Python environment. Every "
    "option can also be set by an INST_* environment variable or in a config file; "
    "`inst config debug` shows where each value comes from."
)


class Parser(argparse.ArgumentParser):
    """Usage mistakes become inst's one-paragraph errors (exit 1), not argparse's exit 2."""

    subcommands: dict[str, Parser]

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, hint=f"run `{self.prog} --help` to see what it takes")


def build_parser() -> Parser:
    parser = Parser(prog="inst", description=DESCRIPTION, allow_abbrev=False)
    parser.add_argument(
        "--version",
        action="store_true",
        help="Show inst's version, where it is installed and the Python it runs on.",
    )
    _add_options(parser, [o for o in OPTIONS if o.commands == ALL_COMMANDS])
    parser.subcommands = {}
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands"
    )
    for name, command in COMMANDS.items():
        module = command.load()
        sub = commands.add_parser(
            name,
            help=module.SUMMARY,
            description=module.SUMMARY,
            allow_abbrev=False,
        )
        module.add_arguments(sub)
        _add_options(sub, options_for(name))
        parser.subcommands[name] = sub
    return parser


def _add_options(parser: argparse.ArgumentParser, options: list[Option]) -> None:
    groups: dict[str, Any] = {}
    for option in options:
        if option.group not in groups:
            groups[option.group] = parser.add_argument_group(f"{option.group} options")
        _add_option(groups[option.group], option)


def _add_option(group: Any, option: Option) -> None:
    flags = [option.short, option.long_flag] if option.short else [option.long_flag]
    common: dict[str, Any] = {
        "dest": option.name,
        "default": argparse.SUPPRESS,  # absent means "not given", so lower layers apply
        "help": _help(option),
    }
    if option.kind is Kind.FLAG:
        group.add_argument(*flags, action="store_const", const="true", **common)
        if option.negatable:
            group.add_argument(
                f"--no-{option.name}",
                action="store_const",
                const="false",
                dest=option.name,
                default=argparse.SUPPRESS,
                help=argparse.SUPPRESS,
            )
    elif option.kind is Kind.COUNT:
        group.add_argument(*flags, action="count", **common)
    elif option.kind is Kind.LIST:
        group.add_argument(*flags, action="append", metavar=_metavar(option), **common)
    else:
        group.add_argument(*flags, metavar=_metavar(option), **common)


def _metavar(option: Option) -> str:
    if option.metavar:
        return option.metavar
    if option.choices:
        return "{" + ",".join(option.choices) + "}"
    return option.name.upper().replace("-", "_")


def _help(option: Option) -> str:
    extras = []
    if option.env_var:
        extras.append(option.env_var)
    if option.default_doc:
        extras.append(f"default: {option.default_doc}")
    elif option.default not in (None, False, (), 0):
        extras.append(f"default: {display(option.default)}")
    text = option.help + (f" [{'; '.join(extras)}]" if extras else "")
    return text.replace("%", "%%")  # argparse formats help strings with %


def cli_values(args: argparse.Namespace) -> dict[str, Any]:
    """The table options the user typed, keyed by option name."""
    given = vars(args)
    return {
        option.name: given[option.name] for option in OPTIONS if option.name in given
    }


def first_positional(argv: list[str]) -> str | None:
    """The command word in argv: the first token that is neither an option nor its value."""
    takes_value = {
        flag
        for option in OPTIONS
        if option.commands == ALL_COMMANDS
        and option.kind not in (Kind.FLAG, Kind.COUNT)
        for flag in (option.short, option.long_flag)
        if flag
    }
    tokens = iter(argv)
    for token in tokens:
        if token == "--":
            return next(tokens, None)
        if token.startswith("-"):
            if token in takes_value:
                next(tokens, None)
            continue
        return token
    return None


def unknown_command_error(word: str) -> UsageError:
    import difflib

    available = ", ".join(COMMANDS)
    if word in COMMAND_NAMES:
        return UsageError(
            f"`inst {word}` is not available in inst {__version__} yet",
            hint=f"the commands this version has are: {available}",
        )
    close = difflib.get_close_matches(word, list(COMMANDS), n=1)
    suggestion = f"did you mean `inst {close[0]}`? " if close else ""
    return UsageError(
        f"{word!r} is not an inst command",
        hint=f"{suggestion}The commands are: {available}; `inst help` explains them",
    )


def version_text() -> str:
    import os

    import inst

    location = os.path.dirname(os.path.abspath(inst.__file__))
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"inst {__version__} from {location} (python {python})"

"""argparse parsers generated from the option table."""

from __future__ import annotations

import argparse
import functools
from typing import Any, NoReturn

from inst import __version__
from inst.cli.commands import COMMANDS
from inst.errors import UsageError
from inst.settings.options import (
    COMMAND_NAMES,
    GENERAL,
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


@functools.cache
def build_parser() -> Parser:
    """inst's parser; built once per process (parsing leaves it unchanged), since
    building it loads every command module."""
    parser = Parser(prog="inst", description=DESCRIPTION, allow_abbrev=False)
    parser.add_argument(
        "--version",
        action="store_true",
        help="Show inst's version, where it is installed and the Python it runs on.",
    )
    # The general options, so `inst -v` or `inst --python X` alone reads them (and
    # `inst --help` lists them); before a command, arrange() hands them to it.
    _add_options(parser, general_options())
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


#: Spellings that stay with inst itself, before any command.
_TOP_LEVEL = frozenset({"--version", "-h", "--help"})


def general_options() -> list[Option]:
    """The options that may come before the command, as pip's general options may:
    the General group of the table (-v, -q, --python, --cache-dir, --timeout, ...).
    Index and selection options belong to the commands, before as in pip."""
    return [option for option in OPTIONS if option.group == GENERAL]


def arrange(argv: list[str]) -> list[str]:
    """argv with the general options typed before the command moved to just after it.

    ``inst --python V install X`` becomes ``inst install --python V X``: the command's
    parser then reads every option in the order typed, so a later value wins and -v
    counts add up wherever they stand, as in pip. Raises UsageError for an unknown
    command, and for an option before the command that is not general or that the
    command does not take.
    """
    spellings = _spellings(list(OPTIONS))
    general = {option.name for option in general_options()}
    moved: list[str] = []
    kept: list[str] = []
    names: list[tuple[str, Option]] = []  # (as typed, option) of what was moved
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--" or not token.startswith("-") or token == "-":
            break
        found = _match(token, spellings)
        if found is None or token in _TOP_LEVEL:
            kept.append(token)  # unknown: the top-level parser reports it
            index += 1
            continue
        option, typed, needs_value = found
        taken = argv[index : index + 1 + (needs_value and index + 1 < len(argv))]
        index += len(taken)
        if option.name not in general:
            command = _command_after(argv[index:])
            raise UsageError(
                f"{typed} is an option of the commands, so it goes after the command",
                hint=f"write `inst {command or 'COMMAND'} {typed} ...`; only the "
                "general options (such as -v, --python, --cache-dir, --timeout) may "
                "come before the command",
            )
        moved += taken
        names.append((typed, option))
    rest = argv[index:]
    if rest[:1] == ["--"]:
        rest = rest[1:]  # `inst -- COMMAND`: the command all the same
    if not rest:
        return argv  # no command: inst's own parser reads the options
    command = rest[0]
    if command not in COMMANDS:
        raise unknown_command_error(command)
    for typed, option in names:
        if not option.applies_to(command):
            users = ", ".join(f"inst {name}" for name in option.commands)
            raise UsageError(
                f"{typed} does not apply to `inst {command}`",
                hint=f"it is taken by {users}",
            )
    return [*kept, command, *moved, *rest[1:]]


def _spellings(options: list[Option]) -> dict[str, tuple[Option, bool]]:
    """Every flag spelling of the table → (option, whether it takes a value)."""
    found: dict[str, tuple[Option, bool]] = {}
    for option in options:
        takes_value = option.kind not in (Kind.FLAG, Kind.COUNT)
        for flag in (option.short, option.long_flag):
            if flag:
                found[flag] = (option, takes_value)
        if option.negatable:
            found[f"--no-{option.name}"] = (option, False)
    return found


def _match(
    token: str, spellings: dict[str, tuple[Option, bool]]
) -> tuple[Option, str, bool] | None:
    """The option a token before the command stands for: (option, the flag as typed,
    whether the next token is its value), or None when it is none of the table's.
    Several options in one token (-vq) are the first one's; flags only."""
    if token.startswith("--"):
        flag, equals, _ = token.partition("=")
        if flag not in spellings:
            return None
        option, takes_value = spellings[flag]
        return option, flag, takes_value and not equals
    flag = token[:2]
    if flag not in spellings:
        return None
    option, takes_value = spellings[flag]
    if takes_value:
        return option, flag, len(token) == 2  # -iURL holds its value
    # A cluster such as -vvq: every letter must be a flag (-v -v -q).
    for letter in token[2:]:
        other = spellings.get("-" + letter)
        if other is None or other[1]:
            return None
    return option, flag, False


def _command_after(tokens: list[str]) -> str | None:
    """The command word among the tokens after a misplaced option, for a hint."""
    return next((token for token in tokens if token in COMMANDS), None)


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

"""``inst completion --bash|--zsh|--fish``: a shell completion script, as pip's.

The script asks inst itself for the words that may come next: it runs
``inst completion`` with ``_INST_COMPLETE=1`` and the words typed so far in
``COMP_WORDS`` / ``COMP_CWORD`` (pip's protocol, under inst's name), and inst answers
from its parser, so commands and options are always those of the installed inst.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import UsageError

if TYPE_CHECKING:
    from inst.settings.resolve import Settings

SUMMARY = "Print a shell completion script for inst (bash, zsh or fish)."

#: Set by the scripts when they ask inst for completions.
COMPLETE_VARIABLE = "_INST_COMPLETE"

_SCRIPTS = {
    "bash": """
_inst_completion()
{
    COMPREPLY=( $( COMP_WORDS="${COMP_WORDS[*]}" \\
                   COMP_CWORD=$COMP_CWORD \\
                   _INST_COMPLETE=1 $1 completion 2>/dev/null ) )
}
complete -o default -F _inst_completion inst
""",
    "zsh": """
#compdef inst
compadd $( COMP_WORDS="$words[*]" \\
           COMP_CWORD=$((CURRENT-1)) \\
           _INST_COMPLETE=1 $words[1] completion 2>/dev/null )
""",
    "fish": """
function __fish_complete_inst
    set -lx COMP_WORDS (commandline -o) ""
    set -lx COMP_CWORD ( \\
        math (contains -i -- (commandline -t) $COMP_WORDS)-1 \\
    )
    set -lx _INST_COMPLETE 1
    string split \\  -- (eval $COMP_WORDS[1] completion)
end
complete -fa "(__fish_complete_inst)" -c inst
""",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No positional arguments: --bash, --zsh and --fish come from the table."""


def run(settings: Settings, args: argparse.Namespace) -> int:
    if os.environ.get(COMPLETE_VARIABLE):
        words = os.environ.get("COMP_WORDS", "").split()[1:]
        try:
            cword = int(os.environ.get("COMP_CWORD", "0"))
        except ValueError:
            cword = len(words) + 1
        ui.output(" ".join(candidates(words, cword)), verbatim=True)
        return 0
    shells = [shell for shell in _SCRIPTS if getattr(settings, shell)]
    if len(shells) != 1:
        raise UsageError(
            "inst completion needs one shell",
            hint="run `inst completion --bash`, `--zsh` or `--fish`",
        )
    shell = shells[0]
    ui.output(
        f"\n# inst {shell} completion start{_SCRIPTS[shell]}"
        f"# inst {shell} completion end\n",
        verbatim=True,
    )
    return 0


def candidates(words: list[str], cword: int) -> list[str]:
    """What may stand at position ``cword`` (1 is the first word after ``inst``) of
    ``words`` (the words after ``inst``), starting as the word there does."""
    from inst.cli.parser import build_parser

    current = words[cword - 1] if 0 < cword <= len(words) else ""
    before = words[: max(cword - 1, 0)]
    parser = build_parser()
    command = next((word for word in before if word in parser.subcommands), None)
    target = parser.subcommands[command] if command else parser
    options = _options(target)
    previous = before[-1] if before else ""
    if previous.startswith("-") and "=" not in previous:
        takes = options.get(previous)
        if takes is not None:
            # The option's value: its choices, or nothing (the shell completes paths).
            return [choice for choice in takes if choice.startswith(current)]
    if current.startswith("-"):
        used = {word.split("=")[0] for word in before}
        return [
            flag + ("=" if takes is not None and flag.startswith("--") else "")
            for flag, takes in options.items()
            if flag.startswith(current) and flag not in used
        ]
    if command is None:
        return [name for name in parser.subcommands if name.startswith(current)]
    if command == "help":
        return [name for name in parser.subcommands if name.startswith(current)]
    given = [word for word in before[before.index(command) + 1 :] if word[:1] != "-"]
    for action in target._actions:
        if action.option_strings or not action.choices:
            continue
        if not given:  # the first positional argument, when it has choices
            return [str(c) for c in action.choices if str(c).startswith(current)]
        break
    return []


def _options(parser: argparse.ArgumentParser) -> dict[str, list[str] | None]:
    """Every shown flag of a parser: the choices of its value ([] for any value),
    or None for a flag that takes no value."""
    from inst.settings.options import OPTIONS

    table = {option.name: option for option in OPTIONS}
    found: dict[str, list[str] | None] = {}
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        if action.nargs == 0:
            takes = None
        else:
            # The table's choices are checked with the settings, not by argparse.
            option = table.get(action.dest)
            choices = option.choices if option else action.choices or ()
            takes = [str(choice) for choice in choices]
        for flag in action.option_strings:
            found[flag] = takes
    return found

"""``inst help [COMMAND]``: the same text as ``inst [COMMAND] --help``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inst.settings.resolve import Settings

SUMMARY = "Show help for inst or for one of its commands."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "topic", nargs="?", metavar="COMMAND", help="the command to explain"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.parser import build_parser, unknown_command_error

    parser = build_parser()
    if args.topic is None:
        parser.print_help()
        return 0
    subparsers = parser.subcommands
    if args.topic not in subparsers:
        raise unknown_command_error(args.topic)
    subparsers[args.topic].print_help()
    return 0

"""The registry of commands that work. A command is a module with ``SUMMARY``,
``add_arguments(parser)`` for its positional arguments, and ``run(settings, args) -> int``.

Command modules import nothing heavy at module level: the parser imports every one of
them to build ``inst --help``. A command may name in ``PRELOAD`` the modules ``run``
will import: they are imported while inst waits for the probe of a --python
interpreter, so that the wait is not lost.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from inst._records import dataclass


@dataclass(frozen=True)
class Command:
    """A command of the CLI: its name, help and the module that runs it."""

    name: str
    module: str

    def load(self) -> ModuleType:
        return importlib.import_module(self.module)


COMMANDS: dict[str, Command] = {
    command.name: command
    for command in (
        Command("install", "inst.cli.commands.install"),
        Command("uninstall", "inst.cli.commands.uninstall"),
        Command("download", "inst.cli.commands.download"),
        Command("wheel", "inst.cli.commands.wheel"),
        Command("build", "inst.cli.commands.build"),
        Command("build-info", "inst.cli.commands.build_info"),
        Command("list", "inst.cli.commands.list"),
        Command("freeze", "inst.cli.commands.freeze"),
        Command("show", "inst.cli.commands.show"),
        Command("repair", "inst.cli.commands.repair"),
        Command("cache", "inst.cli.commands.cache"),
        Command("config", "inst.cli.commands.config"),
        Command("help", "inst.cli.commands.help"),
        Command("check", "inst.cli.commands.check"),
        Command("inspect", "inst.cli.commands.inspect"),
        Command("hash", "inst.cli.commands.hash"),
        Command("index", "inst.cli.commands.index"),
        Command("completion", "inst.cli.commands.completion"),
        Command("lock", "inst.cli.commands.lock"),
        Command("sync", "inst.cli.commands.sync"),
    )
}

#: The modules of the commands that resolve and prepare (their PRELOAD, or a part).
RESOLVING = (
    "inst.requirements.inputs",
    "inst.cli.reporters",
    "inst.session.core",
    "inst.resolution.resolver",
    "inst.prepare",
)


def preload_modules(*names: str) -> None:
    """Import these modules now (see ``PRELOAD``). One that fails to import is left
    for the import that needs it, which reports the failure."""
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            pass

"""The modules a command names in PRELOAD exist (a misspelt one would be skipped
silently by preload_modules), and preloading imports them."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from inst.cli.commands import COMMANDS

WITH_PRELOAD = [
    command for command in COMMANDS.values() if getattr(command.load(), "PRELOAD", ())
]


def test_the_commands_that_resolve_preload() -> None:
    assert {c.name for c in WITH_PRELOAD} >= {"install", "sync", "wheel", "download"}


@pytest.mark.parametrize("command", WITH_PRELOAD, ids=lambda c: c.name)
def test_every_preloaded_module_exists(command: object) -> None:
    for name in command.load().PRELOAD:  # type: ignore[attr-defined]
        importlib.import_module(name)


def test_preload_modules_imports_them_and_skips_what_fails() -> None:
    code = (
        "import sys\n"
        "from inst.cli.commands import preload_modules\n"
        "preload_modules('inst.no_such_module', 'inst.prepare')\n"
        "assert 'inst.prepare' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

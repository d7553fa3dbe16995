"""Which environment a run works on when no --python is given.

``python -m inst`` keeps pip's meaning: the interpreter running it. The ``inst``
program (its console script, which calls ``main()`` with no arguments) is often
installed once in an environment of its own (as pipx does), so, like uv, it looks for
the environment the user has active: the virtual environment of ``VIRTUAL_ENV``, then
the conda environment of ``CONDA_PREFIX``, then a ``.venv`` directory in the current
directory or one above it; failing those, the interpreter running inst.

Kept to the standard library and a few ``stat`` calls: it runs before every command
that takes --python, and ``inst --version`` must start fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from inst._records import dataclass
from inst.errors import SettingsError

#: Where an environment's interpreter is, below its directory (POSIX venvs and conda
#: environments, Windows venvs, Windows conda environments).
_INTERPRETERS = ("bin/python", "bin/python3", "Scripts/python.exe", "python.exe")

#: The variables an activated environment sets, in the order they count.
_VARIABLES = (
    ("VIRTUAL_ENV", "the active virtual environment"),
    ("CONDA_PREFIX", "the active conda environment"),
)

VENV_DIRECTORY = ".venv"


@dataclass(frozen=True)
class Choice:
    """The environment a run works on when --python is not set.

    ``prefix`` None is the interpreter running inst; ``why`` says why, in words
    that follow "from" (``Using environment PREFIX (WHY)``)."""

    prefix: str | None
    why: str


def active_environment(
    environ: Mapping[str, str], cwd: str | None = None, *, discovering: bool
) -> Choice:
    """The environment of a run with no --python. ``discovering`` is False for
    ``python -m inst``, which always works on the interpreter running it.

    Raises SettingsError when VIRTUAL_ENV or CONDA_PREFIX names a directory without an
    interpreter: installing elsewhere than the active environment would surprise."""
    if not discovering:
        return Choice(None, "python -m inst works on the interpreter running it")
    for variable, what in _VARIABLES:
        value = environ.get(variable, "")
        if value:
            return _checked(value, variable, f"{what}, {variable}")
    try:
        start = os.getcwd() if cwd is None else cwd
    except OSError:  # the current directory was removed: nothing above it to find
        start = None
    directory = None if start is None else _venv_above(start)
    if directory is not None:
        return _unless_running(
            directory, f"a {VENV_DIRECTORY} in the current directory or above it"
        )
    return Choice(
        None,
        "no active virtual or conda environment, and no .venv in the current "
        "directory or above it",
    )


def _checked(value: str, variable: str, why: str) -> Choice:
    prefix = os.path.abspath(os.path.expanduser(value))
    if not _has_interpreter(prefix):
        raise SettingsError(
            f"{variable} names {prefix}, which is not a Python environment",
            why="it has no bin/python (or Scripts\\python.exe); inst works on the "
            f"environment {variable} names when no --python is given",
            hint=f"activate an existing environment, unset {variable}, or name the "
            "environment to work on with --python",
        )
    return _unless_running(prefix, why)


def _unless_running(prefix: str, why: str) -> Choice:
    """The interpreter running inst found again is simply that one: probed
    in-process, and nothing to announce."""
    if _same_path(prefix, sys.prefix):
        return Choice(None, f"{why}: the one running inst")
    return Choice(prefix, why)


def _venv_above(start: str) -> str | None:
    """The first ``.venv`` with an interpreter in start or a directory above it."""
    directory = os.path.abspath(start)
    while True:
        candidate = os.path.join(directory, VENV_DIRECTORY)
        if _has_interpreter(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _has_interpreter(prefix: str) -> bool:
    # os.path.isfile: a name too long or unreadable is "no", never an exception.
    return any(os.path.isfile(os.path.join(prefix, path)) for path in _INTERPRETERS)


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(
        os.path.realpath(b)
    )

"""Messages for the user: levels, colour and the NO_COLOR convention.

Kept free of heavy imports: it is loaded on every start-up, ``inst --version`` included.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TextIO

_state = {"verbosity": 0, "color": None, "info_to_stderr": False, "closed": False}

_STYLES = {
    "error": "\033[1;31m",
    "warning": "\033[1;33m",
    "bold": "\033[1m",
    "dim": "\033[2m",
}
_RESET = "\033[0m"
_URL_AUTH = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


def configure(*, verbosity: int = 0, no_color: bool = False) -> None:
    """Set the verbosity (-v minus -q) and whether colour is allowed at all."""
    _state["verbosity"] = verbosity
    _state["color"] = False if no_color else None
    _state["info_to_stderr"] = False
    _state["closed"] = False


def close() -> None:
    """The run's last line is said (an interruption's): what threads still winding
    down would report (a download starting) is dropped, not printed after it."""
    _state["closed"] = True


def info_to_stderr() -> None:
    """Standard output carries a result (such as ``--report -``): progress moves aside."""
    _state["info_to_stderr"] = True


def verbosity() -> int:
    return int(_state["verbosity"] or 0)


def color_enabled(stream: TextIO) -> bool:
    if _state["color"] is False or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def style(text: str, name: str, stream: TextIO) -> str:
    if not color_enabled(stream):
        return text
    return f"{_STYLES[name]}{text}{_RESET}"


def redact(text: str) -> str:
    """Hide secrets in URLs: ``user:****@host``, and ``****@host`` for a lone token."""

    def hide(match: re.Match[str]) -> str:
        user, colon, _ = match["userinfo"].partition(":")
        return f"{match['scheme']}{user}:****@" if colon else f"{match['scheme']}****@"

    return _URL_AUTH.sub(hide, text)


def output(message: str, *, verbatim: bool = False) -> None:
    """A command's result (what `inst config get` prints): never silenced by -q.
    ``verbatim`` skips redaction, for text that must be reusable as written (freeze
    lines: PEP 610 keeps only ``git@`` and ``${VAR}@`` credentials, as pip prints them)."""
    print(message if verbatim else redact(message), file=sys.stdout)


def info(message: str) -> None:
    """Normal output, silenced by -q."""
    if verbosity() >= 0 and not _state["closed"]:
        stream = sys.stderr if _state["info_to_stderr"] else sys.stdout
        print(redact(message), file=stream)


def detail(message: str) -> None:
    """Output shown with -v."""
    if verbosity() >= 1 and not _state["closed"]:
        print(redact(message), file=sys.stderr)


def warning(message: str) -> None:
    """Something the user should know; silenced by -qq."""
    if verbosity() >= -1 and not _state["closed"]:
        print(
            f"{style('warning:', 'warning', sys.stderr)} {redact(message)}",
            file=sys.stderr,
        )


def error(message: str) -> None:
    """Never silenced: the reason inst exits with code 1."""
    print(f"{style('error:', 'error', sys.stderr)} {redact(message)}", file=sys.stderr)

"""What makes a wheel refused, shared by the archive checks (checks.py) and the
placement checks (inst.install.placement), which must not import the archive
checks' heavier modules to install a wheel unpacked already."""

from __future__ import annotations

import re

from inst.errors import InstError

BROKEN_HINT = (
    "get a fixed wheel (download or build it again), or report the problem to the "
    "project's maintainers"
)


class InvalidWheel(InstError):
    """A wheel that inst refuses to install; ``why`` names the rule it breaks."""

    def __init__(self, wheel: str, why: str, hint: str = BROKEN_HINT) -> None:
        super().__init__(f"{wheel} cannot be installed", why=why, hint=hint)
        self.wheel = wheel


RESERVED_SCRIPT = re.compile(
    r"(?i)^(python(w)?(\d+(\.\d+)?t?)?(\.exe)?|activate(\..*|_this\.py)?|deactivate(\..*)?)$"
)


def script_name_problem(script: str) -> str | None:
    """Why an entry-point name cannot be a file name in the scripts directory."""
    if not script.strip():
        return "has an empty name"
    if script in (".", ".."):
        return "is not a file name"
    for character, label in (
        ("/", "a slash"),
        ("\\", "a backslash"),
        (":", "a colon"),
        ("\x00", "a NUL character"),
    ):
        if character in script:
            return f"has {label} in its name, which would leave the scripts directory"
    return None

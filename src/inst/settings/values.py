"""Turning raw option values (strings from argv and the environment, TOML values from
config files, strings from pip's configuration) into typed values."""

from __future__ import annotations

import os
import urllib.parse

from inst.settings.options import Kind, Option

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
#: The largest number a FLOAT option (all of them are seconds) takes: the clocks and
#: sockets they end up in overflow not far above it (about 31 years).
MAX_SECONDS = 1_000_000_000
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class InvalidValue(ValueError):
    """The raw value does not fit the option; the message says what would."""


class _Zero(ValueError):
    """0 for an option that must be greater than 0."""


def accepted(option: Option) -> str:
    """What an option accepts, in words, for error messages and the reference page."""
    kind = option.kind
    if kind is Kind.FLAG:
        return "1, true, yes or on to turn it on; 0, false, no or off to leave it off"
    lowest = "greater than 0" if option.positive else "of 0 or more"
    if kind in (Kind.COUNT, Kind.INT):
        return f"a whole number {lowest}"
    if kind is Kind.FLOAT:
        return f"a number {lowest}, at most {MAX_SECONDS}"
    if kind is Kind.CHOICE:
        return "one of " + ", ".join(option.choices)
    if kind is Kind.LIST:
        separators = "whitespace or commas" if option.comma_lists else "whitespace"
        return f"a list of values separated by {separators}"
    if kind is Kind.PATH:
        return "a path"
    return "a string"


def convert(option: Option, raw: object) -> object:
    """Parse one raw value; raises InvalidValue saying what the option accepts."""
    try:
        value = _CONVERTERS[option.kind](option, raw)
    except _Zero:
        # pip passes a 0 timeout on, and then waits for ever on a stalled server.
        raise InvalidValue(
            f"{accepted(option)}; 0 would mean no limit at all (pip then waits for "
            "ever on a server that stalls), so give a large number instead, such as 600"
        ) from None
    except (TypeError, ValueError):
        raise InvalidValue(accepted(option)) from None
    if option.urls:
        for item in value if isinstance(value, tuple) else (value,):
            problem = url_problem(str(item))
            if problem:
                raise InvalidValue(f"URLs that parse: {item!r} does not ({problem})")
    return value


def url_problem(text: str) -> str:
    """Why ``text``, if it has a scheme (``scheme://``), is not a usable URL; "" if it
    is one, or is no URL at all (a path)."""
    if "://" not in text:
        return ""
    try:
        urllib.parse.urlsplit(text).port  # noqa: B018 - parses host and port, or raises
    except ValueError as exc:  # "http://[::1/", a port out of range
        return str(exc)
    return ""


def _flag(option: Option, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(raw)


def _whole_number(option: Option, raw: object) -> int:
    if isinstance(raw, (bool, float)):
        raise TypeError(raw)
    value = int(str(raw).strip()) if isinstance(raw, str) else int(raw)  # type: ignore[call-overload]
    if value < 0:
        raise ValueError(raw)
    if option.positive and value == 0:
        raise _Zero(raw)
    return value


def _number(option: Option, raw: object) -> float:
    if isinstance(raw, bool):
        raise TypeError(raw)
    value = float(str(raw).strip()) if isinstance(raw, str) else float(raw)  # type: ignore[arg-type]
    if not 0 <= value <= MAX_SECONDS:  # also rejects NaN and infinity
        raise ValueError(raw)
    if option.positive and value == 0:
        raise _Zero(raw)
    return value


def _string(option: Option, raw: object) -> str:
    if not isinstance(raw, str):
        raise TypeError(raw)
    if not raw.strip() or "\x00" in raw:  # TOML's "\u0000": no path or URL holds one
        raise ValueError(raw)
    return raw.strip()


def _path(option: Option, raw: object) -> str:
    return os.path.expanduser(_string(option, raw))


def _choice(option: Option, raw: object) -> str:
    value = _string(option, raw)
    if value not in option.choices:
        raise ValueError(raw)
    return value


def _list(option: Option, raw: object) -> tuple[str, ...]:
    """A string splits on whitespace; a list (argv repetitions, a TOML array) keeps each
    item whole, so a path may hold spaces. pip's comma spelling splits either way."""
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple)) or not all(
        isinstance(i, str) for i in items
    ):
        raise TypeError(raw)
    if any("\x00" in item for item in items):  # TOML's "\u0000"
        raise ValueError(raw)
    if isinstance(raw, str):
        return tuple((raw.replace(",", " ") if option.comma_lists else raw).split())
    parts = [
        p for item in items for p in (item.split(",") if option.comma_lists else [item])
    ]
    return tuple(part.strip() for part in parts if part.strip())


_CONVERTERS = {
    Kind.FLAG: _flag,
    Kind.COUNT: _whole_number,
    Kind.INT: _whole_number,
    Kind.FLOAT: _number,
    Kind.STRING: _string,
    Kind.PATH: _path,
    Kind.CHOICE: _choice,
    Kind.LIST: _list,
}


def display(value: object) -> str:
    """A value as the user would write it in an INST_* variable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        import shlex  # quotes an item holding spaces, so the list reads unambiguously

        return " ".join(shlex.quote(str(item)) for item in value)
    if value is None:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

"""Turning raw option values (strings from argv and the environment, TOML values from
config files, strings from pip's configuration) into typed values."""

from __future__ import annotations

import os

from inst.settings.options import Kind, Option

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class InvalidValue(ValueError):
    """The raw value does not fit the option; the message says what would."""


def accepted(option: Option) -> str:
    """What an option accepts, in words, for error messages and the reference page."""
    kind = option.kind
    if kind is Kind.FLAG:
        return "1, true, yes or on to turn it on; 0, false, no or off to leave it off"
    if kind is Kind.COUNT:
        return "a whole number of 0 or more"
    if kind is Kind.INT:
        return "a whole number of 0 or more"
    if kind is Kind.FLOAT:
        return "a number of 0 or more"
    if kind is Kind.CHOICE:
        return "one of " + ", ".join(option.choices)
    if kind is Kind.LIST:
        separators = "whitespace or commas" if option.comma_lists else "whitespace"
        return f"a list of values separated by {separators}"
    if kind is Kind.PATH:
        return "a path"
    return "a string"


def convert(option: Option, raw: object, *, from_cli: bool = False) -> object:
    """Parse one raw value; raises InvalidValue saying what the option accepts.

    On the command line each repetition of a list option is one item (a path may hold
    spaces); elsewhere list items are separated by whitespace.
    """
    try:
        if option.kind is Kind.LIST and from_cli:
            return _list_from_cli(option, raw)
        value = _CONVERTERS[option.kind](option, raw)
    except (TypeError, ValueError):
        raise InvalidValue(accepted(option)) from None
    return value


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
    return value


def _number(option: Option, raw: object) -> float:
    if isinstance(raw, bool):
        raise TypeError(raw)
    value = float(str(raw).strip()) if isinstance(raw, str) else float(raw)  # type: ignore[arg-type]
    if not value >= 0 or value == float("inf"):  # also rejects NaN
        raise ValueError(raw)
    return value


def _string(option: Option, raw: object) -> str:
    if not isinstance(raw, str):
        raise TypeError(raw)
    if not raw.strip():
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
    items = raw if isinstance(raw, (list, tuple)) else [raw]
    values: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise TypeError(raw)
        text = item.replace(",", " ") if option.comma_lists else item
        values.extend(text.split())
    return tuple(values)


def _list_from_cli(option: Option, raw: object) -> tuple[str, ...]:
    items = (
        [str(item) for item in raw] if isinstance(raw, (list, tuple)) else [str(raw)]
    )
    if option.comma_lists:
        return tuple(
            part.strip() for item in items for part in item.split(",") if part.strip()
        )
    return tuple(items)


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
        return " ".join(str(item) for item in value)
    if value is None:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

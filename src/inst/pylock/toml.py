"""A small deterministic TOML writer for lock files.

Only what a pylock.toml holds: strings, integers, booleans, arrays and tables. Keys
keep the order the caller built them in (the lock writer builds them in PEP 751's
order), so the same dict always gives the same bytes. Tables named in ``SECTIONS``
(and arrays of them) become ``[a.b]`` / ``[[a.b]]`` sections; every other table is
written inline, and an array of inline tables one element a line, as pip and uv
lay out ``wheels``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

#: Keys whose tables (or arrays of tables) are sections rather than inline tables.
SECTIONS = frozenset({"packages", "tool", "inst", "build-packages"})

#: Arrays of plain values longer than this are written one value a line.
_WIDTH = 88

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dumps(document: Mapping[str, object]) -> str:
    lines: list[str] = []
    _table(document, [], lines)
    return "\n".join(lines).strip("\n") + "\n"


def _table(table: Mapping[str, object], path: list[str], lines: list[str]) -> None:
    sections: list[tuple[str, object]] = []
    for key, value in table.items():
        if value is None:
            continue
        if key in SECTIONS and _is_section(value):
            sections.append((key, value))
            continue
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in sections:
        sub = [*path, key]
        header = ".".join(_key(part) for part in sub)
        if isinstance(value, Mapping):
            plain = any(
                v is not None and not (k in SECTIONS and _is_section(v))
                for k, v in value.items()
            )
            if plain:  # a table of sections only needs no header of its own
                lines += ["", f"[{header}]"]
            _table(value, sub, lines)
            continue
        assert isinstance(value, Sequence)
        for item in value:
            assert isinstance(item, Mapping)
            lines += ["", f"[[{header}]]"]
            _table(item, sub, lines)


def _is_section(value: object) -> bool:
    if isinstance(value, Mapping):
        return True
    return (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and bool(value)
        and all(isinstance(item, Mapping) for item in value)
    )


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # A JSON string is a valid TOML basic string: the same escapes (\\", \\\\, \\n,
    # \\uXXXX for control characters), and nothing TOML would read otherwise.
    return json.dumps(text, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        items = [f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    if isinstance(value, Sequence):
        items = [_value(item) for item in value]
        inline = "[" + ", ".join(items) + "]"
        if any(isinstance(item, Mapping) for item in value) or (
            len(items) > 1 and len(inline) > _WIDTH
        ):
            return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
        return inline
    raise TypeError(f"a lock file holds no {type(value).__name__} values")

"""The layers a setting can come from, highest priority first:

command line > INST_* environment > inst config files > pip's configuration > default.

A layer answers one question: "what raw value do you hold for this option, for this
command, and where exactly did it come from?"
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any

from inst._records import dataclass
from inst.settings.files import ConfigFile
from inst.settings.options import Option


class Layer(enum.IntEnum):
    """Origins of a value, in order of precedence (lower wins)."""

    CLI = 0
    ENV = 1
    FILE = 2
    PIP_ENV = 3
    PIP_FILE = 4
    DEFAULT = 5


@dataclass(frozen=True)
class Origin:
    """Where a value came from, precisely enough to go and change it."""

    layer: Layer
    label: (
        str  # "command line", "INST_TIMEOUT", "/etc/xdg/inst/inst.toml [install]", ...
    )

    def __str__(self) -> str:
        return self.label


DEFAULT = Origin(Layer.DEFAULT, "default")


@dataclass(frozen=True)
class RawValue:
    """A setting's value as one layer gives it, and where it was written."""

    raw: Any
    origin: Origin
    spelled: str  # the value as the user wrote it, for error messages
    fix: str  # what to do when it does not parse


class CommandLine:
    def __init__(self, given: Mapping[str, Any]) -> None:
        self._given = given  # option name -> raw value, only what the user typed

    def lookup(self, option: Option, command: str | None) -> RawValue | None:
        if option.name not in self._given:
            return None
        raw = self._given[option.name]
        return RawValue(
            raw,
            Origin(Layer.CLI, "command line"),
            repr(raw),
            f"give {option.long_flag} a valid value",
        )


class Environment:
    """INST_* variables (or PIP_* ones for pip's layer). Empty variables count as unset."""

    def __init__(self, environ: Mapping[str, str], *, pip: bool = False) -> None:
        self._environ = environ
        self._pip = pip
        self.layer = Layer.PIP_ENV if pip else Layer.ENV

    def names(self, option: Option) -> Sequence[str]:
        if self._pip:
            return pip_env_names(option)
        return (option.env_var,) if option.env_var else ()

    def lookup(self, option: Option, command: str | None) -> RawValue | None:
        for name in self.names(option):
            raw = self._environ.get(name)
            if raw is not None and raw.strip() != "":
                return RawValue(
                    raw,
                    Origin(self.layer, name),
                    f"{name}={raw!r}",
                    f"fix or unset {name}",
                )
        return None


class Files:
    """A stack of config files. As in pip, a command's table in any file beats [global] in
    every file; among files of one table, the later (higher-priority) file wins."""

    def __init__(self, files: Sequence[ConfigFile], *, pip: bool = False) -> None:
        self.files = [f for f in files if f.exists]
        self._pip = pip
        self.layer = Layer.PIP_FILE if pip else Layer.FILE

    def lookup(self, option: Option, command: str | None) -> RawValue | None:
        keys = (
            pip_keys(option)
            if self._pip
            else ((option.config_key,) if option.config_key else ())
        )
        tables = ("global",) if command is None else (command, "global")
        for table in tables:
            for config in reversed(self.files):
                for key in keys:
                    values = config.tables.get(table, {})
                    if key in values:
                        return self._found(config, table, key, values[key])
        return None

    def _found(self, config: ConfigFile, table: str, key: str, raw: Any) -> RawValue:
        return file_value(config, table, key, raw, pip=self._pip)


def file_value(
    config: ConfigFile, table: str, key: str, raw: Any, *, pip: bool = False
) -> RawValue:
    """A value read from a file, labelled with the file and table it sits in."""
    where = f"{config.path} [{table}]"
    return RawValue(
        raw,
        Origin(
            Layer.PIP_FILE if pip else Layer.FILE,
            f"pip config {where}" if pip else where,
        ),
        f"{key} = {raw!r} in {where}",
        f"edit {config.path}"
        if pip
        else f"fix it with `inst config set {table}.{key} VALUE` or edit the file",
    )


#: pip spells some shared options in more than one way.
PIP_ALIASES: dict[str, tuple[str, ...]] = {"timeout": ("default-timeout",)}


def pip_keys(option: Option) -> tuple[str, ...]:
    if not option.pip_shared:
        return ()
    return (option.name, *PIP_ALIASES.get(option.name, ()))


def pip_env_names(option: Option) -> tuple[str, ...]:
    return tuple("PIP_" + key.upper().replace("-", "_") for key in pip_keys(option))

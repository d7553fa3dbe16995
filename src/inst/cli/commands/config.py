"""``inst config list | get KEY | set KEY VALUE | unset KEY | debug [COMMAND]``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inst import ui
from inst.errors import SettingsError, UsageError
from inst.settings import files as config_files
from inst.settings.options import (
    COMMAND_NAMES,
    OPTIONS,
    OPTIONS_BY_NAME,
    Kind,
    Option,
    Source,
)
from inst.settings.values import InvalidValue, convert, display

if TYPE_CHECKING:
    from inst.settings.files import ConfigFile
    from inst.settings.resolve import Settings

SUMMARY = "Show and edit inst's configuration files, and where each setting comes from."

ACTIONS = {
    "list": 0,
    "get": 1,
    "set": 2,
    "unset": 1,
    "debug": None,  # an optional COMMAND
}

EPILOG = """\
actions:
  list                 show every key set in inst's configuration files
  get KEY              show one key's value from the files
  set KEY VALUE        write a key to a file (the user file unless told otherwise)
  unset KEY            remove a key from a file
  debug [COMMAND]      show every option with a non-default value and its origin,
                       as COMMAND would see it

KEY is TABLE.NAME, such as global.timeout or install.no-build-isolation; a bare NAME
means global.NAME. set and unset edit the file chosen by --user, --global or --site,
else the one named by --config-file / INST_CONFIG_FILE, else the user file."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "action", nargs="?", choices=list(ACTIONS), metavar="ACTION", help="see below"
    )
    parser.add_argument("words", nargs="*", metavar="ARG", help="KEY, VALUE or COMMAND")


def tolerates_bad_config(args: argparse.Namespace) -> bool:
    """A bad value in a file must not stop list/get/set/unset from repairing it; debug
    reports it as the error it is."""
    return bool(args.action) and args.action != "debug"


def run(settings: Settings, args: argparse.Namespace) -> int:
    action: str | None = args.action
    if action is None:
        raise UsageError(
            "`inst config` needs an action: list, get, set, unset or debug",
            hint="run `inst config --help` for examples",
        )
    words: list[str] = args.words
    expected = ACTIONS[action]
    if expected is None:
        if len(words) > 1:
            raise UsageError("`inst config debug` takes at most one COMMAND")
    elif len(words) != expected:
        raise UsageError(
            f"`inst config {action}` takes {expected} argument{'s' if expected != 1 else ''}, "
            f"got {len(words)}",
            hint="run `inst config --help` for examples",
        )
    return {
        "list": _list,
        "get": _get,
        "set": _set,
        "unset": _unset,
        "debug": _debug,
    }[action](settings, words)


# -- keys and files -------------------------------------------------------------------


def parse_key(key: str) -> tuple[str, Option]:
    """``install.timeout`` -> ("install", timeout's row); a bare name means [global]."""
    table, _, name = key.rpartition(".")
    table = config_files.normalize_key(table or "global")
    name = config_files.normalize_key(name)
    if table != "global" and table not in COMMAND_NAMES:
        raise UsageError(
            f"{key!r} names the table [{table}], which inst does not read",
            hint="use global or a command name, e.g. global.timeout or install.timeout",
        )
    option = OPTIONS_BY_NAME.get(name)
    if option is None or Source.FILE not in option.sources:
        import difflib

        keys = [o.name for o in OPTIONS if o.config_key]
        close = difflib.get_close_matches(name, keys, n=1)
        if option is None:
            why = "it is not an inst option"
        else:
            elsewhere = f" or as {option.env_var}" if option.env_var else ""
            why = f"give {option.long_flag} on the command line{elsewhere} instead"
        raise UsageError(
            f"{name!r} cannot be set in a configuration file",
            why=why,
            hint=f"did you mean {close[0]!r}?"
            if close
            else "`inst help` lists the options",
        )
    if table != "global" and not option.applies_to(table):
        raise UsageError(
            f"{option.long_flag} does not apply to `inst {table}`",
            hint=f"set it in [global], or in the table of a command it applies to "
            f"({', '.join(option.commands)})",
        )
    return table, option


def _chosen_level(settings: Settings) -> str | None:
    given = {
        "user": settings.config_user,
        "global": settings.config_global,
        "site": settings.config_site,
    }
    chosen = [level for level, on in given.items() if on]
    if len(chosen) > 1:
        raise UsageError("give at most one of --user, --global and --site")
    return chosen[0] if chosen else None


def _file_to_edit(settings: Settings) -> Path:
    level = _chosen_level(settings)
    if level is None:
        named = settings.setting("config-file")
        if named.value is not None and not config_files.is_null_device(named.value):
            return Path(named.value)
        level = "user"
    return config_files.inst_config_paths(settings.site_prefix)[level]


def _files_to_read(settings: Settings) -> list[ConfigFile]:
    level = _chosen_level(settings)
    if level is None:
        return [f for f in settings.inst_files if f.exists]
    path = config_files.inst_config_paths(settings.site_prefix)[level]
    return [f for f in (config_files.read_inst_file(level, path),) if f.exists]


# -- actions --------------------------------------------------------------------------


def _list(settings: Settings, words: list[str]) -> int:
    for config in _files_to_read(settings):
        if ui.verbosity() >= 1:
            ui.output(f"# {config.path} ({config.level})")
        for table, values in config.tables.items():
            for key, value in values.items():
                ui.output(f"{table}.{key} = {toml_literal(value)}")
    return 0


def _get(settings: Settings, words: list[str]) -> int:
    table, option = parse_key(words[0])
    for config in reversed(_files_to_read(settings)):
        values = config.tables.get(table, {})
        if option.name in values:
            raw = values[option.name]
            try:
                ui.output(display(convert(option, raw)))
            except InvalidValue:  # already warned about; show it as written
                ui.output(toml_literal(raw))
            return 0
    raise SettingsError(
        f"{table}.{option.name} is not set in any inst configuration file",
        hint="`inst config debug` shows every effective value and where it comes from",
    )


def _set(settings: Settings, words: list[str]) -> int:
    table, option = parse_key(words[0])
    try:
        value = convert(option, words[1])
    except InvalidValue as exc:
        raise UsageError(
            f"{words[1]!r} is not a valid value for {option.long_flag}",
            why=f"it takes {exc}",
        ) from None
    path = _file_to_edit(settings)
    document = _load_document(path)
    section = document.setdefault(table, {})
    _remove_spellings(section, option.name)
    section[option.name] = _toml_value(option, value)
    _save_document(path, document)
    ui.info(
        f"Set {table}.{option.name} = {toml_literal(section[option.name])} in {path}"
    )
    return 0


def _unset(settings: Settings, words: list[str]) -> int:
    table, option = parse_key(words[0])
    path = _file_to_edit(settings)
    document = _load_document(path)
    section = document.get(table)
    if section is None or not _remove_spellings(section, option.name):
        raise SettingsError(
            f"{table}.{option.name} is not set in {path}",
            hint="`inst config list -v` shows which file holds which key",
        )
    if not section:
        del document[table]
    if document.as_string().strip():
        _save_document(path, document)
    else:
        _remove_document(path)  # nothing left, not even a comment: no empty file
    ui.info(f"Removed {table}.{option.name} from {path}")
    return 0


def _debug(settings: Settings, words: list[str]) -> int:
    command = words[0] if words else None
    if command is not None and command not in COMMAND_NAMES:
        raise UsageError(
            f"{command!r} is not an inst command",
            hint=f"name one of: {', '.join(COMMAND_NAMES)}",
        )
    effective = settings.for_command(command)
    rows = [s for s in effective.all() if not s.is_default]  # errors before any output

    read = {config.path: config for config in settings.inst_files}
    inst_files: list[tuple[str, Path, str]] = []
    for level, path in config_files.inst_config_paths(settings.site_prefix).items():
        if not settings.inst_files:
            state = "ignored: the config file is the null device"
        elif path not in read:
            state = "ignored: isolated mode"
        else:
            state = "" if read[path].exists else "not found"
        inst_files.append((level, path, state))
    inst_files += [
        (config.level, config.path, "")
        for config in settings.inst_files
        if config.level not in config_files.LEVELS
    ]
    _show_files("inst configuration files, lowest priority first:", inst_files)
    _show_files(
        "pip's configuration files (used for options pip shares when inst has no value):",
        [
            (c.level, c.path, "" if c.exists else "not found")
            for c in settings.pip_files
        ],
    )
    _show_network(effective)
    _show_environment(effective)
    scope = f"`inst {command}`" if command else "every command ([global] tables only)"
    ui.output(f"Options with a non-default value, for {scope}:")
    if not rows:
        ui.output("  (none: every option has its default value)")
    for setting in rows:
        name, value = setting.option.name, display(setting.value)
        ui.output(f"  {name} = {value}  (from {setting.origin})")
    return 0


def _show_network(effective: Settings) -> None:
    """The keyring and certificates a network command would use: found without
    importing keyring or truststore, or making a request."""
    from inst.index.http import describe_trust
    from inst.index.keyrings import describe

    ui.output("Credentials and certificates:")
    ui.output(f"  keyring provider: {describe(effective.keyring_provider)}")
    ui.output(f"  HTTPS servers are checked against {describe_trust(effective.cert)}")


def _show_environment(settings: Settings) -> None:
    """Which environment the commands that take --python work on, and why."""
    import os
    import sys

    from inst.settings.active import active_environment

    ui.output("Environment of the commands that take --python:")
    python = settings.setting("python")
    if not python.is_default:
        ui.output(f"  {display(python.value)}  (from {python.origin})")
        return
    try:
        choice = active_environment(os.environ, discovering=settings.discovering)
    except SettingsError as exc:
        ui.output(f"  none: {exc.paragraph()}")
        return
    if choice.prefix is not None:
        ui.output(f"  {choice.prefix}  (from {choice.why})")
    else:
        ui.output(f"  {sys.prefix}, the interpreter running inst  ({choice.why})")


def _show_files(title: str, files: list[tuple[str, Path, str]]) -> None:
    ui.output(title)
    if not files:
        ui.output("  (none read)")
    width = max((len(level) for level, _, _ in files), default=0)
    for level, path, state in files:
        ui.output(f"  {level:<{width}}  {path}" + (f" ({state})" if state else ""))


# -- TOML writing (tomlkit keeps the user's comments and layout) ----------------------


def _load_document(path: Path) -> Any:
    import tomlkit

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return tomlkit.document()
    except OSError as exc:
        raise SettingsError(
            f"cannot read {path}", why=exc.strerror or str(exc)
        ) from None
    try:
        return tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise SettingsError(
            f"{path} is not valid TOML, so inst will not edit it",
            why=str(exc),
            hint="fix the file by hand first",
        ) from None


def _save_document(path: Path, document: Any) -> None:
    import tomlkit

    from inst import fileio

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all; a FIFO or device (INST_CONFIG_FILE=/dev/null) is
        # written as it is, never replaced by a regular file.
        fileio.write_text(path, tomlkit.dumps(document))
    except OSError as exc:
        error = fileio.os_error(
            exc,
            f"cannot write {path}",
            hint="check the directory's permissions, or pick another file with "
            "--user/--site",
        )
        raise SettingsError(error.what, why=error.why, hint=error.hint) from None


def _remove_document(path: Path) -> None:
    from inst import fileio

    try:
        path.unlink()
    except OSError as exc:
        error = fileio.os_error(exc, f"cannot remove {path}")
        raise SettingsError(error.what, why=error.why, hint=error.hint) from None


def _remove_spellings(section: Any, name: str) -> bool:
    """Remove ``name`` however it is spelled (index_url, Index-URL, ...)."""
    removed = False
    for key in list(section.keys()):
        if config_files.normalize_key(key) == name:
            del section[key]
            removed = True
    return removed


def _toml_value(option: Option, value: Any) -> Any:
    if option.kind is Kind.LIST:
        return list(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)  # `timeout = 30` reads back as a number all the same
    return value


def toml_literal(value: Any) -> str:
    """A value as TOML would spell it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_literal(item) for item in value) + "]"
    return json.dumps(str(value))  # TOML basic strings escape as JSON strings do

"""Where configuration files live, and reading them: inst's own TOML files and, as a
fallback for the options pip shares, pip's INI files in pip's own locations and order."""

from __future__ import annotations

import configparser
import locale
import os
import sys
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import Any

from inst._records import dataclass
from inst.errors import SettingsError

INST_BASENAME = "inst.toml"
PIP_BASENAME = "pip.ini" if sys.platform == "win32" else "pip.conf"

#: The levels of inst's files, lowest priority first.
LEVELS = ("global", "user", "site")


@dataclass(frozen=True)
class ConfigFile:
    """One configuration file: its level, path and tables (section -> key -> raw value).

    Keys are normalised as pip does (lower case, ``_`` -> ``-``), so ``index_url`` and
    ``index-url`` are one key.
    """

    level: str
    path: Path
    tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exists: bool = False


def is_null_device(path: str) -> bool:
    return path in (os.devnull, "/dev/null") or path.lower() == "nul"


def normalize_key(name: str) -> str:
    name = name.strip().lower().replace("_", "-")
    return name.removeprefix("--")


def inst_config_paths(prefix: str) -> dict[str, Path]:
    """inst's global, user and site files (which need not exist)."""
    import platformdirs

    return {
        "global": Path(platformdirs.site_config_dir("inst", appauthor=False))
        / INST_BASENAME,
        "user": Path(
            platformdirs.user_config_dir("inst", appauthor=False, roaming=True)
        )
        / INST_BASENAME,
        "site": Path(prefix) / INST_BASENAME,
    }


#: Far more than any configuration file; reading stops here, so a config file named
#: /dev/zero (or a log by mistake) is an error, not a MemoryError.
MAX_CONFIG_BYTES = 4 * 1024 * 1024


class _TooLarge(Exception):
    pass


def _read_config_bytes(path: Path) -> bytes:
    with open(path, "rb") as stream:
        data = stream.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise _TooLarge
    return data


def read_inst_file(level: str, path: Path, *, required: bool = False) -> ConfigFile:
    """Read one TOML file; a missing optional file reads as empty."""
    try:
        data = _read_config_bytes(path)
    except FileNotFoundError:
        if required:
            raise SettingsError(
                f"the configuration file {path} (named by {level}) does not exist",
                hint=f"create it, or point {level} at an existing file",
            ) from None
        return ConfigFile(level, path)
    except _TooLarge:
        raise SettingsError(
            f"{path} is too large to be a configuration file",
            why=f"it holds more than {MAX_CONFIG_BYTES // (1024 * 1024)} MB",
            hint=f"point {level} at inst's TOML configuration file",
        ) from None
    except IsADirectoryError:
        raise SettingsError(
            f"the configuration file {path} is a directory",
            hint=f"point {level} at a TOML file",
        ) from None
    except OSError as exc:
        raise SettingsError(
            f"cannot read the configuration file {path}",
            why=exc.strerror or str(exc),
            hint="check the file's permissions",
        ) from None
    tables = parse_inst_toml(path, data)
    return ConfigFile(level, path, tables, exists=True)


def parse_inst_toml(path: Path, data: bytes) -> dict[str, dict[str, Any]]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib

    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(
            f"the configuration file {path} is not valid TOML",
            why=str(exc),
            hint="fix the file, or move it aside",
        ) from None
    tables: dict[str, dict[str, Any]] = {}
    for section, content in document.items():
        if not isinstance(content, dict):
            raise SettingsError(
                f"the configuration file {path} sets {section!r} outside any table",
                why="every setting belongs to a table: [global] or a command's, such as [install]",
                hint=f"move it under [global], e.g. `[global]` then `{section} = ...`",
            )
        tables[normalize_key(section)] = {
            normalize_key(key): value for key, value in content.items()
        }
    return tables


# -- pip's configuration --------------------------------------------------------------


def pip_config_paths(
    environ: Mapping[str, str], *, isolated: bool, prefix: str, base_prefix: str
) -> list[tuple[str, Path]]:
    """pip's configuration files, lowest priority first, as pip itself would read them.

    pip reads: global files, then user files (the legacy one first) unless isolated or
    PIP_CONFIG_FILE names an existing file, then the base interpreter's and the
    environment's file, then PIP_CONFIG_FILE. PIP_CONFIG_FILE=os.devnull turns all off.
    """
    import platformdirs

    env_file = None if isolated else environ.get("PIP_CONFIG_FILE")
    if env_file is not None and is_null_device(env_file):
        return []
    files: list[tuple[str, Path]] = []
    files += [
        ("global", Path(d) / PIP_BASENAME) for d in _pip_site_config_dirs(platformdirs)
    ]
    if not isolated and not (env_file and os.path.exists(env_file)):
        legacy = (
            Path.home() / ("pip" if sys.platform == "win32" else ".pip") / PIP_BASENAME
        )
        files.append(("user", legacy))
        files.append(("user", Path(_pip_user_config_dir(platformdirs)) / PIP_BASENAME))
    files.append(("base", Path(base_prefix) / PIP_BASENAME))
    files.append(("site", Path(prefix) / PIP_BASENAME))
    if env_file:
        files.append(("PIP_CONFIG_FILE", Path(env_file)))
    return files


def _pip_site_config_dirs(platformdirs: Any) -> list[str]:
    if sys.platform == "darwin":
        return [platformdirs.site_data_dir("pip", appauthor=False, multipath=True)]
    dirs = platformdirs.site_config_dir("pip", appauthor=False, multipath=True)
    if sys.platform == "win32":
        return [dirs]
    return [*dirs.split(os.pathsep), "/etc"]


def _pip_user_config_dir(platformdirs: Any) -> str:
    if sys.platform == "darwin":
        library = platformdirs.user_data_dir("pip", appauthor=False)
        if os.path.isdir(library):
            return library
        return os.path.expanduser("~/.config/pip")
    return str(platformdirs.user_config_dir("pip", appauthor=False, roaming=True))


def read_pip_file(level: str, path: Path) -> ConfigFile:
    if not path.is_file():
        return ConfigFile(level, path)
    parser = configparser.RawConfigParser()
    why = ""
    hint = (
        "fix the file (pip would refuse it too), or set PIP_CONFIG_FILE to another file"
    )
    try:
        data = _read_config_bytes(path)
        parser.read_string(
            data.decode(locale.getpreferredencoding(False)), source=str(path)
        )
    except OSError:
        return ConfigFile(level, path)  # as pip: a file it cannot open is skipped
    except _TooLarge:
        why = f"it holds more than {MAX_CONFIG_BYTES // (1024 * 1024)} MB"
        hint = "check that it is pip's configuration file"
    except (configparser.Error, UnicodeError, LookupError) as exc:
        why = str(exc).splitlines()[0]
    if why:
        raise SettingsError(
            f"pip's configuration file {path} cannot be read",
            why=why,
            hint=hint,
        )
    tables = {
        normalize_key(section): {normalize_key(k): v for k, v in parser.items(section)}
        for section in parser.sections()
    }
    return ConfigFile(level, path, tables, exists=True)

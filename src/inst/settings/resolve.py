"""Merging the layers into the effective settings of one command run."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from inst._records import dataclass
from inst.errors import SettingsError
from inst.settings import files as config_files
from inst.settings.active import active_environment
from inst.settings.files import ConfigFile
from inst.settings.layers import (
    DEFAULT,
    CommandLine,
    Environment,
    Files,
    Layer,
    Origin,
    RawValue,
    file_value,
)
from inst.settings.options import (
    COMMAND_NAMES,
    ENVIRONMENT,
    NETWORK,
    OPTIONS,
    OPTIONS_BY_ENV_VAR,
    OPTIONS_BY_NAME,
    Option,
    Source,
)
from inst.settings.typed import OptionValues
from inst.settings.values import InvalidValue, convert


@dataclass(frozen=True)
class Setting:
    """An option's effective value and where it came from."""

    option: Option
    value: Any
    origin: Origin

    @property
    def is_default(self) -> bool:
        return self.origin is DEFAULT


class Settings(OptionValues):
    """The effective options of one command run. ``settings.timeout`` reads an option's
    value, typed (typed.py, generated from the table); ``settings.setting("timeout")``
    gives its origin too. Each option is resolved on first access."""

    def __init__(
        self,
        command: str | None,
        layers: Sequence[CommandLine | Environment | Files],
        *,
        inst_files: Sequence[ConfigFile] = (),
        pip_files: Sequence[ConfigFile] = (),
        warnings: Sequence[str] = (),
        prefix: str = sys.prefix,
        decided: Mapping[str, Setting] | None = None,
        discovering: bool = False,
    ) -> None:
        self.command = command
        # Whether this run looks for the active environment when no --python is set
        # (the `inst` program does, `python -m inst` does not; see active.py).
        self.discovering = discovering
        # The target environment's prefix, home of the site file (not the --prefix
        # option, which OptionValues answers like every other option).
        self.site_prefix = prefix
        self.inst_files = list(inst_files)
        self.pip_files = list(pip_files)
        self.warnings = list(warnings)
        self._layers = list(layers)
        # Settings that decided which layers exist (--isolated), with their real origin.
        self._decided = dict(decided or {})
        self._resolved: dict[str, Setting] = dict(self._decided)

    def setting(self, name: str) -> Setting:
        if name not in self._resolved:
            self._resolved[name] = self._resolve(OPTIONS_BY_NAME[name])
        return self._resolved[name]

    def _value(self, name: str) -> Any:
        return self.setting(name).value

    def all(self) -> list[Setting]:
        """Every option's setting, as this command sees it."""
        return [self.setting(option.name) for option in OPTIONS]

    def for_command(self, command: str | None) -> Settings:
        """The same layers seen by another command (its table beats [global])."""
        return Settings(
            command,
            self._layers,
            inst_files=self.inst_files,
            pip_files=self.pip_files,
            prefix=self.site_prefix,
            decided=self._decided,
            discovering=self.discovering,
        )

    def deciding(self, setting: Setting) -> Settings:
        """The same settings with one value decided before the layers are asked (the
        environment found when no --python is set)."""
        return Settings(
            self.command,
            self._layers,
            inst_files=self.inst_files,
            pip_files=self.pip_files,
            warnings=self.warnings,
            prefix=self.site_prefix,
            decided={**self._decided, setting.option.name: setting},
            discovering=self.discovering,
        )

    @property
    def verbosity(self) -> int:
        return self.verbose - self.quiet

    def _resolve(self, option: Option) -> Setting:
        for layer in self._layers:
            found = layer.lookup(option, self.command)
            if found is not None:
                value = parse(option, found)
                if option.existing and self.command in NETWORK:
                    _check_exists(option, found, value)
                return Setting(option, value, found.origin)
        return Setting(option, option.default, DEFAULT)


def parse(option: Option, found: RawValue) -> Any:
    try:
        return convert(option, found.raw)
    except InvalidValue as exc:
        raise SettingsError(
            f"{found.spelled} is not a valid value for {option.long_flag}",
            why=f"it takes {exc}",
            hint=found.fix,
        ) from None


def _check_exists(option: Option, found: RawValue, path: str) -> None:
    """A path the network code would open (a CA bundle, a client certificate): a
    missing one is reported here, naming where it was set, not deep in a request."""
    allowed = os.path.isfile(path) or (
        "directory" in option.existing and os.path.isdir(path)
    )
    if allowed:
        return
    named = option.long_flag if found.origin.layer is Layer.CLI else found.spelled
    problem = (
        "does not exist" if not os.path.exists(path) else f"is not a {option.existing}"
    )
    raise SettingsError(
        f"{named} names {path}, which {problem}",
        why=f"{option.long_flag} must name an existing {option.existing}: inst reads "
        "it for every HTTPS request",
        hint=found.fix,
    )


def load_settings(
    command: str | None,
    cli_values: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    *,
    prefix: str | None = None,
    base_prefix: str | None = None,
    lenient_files: bool = False,
    discover: bool = False,
) -> Settings:
    """Build the settings of one run from argv values, the environment and the files.

    ``prefix`` is the target environment's prefix, where the site file lives.
    Every INST_* variable and every key of every inst file is checked here, so a bad
    value stops inst before it does anything, whichever command reads it. With
    ``lenient_files`` (for `inst config`, which must be able to repair a file) a bad
    value in a file is a warning until something reads it.
    """
    environ = os.environ if environ is None else environ
    prefix = sys.prefix if prefix is None else prefix
    base_prefix = sys.base_prefix if base_prefix is None else base_prefix

    cli = CommandLine(cli_values)
    # --isolated decides which layers exist, so it is read before anything else.
    isolated_row = OPTIONS_BY_NAME["isolated"]
    isolated_from = _first(isolated_row, [cli, Environment(environ)])
    isolated = bool(isolated_from and parse(isolated_row, isolated_from))
    inst_env = [] if isolated else [Environment(environ)]
    pip_env = [] if isolated else [Environment(environ, pip=True)]

    warnings = [] if isolated else unknown_variable_warnings(environ)
    for layer in inst_env:
        for option in OPTIONS_BY_ENV_VAR.values():
            _value(option, [layer])  # a bad variable is an error even where unused
    inst_files = _inst_files([cli, *inst_env], isolated=isolated, prefix=prefix)
    for config in inst_files:
        try:
            warnings += _check_file(config)
        except SettingsError as exc:
            if not lenient_files:
                raise
            warnings.append(exc.paragraph())
    pip_paths = config_files.pip_config_paths(
        environ, isolated=isolated, prefix=prefix, base_prefix=base_prefix
    )
    pip_files = [config_files.read_pip_file(level, path) for level, path in pip_paths]
    layers: list[CommandLine | Environment | Files] = [
        cli,
        *inst_env,
        Files(inst_files),
        *pip_env,
        Files(pip_files, pip=True),
    ]
    settings = Settings(
        command,
        layers,
        inst_files=inst_files,
        pip_files=pip_files,
        warnings=warnings,
        prefix=prefix,
        decided={"isolated": Setting(isolated_row, True, isolated_from.origin)}
        if isolated_from and isolated
        else None,
        discovering=discover,
    )
    if command in ENVIRONMENT and settings.setting("python").is_default:
        choice = active_environment(environ, discovering=discover)
        if choice.prefix is not None:
            found = Origin(Layer.DEFAULT, choice.why)
            row = OPTIONS_BY_NAME["python"]
            settings = settings.deciding(Setting(row, choice.prefix, found))
    if not lenient_files:
        settings.all()  # surface every bad value now, not halfway through the work
    return settings


def _first(
    option: Option, layers: Iterable[CommandLine | Environment]
) -> RawValue | None:
    for layer in layers:
        found = layer.lookup(option, None)
        if found is not None:
            return found
    return None


def _value(option: Option, layers: Iterable[CommandLine | Environment]) -> Any:
    found = _first(option, layers)
    return option.default if found is None else parse(option, found)


def _inst_files(
    layers: Sequence[CommandLine | Environment], *, isolated: bool, prefix: str
) -> list[ConfigFile]:
    """inst's files, lowest priority first: global, user, site, then the named file."""
    option = OPTIONS_BY_NAME["config-file"]
    named = _first(option, layers)
    explicit = parse(option, named) if named else None
    if explicit is not None and config_files.is_null_device(explicit):
        return []
    paths = config_files.inst_config_paths(prefix)
    found = [config_files.read_inst_file("global", paths["global"])]
    if not isolated:
        found.append(config_files.read_inst_file("user", paths["user"]))
    found.append(config_files.read_inst_file("site", paths["site"]))
    if named is not None and explicit is not None:
        named_by = (
            option.long_flag if named.origin.layer is Layer.CLI else named.origin.label
        )
        found.append(
            config_files.read_inst_file(named_by, Path(explicit), required=True)
        )
    return found


def _check_file(config: ConfigFile) -> list[str]:
    """Parse every key of every table; warn about keys and tables inst does not know."""
    warnings = []
    for table, values in config.tables.items():
        if table != "global" and table not in COMMAND_NAMES:
            hint = _closest(table, ("global", *COMMAND_NAMES))
            warnings.append(
                f"{config.path} has a table [{table}], which inst does not use"
                + (f"; did you mean [{hint}]?" if hint else ".")
            )
            continue
        for key, raw in values.items():
            option = OPTIONS_BY_NAME.get(key)
            if option is None or Source.FILE not in option.sources:
                warnings.append(_unknown_key_warning(config, table, key, option))
                continue
            parse(option, file_value(config, table, key, raw))
    return warnings


def _unknown_key_warning(
    config: ConfigFile, table: str, key: str, option: Option | None
) -> str:
    where = f"{config.path} [{table}]"
    if option is not None:
        return f"{key} in {where} is ignored: it cannot be set in a configuration file."
    keys = [o.config_key for o in OPTIONS if o.config_key]
    hint = _closest(key, keys)
    return f"{where} sets {key!r}, which is not an inst option" + (
        f"; did you mean {hint!r}?" if hint else "."
    )


def unknown_variable_warnings(environ: Mapping[str, str]) -> list[str]:
    """One warning for each INST_* variable that matches no option."""
    warnings = []
    for name in sorted(environ):
        if name.startswith("INST_") and name not in OPTIONS_BY_ENV_VAR:
            hint = _closest(name, list(OPTIONS_BY_ENV_VAR))
            message = f"{name} is set, but inst has no such option and ignores it"
            warnings.append(message + (f"; did you mean {hint}?" if hint else "."))
    return warnings


def _closest(word: str, candidates: Sequence[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None

"""The options reference page (docs/reference/options.md), rendered from the option table.

tools/gen_options_reference.py writes it; a test fails when the committed page is stale.
"""

from __future__ import annotations

from inst.settings.layers import pip_env_names, pip_keys
from inst.settings.options import ALL_COMMANDS, OPTIONS, Kind, Option
from inst.settings.values import accepted, display

HEADER = """\
<!-- Generated from src/inst/settings/options.py by tools/gen_options_reference.py.
     Do not edit by hand: change the option table and run the script. -->

# Options reference

Every option can be given in three ways, and the first one found wins:

1. on the **command line** (`--timeout 30`);
2. as an **environment variable** `INST_<NAME>` (`INST_TIMEOUT=30`);
3. in a **configuration file**, under `[global]` or a command's table (`timeout = 30`);

and for the options pip shares, when inst has no value of its own, inst takes
**pip's** (`PIP_*` variables, then `pip.conf`/`pip.ini`), so a machine set up for pip
works for inst (with several indexes, inst's index strategy differs from pip's:
see [differences from pip](../explanation/differences-from-pip.md)). Otherwise the
**default** applies.
[Configuration](../explanation/configuration.md) explains the files and the order.

Values outside the command line are written like this:

| type | how to write it |
| --- | --- |
| flag | `1`, `true`, `yes`, `on` turn it on; `0`, `false`, `no`, `off` leave it off. `INST_NO_DEPS=0` means *no* `--no-deps`. In TOML also `true`/`false`. |
| count | a whole number: `INST_VERBOSE=2` is `-vv` |
| number | `INST_TIMEOUT=2.5` |
| list | separated by whitespace (newlines too in files), or a TOML array |
| path | `~` is expanded |

An empty environment variable counts as unset. A value that does not parse stops inst
with an error naming the variable or file; an `INST_*` variable that matches no option
gets a warning naming the closest real one.
"""


def render() -> str:
    parts = [HEADER]
    groups: dict[str, list[Option]] = {}
    for option in OPTIONS:
        groups.setdefault(option.group, []).append(option)
    for group, options in groups.items():
        parts.append(f"\n## {group}\n")
        for option in options:
            parts.append(_render_option(option))
    return "\n".join(parts).rstrip() + "\n"


def _render_option(option: Option) -> str:
    flags = f"{option.short}, {option.long_flag}" if option.short else option.long_flag
    metavar = "" if option.kind in (Kind.FLAG, Kind.COUNT) else f" {_metavar(option)}"
    rows = [
        ("Type", _type_name(option) + f": {accepted(option)}"),
        ("Default", _default(option)),
        ("Commands", _commands(option)),
        (
            "Environment",
            f"`{option.env_var}`" if option.env_var else "command line only",
        ),
        (
            "Config key",
            f"`{option.config_key}`" if option.config_key else "command line only",
        ),
    ]
    if option.pip_shared:
        names = ", ".join(f"`{name}`" for name in pip_env_names(option))
        keys = ", ".join(f"`{key}`" for key in pip_keys(option))
        rows.append(("pip fallback", f"{names}; pip.conf key {keys}"))
    if option.negatable:
        rows.append(("Negation", f"`--no-{option.name}`"))
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"### `{flags}{metavar}`\n\n{option.help}\n\n| | |\n| --- | --- |\n{table}\n"


def _metavar(option: Option) -> str:
    return option.metavar or option.name.upper().replace("-", "_")


def _type_name(option: Option) -> str:
    return {
        Kind.FLAG: "flag",
        Kind.COUNT: "count",
        Kind.INT: "whole number",
        Kind.FLOAT: "number",
        Kind.STRING: "string",
        Kind.PATH: "path",
        Kind.CHOICE: "choice",
        Kind.LIST: "list",
    }[option.kind]


def _default(option: Option) -> str:
    if option.default_doc:
        return option.default_doc
    if option.default is None or option.default == ():
        return "none"
    return f"`{display(option.default)}`"


def _commands(option: Option) -> str:
    if option.commands == ALL_COMMANDS:
        return "all"
    return ", ".join(f"`{command}`" for command in option.commands)

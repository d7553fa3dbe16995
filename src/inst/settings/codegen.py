"""The source of typed.py, the typed view of the settings, rendered from the option table.

tools/gen_options_reference.py writes it (beside the options reference page); a test
fails when the committed file is stale. Each option becomes a property typed as its
converter (values.py) yields the value, so mypy checks what code does with it.
"""

from __future__ import annotations

import textwrap

from inst.settings.options import OPTIONS, Kind, Option

HEADER = '''\
"""The typed view of the settings: one property per option of the table, typed as
the option's value is once parsed.

Generated from src/inst/settings/options.py by tools/gen_options_reference.py. Do
not edit by hand: change the option table and run the script.
"""

from __future__ import annotations

from typing import Any, Literal, cast

{aliases}
class OptionValues:
    """Every option's effective value, as ``settings.<name_with_underscores>``.

    ``Settings`` inherits this class and answers ``_value()``: each option is
    resolved on first access, through the layers. Every command sees every option;
    one a command does not take on its command line can still come from an INST_*
    variable, a configuration file or pip's configuration, or has its default.
    """

    __slots__ = ()

    def _value(self, name: str) -> Any:
        raise NotImplementedError  # Settings resolves the option
'''

#: The type each kind's converter (values.py) yields; CHOICE is a Literal of its
#: choices, and an option whose default is None may also be None.
TYPES = {
    Kind.FLAG: "bool",
    Kind.COUNT: "int",
    Kind.INT: "int",
    Kind.FLOAT: "float",
    Kind.STRING: "str",
    Kind.PATH: "str",
    Kind.LIST: "tuple[str, ...]",
}


def annotation(option: Option) -> str:
    """The option's value type, as written in typed.py."""
    base = choice_alias(option) if option.kind is Kind.CHOICE else TYPES[option.kind]
    return base if option.default is not None else f"{base} | None"


def choice_alias(option: Option) -> str:
    """The name of a CHOICE option's Literal type: --link-mode's is LinkMode."""
    return "".join(part.capitalize() for part in option.name.split("-"))


def render() -> str:
    aliases = "".join(
        f"{choice_alias(option)} = Literal[{', '.join(map(_quoted, option.choices))}]\n"
        for option in OPTIONS
        if option.kind is Kind.CHOICE
    )
    header = HEADER.replace("{aliases}", aliases + "\n" if aliases else "")
    return header + "".join(_render_option(option) for option in OPTIONS)


def _render_option(option: Option) -> str:
    kind = annotation(option)
    return (
        "\n    @property\n"
        f"    def {option.dest}(self) -> {kind}:\n"
        f"{_docstring(option)}"
        f"        return cast({_quoted(kind)}, self._value({_quoted(option.name)}))\n"
    )


def _quoted(text: str) -> str:
    return f'"{text}"'


def _docstring(option: Option) -> str:
    if '"""' in option.help or "\\" in option.help:
        raise ValueError(f"{option.name}: its help cannot be a plain docstring")
    names = [option.short, option.long_flag, option.env_var]
    spelled = ", ".join(name for name in names if name)
    lines = textwrap.wrap(
        f"{spelled}: {option.help}",
        width=88 - 8 - 3,  # indentation and the closing quotes
        break_on_hyphens=False,
    )
    body = "\n        ".join(lines)
    return f'        """{body}"""\n'

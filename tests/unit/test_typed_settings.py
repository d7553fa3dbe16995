"""The typed view of the settings (src/inst/settings/typed.py) is generated from the
option table: never stale, one property per option, and each property's type is the
type of every value the option takes, wherever it comes from."""

from __future__ import annotations

import os
import shutil
import string
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.config_home import ConfigHome
from inst.cli.parser import arrange, build_parser, cli_values
from inst.settings import codegen, typed
from inst.settings.options import OPTIONS, Kind, Option, Source
from inst.settings.resolve import Settings, load_settings
from inst.settings.typed import OptionValues
from inst.settings.values import FALSE_WORDS, MAX_SECONDS, TRUE_WORDS

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "src" / "inst" / "settings" / "typed.py"
SCRIPT = ROOT / "tools" / "gen_options_reference.py"


def annotation(option: Option) -> Any:
    """The type typed.py gives the option, evaluated. Python 3.9 (which inst runs on)
    cannot evaluate ``X | None``, so each side of a union is evaluated alone."""
    prop = vars(OptionValues)[option.dest]
    text = prop.fget.__annotations__["return"]
    parts = [eval(part, vars(typed)) for part in text.split(" | ")]
    return parts[0] if len(parts) == 1 else typing.Union[tuple(parts)]


def conforms(value: object, hint: Any) -> bool:
    """Whether ``value`` is of the annotated type, bool and int kept apart."""
    origin = typing.get_origin(hint)
    if origin is typing.Union:
        return any(conforms(value, arm) for arm in typing.get_args(hint))
    if origin is typing.Literal:
        return type(value) is str and value in typing.get_args(hint)
    if origin is tuple:
        return type(value) is tuple and all(type(item) is str for item in value)
    if hint is None or hint is type(None):
        return value is None
    return type(value) is hint


def check(settings: Settings, option: Option) -> None:
    value = getattr(settings, option.dest)
    hint = annotation(option)
    assert conforms(value, hint), (
        f"settings.{option.dest} is {value!r}, not of its type in typed.py ({hint})"
    )
    assert value == settings.setting(option.name).value


# -- generated and complete -----------------------------------------------------------


def test_committed_typed_view_matches_the_option_table() -> None:
    assert MODULE.read_text(encoding="utf-8") == codegen.render(), (
        "src/inst/settings/typed.py is stale: run python tools/gen_options_reference.py"
    )


def test_the_view_has_one_property_per_option_and_nothing_else() -> None:
    properties = {
        name
        for name, value in vars(OptionValues).items()
        if isinstance(value, property)
    }
    assert properties == {option.dest for option in OPTIONS}


def test_the_script_rewrites_a_stale_typed_view_and_its_check_fails_on_it(
    tmp_path: Path,
) -> None:
    # A copy of the repository layout, with a typed view that is out of date.
    (tmp_path / "tools").mkdir()
    shutil.copy(SCRIPT, tmp_path / "tools")
    shutil.copy(ROOT / "tools" / "command_reference.py", tmp_path / "tools")
    shutil.copytree(ROOT / "docs" / "reference", tmp_path / "docs" / "reference")
    shutil.copytree(
        ROOT / "src" / "inst",
        tmp_path / "src" / "inst",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    stale_module = tmp_path / "src" / "inst" / "settings" / "typed.py"
    stale_module.write_text('"""old"""\n')
    script = [sys.executable, str(tmp_path / "tools" / SCRIPT.name)]

    check_run = subprocess.run(
        [*script, "--check"], capture_output=True, text=True, check=False
    )
    assert check_run.returncode == 1
    assert "typed.py is stale" in check_run.stderr
    assert stale_module.read_text() == '"""old"""\n'  # --check writes nothing

    write = subprocess.run(script, capture_output=True, text=True, check=False)
    assert write.returncode == 0, write.stderr
    assert "wrote src/inst/settings/typed.py" in write.stdout
    assert stale_module.read_text(encoding="utf-8") == codegen.render()


# -- every value has the annotated type -----------------------------------------------


@pytest.mark.parametrize("option", OPTIONS, ids=lambda o: o.name)
def test_the_default_has_the_annotated_type(
    config_home: ConfigHome, option: Option
) -> None:
    check(load_settings("install", {}), option)


def _existing_file(home: ConfigHome) -> Path:
    """A file for the options that must name one (--cert, --client-cert)."""
    return home.write(home.root / "bundle.pem", "")


def _text(option: Option, existing: Path) -> str:
    """A valid path or string for the option."""
    if option.name == "config-file":
        return os.devnull
    return str(existing) if option.existing else "~/some where"


def _raw_values(option: Option, existing: Path) -> st.SearchStrategy[str]:
    """Valid text for the option, as an INST_* variable would hold it."""
    kind = option.kind
    if kind is Kind.FLAG:
        words = st.sampled_from(sorted(TRUE_WORDS | FALSE_WORDS))
        return st.one_of(words, words.map(str.upper), words.map(" {} ".format))
    lowest = 1 if option.positive else 0
    if kind in (Kind.COUNT, Kind.INT):
        return st.integers(lowest, 10**9).map(str)
    if kind is Kind.FLOAT:
        fractions = st.floats(
            0, MAX_SECONDS, exclude_min=option.positive, allow_nan=False
        ).map(repr)
        return st.one_of(st.integers(lowest, MAX_SECONDS).map(str), fractions)
    if kind is Kind.CHOICE:
        return st.sampled_from(option.choices)
    word = st.text(string.ascii_letters + string.digits + "./_-~", min_size=1)
    if kind is Kind.LIST:
        return st.lists(word, max_size=4).map(" ".join)
    if option.name == "config-file" or option.existing:
        return st.just(_text(option, existing))
    return st.lists(word, min_size=1, max_size=3).map(" ".join)


@pytest.mark.parametrize(
    "option", [o for o in OPTIONS if o.env_var], ids=lambda o: o.name
)
@settings(
    max_examples=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_variable_gives_a_value_of_the_annotated_type(
    config_home: ConfigHome, option: Option, data: st.DataObject
) -> None:
    assert option.env_var is not None
    raw = data.draw(_raw_values(option, _existing_file(config_home)))
    environ = {**os.environ, option.env_var: raw}
    check(load_settings("install", {}, environ), option)


def _toml(option: Option, existing: Path) -> str:
    """A TOML value for the option, of TOML's own type where it has one: a whole
    number for a FLOAT option, an array for a LIST."""
    if option.kind is Kind.CHOICE:
        return f'"{option.choices[-1]}"'
    return {
        Kind.FLAG: "true",
        Kind.COUNT: "2",
        Kind.INT: "3",
        Kind.FLOAT: "30",
        Kind.LIST: '["a b", "c"]',
    }.get(option.kind, f'"{_text(option, existing)}"')


@pytest.mark.parametrize(
    "option", [o for o in OPTIONS if o.config_key], ids=lambda o: o.name
)
def test_a_config_file_value_has_the_annotated_type(
    config_home: ConfigHome, option: Option
) -> None:
    config_home.write(
        config_home.inst_user_file,
        f"[global]\n{option.config_key} = {_toml(option, _existing_file(config_home))}\n",
    )
    settings = load_settings("install", {})
    assert not settings.setting(option.name).is_default
    check(settings, option)


def _argv(option: Option, existing: Path) -> list[str]:
    flag = option.long_flag
    if option.kind is Kind.FLAG:
        return [flag]
    if option.kind is Kind.COUNT:
        return [flag, flag]
    if option.kind is Kind.LIST:
        return [f"{flag}=a", f"{flag}=b c"]
    if option.kind is Kind.CHOICE:
        return [flag, option.choices[-1]]
    if option.kind in (Kind.INT, Kind.FLOAT):
        return [flag, "7"]
    return [flag, _text(option, existing)]


@pytest.mark.parametrize(
    "option", [o for o in OPTIONS if Source.CLI in o.sources], ids=lambda o: o.name
)
def test_a_command_line_value_has_the_annotated_type(
    config_home: ConfigHome, option: Option
) -> None:
    command = "install" if option.applies_to("install") else option.commands[0]
    positional = ["."] if command in ("build-info", "hash") else []
    argv = arrange([command, *_argv(option, _existing_file(config_home)), *positional])
    args, unknown = build_parser().parse_known_args(argv)
    assert unknown == []
    settings = load_settings(command, cli_values(args))
    assert not settings.setting(option.name).is_default
    check(settings, option)

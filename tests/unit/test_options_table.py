"""The option table is the single source of flags, variables and keys: keep it sound."""

from __future__ import annotations

from collections import Counter

import pytest

from inst.settings.options import (
    ALL_COMMANDS,
    COMMAND_NAMES,
    OPTIONS,
    Kind,
    Option,
    Source,
    options_for,
)
from inst.settings.values import convert

PIP_SHARED = {
    "index-url",
    "extra-index-url",
    "no-index",
    "find-links",
    "trusted-host",
    "cert",
    "client-cert",
    "keyring-provider",
    "proxy",
    "timeout",
    "retries",
    "pre",
    "progress-bar",
    "ignore-requires-python",
    "upgrade-strategy",
    "only-binary",
    "no-binary",
    "prefer-binary",
    "constraint",
    "require-hashes",
    "break-system-packages",
    "yes",
    "config-settings",
    "global-option",
    "build-option",
    "no-clean",
    "algorithm",
}


def test_names_and_environment_variables_are_unique() -> None:
    names = Counter(option.name for option in OPTIONS)
    assert [name for name, n in names.items() if n > 1] == []
    variables = Counter(option.env_var for option in OPTIONS if option.env_var)
    assert [name for name, n in variables.items() if n > 1] == []


@pytest.mark.parametrize("command", [None, *COMMAND_NAMES])
def test_flags_are_unique_within_each_command(command: str | None) -> None:
    flags = Counter(
        flag
        for option in options_for(command)
        for flag in (option.short, option.long_flag)
        if flag
    )
    assert [flag for flag, n in flags.items() if n > 1] == []


def test_every_option_names_known_commands() -> None:
    for option in OPTIONS:
        if option.commands != ALL_COMMANDS:
            assert set(option.commands) <= set(COMMAND_NAMES), option.name


def test_the_options_pip_shares_are_exactly_the_documented_ones() -> None:
    assert {option.name for option in OPTIONS if option.pip_shared} == PIP_SHARED


def test_use_pep517_is_a_row_from_day_one() -> None:
    row = next(option for option in OPTIONS if option.name == "use-pep517")
    assert row.env_var == "INST_USE_PEP517"
    assert row.kind is Kind.FLAG


@pytest.mark.parametrize("option", OPTIONS, ids=lambda option: option.name)
def test_every_default_is_a_valid_value(option: Option) -> None:
    if option.default is not None:
        assert convert(option, option.default) == option.default
    assert option.help.endswith("."), "help texts are sentences"


def test_a_boolean_flag_has_one_variable_named_as_it_is_spelled() -> None:
    row = next(option for option in OPTIONS if option.name == "no-build-isolation")
    assert row.long_flag == "--no-build-isolation"
    assert row.env_var == "INST_NO_BUILD_ISOLATION"
    assert row.config_key == "no-build-isolation"


def test_command_line_only_rows_have_no_variable_or_key() -> None:
    for option in OPTIONS:
        if option.sources == frozenset({Source.CLI}):
            assert option.env_var is None and option.config_key is None

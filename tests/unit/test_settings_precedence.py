"""Every layer beats the next: command line > INST_* > inst files > pip > default."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from harness.config_home import ConfigHome
from inst.errors import SettingsError
from inst.settings.resolve import Settings, load_settings


def settings(
    command: str | None = "install", cli: dict[str, object] | None = None
) -> Settings:
    return load_settings(command, cli or {})


def origin(s: Settings, name: str) -> str:
    return str(s.setting(name).origin)


# -- the five layers ------------------------------------------------------------------


def test_default_when_nothing_is_set(config_home: ConfigHome) -> None:
    s = settings()
    assert s.timeout == 15.0
    assert origin(s, "timeout") == "default"
    assert [x for x in s.all() if not x.is_default] == []


def test_pip_file_beats_default(config_home: ConfigHome) -> None:
    home = config_home.with_pip_files()
    os.environ.pop("PIP_CONFIG_FILE")
    home.write(home.pip_user_file, "[global]\ntimeout = 40\n")
    s = settings()
    assert s.timeout == 40.0
    assert origin(s, "timeout") == f"pip config {home.pip_user_file} [global]"


def test_pip_variable_beats_pip_file(config_home: ConfigHome) -> None:
    os.environ.pop("PIP_CONFIG_FILE")
    config_home.write(config_home.pip_user_file, "[global]\ntimeout = 40\n")
    os.environ["PIP_TIMEOUT"] = "30"
    s = settings()
    assert (s.timeout, origin(s, "timeout")) == (30.0, "PIP_TIMEOUT")


def test_inst_file_beats_pip_variable(config_home: ConfigHome) -> None:
    os.environ["PIP_TIMEOUT"] = "30"
    config_home.write(config_home.inst_user_file, "[global]\ntimeout = 20\n")
    s = settings()
    assert (s.timeout, origin(s, "timeout")) == (
        20.0,
        f"{config_home.inst_user_file} [global]",
    )


def test_inst_variable_beats_inst_file(config_home: ConfigHome) -> None:
    config_home.write(config_home.inst_user_file, "[global]\ntimeout = 20\n")
    os.environ["INST_TIMEOUT"] = "10"
    s = settings()
    assert (s.timeout, origin(s, "timeout")) == (10.0, "INST_TIMEOUT")


def test_command_line_beats_inst_variable(config_home: ConfigHome) -> None:
    os.environ["INST_TIMEOUT"] = "10"
    s = settings(cli={"timeout": "5"})
    assert (s.timeout, origin(s, "timeout")) == (5.0, "command line")


def test_pip_values_only_for_the_options_pip_shares(config_home: ConfigHome) -> None:
    os.environ["PIP_NO_BUILD_ISOLATION"] = "1"  # pip's own; inst does not borrow it
    os.environ["PIP_INDEX_URL"] = "https://mirror.invalid/simple"
    s = settings()
    assert s.no_build_isolation is False
    assert s.index_url == "https://mirror.invalid/simple"


def test_pip_spelling_default_timeout_is_understood(config_home: ConfigHome) -> None:
    os.environ["PIP_DEFAULT_TIMEOUT"] = "180"
    assert settings().timeout == 180.0


# -- config files ---------------------------------------------------------------------


def test_file_order_global_user_site_then_named_file(
    config_home: ConfigHome, tmp_path: Path
) -> None:
    site_file = Path(sys.prefix) / "inst.toml"
    named = tmp_path / "ci.toml"
    config_home.write(
        config_home.inst_global_file, "[global]\nretries = 1\ntimeout = 1\n"
    )
    s = settings()
    assert (s.retries, s.timeout) == (1, 1.0)
    config_home.write(config_home.inst_user_file, "[global]\nretries = 2\n")
    assert settings().retries == 2
    config_home.write(site_file, "[global]\nretries = 3\n")
    assert settings().retries == 3
    config_home.write(named, "[global]\nretries = 4\n")
    os.environ["INST_CONFIG_FILE"] = str(named)
    s = settings()
    assert s.retries == 4
    assert origin(s, "retries") == f"{named} [global]"
    assert s.timeout == 1.0  # lower files still supply what higher ones leave out


def test_command_table_beats_global_table(config_home: ConfigHome) -> None:
    config_home.write(
        config_home.inst_user_file, "[global]\ntimeout = 20\n\n[install]\ntimeout = 7\n"
    )
    assert settings("install").timeout == 7.0
    assert settings("download").timeout == 20.0
    assert settings(None).timeout == 20.0


def test_command_table_in_any_file_beats_global_in_every_file(
    config_home: ConfigHome, tmp_path: Path
) -> None:
    # As in pip: [install] of the user file beats [global] of the later named file.
    config_home.write(config_home.inst_user_file, "[install]\ntimeout = 7\n")
    named = config_home.write(tmp_path / "ci.toml", "[global]\ntimeout = 60\n")
    os.environ["INST_CONFIG_FILE"] = str(named)
    assert settings("install").timeout == 7.0
    assert settings("wheel").timeout == 60.0


def test_underscores_and_dashes_are_one_key(config_home: ConfigHome) -> None:
    config_home.write(
        config_home.inst_user_file, '[global]\nindex_url = "https://x.invalid/"\n'
    )
    assert settings().index_url == "https://x.invalid/"


def test_list_values_in_files_as_arrays_or_whitespace_strings(
    config_home: ConfigHome,
) -> None:
    config_home.write(
        config_home.inst_user_file,
        '[global]\nfind-links = ["/a", "/b"]\n\n'
        '[install]\nextra-index-url = """\n  https://one.invalid/\n  https://two.invalid/\n"""\n',
    )
    s = settings()
    assert s.find_links == ("/a", "/b")
    assert s.extra_index_url == ("https://one.invalid/", "https://two.invalid/")


def test_null_device_turns_every_file_off(config_home: ConfigHome) -> None:
    config_home.write(config_home.inst_user_file, "[global]\nretries = 2\n")
    config_home.write(config_home.inst_global_file, "[global]\nretries = 1\n")
    os.environ["INST_CONFIG_FILE"] = os.devnull
    s = settings()
    assert s.retries == 5
    assert s.inst_files == []


def test_named_file_that_does_not_exist_is_an_error(
    config_home: ConfigHome, tmp_path: Path
) -> None:
    os.environ["INST_CONFIG_FILE"] = str(tmp_path / "missing.toml")
    with pytest.raises(SettingsError, match="INST_CONFIG_FILE") as error:
        settings()
    assert "does not exist" in error.value.paragraph()


def test_config_file_on_the_command_line(
    config_home: ConfigHome, tmp_path: Path
) -> None:
    named = config_home.write(tmp_path / "x.toml", "[global]\nretries = 9\n")
    assert settings(cli={"config-file": str(named)}).retries == 9


def test_invalid_toml_names_the_file(config_home: ConfigHome) -> None:
    config_home.write(config_home.inst_user_file, "[global\nretries = 2\n")
    with pytest.raises(SettingsError) as error:
        settings()
    assert str(config_home.inst_user_file) in error.value.paragraph()
    assert "not valid TOML" in error.value.paragraph()


def test_key_outside_a_table_is_an_error_with_the_fix(config_home: ConfigHome) -> None:
    config_home.write(config_home.inst_user_file, "retries = 2\n")
    with pytest.raises(SettingsError, match="outside any table") as error:
        settings()
    assert "[global]" in error.value.paragraph()


def test_bad_value_in_a_file_names_file_table_and_key(config_home: ConfigHome) -> None:
    config_home.write(config_home.inst_user_file, '[wheel]\nno-deps = "maybe"\n')
    with pytest.raises(SettingsError) as error:
        settings("install")  # checked even though install does not read [wheel]
    message = error.value.paragraph()
    assert str(config_home.inst_user_file) in message
    assert "[wheel]" in message
    assert "no-deps" in message


def test_unknown_keys_and_tables_warn_with_a_suggestion(
    config_home: ConfigHome,
) -> None:
    config_home.write(
        config_home.inst_user_file, "[global]\nretry = 2\n\n[instal]\nno-deps = true\n"
    )
    warnings = settings().warnings
    assert any("'retry'" in w and "'retries'" in w for w in warnings)
    assert any("[instal]" in w and "[install]" in w for w in warnings)


def test_command_line_only_options_in_a_file_are_ignored_with_a_warning(
    config_home: ConfigHome,
) -> None:
    config_home.write(config_home.inst_user_file, "[global]\nisolated = true\n")
    s = settings()
    assert s.isolated is False
    assert any("isolated" in w for w in s.warnings)


# -- the environment ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("yes", True), ("0", False), ("off", False)]
)
def test_boolean_variables_mean_what_the_flag_means(
    config_home: ConfigHome, value: str, expected: bool
) -> None:
    os.environ["INST_NO_BUILD_ISOLATION"] = value
    s = settings()
    assert s.no_build_isolation is expected
    assert origin(s, "no-build-isolation") == "INST_NO_BUILD_ISOLATION"


def test_an_empty_variable_counts_as_unset(config_home: ConfigHome) -> None:
    os.environ["INST_TIMEOUT"] = ""
    config_home.write(config_home.inst_user_file, "[global]\ntimeout = 20\n")
    assert settings().timeout == 20.0


@pytest.mark.parametrize(
    ("name", "value", "accepts"),
    [
        ("INST_TIMEOUT", "abc", "a number greater than 0"),
        ("INST_NO_DEPS", "maybe", "1, true, yes or on"),
        ("INST_RETRIES", "2.5", "a whole number"),
    ],
)
def test_a_variable_that_does_not_parse_is_an_error_naming_it(
    config_home: ConfigHome, name: str, value: str, accepts: str
) -> None:
    os.environ[name] = value
    with pytest.raises(SettingsError) as error:
        settings("config")  # every variable is checked, whichever command runs
    message = error.value.paragraph()
    assert f"{name}='{value}'" in message
    assert accepts in message
    assert f"unset {name}" in message


def test_unknown_variables_warn_with_the_closest_real_one(
    config_home: ConfigHome,
) -> None:
    os.environ["INST_INDEX_URLS"] = "x"
    os.environ["INST_ZZZZZZ"] = "x"
    warnings = settings().warnings
    assert any(
        "INST_INDEX_URLS" in w and "did you mean INST_INDEX_URL?" in w for w in warnings
    )
    assert any("INST_ZZZZZZ" in w and "did you mean" not in w for w in warnings)


def test_list_variables_split_on_whitespace(config_home: ConfigHome) -> None:
    os.environ["INST_EXTRA_INDEX_URL"] = "https://a.invalid/ https://b.invalid/"
    assert settings().extra_index_url == ("https://a.invalid/", "https://b.invalid/")


# -- isolation ------------------------------------------------------------------------


def test_isolated_ignores_variables_and_user_files(config_home: ConfigHome) -> None:
    config_home.write(config_home.inst_user_file, "[global]\nretries = 2\n")
    config_home.write(config_home.inst_global_file, "[global]\ntimeout = 3\n")
    os.environ["INST_NO_DEPS"] = "1"
    os.environ["PIP_INDEX_URL"] = "https://pip.invalid/"
    os.environ["INST_BOGUS"] = "x"
    s = settings(cli={"isolated": "true"})
    assert s.retries == 5  # user file ignored
    assert s.timeout == 3.0  # global file still read
    assert s.no_deps is False
    assert s.index_url is None
    assert s.warnings == []


def test_isolated_by_variable(config_home: ConfigHome) -> None:
    os.environ["INST_ISOLATED"] = "1"
    os.environ["INST_NO_DEPS"] = "1"
    assert settings().no_deps is False


def test_isolated_skips_pip_user_files(config_home: ConfigHome) -> None:
    os.environ.pop("PIP_CONFIG_FILE")
    config_home.write(config_home.pip_user_file, "[global]\nretries = 2\n")
    assert settings().retries == 2
    assert settings(cli={"isolated": "true"}).retries == 5


# -- pip's files, in pip's order ------------------------------------------------------


def test_pip_legacy_user_file_is_beaten_by_the_new_one(config_home: ConfigHome) -> None:
    os.environ.pop("PIP_CONFIG_FILE")
    config_home.write(
        config_home.pip_legacy_user_file, "[global]\nretries = 1\ntimeout = 9\n"
    )
    config_home.write(config_home.pip_user_file, "[global]\nretries = 2\n")
    s = settings()
    assert (s.retries, s.timeout) == (2, 9.0)


def test_pip_command_section_beats_global(config_home: ConfigHome) -> None:
    os.environ.pop("PIP_CONFIG_FILE")
    config_home.write(
        config_home.pip_user_file,
        "[global]\nfind-links = /g\n\n[install]\nfind-links =\n    /one\n    /two\n",
    )
    assert settings("install").find_links == ("/one", "/two")
    assert settings("download").find_links == ("/g",)


def test_pip_config_file_variable_is_read_last_and_hides_user_files(
    config_home: ConfigHome, tmp_path: Path
) -> None:
    config_home.write(config_home.pip_user_file, "[global]\nretries = 2\ntimeout = 8\n")
    named = config_home.write(tmp_path / "pip.conf", "[global]\nretries = 3\n")
    os.environ["PIP_CONFIG_FILE"] = str(named)
    s = settings()
    assert s.retries == 3
    assert s.timeout == 15.0  # pip skips user files when PIP_CONFIG_FILE exists


def test_pip_site_file_in_the_environment_prefix(config_home: ConfigHome) -> None:
    os.environ.pop("PIP_CONFIG_FILE")
    config_home.write(Path(sys.prefix) / "pip.conf", "[global]\nno-index = yes\n")
    s = settings()
    assert s.no_index is True
    assert origin(s, "no-index").endswith("pip.conf [global]")


def test_pip_flags_parse_like_pips(config_home: ConfigHome) -> None:
    os.environ["PIP_NO_INDEX"] = "0"  # pip reads store_true values with strtobool
    os.environ["PIP_PRE"] = "yes"
    s = settings()
    assert (s.no_index, s.pre) == (False, True)


def test_broken_pip_file_is_an_error_naming_it(config_home: ConfigHome) -> None:
    os.environ.pop("PIP_CONFIG_FILE")
    config_home.write(config_home.pip_user_file, "timeout = 3\n")  # no section header
    with pytest.raises(SettingsError, match="pip's configuration file"):
        settings()


def test_no_settings_attribute_hides_an_option(config_home: ConfigHome) -> None:
    # A member of Settings named like an option would win over the typed view's
    # property and silently ignore the option (it happened with --prefix).
    from inst.settings.options import OPTIONS
    from inst.settings.typed import OptionValues

    s = settings()
    hidden = [
        option.name
        for option in OPTIONS
        if option.dest in vars(s)
        or any(
            option.dest in vars(cls)
            for cls in type(s).__mro__
            if cls is not OptionValues
        )
    ]
    assert hidden == []
    assert settings(cli={"prefix": "/somewhere"}).prefix == "/somewhere"

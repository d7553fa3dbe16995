"""`inst config list | get | set | unset | debug`, run in-process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from harness.config_home import ConfigHome

# -- set / get / unset ----------------------------------------------------------------


def test_set_get_unset_round_trip_in_the_user_file(
    inst, config_home: ConfigHome
) -> None:
    result = inst("config", "set", "global.timeout", "60")
    assert result.code == 0, result.err
    assert str(config_home.inst_user_file) in result.out
    assert config_home.inst_user_file.read_text() == "[global]\ntimeout = 60\n"

    assert inst("config", "get", "global.timeout").out == "60\n"
    assert inst("config", "get", "timeout").out == "60\n"  # a bare key means global

    result = inst("config", "unset", "timeout")
    assert result.code == 0, result.err
    assert not config_home.inst_user_file.exists()  # nothing left in it, so no file
    result = inst("config", "get", "timeout")
    assert result.code == 1
    assert result.err.startswith("error: global.timeout is not set")


def test_values_are_written_with_their_toml_types(
    inst, config_home: ConfigHome
) -> None:
    inst("config", "set", "install.no-build-isolation", "yes")
    inst("config", "set", "global.find-links", "/a /b")
    inst("config", "set", "global.retries", "3")
    inst("config", "set", "global.index-url", "https://x.invalid/simple")
    assert config_home.inst_user_file.read_text() == (
        "[install]\nno-build-isolation = true\n\n"
        '[global]\nfind-links = ["/a", "/b"]\nretries = 3\nindex-url = "https://x.invalid/simple"\n'
    )
    listing = inst("config", "list").out.splitlines()
    assert "install.no-build-isolation = true" in listing
    assert 'global.find-links = ["/a", "/b"]' in listing


def test_set_keeps_comments_and_replaces_other_spellings(
    inst, config_home: ConfigHome
) -> None:
    config_home.write(
        config_home.inst_user_file,
        '# our mirror\n[global]\nindex_url = "https://old.invalid/"  # old one\nretries = 1\n',
    )
    assert inst("config", "set", "index-url", "https://new.invalid/").code == 0
    text = config_home.inst_user_file.read_text()
    assert "# our mirror" in text
    assert "index_url" not in text
    assert 'index-url = "https://new.invalid/"' in text
    assert "retries = 1" in text


def test_set_refuses_a_bad_value_and_changes_nothing(
    inst, config_home: ConfigHome
) -> None:
    result = inst("config", "set", "timeout", "soon")
    assert result.code == 1
    assert "'soon' is not a valid value for --timeout" in result.err
    assert not config_home.inst_user_file.exists()


def test_unknown_key_suggests_the_closest(inst) -> None:
    result = inst("config", "set", "global.timout", "3")
    assert result.code == 1
    assert "Did you mean 'timeout'?" in result.err


def test_command_line_only_option_cannot_be_set(inst) -> None:
    result = inst("config", "set", "isolated", "true")
    assert result.code == 1
    assert (
        "Give --isolated on the command line or as INST_ISOLATED instead" in result.err
    )


def test_option_in_a_table_of_a_command_it_does_not_apply_to(inst) -> None:
    result = inst("config", "set", "config.no-build-isolation", "1")
    assert result.code == 1
    assert "does not apply to `inst config`" in result.err


def test_unknown_table(inst) -> None:
    result = inst("config", "set", "instal.timeout", "3")
    assert result.code == 1
    assert "[instal]" in result.err


@pytest.mark.parametrize("level", ["--global", "--site"])
def test_level_flags_pick_the_file(inst, config_home: ConfigHome, level: str) -> None:
    assert inst("config", level, "set", "retries", "2").code == 0
    expected = {
        "--global": config_home.inst_global_file,
        "--site": Path(sys.prefix) / "inst.toml",
    }[level]
    assert expected.read_text() == "[global]\nretries = 2\n"
    assert not config_home.inst_user_file.exists()
    assert inst("config", level, "get", "retries").out == "2\n"
    assert inst("config", "--user", "get", "retries").code == 1


def test_set_without_a_level_edits_the_named_config_file(
    inst, config_home: ConfigHome, tmp_path: Path
) -> None:
    named = tmp_path / "ci.toml"
    os.environ["INST_CONFIG_FILE"] = str(named)
    named.write_text("")
    assert inst("config", "set", "retries", "2").code == 0
    assert named.read_text() == "[global]\nretries = 2\n"


def test_two_levels_at_once_is_a_usage_error(inst) -> None:
    result = inst("config", "--user", "--site", "set", "retries", "2")
    assert result.code == 1
    assert "at most one of --user, --global and --site" in result.err


def test_missing_action_names_the_actions(inst) -> None:
    result = inst("config")
    assert result.code == 1
    assert "needs an action: list, get, set, unset or debug" in result.err


def test_wrong_number_of_arguments(inst) -> None:
    result = inst("config", "set", "retries")
    assert result.code == 1
    assert "takes 2 arguments, got 1" in result.err


def test_set_into_an_invalid_file_refuses_to_edit_it(
    inst, config_home: ConfigHome
) -> None:
    config_home.write(config_home.inst_user_file, "[global\n")
    result = inst("config", "--global", "set", "retries", "2")  # loading reads it too
    assert result.code == 1
    assert "not valid TOML" in result.err
    assert config_home.inst_user_file.read_text() == "[global\n"


# -- debug ----------------------------------------------------------------------------


def test_debug_shows_each_value_with_its_exact_origin(
    inst, config_home: ConfigHome, tmp_path: Path
) -> None:
    config_home.write(
        config_home.inst_user_file, "[global]\nretries = 2\n\n[install]\npre = true\n"
    )
    os.environ["INST_NO_BUILD_ISOLATION"] = "1"
    os.environ["PIP_INDEX_URL"] = "https://user:secret@pip.invalid/simple"
    pip_file = config_home.write(
        tmp_path / "pip.conf", "[global]\nprefer-binary = yes\n"
    )
    os.environ["PIP_CONFIG_FILE"] = str(pip_file)

    out = inst("--timeout", "9", "config", "debug").out
    lines = [line.strip() for line in out.splitlines()]
    assert "timeout = 9  (from command line)" in lines
    assert "no-build-isolation = true  (from INST_NO_BUILD_ISOLATION)" in lines
    assert f"retries = 2  (from {config_home.inst_user_file} [global])" in lines
    assert (
        "index-url = https://user:****@pip.invalid/simple  (from PIP_INDEX_URL)"
        in lines
    )
    assert f"prefer-binary = true  (from pip config {pip_file} [global])" in lines
    assert not any(line.startswith("pre =") for line in lines)  # [install] only
    assert "secret" not in out

    install = inst("config", "debug", "install").out
    assert f"pre = true  (from {config_home.inst_user_file} [install])" in [
        line.strip() for line in install.splitlines()
    ]


def test_debug_lists_the_files_it_considered(inst, config_home: ConfigHome) -> None:
    config_home.write(config_home.inst_user_file, "")
    lines = inst("config", "debug").out.splitlines()
    assert f"  user    {config_home.inst_user_file}" in lines
    assert f"  global  {config_home.inst_global_file} (not found)" in lines
    assert "  (none: every option has its default value)" in lines


def test_debug_shows_isolation_by_variable_and_what_it_ignored(
    inst, config_home: ConfigHome
) -> None:
    config_home.write(config_home.inst_user_file, "[global]\nretries = 2\n")
    os.environ["INST_ISOLATED"] = "1"
    lines = inst("config", "debug").out.splitlines()
    assert "  isolated = true  (from INST_ISOLATED)" in lines
    assert f"  user    {config_home.inst_user_file} (ignored: isolated mode)" in lines
    assert not any("retries" in line for line in lines)


def test_debug_marks_files_ignored_by_the_null_device(
    inst, config_home: ConfigHome
) -> None:
    config_home.write(config_home.inst_user_file, "[global]\nretries = 2\n")
    os.environ["INST_CONFIG_FILE"] = os.devnull
    out = inst("config", "debug").out
    assert (
        f"{config_home.inst_user_file} (ignored: the config file is the null device)"
        in out
    )
    assert "retries" not in out


def test_a_bad_value_in_a_file_can_be_repaired_with_config_set(
    inst, config_home: ConfigHome
) -> None:
    config_home.write(config_home.inst_user_file, '[global]\ntimeout = "soon"\n')
    broken = inst("config", "debug")
    assert broken.code == 1
    assert "warning:" not in broken.err  # the error alone, not a warning before it
    assert "error: timeout = 'soon' in" in broken.err  # the key is never capitalised
    shown = inst("config", "get", "timeout")
    assert (shown.code, shown.out) == (0, '"soon"\n')
    repaired = inst("config", "set", "timeout", "30")
    assert repaired.code == 0, repaired.err
    assert "warning: timeout = 'soon'" in repaired.err
    assert inst("config", "debug").code == 0
    assert inst("-q", "config", "get", "timeout").out == "30\n"  # -q keeps the result


def test_a_bad_verbosity_in_a_file_can_be_repaired_too(
    inst, config_home: ConfigHome
) -> None:
    config_home.write(config_home.inst_user_file, '[global]\nverbose = "loud"\n')
    assert inst("config", "debug").code == 1
    repaired = inst("config", "set", "verbose", "1")
    assert repaired.code == 0, repaired.err
    assert inst("config", "debug").code == 0


def test_get_and_list_redact_credentials(inst, config_home: ConfigHome) -> None:
    inst("config", "set", "index-url", "https://me:hunter2@mirror.invalid/simple")
    assert (
        inst("config", "get", "index-url").out
        == "https://me:****@mirror.invalid/simple\n"
    )
    assert "hunter2" not in inst("config", "list").out
    assert "hunter2" not in inst("config", "debug").out


def test_debug_with_an_unknown_command(inst) -> None:
    result = inst("config", "debug", "bogus")
    assert result.code == 1
    assert "'bogus' is not an inst command" in result.err

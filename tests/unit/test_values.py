"""Parsing raw values: booleans mean what the flag means, lists split on whitespace."""

from __future__ import annotations

import pytest

from inst.settings.options import OPTIONS_BY_NAME
from inst.settings.values import InvalidValue, convert, display

FLAG = OPTIONS_BY_NAME["no-build-isolation"]
LIST = OPTIONS_BY_NAME["extra-index-url"]
COMMA_LIST = OPTIONS_BY_NAME["only-binary"]
FLOAT = OPTIONS_BY_NAME["timeout"]
LOCK_TIMEOUT = OPTIONS_BY_NAME["lock-timeout"]
INT = OPTIONS_BY_NAME["retries"]
COUNT = OPTIONS_BY_NAME["verbose"]
PATH = OPTIONS_BY_NAME["cache-dir"]


@pytest.mark.parametrize(
    "word", ["1", "true", "TRUE", "yes", "Yes", "on", " on ", True]
)
def test_true_words_turn_a_flag_on(word: object) -> None:
    assert convert(FLAG, word) is True


@pytest.mark.parametrize("word", ["0", "false", "False", "no", "off", False])
def test_false_words_leave_a_flag_off(word: object) -> None:
    assert convert(FLAG, word) is False


@pytest.mark.parametrize("word", ["maybe", "2", "", "tru", 1.5, ["1"]])
def test_other_flag_values_are_refused_with_what_is_accepted(word: object) -> None:
    with pytest.raises(InvalidValue, match="1, true, yes or on"):
        convert(FLAG, word)


def test_lists_split_on_any_whitespace_including_newlines() -> None:
    raw = "https://a.example/simple\n  https://b.example/simple\thttps://c.example/simple "
    assert convert(LIST, raw) == (
        "https://a.example/simple",
        "https://b.example/simple",
        "https://c.example/simple",
    )


def test_lists_accept_toml_arrays() -> None:
    assert convert(LIST, ["x", "/srv/my wheels"]) == ("x", "/srv/my wheels")
    with pytest.raises(InvalidValue):
        convert(LIST, ["x", 3])


def test_command_line_list_items_keep_their_spaces() -> None:
    assert convert(LIST, ["/a dir/x", "/b"]) == ("/a dir/x", "/b")


def test_comma_lists_split_on_commas_as_pip_spells_them() -> None:
    assert convert(COMMA_LIST, "numpy,scipy pandas") == ("numpy", "scipy", "pandas")
    assert convert(COMMA_LIST, ["numpy,scipy", ":all:"]) == (
        "numpy",
        "scipy",
        ":all:",
    )


@pytest.mark.parametrize(
    ("raw", "value"), [("15", 15.0), ("2.5", 2.5), (3, 3.0), (0.5, 0.5)]
)
def test_numbers(raw: object, value: float) -> None:
    assert convert(FLOAT, raw) == value


@pytest.mark.parametrize("raw", ["abc", "-1", "nan", "inf", "", True])
def test_bad_numbers(raw: object) -> None:
    with pytest.raises(InvalidValue, match="a number of 0 or more"):
        convert(LOCK_TIMEOUT, raw)


@pytest.mark.parametrize("raw", ["0", 0, "0.0", "-0", "abc"])
def test_a_timeout_of_zero_is_refused(raw: object) -> None:
    # requests would take 0 as "fail at once" and urllib3 refuses it mid-run.
    with pytest.raises(InvalidValue, match="a number greater than 0"):
        convert(FLOAT, raw)


@pytest.mark.parametrize("raw", ["1e10", 1e300, "1000000001"])
def test_seconds_too_large_for_the_clocks_are_refused(raw: object) -> None:
    # socket and lock timeouts overflow time_t a little above 1e9 seconds.
    with pytest.raises(InvalidValue, match="at most 1000000000"):
        convert(FLOAT, raw)
    assert convert(FLOAT, "1000000000") == 1e9


def test_a_lock_timeout_of_zero_means_do_not_wait() -> None:
    assert convert(LOCK_TIMEOUT, "0") == 0.0


@pytest.mark.parametrize("raw", ["1.5", "-2", "x", 2.0, False])
def test_bad_whole_numbers(raw: object) -> None:
    with pytest.raises(InvalidValue, match="whole number"):
        convert(INT, raw)


def test_counts_are_whole_numbers() -> None:
    assert convert(COUNT, "2") == 2
    assert convert(COUNT, 3) == 3


def test_paths_expand_the_home_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    assert convert(PATH, "~/cache") == "/home/someone/cache"


def test_display_writes_values_as_a_user_would() -> None:
    assert display(True) == "true"
    assert display(15.0) == "15"
    assert display(("a", "b")) == "a b"
    assert display(("/srv/my wheels", "/b")) == "'/srv/my wheels' /b"
    assert display(None) == "(none)"

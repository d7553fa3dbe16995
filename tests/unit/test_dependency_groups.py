"""PEP 735 groups as --group reads them: includes, normalized names, path:name."""

from __future__ import annotations

from pathlib import Path

import pytest

from inst.errors import UsageError
from inst.requirements.groups import GroupError, GroupTable, parse_group_option


def table(groups: dict[str, list[object]]) -> GroupTable:
    return GroupTable.from_table(Path("pyproject.toml"), groups)


def test_includes_are_expanded_in_order_each_requirement_once() -> None:
    groups = table(
        {
            "Test": ["pytest", {"include-group": "lint"}, "cov"],
            "lint": ["ruff", "cov"],
        }
    )
    assert groups.resolve("test") == ("pytest", "ruff", "cov")


def test_names_compare_normalized() -> None:
    assert table({"Type_Check": ["mypy"]}).resolve("type-check") == ("mypy",)


def test_a_diamond_of_includes_is_not_a_cycle() -> None:
    groups = table(
        {
            "all": [{"include-group": "a"}, {"include-group": "b"}],
            "a": [{"include-group": "base"}],
            "b": [{"include-group": "base"}],
            "base": ["x"],
        }
    )
    assert groups.resolve("all") == ("x",)


def test_self_include_is_a_cycle() -> None:
    with pytest.raises(GroupError) as caught:
        table({"a": [{"include-group": "a"}]}).resolve("a")
    assert "cycle (a -> a)" in caught.value.why


@pytest.mark.parametrize(
    "entry", [{"include-group": 3}, {"include-group": "a", "x": 1}, 7]
)
def test_bad_entries_are_refused(entry: object) -> None:
    with pytest.raises(GroupError):
        table({"a": [entry], "b": []}).resolve("a")


def test_group_option_spellings(tmp_path: Path) -> None:
    ref = parse_group_option("dev", tmp_path)
    assert (ref.path, ref.name) == (tmp_path / "pyproject.toml", "dev")
    ref = parse_group_option("sub/pyproject.toml:Dev_X", tmp_path)
    assert (ref.path, ref.key) == (tmp_path / "sub" / "pyproject.toml", "dev-x")
    with pytest.raises(UsageError):
        parse_group_option("sub/setup.cfg:dev", tmp_path)
    with pytest.raises(UsageError):
        parse_group_option("pyproject.toml:", tmp_path)

"""docs/explanation/differences-from-pip.md names, for every deliberate difference from
pip, the test that proves it: each named test must exist, each difference must name
one, and the documentation's index must link the page."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "explanation" / "differences-from-pip.md"
TEST_NAME = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
#: The one section that lists what is no longer a difference.
NOT_A_DIFFERENCE = "Where inst now matches pip"


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2]))


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.name.startswith("test")
    }


def test_every_test_the_page_names_exists() -> None:
    named = TEST_NAME.findall(PAGE.read_text(encoding="utf-8"))
    assert named, "the page names no test"
    missing = [
        f"{file}::{name}"
        for file, name in named
        if not (ROOT / file).is_file() or name not in _test_functions(ROOT / file)
    ]
    assert missing == []


def test_every_difference_names_a_test() -> None:
    sections = _sections(PAGE.read_text(encoding="utf-8"))
    assert NOT_A_DIFFERENCE in sections
    without = [title for title, body in sections.items() if not TEST_NAME.search(body)]
    assert without == []


def test_the_documentation_index_links_the_page() -> None:
    index = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert "(explanation/differences-from-pip.md)" in index

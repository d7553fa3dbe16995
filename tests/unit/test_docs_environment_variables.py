"""docs/reference/environment-variables.md lists every environment variable inst's code
reads, sets or removes: the test finds them in src/inst and fails on one the page lacks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "inst"
PAGE = ROOT / "docs" / "reference" / "environment-variables.md"

#: A variable's name, or a prefix such as INST_ (matched as `INST_*` on the page).
NAME = re.compile(r"^_{0,2}[A-Z][A-Z0-9_]{2,}$")
#: Words in a statement that show it works on the process environment.
ENVIRON = re.compile(r"\benviron\b|\bgetenv\b")


def _constants(node: ast.AST, module: dict[str, ast.expr]) -> set[str]:
    """The NAME-like strings in node, following names of module-level constants."""
    found: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Constant) and isinstance(child.value, str):
            if NAME.match(child.value):
                found.add(child.value)
        elif isinstance(child, ast.Name) and child.id in module:
            found |= _constants(module[child.id], {})
        elif isinstance(child, ast.keyword) and child.arg and NAME.match(child.arg):
            found.add(child.arg)  # dict(os.environ, PYTHONIOENCODING=...)
    return found


def _environ_parts(statement: ast.stmt) -> list[ast.AST]:
    """The parts of a statement (not of the statements inside it) that work on the
    environment."""
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        # `for name in ("A", "B"): ... os.environ.get(name)`: the names are the loop's.
        return [statement.iter] if ENVIRON.search(ast.unparse(statement)) else []
    parts: list[ast.AST]
    if isinstance(statement, (ast.If, ast.While)):
        parts = [statement.test]
    elif isinstance(statement, (ast.With, ast.AsyncWith)):
        parts = [item.context_expr for item in statement.items]
    elif isinstance(
        statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Try)
    ):
        parts = []
    else:
        parts = [statement]
    return [part for part in parts if ENVIRON.search(ast.unparse(part))]


def variables_in_code() -> dict[str, str]:
    """Every variable name the code uses on the environment → where (file:line)."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = {
            target.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for statement in ast.walk(tree):
            if not isinstance(statement, ast.stmt):
                continue
            for part in _environ_parts(statement):
                for name in _constants(part, module):
                    where = f"{path.relative_to(ROOT)}:{statement.lineno}"
                    found.setdefault(name, where)
    return found


def _listed(name: str, page: str) -> bool:
    if name.endswith("_") and not name.endswith("__"):  # a prefix: INST_
        return f"`{name}*`" in page
    return f"`{name}`" in page


def test_the_page_lists_every_variable_the_code_uses() -> None:
    page = PAGE.read_text(encoding="utf-8")
    missing = {
        name: where
        for name, where in variables_in_code().items()
        if not _listed(name, page)
    }
    assert not missing, f"add these to {PAGE.relative_to(ROOT)}: {missing}"


def test_the_finder_sees_the_variables_read_in_each_way() -> None:
    found = variables_in_code()
    # os.environ.get("X"), a loop over names, a module constant, dict(environ, X=...),
    # a variable set for a build, and a prefix.
    for name in (
        "NO_COLOR",
        "REQUESTS_CA_BUNDLE",
        "VIRTUAL_ENV",
        "_INST_COMPLETE",
        "PYTHONIOENCODING",
        "PIP_NO_INDEX",
        "PYTHONSTARTUP",
        "INST_",
    ):
        assert name in found, name

"""Every dataclass of inst has a docstring. Without one, the dataclass decorator
makes one from the class's signature (inspect.signature) while the module loads,
and inst loads about a hundred of them on every run."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "inst"


def _is_dataclass(node: ast.ClassDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = ast.unparse(target)
        if name in ("dataclass", "dataclasses.dataclass"):
            return True
    return False


def test_every_dataclass_has_a_docstring() -> None:
    missing = [
        f"{path.relative_to(SRC)}:{node.lineno} {node.name}"
        for path in sorted(SRC.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
        and _is_dataclass(node)
        and ast.get_docstring(node) is None
    ]
    assert missing == [], "dataclasses without a docstring: " + ", ".join(missing)

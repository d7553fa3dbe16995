"""The docs examples' index needs only a few pinned wheels (`fetch_bench_wheels.py
--docs`), fetched into a folder of their own, and README's test command fetches them."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "fetch_bench_wheels.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_wheels_tool", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_docs_wheels_are_a_small_pinned_subset_of_the_bench_wheels() -> None:
    tool = _tool()
    docs = tool.docs_pins()
    bench = {pin.filename: pin.sha256 for pin in tool.parse_pins()}
    assert {pin.filename: pin.sha256 for pin in docs}.items() <= bench.items()
    names = {pin.name.lower() for pin in docs}
    assert names == set(tool.DOCS_PROJECTS)
    assert len(docs) < 60 < len(bench)


def test_check_of_the_docs_wheels_names_the_fetch_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(TOOL), "--docs", "--check", "--dest", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "missing" in done.stderr
    assert "python tools/fetch_bench_wheels.py --docs" in done.stderr


def test_the_readme_test_command_fetches_the_docs_wheels() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "python tools/fetch_bench_wheels.py --docs && python -m pytest" in readme

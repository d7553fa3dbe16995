"""The documentation site builds with `mkdocs build --strict`: a broken link, a missing
anchor or page, or a page left out of the navigation fails the suite."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"]
        + ["-f", str(project / "mkdocs.yml"), "-d", str(site)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("docs") / "site"
    built = _build(ROOT, site)
    assert built.returncode == 0, built.stderr
    return site


def test_the_site_builds_strictly(site: Path) -> None:
    assert (site / "guides" / "choosing-a-backend" / "index.html").exists()
    assert (site / "search" / "search_index.json").exists()


def test_a_broken_anchor_fails_the_strict_build(tmp_path: Path) -> None:
    # The validation settings are what make a broken anchor an error: prove they do.
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    page = tmp_path / "docs" / "guides" / "index.md"
    page.write_text(page.read_text() + "\n[gone](../tutorial.md#no-such-heading)\n")
    built = _build(tmp_path, tmp_path / "site")
    assert built.returncode != 0
    assert "no-such-heading" in built.stderr


def test_readme_names_the_command_that_serves_the_site() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "```sh\nmkdocs serve\n```" in readme


def test_mermaid_pictures_are_rendered_as_pictures(site: Path) -> None:
    html = (site / "architecture" / "index.html").read_text()
    assert re.search(r'<pre class="mermaid"><code>flowchart', html)


def test_every_page_but_the_generated_command_pages_is_in_the_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    in_nav = set(
        re.findall(r"^\s*- (?:[^:#\n]+: )?([\w./-]+\.md)\s*$", config, re.MULTILINE)
    )
    pages = {
        path.relative_to(ROOT / "docs").as_posix()
        for path in (ROOT / "docs").rglob("*.md")
        if path.parent.name != "commands"
    }
    assert pages - in_nav == set(), "add these pages to the nav of mkdocs.yml"


def test_every_console_block_is_a_runnable_example() -> None:
    # A console block shows a session's output, so it must be run by
    # tests/functional/test_docs_examples.py; commands alone go in a ```sh block.
    unmarked = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        lines = page.read_text(encoding="utf-8").split("\n")
        for number, line in enumerate(lines):
            if (
                line.strip() == "```console"
                and lines[number - 1].strip() != "<!-- run -->"
            ):
                unmarked.append(f"{page.relative_to(ROOT)}:{number + 1}")
    assert not unmarked, "mark these <!-- run --> or make them ```sh blocks"

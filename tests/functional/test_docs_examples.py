"""Every runnable example in docs/ (a console block after ``<!-- run -->``) prints what
its page shows, run against the docs index (tests/harness/docs_examples.py). After a
change of output, `python tools/update_docs_examples.py` rewrites the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import docs_examples as examples
from harness.server import IndexServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    unsupported = examples.unsupported_here()
    if unsupported:
        pytest.skip(unsupported)
    missing = examples.missing_index_data()
    if missing:
        pytest.fail(missing, pytrace=False)
    index = examples.build_docs_index(tmp_path_factory.mktemp("docs") / "index")
    with examples.serving(index) as server:
        yield server


@pytest.mark.parametrize(
    "page",
    examples.pages(),
    ids=lambda page: page.relative_to(examples.DOCS).as_posix(),
)
def test_the_examples_of_the_page_print_what_it_shows(
    page: Path, docs_server: IndexServer, tmp_path: Path
) -> None:
    sandbox = examples.sandbox_for(page, tmp_path, docs_server)
    _, mismatches = examples.run_page(page, sandbox)
    assert not mismatches, (
        "\n\n".join(map(str, mismatches))
        + "\n\nrun python tools/update_docs_examples.py and read the diff"
    )


def test_a_page_is_checked_against_its_run() -> None:
    text = "<!-- run -->\n```console\n$ echo 1.2.3 in 0.5s\necho N\n```\n"
    (block,) = examples.find_blocks(text)
    (command,) = block.commands
    assert command.line == "echo 1.2.3 in 0.5s"
    assert examples.matches(["1.2.4 in 0.7s"], ["1.2.3 in 0.5s"])
    assert not examples.matches(["installed"], ["uninstalled"])
    assert examples.matches(["a", "...", "z"], ["a", "b", "c", "z"])
    assert not examples.matches(["a", "...", "z"], ["a", "b"])
    # Parallel downloads end in any order.
    assert examples.matches(
        ["Downloading a (1 kB)", "Downloading b (2 kB)"],
        ["Downloading b (2 kB)", "Downloading a (1 kB)"],
    )
    assert examples.elided_like(["a", "...", "z"], list("abcdz")) == ["a", "...", "z"]


def test_a_block_quoted_as_markdown_is_not_run() -> None:
    text = "````markdown\n<!-- run -->\n```console\n$ inst x\n```\n````\n"
    assert examples.find_blocks(text) == []


def test_a_marker_must_precede_a_console_block() -> None:
    with pytest.raises(ValueError, match="must precede"):
        examples.find_blocks("<!-- run -->\n```sh\nls\n```\n")


def test_the_strict_check_flags_a_stale_version_but_not_a_timing() -> None:
    # The suite forgets every number; update_docs_examples.py --check does not.
    page = ["Successfully installed flask-3.1.2 in 0.4s (12 kB)"]
    run = ["Successfully installed flask-3.1.3 in 0.7s (13 kB)"]
    assert examples.matches(page, run)
    assert not examples.matches(page, run, strict=True)
    assert examples.matches(
        ["done in 0.4s (12 kB), Python 3.11.7, Keeping pip-23.2.1"],
        ["done in 1.2s (1.1 MB), Python 3.11.9, Keeping pip-24.0"],
        strict=True,
    )
    assert not examples.matches(
        ["Locked 10 packages"], ["Locked 9 packages"], strict=True
    )

"""What `inst repair` can still read of a damaged journal (install/repair.py)."""

from __future__ import annotations

import json

import pytest

from inst.install.repair import Salvaged, salvage

JOURNAL = {
    "format": 1,
    "state": "committing",
    "roots": ["/e/.inst/tx-1-ab", "/mnt/.inst-tx-1-ab"],
    "created_dirs": ["/e/new"],
    "places": [
        ["/e/.inst/tx-1-ab/w0/e/a.py", "/e/a.py", "/e/.inst/tx-1-ab/stash/1"],
        ["/e/.inst/tx-1-ab/w0/e/new/b.py", "/e/new/b.py", None],
    ],
    "removes": [["/e/old.py", "/e/.inst/tx-1-ab/stash/2"]],
}
TEXT = json.dumps(JOURNAL, separators=(",", ":"))


def test_a_whole_journal_is_read_whole() -> None:
    found = salvage(TEXT)
    assert found == Salvaged(
        state="committing",
        roots=tuple(JOURNAL["roots"]),  # type: ignore[arg-type]
        created_dirs=("/e/new",),
        places=(
            ("/e/.inst/tx-1-ab/w0/e/a.py", "/e/a.py", "/e/.inst/tx-1-ab/stash/1"),
            ("/e/.inst/tx-1-ab/w0/e/new/b.py", "/e/new/b.py", None),
        ),
        removes=(("/e/old.py", "/e/.inst/tx-1-ab/stash/2"),),
        complete=True,
    )
    assert found.moves == 3


def test_a_journal_cut_short_keeps_every_element_before_the_cut() -> None:
    cut = TEXT.index('"/e/new/b.py"') + 5
    found = salvage(TEXT[:cut])
    assert found.state == "committing"
    assert found.roots == tuple(JOURNAL["roots"])  # type: ignore[arg-type]
    assert found.places == (
        ("/e/.inst/tx-1-ab/w0/e/a.py", "/e/a.py", "/e/.inst/tx-1-ab/stash/1"),
    )
    assert found.removes == ()
    assert not found.complete


def test_a_journal_damaged_only_at_its_end_is_complete_in_what_matters() -> None:
    found = salvage(TEXT[:-1] + ',"extra":')
    assert found.complete and found.moves == 3


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00" * 50,
        "{",
        "[1, 2]",
        '{"state": 5, "places": "no"}',
        '{"state":"committing","places":[[1,2,3]],"removes":[["a"]]}',
        "[" * 100_000,
        '{"places":' + "[" * 100_000,
    ],
)
def test_damage_of_any_kind_gives_what_is_well_formed_and_never_raises(
    text: str,
) -> None:
    found = salvage(text)
    assert found.places == () and found.removes == ()
    assert not found.complete


def test_elements_of_the_wrong_shape_are_dropped() -> None:
    data = dict(JOURNAL, places=[JOURNAL["places"][0], ["x", 2, None], "y"])
    found = salvage(json.dumps(data))
    assert found.places == (
        ("/e/.inst/tx-1-ab/w0/e/a.py", "/e/a.py", "/e/.inst/tx-1-ab/stash/1"),
    )
    assert not found.complete

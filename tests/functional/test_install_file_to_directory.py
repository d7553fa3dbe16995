"""An upgrade or downgrade where a path that was a file becomes a directory (or the
other way round), in the package and in the .data directory. A trial found the
first one ending in an internal error that left a journal behind, after which every
change to the environment failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import VirtualEnv, make_wheel
from harness.trees import files

VERSIONS = {
    # the path is a file in 1.0 and a directory in 2.0
    "pkg": (
        {"swapped/__init__.py": "", "swapped/thing": "a file\n"},
        {"swapped/__init__.py": "", "swapped/thing/a.txt": "in a directory\n"},
    ),
    "data": (
        {"swapped/__init__.py": "", "swapped-{v}.data/data/share/swapped/a": "f\n"},
        {
            "swapped/__init__.py": "",
            "swapped-{v}.data/data/share/swapped/a/inner.txt": "d\n",
        },
    ),
}


def wheels(tmp_path: Path, kind: str) -> list[Path]:
    made = []
    for version, contents in zip(("1.0", "2.0"), VERSIONS[kind]):
        made.append(
            make_wheel(
                tmp_path / "wheels",
                "swapped",
                version,
                files={k.format(v=version): v for k, v in contents.items()},
            )
        )
    return made


@pytest.mark.parametrize("kind", sorted(VERSIONS))
@pytest.mark.parametrize("direction", ["file-to-directory", "directory-to-file"])
def test_a_file_that_becomes_a_directory_and_back(
    run_inst, venv: VirtualEnv, tmp_path: Path, kind: str, direction: str
) -> None:
    old, new = wheels(tmp_path, kind)
    if direction == "directory-to-file":
        old, new = new, old
    common = ("--python", str(venv.python), "--no-index")
    first = run_inst("install", *common, str(old))
    assert first.code == 0, first.err
    before = files(venv.root)

    upgraded = run_inst("install", *common, str(new))
    assert upgraded.code == 0, upgraded.err
    assert "Traceback" not in upgraded.err and "internal error" not in upgraded.err
    state = venv.site_packages / ".inst"
    assert sorted(p.name for p in state.iterdir()) == ["lock"]  # no journal left
    record = next(venv.site_packages.glob("swapped-*.dist-info")) / "RECORD"
    listed = {row.split(",")[0] for row in record.read_text().splitlines()}
    for path in listed:
        assert (venv.site_packages / path).resolve().is_file(), path

    back = run_inst("install", *common, str(old))
    assert back.code == 0, back.err
    assert files(venv.root) == before


def test_an_old_journal_naming_a_path_below_a_file_is_recovered(
    run_inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    # What the bug left: a journal whose new paths lie below a file.
    old, _ = wheels(tmp_path, "pkg")
    common = ("--python", str(venv.python), "--no-index")
    assert run_inst("install", *common, str(old)).code == 0
    state = venv.site_packages / ".inst"
    below_a_file = venv.site_packages / "swapped" / "thing" / "a.txt"
    journal = {"format": 2, "state": "staging", "new_paths": [str(below_a_file)]}
    (state / "journal-1-deadbeef.json").write_text(json.dumps(journal))

    listed = run_inst("list", "--python", str(venv.python))
    assert listed.code == 0, listed.err
    assert "swapped" in listed.out
    assert sorted(p.name for p in state.iterdir()) == ["lock"]
    assert (venv.site_packages / "swapped" / "thing").is_file()

"""tools/fetch_corpus.py and the harness's index of odd file names, offline: the
"public index" here is a harness index served on 127.0.0.1, named to pip by
PIP_INDEX_URL as a user would."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

from harness import IndexServer, build_index, make_sdist, make_wheel

REPO = Path(__file__).resolve().parents[2]


def _load_tool() -> ModuleType:
    path = REPO / "tools" / "fetch_corpus.py"
    spec = importlib.util.spec_from_file_location("fetch_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


fc = _load_tool()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    dists = tmp_path / "dists"
    wheel = make_wheel(dists, "Odd.Name", "1.0")
    sdist = make_sdist(dists, "plain", "2.0")
    index = build_index(tmp_path / "index", [wheel, sdist])
    with IndexServer(index.root) as server:
        monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
        monkeypatch.setenv("PIP_INDEX_URL", server.simple_url)
        yield server, {wheel.name: _sha(wheel), sdist.name: _sha(sdist)}


def _pins(path: Path, files: dict[str, str], project: dict[str, str]) -> Path:
    lines = ["# test pins"]
    lines += [
        f"{project[name]}  {name}  sha256:{sha}  # why" for name, sha in files.items()
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_real_pins_parse_and_are_distinct() -> None:
    pins = fc.parse_pins(fc.PINS_FILE)
    assert len(pins) == len({p.filename for p in pins}) >= 20


def test_fetch_finds_each_file_on_its_project_page_and_checks_it(
    served, tmp_path: Path
) -> None:
    _, files = served
    names = sorted(files)
    project = {names[0]: "odd-name", names[1]: "plain"}
    if not names[0].startswith("odd"):
        project = {names[0]: "plain", names[1]: "Odd.Name"}
    pins = _pins(tmp_path / "pins.txt", files, project)
    dest = tmp_path / "corpus"
    assert fc.check(dest, pins)[0] is False
    summary = fc.fetch(dest, pins)
    assert "fetched 2" in summary
    assert {p.name for p in dest.iterdir()} == set(files)
    assert fc.check(dest, pins)[0] is True
    assert "already up to date" in fc.fetch(dest, pins)
    # a stray archive goes, a changed file is fetched again
    (dest / "stray-1.0.tar.gz").write_bytes(b"x")
    (dest / names[0]).write_bytes(b"changed")
    assert "replaced 1" in fc.fetch(dest, pins)
    assert not (dest / "stray-1.0.tar.gz").exists()


def test_a_file_the_index_serves_differently_is_refused(served, tmp_path: Path) -> None:
    _, files = served
    name = next(n for n in files if n.endswith(".tar.gz"))
    pins = _pins(tmp_path / "pins.txt", {name: "0" * 64}, {name: "plain"})
    with pytest.raises(fc.FetchError, match="served a different file"):
        fc.fetch(tmp_path / "corpus", pins)
    assert not (tmp_path / "corpus" / name).exists()


def test_a_file_missing_from_the_index_names_the_pin(served, tmp_path: Path) -> None:
    pins = _pins(
        tmp_path / "pins.txt",
        {"plain-9.0.tar.gz": "0" * 64},
        {"plain-9.0.tar.gz": "plain"},
    )
    with pytest.raises(fc.FetchError, match="no file plain-9.0.tar.gz"):
        fc.fetch(tmp_path / "corpus", pins)


@pytest.mark.parametrize(
    "line",
    [
        "plain plain-1.0.tar.gz sha256:abc",
        "plain ../plain-1.0.tar.gz sha256:" + "0" * 64,
        "plain plain-1.0.exe sha256:" + "0" * 64,
    ],
)
def test_bad_pin_lines_are_refused(tmp_path: Path, line: str) -> None:
    path = tmp_path / "pins.txt"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="pins.txt:1"):
        fc.parse_pins(path)


def test_harness_index_lists_old_file_names_under_their_project(
    tmp_path: Path,
) -> None:
    """Real old uploads: "NAME-VERSION-1.tar.gz" and versions that are not PEP 440
    in .tar.bz2/.tgz archives, listed on the project's page as an index does."""
    dists = tmp_path / "dists"
    dists.mkdir()
    source = make_sdist(tmp_path / "made", "zope.event", "3.5.0")
    odd = {
        "zope.event-3.5.0-1.tar.gz": "zope.event",
        "pytz-2005k.tar.bz2": "pytz",
        "dill-0.2.1.tgz": "dill",
    }
    for name in odd:
        (dists / name).write_bytes(source.read_bytes())
    index = build_index(tmp_path / "index", sorted(dists.iterdir()), projects=odd)
    by_name = {f.filename: f for f in index.files}
    assert str(by_name["zope.event-3.5.0-1.tar.gz"].version) == "3.5.0.post1"
    assert by_name["pytz-2005k.tar.bz2"].version == "2005k"
    assert by_name["pytz-2005k.tar.bz2"].project == "pytz"
    page = json.loads((index.project_dir("pytz") / "index.json").read_text())
    assert page["versions"] == ["2005k"]
    assert [f["filename"] for f in page["files"]] == ["pytz-2005k.tar.bz2"]

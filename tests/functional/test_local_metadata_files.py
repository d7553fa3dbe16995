"""A local (file://) index's PEP 658 metadata files are what resolution reads, as
from a remote index and as pip reads them: one small file instead of each wheel's
zip directory. Without one on disk the wheel's own METADATA is read; one that does
not match the hash the page gives is an error, as from a remote index."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from harness import LocalIndex, build_index
from harness.dists import make_wheel

WHEEL = "app-1.0-py3-none-any.whl"


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    out = tmp_path / "dists"
    out.mkdir()
    wheels = [
        make_wheel(out, "app", "1.0", requires=["dep"]),
        make_wheel(out, "dep", "1.0"),
        make_wheel(out, "other", "1.0"),
    ]
    return build_index(tmp_path / "index", wheels)


def _metadata_file(index: LocalIndex) -> Path:
    return index.dist_path(WHEEL).with_name(WHEEL + ".metadata")


def _set_metadata_hash(index: LocalIndex, digest: str) -> None:
    """Make app's pages (JSON and HTML) announce digest as its metadata file's."""
    page_dir = index.project_dir("app")
    page = json.loads((page_dir / "index.json").read_text(encoding="utf-8"))
    for entry in page["files"]:
        entry["core-metadata"] = entry["dist-info-metadata"] = {"sha256": digest}
    (page_dir / "index.json").write_text(json.dumps(page), encoding="utf-8")
    html = (page_dir / "index.html").read_text(encoding="utf-8")
    html = re.sub(r"sha256=[0-9a-f]{64}\"", f'sha256={digest}"', html)
    (page_dir / "index.html").write_text(html, encoding="utf-8")


def _dry_run(run_inst: Any, index: LocalIndex) -> Any:
    return run_inst(
        "install", "--dry-run", "--no-cache-dir", "--index-url", index.file_url, "app"
    )


def _would_install(run: Any) -> str:
    assert run.code == 0, run.err
    assert "error:" not in run.err, run.err
    lines = [line for line in run.out.splitlines() if line.startswith("Would install")]
    assert len(lines) == 1, run.out
    return lines[0]


def test_the_metadata_file_is_what_resolution_reads(run_inst, index):
    # The metadata file says app needs "other", the wheel says "dep": the index's
    # word is taken (the page's hash is made to match the new file).
    path = _metadata_file(index)
    text = path.read_text(encoding="utf-8").replace(
        "Requires-Dist: dep", "Requires-Dist: other"
    )
    path.write_text(text, encoding="utf-8")
    _set_metadata_hash(index, hashlib.sha256(path.read_bytes()).hexdigest())

    assert (
        _would_install(_dry_run(run_inst, index)) == "Would install app-1.0 other-1.0"
    )


def test_without_its_metadata_file_the_wheel_is_read(run_inst, index):
    _metadata_file(index).unlink()

    assert _would_install(_dry_run(run_inst, index)) == "Would install app-1.0 dep-1.0"


def test_a_metadata_file_that_fails_its_hash_is_an_error(run_inst, index):
    _set_metadata_hash(index, "0" * 64)

    run = _dry_run(run_inst, index)

    assert run.code == 1, (run.out, run.err)
    assert "Traceback" not in run.err
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert f"hash mismatch for the metadata file of {WHEEL}" in errors[0]

"""Locks written by pip (``pip lock``) and uv (``uv pip compile --format
pylock.toml``), committed in tests_data/pylock/ (its README says how they were made),
install with inst: the committed wheels are served by the harness's HTTP index at
the address the locks name (their ``http://INDEX/`` placeholder is replaced)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import VirtualEnv, build_index

FIXTURES = Path(__file__).resolve().parents[2] / "tests_data" / "pylock"
LOCKED = {"helper": "2.0", "lockdemo": "1.0", "speedup": "0.5", "tiny": "3.1"}


@pytest.mark.parametrize("tool", ["pip", "uv"])
@pytest.mark.parametrize("command", ["sync", "install"])
def test_a_lock_written_by_another_tool_installs(
    tool: str,
    command: str,
    run_inst,
    index_server,
    venv: VirtualEnv,
    tmp_path: Path,
) -> None:
    index = build_index(tmp_path / "index", sorted((FIXTURES / "wheels").iterdir()))
    server = index_server(index)
    text = (FIXTURES / f"pylock.{tool}.toml").read_text(encoding="utf-8")
    assert f'created-by = "{tool}"' in text
    lock = tmp_path / f"pylock.{tool}.toml"
    lock.write_text(text.replace("http://INDEX/", server.url), encoding="utf-8")
    where = ["--python", str(venv.python), "--cache-dir", str(tmp_path / "cache")]
    args = [str(lock)] if command == "sync" else ["-r", str(lock)]
    run = run_inst(command, *where, *args)
    assert run.code == 0, run.err
    assert venv.installed() == LOCKED
    assert not [r for r in server.requests if r.path.startswith("/simple")]
    for name in LOCKED:
        assert (venv.site_packages / name / "__init__.py").is_file()

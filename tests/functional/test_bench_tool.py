"""tools/bench keeps working (what it measures is never asserted here: speed is for the
benchmark, not for tests)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "tools" / "bench"
RESOLVED = [
    "flask",
    "requests",
    "rich",
    "pydantic",
    "httpx",
    "sqlalchemy",
    "jinja2",
    "click",
    "attrs",
]


def _load(path: Path, name: str) -> ModuleType:
    # tools/ is not a package: import the script by path, under a name of our own.
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_lists_and_runs_a_workload() -> None:
    listing = subprocess.run(
        [sys.executable, str(BENCH), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "version" in listing.stdout
    run = subprocess.run(
        [sys.executable, str(BENCH), "--runs", "1", "version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1].startswith("version")


def test_unknown_workload_is_refused() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "unknown workload" in run.stderr


def test_resolution_workloads_are_listed() -> None:
    listing = subprocess.run(
        [sys.executable, str(BENCH), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert "resolve-warm" in names
    assert "resolve-cold" in names


def test_bench_wheels_pins_parse_with_a_sha256_each() -> None:
    tool = _load(REPO / "tools" / "fetch_bench_wheels.py", "bench_fetch_tool")
    pins = tool.parse_pins(REPO / "tools" / "bench-wheels.txt")
    assert all(re.fullmatch(r"[0-9a-f]{64}", pin.sha256) for pin in pins)
    versions: dict[str, set[str]] = {}
    for pin in pins:
        versions.setdefault(pin.name.lower(), set()).add(pin.version)
    # Every requested project is there, with older releases as extra candidates.
    for project in RESOLVED:
        assert len(versions.get(project, ())) >= 4, project
    assert len(versions) >= 25  # the whole dependency tree, not just the top


def test_resolution_workload_skips_without_wheels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolution = _load(BENCH / "resolution.py", "bench_resolution")
    monkeypatch.setattr(resolution, "INDEX_DIR", tmp_path / "index")
    monkeypatch.setattr(resolution, "WHEELS_DIR", tmp_path / "no-wheels")
    reason = resolution.prepare()
    assert reason is not None
    assert "run python tools/fetch_bench_wheels.py first" in reason
    assert not (tmp_path / "index").exists()


def test_resolution_environment_keeps_machine_config_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolution = _load(BENCH / "resolution.py", "bench_resolution")
    monkeypatch.setattr(resolution, "HOME_DIR", tmp_path / "home")
    monkeypatch.setenv("PIP_FIND_LINKS", "/somewhere")
    monkeypatch.setenv("INST_INDEX_URL", "file:///elsewhere")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/machine-config")
    env = resolution.environment()
    assert "PIP_FIND_LINKS" not in env
    assert not any(key.startswith("INST_") for key in env)
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["PIP_DISABLE_PIP_VERSION_CHECK"] == "1"
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "XDG_CACHE_HOME"):
        assert Path(env[key]).is_relative_to(tmp_path), key

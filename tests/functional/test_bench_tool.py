"""tools/bench keeps working (what it measures is never asserted here: speed is for the
benchmark, not for tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "tools" / "bench"


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

"""Ctrl-C and SIGTERM while inst waits on a server that stalls: inst says so and ends
at once, without waiting for the worker thread stuck in the read (the interpreter
would join it first, for as long as --timeout allows)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.config_home import ConfigHome

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

MESSAGES = {
    signal.SIGTERM: "error: terminated (SIGTERM); nothing more was done.",
    signal.SIGINT: "error: interrupted by the user (Ctrl-C); nothing more was done.",
}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_ends_a_run_stalled_on_the_index_at_once(
    cli_home: ConfigHome,
    tmp_path: Path,
    index_server,
    signum: signal.Signals,
) -> None:
    (tmp_path / "simple" / "demo").mkdir(parents=True)
    (tmp_path / "simple" / "demo" / "index.html").write_text("<html></html>")
    server = index_server(tmp_path)
    server.stall("/simple/", 30)  # the harness's longest stall
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    # Reset SIGINT (pytest may run with it ignored, which exec would keep), then exec.
    trampoline = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
        "os.execv(sys.executable, [sys.executable, '-m', 'inst', *sys.argv[1:]])"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            trampoline,
            "install",
            "--dry-run",
            "--index-url",
            f"{server.url}simple/",
            "--timeout",
            "100",
            "--retries",
            "0",
            "--no-cache-dir",
            "demo",
        ],
        env={**cli_home.env, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not server.requests_to("/simple/") and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        assert server.requests_to("/simple/"), "inst never asked the index"
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()

    # inst ended while the server still held back its answer
    assert [r.status for r in server.requests_to("/simple/")] == [None], err
    assert process.returncode == 1, (out, err)
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        MESSAGES[signum]
    ], err
    assert os.listdir(scratch) == []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_a_signal_ends_a_download_stalled_mid_body_at_once(
    cli_home: ConfigHome,
    tmp_path: Path,
    index_server,
    signum: signal.Signals,
) -> None:
    """The download worker is stuck in a read the server never answers: inst gives it
    a moment to tidy up, then ends, leaving no partial file in -d or the cache."""
    from harness import build_index, make_wheel

    index = build_index(tmp_path / "idx", [make_wheel(tmp_path / "w", "demo", "1.0")])
    server = index_server(index.root)
    wheel = index.dist_path("demo-1.0-py3-none-any.whl").relative_to(index.root)
    server.break_body(
        "/" + wheel.as_posix(), "stall", times=None, seconds=30, exact=True
    )
    dest, cache, scratch = tmp_path / "dest", tmp_path / "cache", tmp_path / "tmpdir"
    scratch.mkdir()
    trampoline = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
        "os.execv(sys.executable, [sys.executable, '-m', 'inst', *sys.argv[1:]])"
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            trampoline,
            "download",
            "--index-url",
            f"{server.url}simple/",
            "--timeout",
            "100",
            "--retries",
            "0",
            "--cache-dir",
            str(cache),
            "-d",
            str(dest),
            "demo",
        ],
        env={**cli_home.env, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            r.path.endswith(".whl") for r in server.requests
        ):
            assert process.poll() is None, process.communicate()
            time.sleep(0.02)
        time.sleep(0.3)  # inside the body's read
        started = time.monotonic()
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1, (out, err)
    assert took < 20, f"inst took {took:.1f} s to stop"  # the stall is 30 s
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        MESSAGES[signum]
    ], err
    assert not dest.exists() or not any(dest.iterdir())
    assert not [p for p in cache.rglob("*") if p.is_file() and "demo" in p.name]
    assert os.listdir(scratch) == []

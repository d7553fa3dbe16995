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

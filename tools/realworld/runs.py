"""Run inst and pip on one project, with a time limit, keeping every log.

Each project gets a folder in the output dir, `<rank>-<name>/`, holding for each tool
its report (`inst.json`, `pip.json`), its output (`inst.log`, `pip.log`: the command,
exit code and time, then stderr and stdout) and, after an internal error, `inst-v.log`:
the same inst command again with -v, for the traceback.

A command runs in a session of its own so that at the time limit the whole process group
(build backends included) is killed, not inst or pip alone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from compare import Run, read_report
from envs import Setup

_running: set[subprocess.Popen[bytes]] = set()
_lock = threading.Lock()


def stop_all() -> None:
    """Kill every command still running (Ctrl-C on the tool)."""
    with _lock:
        for process in list(_running):
            _kill_group(process)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except (ProcessLookupError, PermissionError):
        pass


def inst_command(
    setup: Setup, project: str, report: Path, *, deps: bool, verbose: bool = False
) -> list[str]:
    command = [*setup.inst, "install", "--dry-run", "--report", str(report)]
    command += ["--python", str(setup.target), "--cache-dir", str(setup.inst_cache)]
    if not deps:
        command.append("--no-deps")
    if verbose:
        command.append("-v")
    return [*command, project]


def pip_command(setup: Setup, project: str, report: Path, *, deps: bool) -> list[str]:
    command = [*setup.pip, "--python", str(setup.target), "install", "--dry-run"]
    command += ["--ignore-installed", "--report", str(report)]
    command += ["--cache-dir", str(setup.pip_cache), "--progress-bar", "off"]
    if not deps:
        command.append("--no-deps")
    return [*command, project]


def run(
    tool: str, command: list[str], report: Path, log: Path, setup: Setup, timeout: float
) -> Run:
    """Run command; its report is read from report, its output written to log."""
    report.unlink(missing_ok=True)
    start = time.monotonic()
    process = subprocess.Popen(
        command,
        env=setup.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    with _lock:
        _running.add(process)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
        returncode: int | None = process.returncode
    except subprocess.TimeoutExpired:
        _kill_group(process)
        stdout, stderr = process.communicate()
        returncode = None
    finally:
        with _lock:
            _running.discard(process)
    seconds = time.monotonic() - start
    output = stderr.decode(errors="replace") + stdout.decode(errors="replace")
    status = "timed out" if returncode is None else f"exit {returncode}"
    log.write_text(
        f"$ {' '.join(command)}\n# {status}, {seconds:.1f} s\n{output}",
        encoding="utf-8",
    )
    parsed, problem = read_report(report)
    return Run(tool, returncode, output, parsed, seconds, problem)


def load(tool: str, folder: Path) -> Run | None:
    """A run kept from before (its report and log), or None if there is none."""
    log = folder / f"{tool}.log"
    try:
        text = log.read_text(encoding="utf-8")
    except OSError:
        return None
    lines = text.split("\n", 2)
    if len(lines) < 3 or not lines[1].startswith("# "):
        return None
    status = lines[1][2:].split(",", 1)[0]
    returncode = None if status == "timed out" else int(status.split()[1])
    parsed, problem = read_report(folder / f"{tool}.json")
    return Run(tool, returncode, lines[2], parsed, 0.0, problem)


def save_verdict(folder: Path, data: dict[str, object]) -> None:
    (folder / "verdict.json").write_text(
        json.dumps(data, indent=2) + "\n", encoding="utf-8"
    )

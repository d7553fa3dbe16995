"""uv, the bench's third tool: installed with pip into a venv of the bench's own.

The pinned version is in tools/bench-uv.txt. The venv lives under resolution.ROOT
(the system's temp dir) with a stamp of the pin, so it is installed once per pin and
reused by later bench runs. uv is the only tool the bench fetches from the package
index (pip as the machine configures it); when it can't, the uv column reads "n/a"
with the reason (ensure) and the other two tools run as before.

How uv is run: the binary from that venv, `uv pip install --python VENV ...` from
outside the target venv (as inst with --python), `--no-config` so no uv.toml of the
machine or of the folder it runs in changes what it does (the bench's environment
already keeps UV_* variables out, see resolution.environment).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import resolution

PIN_FILE = resolution.TOOLS_DIR / "bench-uv.txt"
VENV_DIR = resolution.ROOT / "uv"
BIN = VENV_DIR / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
_STAMP = ".bench-stamp"

_answer: list[str | None] = []  # the one answer of ensure per bench run


def pin() -> str:
    """The requirement line of PIN_FILE, e.g. uv==0.13.9."""
    for line in PIN_FILE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            return line
    raise ValueError(f"{PIN_FILE} pins no uv version")


def command(*args: str) -> list[str]:
    """A uv command line, its configuration files off."""
    return [str(BIN), "--no-config", *args]


def _install() -> str | None:
    requirement = pin()
    stamp_file = VENV_DIR / _STAMP
    try:
        if stamp_file.read_text(encoding="utf-8") == requirement and BIN.exists():
            return None
    except OSError:
        pass
    if VENV_DIR.exists():
        shutil.rmtree(VENV_DIR)
    steps = (
        [sys.executable, "-m", "venv", str(VENV_DIR)],
        [
            str(VENV_DIR / ("Scripts" if os.name == "nt" else "bin") / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            requirement,
        ],
    )
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            output = (result.stderr or result.stdout).strip().splitlines()
            last = output[-1] if output else f"exit status {result.returncode}"
            return f"could not install {requirement} with pip: {last}"
    if not BIN.exists():
        return f"{requirement} installed no {BIN.name} binary at {BIN}"
    stamp_file.write_text(requirement, encoding="utf-8")
    return None


def ensure() -> str | None:
    """uv installed and runnable; return why it can't be (the "n/a" reason), or None."""
    if not _answer:
        try:
            problem = _install()
        except (OSError, ValueError) as error:
            problem = f"could not install uv: {error}"
        _answer.append(problem)
    return _answer[0]

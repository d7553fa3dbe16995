"""The fixture of the sync-warm workload: a lock of the install workloads' 27
distributions, and each tool's way of installing exactly it into a fresh venv.

The lock is made in prepare(), untimed, by ``inst lock`` of resolution.REQUIREMENTS for
the bench venv's interpreter, and a pip requirements file of the same pins with their
hashes is written from it. Then, every timed run, into a fresh venv with a warm cache:

  * inst: ``inst sync pylock.toml`` (no resolver, no index page);
  * uv: ``uv pip sync pylock.toml``;
  * pip: ``pip install --no-deps --require-hashes -r requirements.txt`` (the pip the
    bench runs may be older than pip 26, the first to read pylock.toml).

Compare inst's time here with its install-warm time in the same bench run: that is
what a lock saves over resolving the same requirements.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import installing
import resolution
import uvtool


def lock_path(workload: str) -> Path:
    return installing.work_dir(workload) / "pylock.toml"


def requirements_path(workload: str) -> Path:
    return installing.work_dir(workload) / "requirements.txt"


def commands(workload: str) -> tuple[list[str], list[str], list[str]]:
    """inst's, pip's and uv's commands."""

    def venv(tool: str) -> Path:
        return installing.venv_dir(workload, tool)

    def cache(tool: str) -> str:
        return str(installing.cache_dir(workload, tool))

    lock = str(lock_path(workload))
    inst = installing.tool_command(
        "inst", venv("inst"), ["sync", "-q", "--cache-dir", cache("inst"), lock]
    )
    pip = installing.tool_command(
        "pip",
        venv("pip"),
        [
            "install",
            "-q",
            "--no-deps",
            "--require-hashes",
            "--index-url",
            resolution.INDEX_URL,
            "--cache-dir",
            cache("pip"),
            "-r",
            str(requirements_path(workload)),
        ],
    )
    uv = uvtool.command(
        "pip",
        "sync",
        "-q",
        "--python",
        str(venv("uv")),
        "--cache-dir",
        cache("uv"),
        lock,
    )
    return inst, pip, uv


def prepare(workload: str) -> str | None:
    problem = installing.prepare(workload)
    if problem:
        return problem
    subprocess.run(
        [
            sys.executable,
            "-m",
            "inst",
            "lock",
            "--python",
            str(resolution.VENV_PYTHON),
            "-q",
            "--no-cache-dir",
            "--index-url",
            resolution.INDEX_URL,
            "-o",
            str(lock_path(workload)),
            *resolution.REQUIREMENTS,
        ],
        check=True,
        env=resolution.environment(),
    )
    write_requirements(workload)
    return None


def write_requirements(workload: str) -> None:
    """pip's requirements file of the lock's pins: each locked package at its version,
    with the hashes of every wheel the lock gives it."""
    import tomllib

    lock = tomllib.loads(lock_path(workload).read_text(encoding="utf-8"))
    pins = []
    for package in lock["packages"]:
        hashes = " ".join(
            f"--hash=sha256:{wheel['hashes']['sha256']}"
            for wheel in package.get("wheels", [])
        )
        pins.append(f"{package['name']}=={package['version']} {hashes}".strip())
    requirements_path(workload).write_text("\n".join(pins) + "\n", encoding="utf-8")

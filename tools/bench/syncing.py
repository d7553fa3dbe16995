"""The fixture of the sync-warm workload: a lock of the install workloads' 27
distributions, and each tool's way of installing exactly it into a fresh venv.

The lock is made in prepare(), untimed: inst resolves resolution.REQUIREMENTS for the
empty venv (``install --dry-run --report``) and the report's files (URL and sha256)
become a PEP 751 ``pylock.toml`` (written here with tomlkit, so the workload does not
depend on ``inst lock``), plus a pip requirements file of the same pins with their
hashes. Then, every timed run, into a fresh venv with a warm cache:

  * inst: ``inst sync pylock.toml`` (no resolver, no index page);
  * uv: ``uv pip sync pylock.toml``;
  * pip: ``pip install --no-deps --require-hashes -r requirements.txt`` (the pip the
    bench runs may be older than pip 26, the first to read pylock.toml).

Compare inst's time here with its install-warm time in the same bench run: that is
what a lock saves over resolving the same requirements.
"""

from __future__ import annotations

import json
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
    report = installing.work_dir(workload) / "report.json"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "inst",
            "install",
            "--python",
            str(resolution.VENV_PYTHON),
            "--dry-run",
            "--ignore-installed",
            "-q",
            "--no-cache-dir",
            "--index-url",
            resolution.INDEX_URL,
            "--report",
            str(report),
            *resolution.REQUIREMENTS,
        ],
        check=True,
        env=resolution.environment(),
    )
    write_lock(json.loads(report.read_text(encoding="utf-8")), workload)
    return None


def write_lock(report: dict, workload: str) -> None:
    import tomlkit
    from packaging.utils import canonicalize_name

    packages = []
    pins = []
    for item in sorted(report["install"], key=lambda i: i["metadata"]["name"].lower()):
        name = item["metadata"]["name"]
        version = item["metadata"]["version"]
        url = item["download_info"]["url"]
        sha256 = item["download_info"]["archive_info"]["hashes"]["sha256"]
        filename = url.rpartition("/")[2]
        packages.append(
            {
                "name": canonicalize_name(name),
                "version": version,
                "index": resolution.INDEX_URL,
                "wheels": [
                    {
                        "name": filename,
                        "url": url,
                        "size": Path(_local(url)).stat().st_size,
                        "hashes": {"sha256": sha256},
                    }
                ],
            }
        )
        pins.append(f"{name}=={version} --hash=sha256:{sha256}")
    lock = {"lock-version": "1.0", "created-by": "tools/bench", "packages": packages}
    lock_path(workload).write_text(tomlkit.dumps(lock), encoding="utf-8")
    requirements_path(workload).write_text("\n".join(pins) + "\n", encoding="utf-8")


def _local(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path)

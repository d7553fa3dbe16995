"""The fixtures of the install workloads: a fresh venv per run, and a cache per tool.

They install resolution.REQUIREMENTS from the same local index as the resolve-*
workloads. Each has a folder of its own under resolution.ROOT (the system's temp dir):

    work/<workload>/inst-venv   inst-cache   pip-venv   pip-cache   uv-venv   uv-cache

The venvs and the caches are in one folder, so on one filesystem: inst puts the files
of its cache of unpacked wheels into the venv as hard links, which work only within a
filesystem (across two, inst falls back to copying: a different, slower workload).

Before every timed run (untimed) the tool's venv is created afresh and, for a cold
workload, its cache dir deleted; after every round the venvs must hold the same
distributions and files (check), or the workload fails.

How each tool is run, as its users run it:
  * inst from outside the venv: `python -m inst install --python VENV ...`, into a venv
    made with --without-pip.
  * pip from inside the venv: `VENV/bin/python -m pip install ...`, pip copied into the
    fresh venv untimed (the running interpreter's pip, the one the other workloads time).
    `pip --python VENV` would cost pip a second interpreter start-up and import of
    pip (it re-runs itself in that interpreter: about 0.25 s measured here), which a pip
    user with pip in their venv never pays; that would be an advantage of inst's not
    earned by installing faster. Neither tool's venv creation is timed.
  * uv from outside the venv, as inst: `uv pip install --python VENV ...`, into a venv
    made with --without-pip (see uvtool.py).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from email.parser import HeaderParser
from pathlib import Path
from typing import Callable

import resolution
import uvtool

TOOLS = ("inst", "pip", "uv")


def work_dir(workload: str) -> Path:
    return resolution.work_dir(workload)


def venv_dir(workload: str, tool: str) -> Path:
    return work_dir(workload) / f"{tool}-venv"


def cache_dir(workload: str, tool: str) -> Path:
    return work_dir(workload) / f"{tool}-cache"


def _venv_paths(venv: Path) -> dict[str, str]:
    names = sysconfig.get_scheme_names()
    scheme = (
        "venv" if "venv" in names else ("nt" if os.name == "nt" else "posix_prefix")
    )
    return sysconfig.get_paths(scheme, vars={"base": str(venv), "platbase": str(venv)})


def site_packages(venv: Path) -> Path:
    return Path(_venv_paths(venv)["purelib"])


def scripts_dir(venv: Path) -> Path:
    return Path(_venv_paths(venv)["scripts"])


def venv_python(venv: Path) -> Path:
    return scripts_dir(venv) / ("python.exe" if os.name == "nt" else "python")


def command(
    workload: str,
    tool: str,
    *extra: str,
    requirements: Sequence[str] = resolution.REQUIREMENTS,
) -> list[str]:
    """install -q of the requirements from the local index into the tool's venv."""
    venv = venv_dir(workload, tool)
    args = [
        "install",
        "-q",
        "--index-url",
        resolution.INDEX_URL,
        "--cache-dir",
        str(cache_dir(workload, tool)),
        *extra,
        *requirements,
    ]
    return tool_command(tool, venv, args)


def tool_command(tool: str, venv: Path, args: Sequence[str]) -> list[str]:
    """args (a pip-style command: its name, then its options) run by tool for venv:
    inst and uv from outside it with --python, pip from inside it."""
    if tool == "inst":
        return [sys.executable, "-m", "inst", args[0], "--python", str(venv), *args[1:]]
    if tool == "uv":
        return uvtool.command("pip", args[0], "--python", str(venv), *args[1:])
    return [str(venv_python(venv)), "-m", "pip", *args]


def _pip_dirs() -> tuple[Path, Path]:
    """The running interpreter's pip package and its .dist-info folder."""
    spec = importlib.util.find_spec("pip")
    if spec is None or spec.origin is None:
        raise RuntimeError("pip is not installed in the interpreter running the bench")
    package = Path(spec.origin).parent
    dist_info = package.parent / f"pip-{importlib.metadata.version('pip')}.dist-info"
    if not dist_info.is_dir():
        raise RuntimeError(f"pip's metadata is not where expected: {dist_info}")
    return package, dist_info


def fresh_venv(venv: Path, *, with_pip: bool) -> None:
    """An empty venv at venv (created in place: its scripts hold its own path)."""
    if venv.exists():
        shutil.rmtree(venv)
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        check=True,
        capture_output=True,
    )
    if with_pip:
        # pip's files as `python -m venv` would install them, .pyc files included
        # (copy2 keeps the sources' mtimes, so the .pyc files stay valid). Quicker
        # than ensurepip (3 s here), and certainly the pip the other workloads time.
        site = site_packages(venv)
        for folder in _pip_dirs():
            shutil.copytree(folder, site / folder.name)


def prepare(workload: str) -> str | None:
    """The index ready and the work dir empty: caches start cold in every bench run
    (warm workloads warm them in their warmup), whatever an older inst left there."""
    problem = resolution.prepare()
    if problem:
        return problem
    work = work_dir(workload)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    return None


def before_each(workload: str, *, cold: bool) -> Callable[[str], None]:
    def reset(tool: str) -> None:
        fresh_venv(venv_dir(workload, tool), with_pip=tool == "pip")
        if cold:
            shutil.rmtree(cache_dir(workload, tool), ignore_errors=True)
        if hasattr(os, "sync"):
            # Write back the previous run's files (and the deletions) now, untimed,
            # rather than during the next timed run.
            os.sync()

    return reset


# --- checking what got installed -------------------------------------------------


def _canonical(name: str) -> str:
    return "-".join(name.replace("_", "-").replace(".", "-").lower().split("-"))


def distributions(venv: Path) -> dict[str, str]:
    """name -> version of every .dist-info in the venv's site-packages, from METADATA."""
    found: dict[str, str] = {}
    for dist_info in site_packages(venv).glob("*.dist-info"):
        try:
            text = (dist_info / "METADATA").read_text(encoding="utf-8")
        except OSError as error:
            found[f"<unreadable {dist_info.name}: {error.strerror}>"] = "?"
            continue
        headers = HeaderParser().parsestr(text)
        found[_canonical(headers.get("Name", dist_info.name))] = headers.get(
            "Version", "?"
        )
    return found


def _is_bytecode(relative: Path) -> bool:
    return "__pycache__" in relative.parts or relative.suffix in (".pyc", ".pyo")


# What uv writes into a .dist-info for itself: the cache entry a wheel came from, and
# how a wheel it built from source was built.
_UV_NOTES = ("uv_cache.json", "uv_build.json")


def files(venv: Path, *, bytecode: bool) -> set[str]:
    """Every file of the venv, relative, but not the installer's own ones: pip (copied
    in for the pip side), inst's state folder site-packages/.inst (its lock), uv's
    lock file .lock at the venv's top and its uv_*.json notes in a .dist-info, and
    .pyc files unless bytecode."""
    site = site_packages(venv).relative_to(venv)
    scripts = scripts_dir(venv).relative_to(venv)

    def skipped(folder: Path, name: str) -> bool:
        return folder == site and (
            name in ("pip", ".inst")
            or (name.startswith("pip-") and name.endswith(".dist-info"))
        )

    result: set[str] = set()
    for root, dirs, names in os.walk(venv):
        folder = Path(root).relative_to(venv)
        dirs[:] = [name for name in dirs if not skipped(folder, name)]
        for name in names:
            relative = folder / name
            if folder == Path(".") and name == ".lock":
                continue  # uv's lock of the environment
            if folder.name.endswith(".dist-info") and name in _UV_NOTES:
                continue  # uv's own records, not part of the distribution
            if not bytecode and _is_bytecode(relative):
                continue
            if folder == scripts and name.startswith("pip"):
                continue  # pip's scripts, if a venv ever has them
            result.add(relative.as_posix())
    return result


def _without_requested(paths: set[str]) -> set[str]:
    return {
        path
        for path in paths
        if not (path.endswith("/REQUESTED") and ".dist-info/" in path)
    }


def _differences(
    label: str,
    inst: set[str],
    other: set[str],
    shown: int = 8,
    *,
    other_name: str = "pip",
) -> str:
    lines = []
    for who, extra in (
        ("only inst has", inst - other),
        (f"only {other_name} has", other - inst),
    ):
        if extra:
            listed = ", ".join(sorted(extra)[:shown])
            more = f" (and {len(extra) - shown} more)" if len(extra) > shown else ""
            lines.append(f"  {label} {who} {len(extra)}: {listed}{more}")
    return "\n".join(lines)


def check(
    workload: str,
    *,
    bytecode: bool,
    requirements: Sequence[str] = resolution.REQUIREMENTS,
) -> Callable[[Sequence[str]], str | None]:
    """After a round of tools (inst first): every venv holds the same name/version
    pairs as inst's (every requested project among them: requirements) and the same
    files; bytecode: the same .pyc files too (only when all tools were told the same
    about compiling)."""

    def compare(tools: Sequence[str]) -> str | None:
        venvs = {tool: venv_dir(workload, tool) for tool in tools}
        dists = {tool: distributions(venv) for tool, venv in venvs.items()}
        dists.get("pip", {}).pop("pip", None)  # the installer itself, copied in
        problems = []
        for tool in tools:
            missing = [r for r in requirements if _canonical(r) not in dists[tool]]
            if missing:
                problems.append(f"  {tool} did not install {', '.join(missing)}")
        inst_files = files(venvs["inst"], bytecode=bytecode)
        for tool in tools:
            if tool == "inst":
                continue
            tool_files = files(venvs[tool], bytecode=bytecode)
            inst_side = inst_files
            if tool == "uv":
                # uv marks every distribution it installs REQUESTED, not only the
                # ones asked for: leave those markers out of the comparison.
                inst_side = _without_requested(inst_files)
                tool_files = _without_requested(tool_files)
            pairs = _differences(
                "distributions:",
                {f"{name}=={version}" for name, version in dists["inst"].items()},
                {f"{name}=={version}" for name, version in dists[tool].items()},
                other_name=tool,
            )
            file_sets = _differences("files:", inst_side, tool_files, other_name=tool)
            if pairs or file_sets:
                problems.append(
                    f"inst ({len(dists['inst'])} distributions in {venvs['inst']})"
                    f" and {tool} ({len(dists[tool])} in {venvs[tool]}) installed"
                    " different things:"
                )
                problems.extend(part for part in (pairs, file_sets) if part)
        return "\n".join(problems) or None

    return compare

"""The fixtures of the install workloads: a fresh venv per run, and a cache per tool.

They install resolution.REQUIREMENTS from the same local index as the resolve-*
workloads. Each has a folder of its own under resolution.ROOT (the system's temp dir):

    work/<workload>/inst-venv   inst-cache   pip-venv   pip-cache

The venvs and the caches are in one folder, so on one filesystem: inst puts the files
of its cache of unpacked wheels into the venv as hard links, which work only within a
filesystem (across two, inst falls back to copying: a different, slower workload).

Before every timed run (untimed) the tool's venv is created afresh and, for a cold
workload, its cache dir deleted; after every round both venvs must hold the same
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

TOOLS = ("inst", "pip")


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


def command(workload: str, tool: str, *extra: str) -> list[str]:
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
        *resolution.REQUIREMENTS,
    ]
    if tool == "inst":
        return [sys.executable, "-m", "inst", args[0], "--python", str(venv), *args[1:]]
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


def files(venv: Path, *, bytecode: bool) -> set[str]:
    """Every file of the venv, relative, but not the installer's own ones: pip (copied
    in for the pip side), inst's state folder site-packages/.inst (its lock), and
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
            if not bytecode and _is_bytecode(relative):
                continue
            if folder == scripts and name.startswith("pip"):
                continue  # pip's scripts, if a venv ever has them
            result.add(relative.as_posix())
    return result


def _differences(label: str, inst: set[str], pip: set[str], shown: int = 8) -> str:
    lines = []
    for who, extra in (("only inst has", inst - pip), ("only pip has", pip - inst)):
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
) -> Callable[[], str | None]:
    """After a round: both venvs hold the same name/version pairs (every requested
    project among them: requirements) and the same files; bytecode: the same .pyc files
    too (only when both tools were told the same about compiling)."""

    def compare() -> str | None:
        inst_venv, pip_venv = venv_dir(workload, "inst"), venv_dir(workload, "pip")
        inst_dists = distributions(inst_venv)
        pip_dists = distributions(pip_venv)
        pip_dists.pop("pip", None)  # the installer itself, copied in untimed
        problems = []
        pairs = _differences(
            "distributions:",
            {f"{name}=={version}" for name, version in inst_dists.items()},
            {f"{name}=={version}" for name, version in pip_dists.items()},
        )
        if pairs:
            problems.append(pairs)
        for tool, dists in (("inst", inst_dists), ("pip", pip_dists)):
            missing = [r for r in requirements if _canonical(r) not in dists]
            if missing:
                problems.append(f"  {tool} did not install {', '.join(missing)}")
        file_sets = _differences(
            "files:",
            files(inst_venv, bytecode=bytecode),
            files(pip_venv, bytecode=bytecode),
        )
        if file_sets:
            problems.append(file_sets)
        if not problems:
            return None
        return (
            f"inst ({len(inst_dists)} distributions in {inst_venv}) and pip "
            f"({len(pip_dists)} in {pip_venv}) installed different things:\n"
            + "\n".join(problems)
        )

    return compare

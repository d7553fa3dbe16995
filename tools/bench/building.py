"""The fixtures of the build workloads: source trees, an sdist, and build requirements.

Both tools build with isolation, from `--no-index --find-links` on a folder holding the
pinned backend wheels of tests_data/backend-wheels (setuptools and the rest, fetched by
tools/fetch_backends.py) and, for install-sdist*, the sdist both tools install. Each
workload has a folder of its own under resolution.ROOT (the system's temp dir):

    work/<workload>/find-links                  backend wheels (and the sdist)
    work/<workload>/<tool>-tree/<project>       a fresh copy of the tree to build
    work/<workload>/<tool>-out                  where `wheel -w` saves the wheel
    work/<workload>/<tool>-cache                the tool's --cache-dir
    work/<workload>/<tool>-venv                 install-sdist*: the venv installed
                                                into; wheel-*: pip's, pip run from it

Builds write build/ and *.egg-info into the tree they build, so every run builds a copy
made untimed just before it, never tests_data itself. Caches start empty in every bench
run. wheel-cached-env builds FIRST_TREE once, untimed, before its first run of each
tool, with the same cache, and then times the build of SECOND_TREE, whose
[build-system] is the same. wheel-* compare the wheels both tools saved (same name,
same members, same bytes); install-sdist* compare the venvs as the install-* workloads
do.

How each tool is run, as in the install-* workloads (see installing.py): inst by the
interpreter running the bench, pip from inside a venv of that interpreter which holds
nothing but pip. wheel-* build for the interpreter running the tool: inst for the
bench's own (`python -m inst wheel`, no --python) and pip for its venv's, which has the
same base interpreter, so both make their build environments from the same Python.
pip run by the bench's interpreter would be slower: at start-up, and in the pip
process that installs its build environment, it pays for every distribution and .pth
file of that interpreter's site-packages (0.3-0.5 s here), which a clean venv does not
have. install-sdist* install with inst's --python VENV from outside the venv, and pip
from inside it.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Callable

import installing
import resolution
import uvtool

REPO = resolution.REPO
BUILD_PROJECTS_DIR = REPO / "tests_data" / "build-projects"
BACKEND_WHEELS_DIR = REPO / "tests_data" / "backend-wheels"
FETCH_HINT = "run python tools/fetch_backends.py first"

#: The tree built first (wheel-first) and the one with the same [build-system] built
#: after it (wheel-cached-env): see tests_data/build-projects/README.md.
FIRST_TREE = "setuptools-pyproject"
SECOND_TREE = "second-setuptools-project"
#: The sdist of install-sdist*: made from this tree, installed by this name.
SDIST_TREE = "setuptools-pyproject"
SDIST_PROJECT = "bp-setuptools-pyproject"
SDIST_VERSION = "1.0"

# What a build leaves in a tree (never copied: tests_data is meant to hold none).
_LITTER = ("build", "dist", ".eggs", "__pycache__", "*.egg-info", "*.py[cod]")
# The sdist's members get this mtime, so the file (and its sha256) is the same each run.
_SDIST_MTIME = 1_700_000_000

_backends_checked: list[str | None] = []  # the one answer of _backends_problem

#: The workloads that install a new version of the sdist in every run (see
#: new_version_before_each).
NEW_VERSION_WORKLOADS = ("install-sdist-new",)


def work_dir(workload: str) -> Path:
    return resolution.work_dir(workload)


def find_links_dir(workload: str, tool: str | None = None) -> Path:
    """The workload's find-links folder; tool: that tool's own (install-sdist-new
    gives each tool its own sdist of each new version)."""
    if tool is not None and workload in NEW_VERSION_WORKLOADS:
        return work_dir(workload) / f"{tool}-find-links"
    return work_dir(workload) / "find-links"


def tree_dir(workload: str, tool: str, tree: str) -> Path:
    return work_dir(workload) / f"{tool}-tree" / tree


def out_dir(workload: str, tool: str) -> Path:
    return work_dir(workload) / f"{tool}-out"


def _backends_problem() -> str | None:
    """Why the pinned backend wheels can't be used, or None when they all match
    (checked once per bench run: it hashes every wheel)."""
    if not _backends_checked:
        if str(resolution.TOOLS_DIR) not in sys.path:
            sys.path.insert(0, str(resolution.TOOLS_DIR))
        import fetch_backends

        ok, summary = fetch_backends.check(BACKEND_WHEELS_DIR)
        problem = None if ok else summary
        if problem:
            problem = problem.replace(fetch_backends.BACKENDS.fetch_hint, FETCH_HINT)
        _backends_checked.append(problem)
    return _backends_checked[0]


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another filesystem, or no hard links there
        shutil.copyfile(source, target)


def copy_tree(tree: str, dest: Path) -> Path:
    """A fresh copy of tests_data/build-projects/<tree> at dest (replacing one)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(
        BUILD_PROJECTS_DIR / tree, dest, ignore=shutil.ignore_patterns(*_LITTER)
    )
    return dest


def _sdist_base(version: str = SDIST_VERSION) -> str:
    return f"{SDIST_PROJECT.replace('-', '_')}-{version}"


def make_sdist(dest_dir: Path, version: str = SDIST_VERSION) -> Path:
    """dest_dir/<name>-<version>.tar.gz of SDIST_TREE: the tree under a top folder
    <name>-<version>/ with a PKG-INFO, as setuptools' sdist would make it; the same
    bytes every time (fixed mtimes and owners, sorted members, no gzip timestamp).
    Another version than the tree's is written into its pyproject.toml."""
    base = _sdist_base(version)
    source = BUILD_PROJECTS_DIR / SDIST_TREE
    pkg_info = (
        "Metadata-Version: 2.1\n"
        f"Name: {SDIST_PROJECT}\n"
        f"Version: {version}\n"
        "Requires-Python: >=3.9\n"
    ).encode()
    members: list[tuple[str, bytes | None]] = [(base, None)]  # None: a folder
    litter = shutil.ignore_patterns(*_LITTER)
    for root, dirs, names in os.walk(source):
        ignored = litter(root, [*dirs, *names])
        dirs[:] = sorted(name for name in dirs if name not in ignored)
        relative = Path(root).relative_to(source)
        if relative != Path("."):
            members.append((f"{base}/{relative.as_posix()}", None))
        for name in sorted(set(names) - ignored):
            data = (Path(root) / name).read_bytes()
            if name == "pyproject.toml" and version != SDIST_VERSION:
                data = data.replace(
                    f'version = "{SDIST_VERSION}"'.encode(),
                    f'version = "{version}"'.encode(),
                )
            members.append((f"{base}/{(relative / name).as_posix()}", data))
    members.append((f"{base}/PKG-INFO", pkg_info))
    members.sort()
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{base}.tar.gz"
    with (
        open(target, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as compressed,
        tarfile.open(
            fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT
        ) as archive,
    ):
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = _SDIST_MTIME
            if data is None:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                archive.addfile(info)
            else:
                info.mode = 0o644
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return target


def prepare(
    workload: str, *, sdist: bool = False, pip_venv: bool = False
) -> str | None:
    """The backend wheels present, the work dir empty (caches start cold in every
    bench run) and its find-links folder filled; pip_venv: pip's venv made, which
    wheel-* run pip from (install-sdist* make theirs before each run). Return why
    the workload must skip, or None."""
    problem = _backends_problem()
    if problem:
        return problem
    work = work_dir(workload)
    if work.exists():
        shutil.rmtree(work)
    folders = [find_links_dir(workload)]
    if workload in NEW_VERSION_WORKLOADS:
        folders = [find_links_dir(workload, tool) for tool in installing.TOOLS]
    for links in folders:
        links.mkdir(parents=True)
        for wheel in sorted(BACKEND_WHEELS_DIR.glob("*.whl")):
            _link_or_copy(wheel, links / wheel.name)
        if sdist and workload not in NEW_VERSION_WORKLOADS:
            make_sdist(links)
    if pip_venv:
        installing.fresh_venv(installing.venv_dir(workload, "pip"), with_pip=True)
    return None


def _sync() -> None:
    if hasattr(os, "sync"):
        # Write back the previous run's files (and the deletions) now, untimed,
        # rather than during the next timed run.
        os.sync()


# --- wheel: building a source tree -----------------------------------------------


def wheel_command(
    workload: str, tool: str, tree: str, out: Path | None = None
) -> list[str]:
    """`wheel --no-deps` of the copy of tree, from the find-links folder only; for uv
    `uv build --wheel` (a build of the tree itself, as `wheel`, not through an sdist),
    for the bench's interpreter, as inst's."""
    if tool == "uv":
        return uvtool.command(
            "build",
            "-q",
            "--wheel",
            "--python",
            sys.executable,
            "--no-index",
            "--find-links",
            str(find_links_dir(workload)),
            "--cache-dir",
            str(installing.cache_dir(workload, tool)),
            "--out-dir",
            str(out or out_dir(workload, tool)),
            str(tree_dir(workload, tool, tree)),
        )
    if tool == "inst":
        python = sys.executable
    else:
        python = str(installing.venv_python(installing.venv_dir(workload, tool)))
    return [
        python,
        "-m",
        tool,
        "wheel",
        "-q",
        "--no-deps",
        "--no-index",
        "--find-links",
        str(find_links_dir(workload)),
        "--cache-dir",
        str(installing.cache_dir(workload, tool)),
        "-w",
        str(out or out_dir(workload, tool)),
        str(tree_dir(workload, tool, tree)),
    ]


def wheel_before_each(
    workload: str, tree: str, *, cold: bool, after: str | None = None
) -> Callable[[str], None]:
    """A fresh copy of tree and an empty output folder before every run; cold: an
    empty cache dir too. after: a tree the tool builds once first, untimed, with the
    same cache (so a build of tree finds what building that one left there)."""
    primed: set[str] = set()

    def reset(tool: str) -> None:
        if cold:
            shutil.rmtree(installing.cache_dir(workload, tool), ignore_errors=True)
        if after and tool not in primed:
            copy_tree(after, tree_dir(workload, tool, after))
            scratch = work_dir(workload) / f"{tool}-first-out"
            result = subprocess.run(
                wheel_command(workload, tool, after, scratch),
                env=resolution.environment(),
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError(
                    f"{tool}'s untimed first build of {after} failed:\n"
                    + (result.stderr or result.stdout)
                )
            primed.add(tool)
        copy_tree(tree, tree_dir(workload, tool, tree))
        out = out_dir(workload, tool)
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        _sync()

    return reset


def _wheel_in(folder: Path) -> tuple[Path | None, str | None]:
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        listed = ", ".join(path.name for path in wheels) or "none"
        return None, f"{folder} holds {len(wheels)} wheels, not 1: {listed}"
    return wheels[0], None


def compare_wheels(
    inst_wheel: Path, other_wheel: Path, other: str = "pip"
) -> str | None:
    """What differs between inst's wheel and the other tool's (name, members, bytes of
    a member), or None when they are the same."""
    if inst_wheel.name != other_wheel.name:
        return f"inst saved {inst_wheel.name}, {other} {other_wheel.name}"
    with (
        zipfile.ZipFile(inst_wheel) as inst_zip,
        zipfile.ZipFile(other_wheel) as other_zip,
    ):
        inst_names, other_names = set(inst_zip.namelist()), set(other_zip.namelist())
        members = installing._differences(
            "members:", inst_names, other_names, other_name=other
        )
        if members:
            return f"{inst_wheel.name} of inst and of {other} differ:\n{members}"
        changed = sorted(
            name for name in inst_names if inst_zip.read(name) != other_zip.read(name)
        )
    if changed:
        return (
            f"{inst_wheel.name} of inst and of {other} differ in {', '.join(changed)}"
        )
    return None


def wheel_check(workload: str, project: str) -> Callable[[Sequence[str]], str | None]:
    """After a round of tools (inst first): each saved one wheel, of project, and
    they are the same."""
    expected = project.replace("-", "_") + "-"

    def compare(tools: Sequence[str]) -> str | None:
        found = {}
        for tool in tools:
            wheel, problem = _wheel_in(out_dir(workload, tool))
            if problem:
                return f"{tool}: {problem}"
            assert wheel is not None
            if not wheel.name.startswith(expected):
                return f"{tool} saved {wheel.name}, not a wheel of {project}"
            found[tool] = wheel
        for tool in tools:
            if tool != "inst":
                problem = compare_wheels(found["inst"], found[tool], tool)
                if problem:
                    return problem
        return None

    return compare


# --- install: building an sdist from the find-links folder ---------------------------


def install_command(workload: str, tool: str) -> list[str]:
    """install -q of the sdist's project by name, from the find-links folder only."""
    venv = installing.venv_dir(workload, tool)
    args = [
        "install",
        "-q",
        "--no-index",
        "--find-links",
        str(find_links_dir(workload, tool)),
        "--cache-dir",
        str(installing.cache_dir(workload, tool)),
        SDIST_PROJECT,
    ]
    return installing.tool_command(tool, venv, args)


def new_version_before_each(workload: str) -> Callable[[str], None]:
    """Before a tool's k-th run: a fresh venv, its caches kept, and its find-links
    folder holding version 1.0.k of the sdist alone. Each run builds a version the
    tool has not built, with the build requirements it has met before: a project's
    next release, or a CI job's own package. (All tools make the same number of runs,
    so a round ends with the same version in every venv.)"""
    runs: dict[str, int] = {}
    fresh = installing.before_each(workload, cold=False)

    def reset(tool: str) -> None:
        runs[tool] = runs.get(tool, 0) + 1
        links = find_links_dir(workload, tool)
        for old in links.glob("*.tar.gz"):
            old.unlink()
        make_sdist(links, f"{SDIST_VERSION}.{runs[tool]}")
        fresh(tool)

    return reset


def install_check(workload: str) -> Callable[[Sequence[str]], str | None]:
    """After a round: the venvs hold the sdist's project, the same distributions and
    the same files (.pyc aside: pip compiles by default, inst does not)."""
    return installing.check(workload, bytecode=False, requirements=(SDIST_PROJECT,))

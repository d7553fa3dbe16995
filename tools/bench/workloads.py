"""What tools/bench measures: equivalent inst, pip and uv commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable

import building
import installing
import resolution
import syncing
import uvtool


def _same_environment() -> dict[str, str]:
    # pip would otherwise ask the network whether it is outdated.
    env = {key: value for key, value in os.environ.items() if not key.startswith("UV_")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # pip was byte-compiled when installed; let an editable inst be compiled once too.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    inst: list[str]
    pip: list[str]
    # uv's equivalent command, or None with why there is none (the column reads n/a).
    uv: list[str] | None
    no_uv: str = ""
    env: Callable[[], dict[str, str]] = field(default=_same_environment)
    # Run once before timing (fetch checks, building fixtures); returns why the
    # workload can't run, e.g. missing data, or None when it is ready.
    prepare: Callable[[], str | None] | None = None
    # Run each command once untimed first, so caches are warm from the first round.
    warmup: bool = False
    # Run untimed before every run of a command (warmup ones too), with the tool's
    # name, "inst", "pip" or "uv": e.g. a fresh venv to install into.
    before_each: Callable[[str], None] | None = None
    # Run after the warmup and after every round, with the tools that ran (inst
    # first); returns what is wrong with their results, which fails the workload, or
    # None when all is well.
    check: Callable[[Sequence[str]], str | None] | None = None
    # It reaches the public default index: skipped, with a note, when offline.
    network: bool = False
    # A command timed in the same rounds, which inst's time is compared with (the
    # start-up workloads: ``python -c pass``, the goal being within 1.5x of it).
    baseline: list[str] | None = None


#: The libraries inst installs with (and what they import), none of inst's modules:
#: what a warm install spends before inst runs a line of its own. The import-floor
#: workload times them, to be read beside install-warm's uv time.
LIBRARY_IMPORTS = (
    "packaging.requirements",
    "packaging.utils",
    "resolvelib",
    "installer.destinations",
    "installer.records",
    "installer.scripts",
    "platformdirs",
)


def _inst(*args: str) -> list[str]:
    return [sys.executable, "-m", "inst", *args]


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", *args]


def _resolve(
    tool: str, workload: str, *, cache_dir: bool, http: bool = False
) -> list[str]:
    """install --dry-run of the resolution requirements for the empty venv. Over HTTP
    the index URL comes from INST_INDEX_URL / PIP_INDEX_URL (see http_environment)."""
    work = resolution.work_dir(workload)
    cache_args = (
        ["--cache-dir", str(work / f"{tool}-cache")]
        if cache_dir
        else ["--no-cache-dir"]
    )
    args = [
        "install",
        "--dry-run",
        "--ignore-installed",
        "--report",
        str(work / f"{tool}-report.json"),
        "-q",
        *([] if http else ["--index-url", resolution.INDEX_URL]),
        *cache_args,
        *resolution.REQUIREMENTS,
    ]
    target = ["--python", str(resolution.VENV_PYTHON)]
    if tool == "uv":
        # No --report (uv has none) nor --ignore-installed (the venv is empty).
        uv_cache = ["--cache-dir", cache_args[1]] if cache_dir else ["--no-cache"]
        return uvtool.command(
            "pip",
            "install",
            *target,
            "--dry-run",
            "-q",
            *([] if http else ["--index-url", resolution.INDEX_URL]),
            *uv_cache,
            *resolution.REQUIREMENTS,
        )
    if tool == "inst":
        return _inst(*args[:1], *target, *args[1:])
    # pip takes --python only before the command name (and reruns itself there).
    return _pip(*target, *args)


def _remote_resolve(tool: str, workload: str) -> list[str]:
    """install --dry-run of resolution.REMOTE_REQUIREMENTS for the empty venv, from
    each tool's default index (the public one: the bench's environment keeps the
    machine's configuration out), with a cache of its own kept between runs."""
    cache = str(resolution.work_dir(workload) / f"{tool}-cache")
    target = ["--python", str(resolution.VENV_PYTHON)]
    requirements = resolution.REMOTE_REQUIREMENTS
    if tool == "uv":
        return uvtool.command(
            "pip", "install", *target, "--dry-run", "-q", "--cache-dir", cache,
            *requirements,
        )  # fmt: skip
    args = ["--dry-run", "--ignore-installed", "-q", "--cache-dir", cache]
    if tool == "inst":
        return _inst("install", *target, *args, *requirements)
    return _pip(*target, "install", *args, *requirements)


def _prepare_remote(name: str) -> Callable[[], str | None]:
    def prepare() -> str | None:
        problem = resolution.network_problem()
        if problem:
            return problem
        resolution.ensure_venv()
        resolution.work_dir(name).mkdir(parents=True, exist_ok=True)
        return None

    return prepare


def _prepare_resolve(name: str) -> Callable[[], str | None]:
    def prepare() -> str | None:
        problem = resolution.prepare()
        # Reports are written here; caches too, when the workload keeps them.
        resolution.work_dir(name).mkdir(parents=True, exist_ok=True)
        return problem

    return prepare


def _install(
    name: str,
    description: str,
    *,
    cold: bool = False,
    inst_args: tuple[str, ...] = (),
    pip_args: tuple[str, ...] = (),
    uv_args: tuple[str, ...] = (),
    no_uv: str = "",
    same_bytecode: bool = False,
    requirements: Sequence[str] = resolution.REQUIREMENTS,
) -> Workload:
    """inst, pip and uv installing the requirements (by default the resolution ones)
    into a fresh venv each run (see installing.py); same_bytecode when all were told
    the same about compiling, so their .pyc files must match too; no_uv: why uv has
    no equivalent."""
    return Workload(
        name,
        description,
        installing.command(name, "inst", *inst_args, requirements=requirements),
        installing.command(name, "pip", *pip_args, requirements=requirements),
        None
        if no_uv
        else installing.command(name, "uv", *uv_args, requirements=requirements),
        no_uv,
        env=resolution.environment,
        prepare=lambda: installing.prepare(name),
        # Cold ones too: their caches are emptied before each run all the same, and
        # the first timed round then starts with the files in the page cache as well.
        warmup=True,
        before_each=installing.before_each(name, cold=cold),
        check=installing.check(name, bytecode=same_bytecode, requirements=requirements),
    )


def _sync(name: str, description: str) -> Workload:
    """inst sync, uv pip sync and pip install --no-deps of a lock of the install
    workloads' set into a fresh venv each run, warm caches (see syncing.py)."""
    inst, pip, uv = syncing.commands(name)
    return Workload(
        name,
        description,
        inst,
        pip,
        uv,
        env=resolution.environment,
        prepare=lambda: syncing.prepare(name),
        warmup=True,
        before_each=installing.before_each(name, cold=False),
        check=installing.check(name, bytecode=False),
    )


def _wheel(
    name: str,
    description: str,
    tree: str,
    project: str,
    *,
    cold: bool,
    after: str | None = None,
) -> Workload:
    """inst wheel and pip wheel of a fresh copy of tree, isolated, from the backend
    wheels (see building.py); after: a tree built first, untimed, with the same cache."""
    return Workload(
        name,
        description,
        building.wheel_command(name, "inst", tree),
        building.wheel_command(name, "pip", tree),
        building.wheel_command(name, "uv", tree),
        env=resolution.environment,
        prepare=lambda: building.prepare(name, pip_venv=True),
        # Cold ones too: the first timed round then starts with the backend wheels
        # and the interpreter's files in the page cache, as every later one does.
        warmup=True,
        before_each=building.wheel_before_each(name, tree, cold=cold, after=after),
        check=building.wheel_check(name, project),
    )


def _install_sdist(
    name: str, description: str, *, cold: bool, new_version: bool = False
) -> Workload:
    """inst and pip installing the project of an sdist, built with isolation, into a
    fresh venv each run (see building.py and installing.py); new_version: a version
    not built before in each run, the caches kept."""
    return Workload(
        name,
        description,
        building.install_command(name, "inst"),
        building.install_command(name, "pip"),
        building.install_command(name, "uv"),
        env=resolution.environment,
        prepare=lambda: building.prepare(name, sdist=True),
        warmup=True,
        before_each=building.new_version_before_each(name)
        if new_version
        else installing.before_each(name, cold=cold),
        check=building.install_check(name),
    )


WORKLOADS: dict[str, Workload] = {
    workload.name: workload
    for workload in (
        Workload(
            "version",
            "start-up: --version",
            _inst("--version"),
            _pip("--version"),
            uvtool.command("--version"),
            baseline=[sys.executable, "-c", "pass"],
        ),
        Workload(
            "help",
            "start-up: --help",
            _inst("--help"),
            _pip("--help"),
            uvtool.command("--help"),
            baseline=[sys.executable, "-c", "pass"],
        ),
        Workload(
            "import-floor",
            "start-up: import packaging, installer, resolvelib and platformdirs,"
            " no inst module, in inst's column (pip's: import its install command);"
            " read with install-warm's uv time",
            [sys.executable, "-c", "import " + ", ".join(LIBRARY_IMPORTS)],
            # pip's counterpart: the modules its install command starts with.
            [sys.executable, "-c", "import pip._internal.commands.install"],
            None,
            "uv is one binary with nothing to import: compare with install-warm",
            baseline=[sys.executable, "-c", "pass"],
        ),
        Workload(
            "config-debug",
            "read every config layer and show the effective values",
            _inst("config", "debug"),
            _pip("config", "debug"),
            None,
            "uv has no command that shows its effective configuration",
        ),
        Workload(
            "resolve-warm",
            "install --dry-run --report of 9 projects (27 dists), warm caches",
            _resolve("inst", "resolve-warm", cache_dir=True),
            _resolve("pip", "resolve-warm", cache_dir=True),
            _resolve("uv", "resolve-warm", cache_dir=True),
            env=resolution.environment,
            prepare=_prepare_resolve("resolve-warm"),
            warmup=True,
        ),
        Workload(
            "resolve-cold",
            "the same with --no-cache-dir",
            _resolve("inst", "resolve-cold", cache_dir=False),
            _resolve("pip", "resolve-cold", cache_dir=False),
            _resolve("uv", "resolve-cold", cache_dir=False),
            env=resolution.environment,
            prepare=_prepare_resolve("resolve-cold"),
        ),
        Workload(
            "resolve-http-warm",
            "resolve-warm with the index served over HTTP on 127.0.0.1",
            _resolve("inst", "resolve-http-warm", cache_dir=True, http=True),
            _resolve("pip", "resolve-http-warm", cache_dir=True, http=True),
            _resolve("uv", "resolve-http-warm", cache_dir=True, http=True),
            env=resolution.http_environment,
            prepare=_prepare_resolve("resolve-http-warm"),
            warmup=True,
        ),
        Workload(
            "resolve-http-cold",
            "resolve-cold with the index served over HTTP on 127.0.0.1",
            _resolve("inst", "resolve-http-cold", cache_dir=False, http=True),
            _resolve("pip", "resolve-http-cold", cache_dir=False, http=True),
            _resolve("uv", "resolve-http-cold", cache_dir=False, http=True),
            env=resolution.http_environment,
            prepare=_prepare_resolve("resolve-http-cold"),
        ),
        Workload(
            "resolve-remote-backtrack",
            "install --dry-run 'boto3<1.41' 'botocore<1.35' 'urllib3<2' requests from"
            " the public default index (backtracks), warm caches [network]",
            _remote_resolve("inst", "resolve-remote-backtrack"),
            _remote_resolve("pip", "resolve-remote-backtrack"),
            _remote_resolve("uv", "resolve-remote-backtrack"),
            env=resolution.environment,
            prepare=_prepare_remote("resolve-remote-backtrack"),
            warmup=True,
            network=True,
        ),
        # Each tool's defaults: pip compiles to bytecode, inst and uv do not.
        _install(
            "install-warm",
            "install 9 projects (27 dists) into a fresh venv, warm caches",
        ),
        _install(
            "install-cold",
            "the same, each run with an empty cache dir",
            cold=True,
        ),
        # Both compile, and neither: the honest pairs for what the defaults differ in.
        _install(
            "install-compile-warm",
            "install-warm, inst with --compile (pip compiles by default)",
            inst_args=("--compile",),
            uv_args=("--compile-bytecode",),
            same_bytecode=True,
        ),
        _install(
            "install-nocompile-warm",
            "install-warm, pip with --no-compile (as inst by default)",
            pip_args=("--no-compile",),
            same_bytecode=True,
        ),
        _install(
            "install-big-warm",
            "install jupyterlab pandas scipy matplotlib scikit-learn (106 dists)"
            " into a fresh venv, warm caches",
            requirements=resolution.BIG_REQUIREMENTS,
        ),
        # What --verify-cache costs: every file linked from the cache hashed again
        # (compare inst's time with install-warm's, run in the same bench).
        _install(
            "install-verify-warm",
            "install-warm, inst with --verify-cache",
            inst_args=("--verify-cache",),
            no_uv="uv has no option to hash again what it links from its cache",
        ),
        # A lock of the same set: no resolver (compare inst with install-warm's).
        _sync(
            "sync-warm",
            "sync a pylock.toml of the 27 dists into a fresh venv, warm caches",
        ),
        # Building: setuptools trees from the pinned backend wheels, isolated.
        _wheel(
            "wheel-first",
            "wheel --no-deps of a setuptools tree, empty caches: a first build",
            building.FIRST_TREE,
            "bp-setuptools-pyproject",
            cold=True,
        ),
        _wheel(
            "wheel-cached-env",
            "wheel of another tree with the same build requirements, after a first",
            building.SECOND_TREE,
            "bp-second-setuptools-project",
            cold=False,
            after=building.FIRST_TREE,
        ),
        _install_sdist(
            "install-sdist",
            "install a setuptools sdist into a fresh venv, empty caches",
            cold=True,
        ),
        # The build environment of the warm builds: the caches hold what
        # earlier builds of this project left (the backend wheels, for inst its
        # build environment), never the wheel of the version installed.
        _install_sdist(
            "install-sdist-new",
            "install a new version of the sdist into a fresh venv, caches kept",
            cold=False,
            new_version=True,
        ),
        _install_sdist(
            "install-sdist-warm",
            "the same with warm caches (the wheel built from the sdist cached)",
            cold=False,
        ),
    )
}

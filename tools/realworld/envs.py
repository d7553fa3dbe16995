"""The interpreters, caches and environment variables both tools run with.

Everything lives under one root (default ~/.cache/inst-realworld, or $INST_REALWORLD_HOME):

    target-<python>-XXXX/
                       the interpreter both tools resolve for: a venv made for this
                       run alone with --without-pip, so nothing is installed in it;
                       removed at the end (runs at the same time do not share one)
    pip-<python>/      a venv holding the newest pip from the default index, upgraded
                       at each start; pip runs from it with `--python target`
    pip-cache/  inst-cache/
                       each tool's own cache, kept between runs so reruns are fast
    inst-config/       an empty config home for inst (XDG_CONFIG_HOME)

Both tools are isolated from this machine's configuration (pip.conf files that point at
mirrors, find-links, constraints): every PIP_* and INST_* variable is dropped, then
PIP_CONFIG_FILE and INST_CONFIG_FILE are set to the null device, which turns off every
configuration file of pip's and of inst's (inst reads pip's files and PIP_* variables
too, see src/inst/settings/files.py). Kept: a PIP_CERT that names an existing file,
since TLS may need the machine's CA bundle, and PIP_DEFAULT_TIMEOUT.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

KEPT_VARIABLES = ("PIP_CERT", "PIP_DEFAULT_TIMEOUT")


def default_root() -> Path:
    named = os.environ.get("INST_REALWORLD_HOME")
    if named:
        return Path(named)
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return Path(cache) / "inst-realworld"


def clean_environment(root: Path) -> dict[str, str]:
    """os.environ without any pip or inst configuration, for both tools."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIP_", "INST_")) or key in KEPT_VARIABLES
    }
    cert = env.get("PIP_CERT")
    if cert is not None and not os.path.isfile(cert):
        del env["PIP_CERT"]
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["INST_CONFIG_FILE"] = os.devnull
    config_home = root / "inst-config"
    config_home.mkdir(parents=True, exist_ok=True)
    env["XDG_CONFIG_HOME"] = str(config_home)
    # Plain output in the logs: no colours, no progress bars.
    env["NO_COLOR"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def venv_python(venv: Path) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


@dataclass(frozen=True)
class Setup:
    root: Path
    env: dict[str, str]
    target: Path  # the target interpreter
    pip: list[str]  # the command that runs pip
    inst: list[str]  # the command that runs inst
    pip_cache: Path
    inst_cache: Path


def _run(command: list[str], env: dict[str, str]) -> str:
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise SystemExit(
            f"realworld: cannot run `{' '.join(command)}`: {exc}"
        ) from None
    if result.returncode != 0:
        raise SystemExit(
            f"realworld: `{' '.join(command)}` failed:\n{result.stderr or result.stdout}"
        )
    return result.stdout.strip()


def default_inst_command() -> list[str]:
    """The inst beside the running interpreter (its venv), else the one on PATH."""
    beside = Path(sys.executable).parent / ("inst.exe" if os.name == "nt" else "inst")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("inst")
    if found:
        return [found]
    raise SystemExit(
        "realworld: no inst found beside this interpreter nor on PATH; run with the"
        " project venv's python, or name one with --inst"
    )


def prepare(
    root: Path, python: str, inst: list[str], *, upgrade_pip: bool = True
) -> Setup:
    """Make the target venv afresh, make or upgrade pip's venv, return the commands."""
    env = clean_environment(root)
    base = shutil.which(python) or python
    label = Path(python).name
    root.mkdir(parents=True, exist_ok=True)
    target_venv = Path(tempfile.mkdtemp(prefix=f"target-{label}-", dir=root))
    _run([base, "-m", "venv", "--without-pip", str(target_venv)], env)
    pip_venv = root / f"pip-{label}"
    if not venv_python(pip_venv).exists():
        _run([base, "-m", "venv", str(pip_venv)], env)
    pip_python = str(venv_python(pip_venv))
    if upgrade_pip:
        _run([pip_python, "-m", "pip", "install", "-q", "-U", "pip"], env)
    return Setup(
        root=root,
        env=env,
        target=venv_python(target_venv),
        pip=[pip_python, "-m", "pip"],
        inst=inst,
        pip_cache=root / "pip-cache",
        inst_cache=root / "inst-cache",
    )


def remove_target(setup: Setup) -> None:
    """Remove this run's target venv (the folder two levels above its python)."""
    venv = setup.target.parent.parent
    if venv.parent == setup.root and venv.name.startswith("target-"):
        shutil.rmtree(venv, ignore_errors=True)


def describe(setup: Setup) -> dict[str, str]:
    """Versions of the target interpreter, pip and inst, and pip's default index."""
    pip_python = setup.pip[0]
    probe = (
        "import sys, pip; from pip._internal.models.index import PyPI;"
        " print(sys.version.split()[0]); print(pip.__version__); print(PyPI.simple_url)"
    )
    python_version, pip_version, index = _run(
        [pip_python, "-c", probe], setup.env
    ).splitlines()
    target_version = _run(
        [str(setup.target), "-c", "import sys; print(sys.version.split()[0])"],
        setup.env,
    )
    inst_version = _run([*setup.inst, "--version"], setup.env).splitlines()[0]
    if python_version != target_version:
        raise SystemExit(
            f"realworld: pip's venv runs Python {python_version}, the target"
            f" {target_version}: delete {Path(pip_python).parent.parent} and rerun"
        )
    return {
        "python": target_version,
        "pip": pip_version,
        "inst": inst_version,
        "index": index,
    }


def target_tags(setup: Setup) -> list[str]:
    """The target's wheel tags, most preferred first (pip's vendored packaging, run by
    pip's venv: the same interpreter as the target)."""
    probe = (
        "from pip._vendor.packaging.tags import sys_tags;"
        " print('\\n'.join(str(t) for t in sys_tags()))"
    )
    return _run([setup.pip[0], "-c", probe], setup.env).splitlines()

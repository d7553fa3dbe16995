"""Harness virtual environments: no pip, a working python, wheels install into them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

from harness import DistFactory, VirtualEnv, other_pythons


def install_wheel(venv: VirtualEnv, wheel: Path) -> None:
    """Install with the `installer` library, to prove the harness wheels are installable."""
    scheme = {
        "purelib": str(venv.site_packages),
        "platlib": str(venv.site_packages),
        "scripts": str(venv.bin_dir),
        "headers": str(venv.root / "include"),
        "data": str(venv.root),
    }
    destination = SchemeDictionaryDestination(
        scheme,
        interpreter=str(venv.python),
        script_kind="win-amd64" if sys.platform == "win32" else "posix",
    )
    with WheelFile.open(wheel) as source:
        install(source, destination, {"INSTALLER": b"harness-test"})


def test_venv_has_no_pip_and_runs(venv: VirtualEnv) -> None:
    assert venv.python.is_file()
    assert venv.site_packages.is_dir()
    assert not list(venv.site_packages.glob("pip*"))
    out = venv.run_code(
        "import sys, sysconfig; print(sys.prefix); print(sysconfig.get_path('purelib'))"
    )
    prefix, purelib = out.splitlines()
    assert Path(prefix).resolve() == venv.root.resolve()
    assert Path(purelib).resolve() == venv.site_packages.resolve()
    assert venv.run("-c", "import pip", check=False).returncode != 0
    assert venv.installed() == {}


def test_run_failure_shows_output(venv: VirtualEnv) -> None:
    with pytest.raises(AssertionError, match="boom"):
        venv.run("-c", "import sys; sys.exit('boom')")


def test_harness_wheels_install_and_work(
    venv: VirtualEnv, dist_factory: DistFactory
) -> None:
    install_wheel(venv, dist_factory.wheel("simple", "2.0"))
    install_wheel(venv, dist_factory.wheel("withdata"))
    assert venv.installed() == {"simple": "2.0", "withdata": "1.0"}
    assert venv.run_code("import simple; print(simple.__version__)").strip() == "2.0"
    assert (
        venv.run_code("import withdata; print(withdata.greeting())").strip()
        == "hello from withdata"
    )
    script = subprocess.run(
        [str(venv.script("simple"))], capture_output=True, text=True, check=True
    )
    assert script.stdout.strip() == "simple 2.0"


def test_venv_factory_gives_separate_envs(
    venv_factory: Callable[..., VirtualEnv],
) -> None:
    first, second = venv_factory("one"), venv_factory("two")
    assert first.site_packages != second.site_packages


def test_other_python(venv_factory: Callable[..., VirtualEnv]) -> None:
    found = other_pythons()
    if not found:
        pytest.skip("no other CPython interpreter on this machine")
    assert all(i.version[:2] != sys.version_info[:2] for i in found)
    target = found[-1]
    venv = venv_factory("other", str(target.path))
    version = venv.run_code("import sys; print(sys.version_info[:2])").strip()
    assert version == str(target.version[:2])
    assert venv.site_packages.is_dir()

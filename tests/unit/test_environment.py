"""inst.environment's Environment: an interpreter, its platform and its installed set
composed, the environment of a described platform (inst download --platform & co.)
and of a build venv. The parts have tests of their own: test_environment_interpreter,
test_environment_platform and test_environment_installed."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker, default_environment
from packaging.tags import sys_tags

from inst.environment import Environment, InstalledSet, current_environment


def fake_env(*site_dirs: Path) -> Environment:
    """The running interpreter, but looking for distributions in site_dirs only."""
    current = current_environment()
    interpreter = dataclasses.replace(
        current.interpreter,
        sys_path=tuple(str(d) for d in site_dirs),
        is_current=False,
    )
    return Environment.of(interpreter, current.platform)


def write_dist(site: Path, name: str, version: str) -> None:
    dist = site / f"{name}-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Name: {name}\nVersion: {version}\n")


def test_current_environment_describes_the_running_interpreter() -> None:
    env = current_environment()
    assert env is current_environment()  # computed once per process
    assert env.is_current
    assert env.python == Path(sys.executable).absolute()
    assert env.prefix == Path(sys.prefix)
    assert env.scheme == env.interpreter.scheme
    assert env.installed_set == InstalledSet(env.interpreter.sys_path)
    assert env.version_info == tuple(sys.version_info[:3])
    assert env.platform.implementation == sys.implementation.name
    assert dict(env.markers) == default_environment()
    assert env.tags == tuple(sys_tags())
    assert env.tag_rank([env.tags[0]]) == 0
    assert env.python_supported(f">={sys.version_info[0]}")
    assert env.evaluate(Marker(f'python_version == "{env.markers["python_version"]}"'))


def test_current_environment_survives_a_patched_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = current_environment()
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert current_environment().prefix == tmp_path
    monkeypatch.undo()
    assert current_environment() is real


def test_environment_is_hashable() -> None:
    env = current_environment()
    assert {env: 1}[env] == 1
    assert env.described(python_version="3.8") != env


def test_installed_is_what_is_on_the_interpreters_sys_path(tmp_path: Path) -> None:
    on_path, elsewhere = tmp_path / "on", tmp_path / "elsewhere"
    write_dist(on_path, "here", "1.0")
    write_dist(elsewhere, "there", "1.0")
    assert list(fake_env(on_path).installed()) == ["here"]


def test_a_described_platform_has_nothing_installed(tmp_path: Path) -> None:
    write_dist(tmp_path, "here", "1.0")
    env = fake_env(tmp_path)
    described = env.described(platforms=["win_amd64"], python_version="3.8")
    # The interpreter still runs builds; distributions match the described platform.
    assert described.interpreter is env.interpreter
    assert described.platform == env.platform.described(
        platforms=["win_amd64"], python_version="3.8"
    )
    assert described.markers["sys_platform"] == "win32"
    assert described.version_info == (3, 8, 0)
    # Nothing is installed on a platform no interpreter here runs.
    assert described.installed_set is None
    assert described.installed() == {}
    assert list(env.installed()) == ["here"]  # the original is untouched


def test_described_with_nothing_given_is_the_environment_itself() -> None:
    env = current_environment()
    assert env.described() is env


def test_the_environment_of_a_venv_made_from_it(tmp_path: Path) -> None:
    env = current_environment()
    prefix, python = tmp_path / "venv", tmp_path / "venv" / "bin" / "python"
    venv = env.for_venv(prefix, python)
    assert venv.interpreter == env.interpreter.for_venv(prefix, python)
    assert venv.platform is env.platform
    assert venv.python == python
    assert not venv.is_current
    scheme = env.interpreter.prefix_scheme_for(prefix)
    write_dist(Path(scheme["purelib"]), "built", "1.0")
    assert list(venv.installed()) == ["built"]

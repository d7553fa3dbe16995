"""inst.environment.interpreter in-process: the running interpreter's facts, its
user and prefix schemes, and the interpreter of a venv made from it. The probe of
other interpreters runs in tests/functional/test_environment_probe.py."""

from __future__ import annotations

import dataclasses
import os
import sys
import sysconfig
from pathlib import Path

import pytest

from inst import _probe
from inst.environment import Interpreter, current_environment
from inst.environment.interpreter import running_probe


def running_interpreter() -> Interpreter:
    return current_environment().interpreter


def test_the_running_interpreters_facts() -> None:
    interpreter = running_interpreter()
    assert interpreter.is_current
    assert interpreter.python == Path(sys.executable).absolute()
    assert interpreter.prefix == Path(sys.prefix)
    assert interpreter.base_prefix == Path(sys.base_prefix)
    assert interpreter.is_venv == (sys.prefix != sys.base_prefix)
    assert interpreter.stdlib == sysconfig.get_path("stdlib")
    assert interpreter.scheme["purelib"] == sysconfig.get_path("purelib")
    keys = {"purelib", "platlib", "scripts", "data", "include"}
    assert set(interpreter.scheme) >= keys


def test_schemes_of_the_running_interpreter() -> None:
    interpreter = running_interpreter()
    keys = {"purelib", "platlib", "scripts", "data", "include", "headers"}
    assert interpreter.user_scheme is not None
    assert set(interpreter.user_scheme) == keys
    assert set(interpreter.prefix_scheme) == keys
    user = sysconfig.get_paths(scheme=f"{os.name}_user")
    if sys.version_info >= (3, 10):
        user = sysconfig.get_paths(scheme=sysconfig.get_preferred_scheme("user"))
    assert interpreter.user_scheme["purelib"] == user["purelib"]
    assert interpreter.user_scheme["scripts"] == user["scripts"]


def test_prefix_scheme_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    interpreter = running_interpreter()
    scheme = interpreter.prefix_scheme_for(tmp_path / "x")
    expected = sysconfig.get_paths(
        scheme="nt" if os.name == "nt" else "posix_prefix",
        vars={"base": str(tmp_path / "x"), "platbase": str(tmp_path / "x")},
    )
    for key in ("purelib", "platlib", "scripts", "data"):
        assert scheme[key] == expected[key]
    monkeypatch.chdir(tmp_path)
    assert interpreter.prefix_scheme_for(Path("x")) == scheme  # relative: made absolute
    if os.name != "nt":
        root = interpreter.prefix_scheme_for(Path("/"))
        assert root["data"] == "/"
        assert root["scripts"] == "/bin"  # joined, not "//bin"
    # Paths a scheme does not put below the prefix are kept as they are.
    odd = dataclasses.replace(
        interpreter, prefix_scheme={"purelib": "/fixed/site", "data": "{inst-prefix}"}
    )
    assert dict(odd.prefix_scheme_for(tmp_path)) == {
        "purelib": "/fixed/site",
        "data": str(tmp_path),
    }
    with pytest.raises(ValueError, match="without a prefix scheme"):
        dataclasses.replace(interpreter, prefix_scheme={}).prefix_scheme_for(tmp_path)


def test_the_probe_format_is_in_the_answer() -> None:
    answer = running_probe()
    assert answer["format"] == _probe.FORMAT
    assert answer["user_scheme"] == dict(running_interpreter().user_scheme or {})
    assert answer["prefix_scheme"]["data"] == _probe.PREFIX_PLACEHOLDER


def test_the_interpreter_of_a_venv_made_from_it(tmp_path: Path) -> None:
    interpreter = running_interpreter()
    python = tmp_path / "venv" / "bin" / "python"
    venv = interpreter.for_venv(tmp_path / "venv", python)
    scheme = interpreter.prefix_scheme_for(tmp_path / "venv")
    assert venv.python == python
    assert venv.prefix == tmp_path / "venv"
    assert venv.is_venv
    assert not venv.is_current
    assert venv.scheme == scheme
    assert venv.sys_path == (scheme["purelib"], scheme["platlib"])
    assert venv.user_site is None
    assert not venv.user_site_enabled
    # What a venv keeps of its base: where the base's stdlib is, and the schemes.
    assert venv.base_prefix == interpreter.base_prefix
    assert venv.stdlib == interpreter.stdlib
    assert venv.prefix_scheme == interpreter.prefix_scheme

"""`inst check`, `inst inspect`, `inst hash`, `inst index versions` and
`inst completion`: the real CLI against test venvs and local indexes, and, where the
test interpreter has pip, inst's output against pip's for the same environment."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import VirtualEnv
from harness.installed import install, wheel

HAS_PIP = importlib.util.find_spec("pip") is not None

needs_pip = pytest.mark.skipif(not HAS_PIP, reason="the test interpreter has no pip")


def pip(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_CONFIG_FILE"] = os.devnull
    return subprocess.run(
        [sys.executable, "-m", "pip", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def inst(run_inst, venv: VirtualEnv):
    """run_inst with --python naming the test venv."""

    def run(command: str, *args: str, **kwargs: object):
        return run_inst(command, "--python", str(venv.python), *args, **kwargs)

    return run


@pytest.fixture
def broken(venv: VirtualEnv, tmp_path: Path) -> VirtualEnv:
    """App 1.0 needs a missing project and a newer lib; Tool is whole."""
    install(
        venv,
        wheel(
            tmp_path,
            "App",
            "1.0",
            requires=[
                "Lib>=2",
                "Missing_Dep",
                "another",
                "never; python_version < '3'",
                "optional; extra == 'x'",
            ],
        ),
    )
    install(venv, wheel(tmp_path, "lib", "1.0"))
    install(venv, wheel(tmp_path, "Tool", "1.0", requires=["lib<2"]))
    return venv


# --- inst check ----------------------------------------------------------------------


def test_check_of_a_sound_environment(inst, venv, tmp_path) -> None:
    install(venv, wheel(tmp_path, "lib", "1.0"))
    install(venv, wheel(tmp_path, "Tool", "1.0", requires=["lib<2"]))
    result = inst("check")
    assert (result.code, result.out) == (0, "No broken requirements found.\n")


def test_check_prints_pips_lines_and_fails(inst, broken) -> None:
    result = inst("check")
    assert result.code == 1
    assert result.out == (
        "app 1.0 requires another, which is not installed.\n"
        "app 1.0 requires missing-dep, which is not installed.\n"
        "app 1.0 has requirement Lib>=2, but you have lib 1.0.\n"
    )


@needs_pip
@pytest.mark.parametrize("sound", [True, False])
def test_check_says_what_pip_check_says(inst, venv, tmp_path, sound) -> None:
    install(venv, wheel(tmp_path, "lib", "1.0"))
    if not sound:
        install(venv, wheel(tmp_path, "app", "1.0", requires=["lib>=2", "gone"]))
    theirs = pip("--python", str(venv.python), "check")
    ours = inst("check")
    assert (ours.code, ours.out) == (theirs.returncode, theirs.stdout)


# --- inst inspect --------------------------------------------------------------------


@pytest.fixture
def inspected(venv: VirtualEnv, tmp_path: Path) -> VirtualEnv:
    install(venv, wheel(tmp_path, "Demo_Pkg", "1.2", requires=["lib>=1"]))
    install(venv, wheel(tmp_path, "lib", "1.0", summary="A library"), requested=False)
    install(
        venv,
        wheel(tmp_path, "local", "0.1"),
        direct_url={"url": "file:///src/local", "dir_info": {"editable": True}},
    )
    return venv


def test_inspect_report(inst, inspected) -> None:
    result = inst("inspect")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert set(report) == {"version", "pip_version", "installed", "environment"}
    assert report["version"] == "1"
    assert [d["metadata"]["name"] for d in report["installed"]] == [
        "Demo_Pkg",
        "lib",
        "local",
    ]
    demo, lib, local = report["installed"]
    assert demo["metadata"]["version"] == "1.2"
    assert demo["metadata"]["requires_dist"] == ["lib>=1"]
    assert demo["metadata_location"] == str(
        inspected.site_packages / "demo_pkg-1.2.dist-info"
    )
    assert (demo["installer"], demo["requested"]) == ("pip", True)
    assert "direct_url" not in demo
    assert lib["requested"] is False
    assert lib["metadata"]["summary"] == "A library"
    assert local["direct_url"] == {
        "url": "file:///src/local",
        "dir_info": {"editable": True},
    }
    assert report["environment"]["python_version"] == ".".join(
        map(str, sys.version_info[:2])
    )


@needs_pip
def test_inspect_report_matches_pips(inst, inspected) -> None:
    theirs_run = pip("--python", str(inspected.python), "inspect")
    assert theirs_run.returncode == 0, theirs_run.stderr
    theirs = json.loads(theirs_run.stdout)
    ours = json.loads(inst("inspect").out)
    assert set(ours) == set(theirs)
    assert ours["version"] == theirs["version"]
    assert ours["environment"] == theirs["environment"]

    def by_name(report: dict[str, list[dict[str, object]]]) -> dict[str, object]:
        return {
            entry["metadata"]["name"]: entry  # type: ignore[index]
            for entry in report["installed"]
        }

    assert by_name(ours) == by_name(theirs)


# --- inst hash -----------------------------------------------------------------------


def test_hash_prints_hash_options(run_inst, tmp_path) -> None:
    archive = tmp_path / "demo-1.0.tar.gz"
    archive.write_bytes(b"hello\n")
    result = run_inst("hash", str(archive))
    assert result.code == 0, result.err
    assert result.out == (
        f"{archive}:\n--hash=sha256:"
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\n"
    )
    result = run_inst("hash", "-a", "sha512", str(archive), str(archive))
    assert result.out.count("--hash=sha512:") == 2


def test_hash_refuses_what_it_cannot_read_and_unknown_algorithms(
    run_inst, tmp_path
) -> None:
    missing = run_inst("hash", str(tmp_path / "nothing.whl"))
    assert missing.code == 1
    assert missing.err.startswith("error: cannot hash ")
    assert "Traceback" not in missing.err
    weak = run_inst("hash", "--algorithm", "md5", str(tmp_path))
    assert weak.code == 1 and "--algorithm" in weak.err
    assert run_inst("hash").code == 1


@needs_pip
@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_hash_says_what_pip_hash_says(run_inst, tmp_path, algorithm) -> None:
    archive = wheel(tmp_path, "demo", "1.0")
    theirs = pip("hash", "--algorithm", algorithm, str(archive))
    ours = run_inst("hash", "--algorithm", algorithm, str(archive))
    assert (ours.code, ours.out) == (theirs.returncode, theirs.stdout)


# --- inst index versions -------------------------------------------------------------


@pytest.fixture
def versions_index(make_index, tmp_path):
    return make_index(
        [
            wheel(tmp_path, "lib", "1.0"),
            wheel(tmp_path, "lib", "2.0"),
            wheel(tmp_path, "lib", "3.0b1"),
            wheel(tmp_path, "lib", "2.5", tag="cp27-cp27m-win32"),  # never fits
        ]
    )


def test_index_versions(inst, venv, tmp_path, versions_index) -> None:
    index = ("--index-url", versions_index.file_url)
    result = inst("index", "versions", "lib", *index)
    assert result.code == 0, result.err
    assert result.out == "lib (2.0)\nAvailable versions: 2.0, 1.0\n"
    pre = inst("index", "versions", "lib", "--pre", *index)
    assert pre.out == "lib (3.0b1)\nAvailable versions: 3.0b1, 2.0, 1.0\n"

    old = install(venv, wheel(tmp_path, "lib", "1.0"))
    assert inst("index", "versions", "lib", *index).out == (
        "lib (2.0)\nAvailable versions: 2.0, 1.0\n  INSTALLED: 1.0\n  LATEST:    2.0\n"
    )
    assert inst("index", "versions", "lib", "--pre", *index).out.endswith(
        "  INSTALLED: 1.0\n"
        "  LATEST:    3.0b1 (pre-release; install with `inst install --pre`)\n"
    )
    shutil.rmtree(old)
    install(venv, wheel(tmp_path, "lib", "2.0"))
    assert inst("index", "versions", "lib", *index).out.endswith(
        "  INSTALLED: 2.0 (latest)\n"
    )


def test_index_versions_of_an_unknown_project(inst, versions_index) -> None:
    result = inst(
        "index", "versions", "nothing", "--index-url", versions_index.file_url
    )
    assert result.code == 1
    assert result.err.startswith("error: no matching distribution found for nothing")
    assert inst("index", "versions").code == 1


@needs_pip
@pytest.mark.parametrize("pre", [False, True])
def test_index_versions_says_what_pip_says(
    inst, venv, tmp_path, versions_index, pre
) -> None:
    # Not the latest: pip before 24 compares a Version with a str there, so it never
    # says "(latest)"; inst does, as pip means to (test_index_versions).
    install(venv, wheel(tmp_path, "lib", "1.0"))
    args = ["versions", "lib", "--index-url", versions_index.file_url]
    args += ["--pre"] if pre else []
    theirs = pip("--python", str(venv.python), "index", *args)
    ours = inst("index", *args, "--no-cache-dir")
    assert theirs.returncode == ours.code == 0, theirs.stderr + ours.err
    assert ours.out == theirs.stdout.replace("pip install", "inst install")


# --- inst completion -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "complete -o default -F _inst_completion inst"),
        ("zsh", "#compdef inst"),
        ("fish", 'complete -fa "(__fish_complete_inst)" -c inst'),
    ],
)
def test_completion_prints_a_script(run_inst, shell, line) -> None:
    result = run_inst("completion", f"--{shell}")
    assert result.code == 0, result.err
    assert f"# inst {shell} completion start" in result.out
    assert line in result.out.splitlines()


def test_completion_needs_one_shell(run_inst) -> None:
    result = run_inst("completion")
    assert result.code == 1
    assert result.err.startswith("error: inst completion needs one shell")


def complete(run_inst, line: str) -> list[str]:
    """What inst answers the scripts for the words typed so far."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    env = {"_INST_COMPLETE": "1", "COMP_WORDS": line, "COMP_CWORD": str(cword)}
    result = run_inst("completion", env=env)
    assert result.code == 0, result.err
    return result.out.split()


def test_completion_answers_from_the_parser(run_inst) -> None:
    assert complete(run_inst, "inst in") == ["install", "inspect", "index"]
    assert "check" in complete(run_inst, "inst ")
    assert complete(run_inst, "inst install --upgrade-s") == ["--upgrade-strategy="]
    assert complete(run_inst, "inst install --upgrade-strategy ") == [
        "only-if-needed",
        "eager",
    ]
    assert "--pre" in complete(run_inst, "inst index versions demo --")
    assert "--outdated" not in complete(run_inst, "inst freeze --")
    assert complete(run_inst, "inst cache ") == [
        "dir",
        "info",
        "list",
        "remove",
        "purge",
        "verify",
    ]
    assert complete(run_inst, "inst help fre") == ["freeze"]
    assert complete(run_inst, "inst hash -a ") == ["sha256", "sha384", "sha512"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_script_completes_through_inst(run_inst, tmp_path) -> None:
    script = tmp_path / "inst.bash"
    script.write_text(run_inst("completion", "--bash").out, encoding="utf-8")
    program = tmp_path / "inst"
    program.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m inst "$@"\n')
    program.chmod(0o755)
    shell = (
        f"source {script}; COMP_WORDS=(inst ch); COMP_CWORD=1; "
        f'_inst_completion {program}; echo "${{COMPREPLY[@]}}"'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("INST_")}
    completed = subprocess.run(
        ["bash", "--norc", "-c", shell],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert completed.stdout.split() == ["check"], completed.stderr

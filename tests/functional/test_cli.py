"""The inst command end to end: version, help, errors, colour, start-up cost, and the
foundation's done-when checks."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

import pytest

import inst
from harness.checks import HEAVY, top_level_imports
from harness.config_home import ConfigHome


def test_version_names_inst_its_location_and_python(run_inst) -> None:
    result = run_inst("--version")
    assert result.code == 0
    location = os.path.dirname(inst.__file__)
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert result.out == f"inst {inst.__version__} from {location} (python {python})\n"
    assert result.err == ""


def test_version_alone_imports_only_the_entry_point(cli_home: ConfigHome) -> None:
    """`inst --version` answers before building any parser or loading settings: as
    fast as Python starts (building the parsers of every command took ~50 ms)."""
    code, _, stderr = top_level_imports(["--version"], cli_home.env)
    assert code == 0, stderr
    modules = {
        line.split("|")[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }
    assert {m for m in modules if m.split(".")[0] == "inst"} == {
        "inst",
        "inst.cli",
        "inst.cli.main",
    }
    assert "argparse" not in modules


def test_version_text_is_the_same_with_and_without_the_full_run(run_inst) -> None:
    fast = run_inst("--version")
    # Any INST_* variable makes the full run answer (it warns about unknown ones);
    # -v before --version does too.
    full = run_inst("--version", env={"INST_NO_COLOR": "1"})
    verbose = run_inst("-v", "--version")
    assert fast.code == full.code == verbose.code == 0
    assert fast.out == full.out == verbose.out
    assert fast.err == full.err == ""


def test_console_script_is_installed_and_runs() -> None:
    script = os.path.join(os.path.dirname(sys.executable), "inst")
    result = subprocess.run(
        [script, "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith(f"inst {inst.__version__} from ")


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["help"], ["config", "--help"]]
)
def test_start_up_imports_nothing_heavy(cli_home: ConfigHome, args: list[str]) -> None:
    code, imported, stderr = top_level_imports(args, cli_home.env)
    assert code == 0, stderr
    assert "inst" in imported  # the check does see inst's own imports
    assert imported.isdisjoint(HEAVY), imported & set(HEAVY)


def test_help_lists_only_commands_that_work(run_inst) -> None:
    result = run_inst("help")
    assert result.code == 0
    assert "config" in result.out
    commands = result.out.split("commands:")[1]
    assert "wheel" in commands and "build-info" in commands
    assert run_inst("--help").out == result.out
    assert run_inst().out == result.out


def test_help_for_a_command_is_that_commands_help(run_inst) -> None:
    assert run_inst("help", "config").out == run_inst("config", "--help").out
    assert "set KEY VALUE" in run_inst("help", "config").out


def test_command_help_shows_the_variable_of_each_option(run_inst) -> None:
    out = run_inst("config", "--help").out
    assert "INST_TIMEOUT" in out
    assert "--user" in out


def test_unknown_command_is_one_error_line_with_a_suggestion(run_inst) -> None:
    result = run_inst("confg")
    assert result.code == 1
    assert result.err == (
        "error: 'confg' is not an inst command. Did you mean `inst config`? The commands are: "
        "install, uninstall, download, wheel, build, build-info, list, freeze, show, repair, cache, config, help, "
        "check, inspect, hash, index, completion, lock, sync; `inst help` explains them.\n"
    )


def test_unknown_option_is_a_usage_error_with_exit_1(run_inst) -> None:
    result = run_inst("config", "list", "--bogus")
    assert result.code == 1
    assert result.err == (
        "error: unrecognized arguments: --bogus. Run `inst config --help` to see what it takes.\n"
    )
    assert "Traceback" not in result.err


def test_errors_have_no_traceback_unless_verbose(run_inst) -> None:
    quiet = run_inst("config", "debug", env={"INST_TIMEOUT": "abc"})
    assert quiet.code == 1
    assert "Traceback" not in quiet.err
    assert quiet.err.count("\n") == 1  # one paragraph
    loud = run_inst("-v", "config", "debug", env={"INST_TIMEOUT": "abc"})
    assert loud.code == 1
    assert "Traceback" in loud.err
    assert loud.err.rstrip().splitlines()[-1].startswith("error: INST_TIMEOUT='abc'")


def test_quiet_hides_warnings_but_never_errors(run_inst) -> None:
    noisy = run_inst("config", "list", env={"INST_TIMEOUTS": "1"})
    assert "warning: INST_TIMEOUTS" in noisy.err
    assert run_inst("-qq", "config", "list", env={"INST_TIMEOUTS": "1"}).err == ""
    failing = run_inst("-qq", "config", "get", "retries")
    assert failing.code == 1
    assert failing.err.startswith("error:")


# -- colour -------------------------------------------------------------------------


def _run_in_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run inst with a pseudo-terminal as stdout/stderr, as a user at a prompt would."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "inst", *args],
        stdout=follower,
        stderr=follower,
        env={**env, "TERM": "xterm"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is done writing
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_colour_on_a_terminal_and_never_with_no_color(cli_home: ConfigHome) -> None:
    env = {**cli_home.env, "INST_TIMEOUT": "abc"}
    escape = re.compile(r"\x1b\[[0-9;]*m")
    assert escape.search(_run_in_terminal(["config", "list"], env))
    assert not escape.search(_run_in_terminal(["--no-color", "config", "list"], env))
    assert not escape.search(
        _run_in_terminal(["config", "list"], {**env, "NO_COLOR": "1"})
    )
    assert not escape.search(
        _run_in_terminal(
            ["config", "list"], {**env, "INST_NO_COLOR": "1", "INST_TIMEOUT": "1"}
        )
        + _run_in_terminal(
            ["config", "get", "x"], {**env, "INST_NO_COLOR": "1", "INST_TIMEOUT": "1"}
        )
    )


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_no_colour_variable_applies_to_errors_while_settings_load(
    cli_home: ConfigHome,
) -> None:
    env = {**cli_home.env, "INST_TIMEOUT": "abc", "INST_NO_COLOR": "1"}
    output = _run_in_terminal(["config", "list"], env)
    assert "error: INST_TIMEOUT" in output
    assert "\x1b[" not in output


def test_verbose_variable_shows_the_traceback_of_a_loading_error(run_inst) -> None:
    result = run_inst(
        "config", "list", env={"INST_TIMEOUT": "abc", "INST_VERBOSE": "1"}
    )
    assert result.code == 1
    assert "Traceback" in result.err


def test_credentials_never_appear_in_errors(run_inst) -> None:
    result = run_inst(
        "config", "list", "--index", "https://user:hunter2@host.invalid/simple"
    )
    assert result.code == 1
    assert "hunter2" not in result.err
    assert "https://user:****@host.invalid/simple" in result.err
    token = run_inst(
        "config", "list", "--index", "https://s3cr3t-token@host.invalid/simple"
    )
    assert "s3cr3t-token" not in token.err
    assert "https://****@host.invalid/simple" in token.err


def test_no_colour_when_output_is_not_a_terminal(run_inst) -> None:
    assert "\x1b[" not in run_inst("config", "list", env={"INST_TIMEOUT": "abc"}).err


# -- the foundation's done-when checks -------------------------------------------------


def test_done_when_build_isolation_variable_shows_in_config_debug(run_inst) -> None:
    result = run_inst("config", "debug", env={"INST_NO_BUILD_ISOLATION": "1"})
    assert result.code == 0, result.err
    assert "  no-build-isolation = true  (from INST_NO_BUILD_ISOLATION)\n" in result.out


def test_done_when_misspelt_variable_warns_even_for_version(run_inst) -> None:
    result = run_inst("--version", env={"INST_INDEX_URLS": "x"})
    assert result.code == 0
    assert "INST_INDEX_URLS" in result.err
    assert "did you mean INST_INDEX_URL?" in result.err


def test_done_when_unparsable_variable_stops_with_exit_1(run_inst) -> None:
    result = run_inst("config", "debug", env={"INST_TIMEOUT": "abc"})
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith(
        "error: INST_TIMEOUT='abc' is not a valid value for --timeout."
    )


def test_machine_set_up_for_pip_works_for_inst(run_inst, cli_home: ConfigHome) -> None:
    home = cli_home.with_pip_files()
    home.write(
        home.pip_user_file, "[global]\nindex-url = https://mirror.invalid/simple\n"
    )
    result = run_inst(
        "config", "debug", "install", home=home, env={"PIP_FIND_LINKS": "/wheels /more"}
    )
    assert result.code == 0, result.err
    lines = [line.strip() for line in result.out.splitlines()]
    assert "find-links = /wheels /more  (from PIP_FIND_LINKS)" in lines
    assert (
        f"index-url = https://mirror.invalid/simple  (from pip config {home.pip_user_file} [global])"
        in lines
    )


def test_oldest_other_python_starts_inst(cli_home: ConfigHome) -> None:
    """inst supports Python 3.9+: its start-up (every command module is imported to build
    the help) must at least parse and run on the oldest interpreter this machine has."""
    from harness.venvs import other_pythons

    older = [i for i in other_pythons() if i.version[:2] < sys.version_info[:2]]
    if not older:
        pytest.skip("no older CPython (3.9+) on this machine")
    src = os.path.dirname(os.path.dirname(inst.__file__))
    env = {**cli_home.env, "PYTHONPATH": src}
    python = older[0]
    for args in (["--version"], ["--help"], ["config", "--help"]):
        result = subprocess.run(
            [str(python.path), "-m", "inst", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        if args == ["--version"]:
            assert f"(python {python.version[0]}.{python.version[1]})" in result.stdout

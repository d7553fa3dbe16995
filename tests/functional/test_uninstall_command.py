"""`inst uninstall` against throwaway venvs holding real wheels, installed with the
`installer` library (as test_harness_venvs does)."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_harness_venvs import install_wheel

from harness import VirtualEnv, make_wheel
from harness.config_home import ConfigHome

STATE_DIR = ".inst"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def inst(cli_home: ConfigHome, venv: VirtualEnv):
    """inst("uninstall", ...) with --python naming the test venv; stdin is /dev/null
    unless given (a pseudo-terminal's file descriptor, for the prompt)."""

    def run(
        *args: str,
        stdin: int | None = None,
        env: dict[str, str] | None = None,
        python: Path | None = None,
    ) -> Run:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "inst",
                args[0],
                "--python",
                str(python or venv.python),
                *args[1:],
            ],
            env={**cli_home.env, **(env or {})},
            stdin=subprocess.DEVNULL if stdin is None else stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Run(completed.returncode, completed.stdout, completed.stderr)

    return run


def alpha_wheel(directory: Path) -> Path:
    """A package with a subpackage, a top-level module, a console script, a data file."""
    return make_wheel(
        directory,
        "Alpha_Pkg",
        "1.0",
        files={
            "alpha_pkg/__init__.py": "def main():\n    print('alpha')\n",
            "alpha_pkg/sub/__init__.py": "",
            "alpha_pkg/sub/mod.py": "VALUE = 1\n",
            "alpha_pkg/zz/late.py": "",
            "alpha_mod.py": "",
            "alpha_pkg-1.0.data/data/share/alpha/readme.txt": "read me\n",
        },
        entry_points={"console_scripts": {"alpha": "alpha_pkg:main"}},
    )


def install(venv: VirtualEnv, wheel: Path) -> None:
    install_wheel(venv, wheel)


def compile_all(venv: VirtualEnv, *paths: Path) -> None:
    """Bytecode as the venv's Python writes it on import: not in RECORD."""
    venv.run("-m", "compileall", "-q", *(str(p) for p in paths))


def snapshot(root: Path) -> dict[str, object]:
    """Every directory, file (content, mode, mtime) and symlink below root, except
    inst's own state directory."""
    found: dict[str, object] = {}
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != STATE_DIR]
        for name in dirnames + filenames:
            path = Path(directory, name)
            key = path.relative_to(root).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[key] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                found[key] = ("dir", info.st_mode)
            else:
                found[key] = (path.read_bytes(), info.st_mode, info.st_mtime_ns)
    return found


def dist_info(venv: VirtualEnv, name: str) -> Path:
    (path,) = venv.site_packages.glob(f"{name}-*.dist-info")
    return path


@pytest.fixture
def beta(venv: VirtualEnv, tmp_path: Path) -> VirtualEnv:
    install(venv, make_wheel(tmp_path / "wheels", "beta", "2.0"))
    return venv


@pytest.fixture
def alpha(beta: VirtualEnv, tmp_path: Path) -> dict[str, object]:
    """beta installed, then alpha (compiled); the venv's snapshot from before alpha."""
    before = snapshot(beta.root)
    install(beta, alpha_wheel(tmp_path / "wheels"))
    site = beta.site_packages
    compile_all(beta, site / "alpha_pkg", site / "alpha_mod.py")
    assert (site / "alpha_pkg" / "sub" / "__pycache__").is_dir()
    return before


# --- removing --------------------------------------------------------------------------


def test_uninstall_leaves_nothing_of_the_distribution(
    inst, venv: VirtualEnv, alpha: dict[str, object]
) -> None:
    assert venv.script("alpha").exists()
    assert (venv.root / "share" / "alpha" / "readme.txt").exists()

    result = inst("uninstall", "-y", "alpha-pkg")

    assert result.code == 0, result.err
    assert result.out == (
        "Found existing installation: Alpha_Pkg 1.0\n"
        "Uninstalling Alpha_Pkg-1.0:\n"
        "  Successfully uninstalled Alpha_Pkg-1.0\n"
    )
    assert result.err == ""
    # Files, script, data, dist-info, bytecode, emptied directories: all gone, and
    # beta's files untouched.
    assert snapshot(venv.root) == alpha
    assert venv.installed() == {"beta": "2.0"}
    assert os.listdir(venv.site_packages / STATE_DIR) == ["lock"]


def test_several_names_in_one_run(
    inst, venv: VirtualEnv, alpha: dict[str, object]
) -> None:
    result = inst("uninstall", "--yes", "beta", "ALPHA_pkg", "beta==2.0")
    assert result.code == 0, result.err
    assert result.out.count("Successfully uninstalled") == 2
    assert "Successfully uninstalled beta-2.0" in result.out
    assert venv.installed() == {}
    assert sorted(os.listdir(venv.site_packages)) == [STATE_DIR]


def test_not_installed_is_a_warning_and_exit_0(
    inst, venv: VirtualEnv, beta: VirtualEnv
) -> None:
    before = snapshot(venv.root)
    result = inst("uninstall", "nothere", "Other_Thing")
    assert result.code == 0
    assert result.out == ""
    assert result.err == (
        "warning: Skipping nothere as it is not installed.\n"
        "warning: Skipping Other_Thing as it is not installed.\n"
    )
    assert snapshot(venv.root) == before
    assert not (venv.site_packages / STATE_DIR).exists()  # nothing to lock for


def test_not_installed_names_are_skipped_the_others_removed(
    inst, venv: VirtualEnv, beta: VirtualEnv
) -> None:
    result = inst("uninstall", "-y", "nothere", "beta")
    assert result.code == 0, result.err
    assert result.err == "warning: Skipping nothere as it is not installed.\n"
    assert "Successfully uninstalled beta-2.0" in result.out
    assert venv.installed() == {}


def test_requirements_file(
    inst, venv: VirtualEnv, alpha: dict[str, object], tmp_path: Path
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "# what to remove\nalpha-pkg==1.0\nbeta>=1 ; python_version > '3'\n",
        encoding="utf-8",
    )
    result = inst("uninstall", "-y", "-r", str(requirements))
    assert result.code == 0, result.err
    assert venv.installed() == {}


@pytest.mark.parametrize(
    "line", ["{project}", "https://example.org/x-1.0-py3-none-any.whl"]
)
def test_requirements_file_with_a_path_or_url_is_an_error(
    inst, venv: VirtualEnv, beta: VirtualEnv, tmp_path: Path, line: str
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    line = line.format(project=project)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"beta\n{line}\n", encoding="utf-8")
    result = inst("uninstall", "-y", "-r", str(requirements))
    assert result.code == 1
    assert "requirements.txt (line 2)" in result.err, result.err
    assert f"{line!r} does not name a distribution" in result.err
    assert "Traceback" not in result.err
    assert venv.installed() == {"beta": "2.0"}


def test_no_names_is_a_usage_error(inst) -> None:
    result = inst("uninstall")
    assert result.code == 1
    assert "needs at least one package name" in result.err


def test_python_option_picks_the_environment(
    inst, venv_factory, tmp_path: Path
) -> None:
    first, second = venv_factory("first"), venv_factory("second")
    wheel = make_wheel(tmp_path / "wheels", "beta", "2.0")
    install(first, wheel)
    install(second, wheel)
    result = inst("uninstall", "-y", "beta", python=second.python)
    assert result.code == 0, result.err
    assert second.installed() == {}
    assert first.installed() == {"beta": "2.0"}
    # A directory as --python names the venv as well.
    result = inst("uninstall", "-y", "beta", python=first.root)
    assert result.code == 0, result.err
    assert first.installed() == {}


# --- asking ----------------------------------------------------------------------------


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    """A pseudo-terminal: (master, slave) file descriptors."""
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    yield master, slave
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def test_answer_no_removes_nothing(
    inst, venv: VirtualEnv, alpha: dict[str, object], terminal: tuple[int, int]
) -> None:
    master, slave = terminal
    before = snapshot(venv.root)
    os.write(master, b"n\n")
    result = inst("uninstall", "alpha_pkg", stdin=slave)
    assert result.code == 0, result.err
    site = venv.site_packages
    assert result.out == (
        "Found existing installation: Alpha_Pkg 1.0\n"
        "Would remove:\n"
        f"  {venv.script('alpha')}\n"
        f"  {site / 'alpha_mod.py'}\n"
        f"  {os.path.join(site / 'alpha_pkg-1.0.dist-info', '*')}\n"
        f"  {os.path.join(site / 'alpha_pkg', '*')}\n"
        f"  {os.path.join(venv.root / 'share', '*')}\n"
        "Proceed (Y/n)? Not uninstalling Alpha_Pkg-1.0.\n"
    )
    assert snapshot(venv.root) == before


@pytest.mark.parametrize("answer", [b"\n", b"y\n", b"Yes\n"])
def test_answer_yes_removes(
    inst,
    venv: VirtualEnv,
    alpha: dict[str, object],
    terminal: tuple[int, int],
    answer: bytes,
) -> None:
    master, slave = terminal
    os.write(master, answer)
    result = inst("uninstall", "alpha_pkg", stdin=slave)
    assert result.code == 0, result.err
    assert "Proceed (Y/n)? " in result.out
    assert "Successfully uninstalled Alpha_Pkg-1.0" in result.out
    assert snapshot(venv.root) == alpha


def test_without_a_terminal_and_without_yes_it_is_an_error(
    inst, venv: VirtualEnv, alpha: dict[str, object]
) -> None:
    before = snapshot(venv.root)
    result = inst("uninstall", "alpha_pkg")  # stdin is /dev/null
    assert result.code == 1
    assert result.err.startswith("error: inst uninstall needs a confirmation")
    assert "-y" in result.err
    assert result.out == ""
    assert snapshot(venv.root) == before


# --- what is not removed ---------------------------------------------------------------


def test_record_paths_outside_the_environment_survive(
    inst, venv: VirtualEnv, beta: VirtualEnv, tmp_path: Path
) -> None:
    absolute = tmp_path / "outside.txt"
    absolute.write_text("mine", encoding="utf-8")
    climbing = tmp_path / "climbed.txt"
    climbing.write_text("mine too", encoding="utf-8")
    up = os.path.relpath(climbing, venv.site_packages)  # ../../../../climbed.txt
    assert up.startswith("..")
    record = dist_info(venv, "beta") / "RECORD"
    with record.open("a", encoding="utf-8") as stream:
        stream.write(f"{absolute},,\n{up},,\n")

    result = inst("uninstall", "-y", "beta")

    assert result.code == 0, result.err
    label = f"the virtual environment {venv.root}"
    assert result.err == (
        f"warning: not removing {climbing}: it is outside {label}\n"
        f"warning: not removing {absolute}: it is outside {label}\n"
    )
    assert absolute.read_text(encoding="utf-8") == "mine"
    assert climbing.read_text(encoding="utf-8") == "mine too"
    assert venv.installed() == {}


@pytest.mark.skipif(os.name == "nt", reason="a POSIX venv's bin/python")
def test_a_record_naming_the_interpreter_leaves_it_alone(
    inst, venv: VirtualEnv, beta: VirtualEnv
) -> None:
    record = dist_info(venv, "beta") / "RECORD"
    names = ["python", "python3"]
    with record.open("a", encoding="utf-8") as stream:
        for name in names:
            stream.write(f"../../../bin/{name},,\n")
    result = inst("uninstall", "-y", "beta")
    assert result.code == 0, result.err
    label = f"the virtual environment {venv.root}"
    for name in names:
        assert f"not removing {venv.bin_dir / name}: it is the Python of {label}" in (
            result.err
        )
        assert (venv.bin_dir / name).exists()
    assert venv.installed() == {}
    assert venv.run_code("print('alive')").strip() == "alive"


def test_a_distribution_outside_the_environment_is_not_touched(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    wheel = make_wheel(tmp_path / "wheels", "beta", "2.0")
    shutil.unpack_archive(wheel, elsewhere, format="zip")
    before = snapshot(elsewhere)
    # On the target's sys.path, but not in its site-packages.
    result = inst("uninstall", "-y", "beta", env={"PYTHONPATH": str(elsewhere)})
    assert result.code == 0, result.err
    assert result.err == (
        f"warning: Not uninstalling beta at {elsewhere}, outside the virtual "
        f"environment {venv.root}\n"
    )
    assert result.out == ""
    assert snapshot(elsewhere) == before


def test_a_distribution_without_record_is_refused(
    inst, venv: VirtualEnv, beta: VirtualEnv
) -> None:
    info = dist_info(venv, "beta")
    (info / "RECORD").unlink()
    before = snapshot(venv.root)
    result = inst("uninstall", "-y", "beta")
    assert result.code == 1
    assert result.err.startswith("error: cannot uninstall beta 2.0")
    assert "RECORD" in result.err and f"by hand: {info}" in result.err
    assert "Traceback" not in result.err
    assert snapshot(venv.root) == before


# --- failing midway --------------------------------------------------------------------


@contextlib.contextmanager
def unremovable(path: Path) -> Iterator[None]:
    """Renaming path fails while in the body: its directory read-only, or (as root,
    whom permissions do not stop) the file immutable."""
    if os.name == "nt":
        pytest.skip("no portable way to make a file unremovable on Windows here")
    if os.geteuid() != 0:
        directory = path.parent
        mode = directory.stat().st_mode
        directory.chmod(0o555)
        try:
            yield
        finally:
            directory.chmod(mode)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root without chattr: cannot make a file unremovable")
    done = subprocess.run(
        [chattr, "+i", str(path)], capture_output=True, check=False
    ).returncode
    if done != 0:
        pytest.skip("chattr +i is not possible here (filesystem or capability)")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], capture_output=True, check=False)


def test_a_failure_midway_leaves_the_environment_unchanged(
    inst, venv: VirtualEnv, alpha: dict[str, object]
) -> None:
    # Sorted, the script and alpha_pkg's first files are moved before this one.
    late = venv.site_packages / "alpha_pkg" / "zz" / "late.py"
    original = snapshot(venv.root)
    with unremovable(late):
        before = snapshot(venv.root)  # a read-only directory changes its mode
        result = inst("uninstall", "-y", "beta", "alpha-pkg")
        during = snapshot(venv.root)

    assert result.code == 1
    assert result.err.startswith(
        "error: could not uninstall beta 2.0, Alpha_Pkg 1.0."
    ), result.err
    assert str(late) in result.err
    assert "Nothing was removed" in result.err
    assert "Traceback" not in result.err
    assert "Successfully" not in result.out
    # Byte for byte (contents, modes, mtimes), the directories included.
    assert during == before
    assert snapshot(venv.root) == original
    # No journal or staging directory left behind.
    assert os.listdir(venv.site_packages / STATE_DIR) == ["lock"]
    # And it works once the file may go.
    result = inst("uninstall", "-y", "alpha-pkg")
    assert result.code == 0, result.err
    assert venv.installed() == {"beta": "2.0"}

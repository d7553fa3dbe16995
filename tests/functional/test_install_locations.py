"""`inst install` with a location: --target, --prefix, --root, --user, and PEP 668's
refusal of an externally managed Python.

Every install names its interpreter (--python VENV or a throwaway Python), so a location
option that were ignored would still write only below tmp_path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv as venv_module
from pathlib import Path

import pytest
import test_install_command as base

from harness import VirtualEnv
from harness.trees import differences, snapshot
from harness.venvs import clean_env

# The fixtures of test_install_command: its index of harness-built wheels, and inst
# run against it with the test's own cache.
universe = base.universe
cache = base.cache
inst = base.inst

STATE_DIR = base.STATE_DIR
PY_VERSION = base.PY_VERSION

POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="POSIX layout and shebangs")


def assert_everything_recorded(root: Path, site: Path, *names: str) -> None:
    """The files below root are exactly those the distributions' RECORDs list."""
    recorded: set[Path] = set()
    for name in names:
        recorded |= base.check_record(site, name)
    assert base.installed_files(root) == recorded


def first_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


# --- --target --------------------------------------------------------------------------


def test_target_directory_holds_packages_and_bin(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    target = tmp_path / "target"
    venv_before = base.venv_state(venv)
    run = inst("install", "--target", str(target), "alpha==1.0", venv=venv)
    assert run.code == 0, run.err
    assert "Successfully installed Alpha-1.0 beta-2.0" in run.out

    assert (target / "alpha" / "__init__.py").is_file()
    assert (target / "beta" / "__init__.py").is_file()
    assert (target / "alpha-1.0.dist-info" / "INSTALLER").read_text() == "inst\n"
    assert first_line(target / "bin" / "alpha-cli") == f"#!{venv.python}"
    assert first_line(target / "bin" / "alpha-raw") == f"#!{venv.python}"
    assert (target / "share" / "alpha" / "data.txt").is_file()
    assert_everything_recorded(target, target, "alpha", "beta")
    out = venv.run_code(
        "import alpha, beta; print(alpha.__file__)", env={"PYTHONPATH": str(target)}
    )
    assert out.strip() == str(target / "alpha" / "__init__.py")
    base.assert_unchanged(venv, venv_before)

    # again, without --upgrade: a warning, and the directory keeps what it has
    before = snapshot(target, skip={STATE_DIR})
    run = inst("install", "--target", str(target), "alpha", venv=venv)
    assert run.code == 0, run.err
    assert (
        f"the target directory {target} holds Alpha 1.0 already; pass --upgrade to "
        "replace it" in run.err
    )
    after = snapshot(target, skip={STATE_DIR})
    assert before == after, differences(before, after)

    # with --upgrade: replaced, the old version's files gone
    run = inst("install", "--target", str(target), "--upgrade", "alpha", venv=venv)
    assert run.code == 0, run.err
    assert "Successfully installed Alpha-2.0" in run.out
    assert sorted(p.name for p in target.glob("alpha-*.dist-info")) == [
        "alpha-2.0.dist-info"
    ]
    assert not (target / "alpha" / "only_old.py").exists()
    assert (target / "alpha" / "only_new.py").is_file()
    assert not (target / "bin" / "alpha-raw").exists()
    assert_everything_recorded(target, target, "alpha", "beta")
    base.assert_unchanged(venv, venv_before)


# --- --prefix --------------------------------------------------------------------------


@POSIX_ONLY
def test_prefix_lays_out_lib_and_bin(inst, venv: VirtualEnv, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    venv_before = base.venv_state(venv)
    run = inst("install", "--prefix", str(prefix), "alpha==1.0", venv=venv)
    assert run.code == 0, run.err
    assert "Successfully installed Alpha-1.0 beta-2.0" in run.out

    site = prefix / "lib" / f"python{PY_VERSION}" / "site-packages"
    assert (site / "alpha" / "__init__.py").is_file()
    assert (site / "beta" / "__init__.py").is_file()
    assert first_line(prefix / "bin" / "alpha-cli") == f"#!{venv.python}"
    assert (prefix / "share" / "alpha" / "data.txt").is_file()
    assert_everything_recorded(prefix, site, "alpha", "beta")
    base.assert_unchanged(venv, venv_before)


# --- --root ----------------------------------------------------------------------------


@POSIX_ONLY
def test_root_moves_every_path_below_it(inst, venv: VirtualEnv, tmp_path: Path) -> None:
    root = tmp_path / "root"
    venv_before = base.venv_state(venv)
    run = inst("install", "--root", str(root), "alpha==1.0", venv=venv)
    assert run.code == 0, run.err
    assert "Successfully installed Alpha-1.0 beta-2.0" in run.out

    moved = root / venv.root.relative_to(venv.root.anchor)
    site = moved / venv.site_packages.relative_to(venv.root)
    assert (site / "alpha" / "__init__.py").is_file()
    assert (site / "beta-2.0.dist-info" / "METADATA").is_file()
    assert (moved / "share" / "alpha" / "data.txt").is_file()
    # scripts run the real interpreter, not one below the root
    assert first_line(moved / "bin" / "alpha-cli") == f"#!{venv.python}"
    assert first_line(moved / "bin" / "alpha-raw") == f"#!{venv.python}"
    assert_everything_recorded(root, site, "alpha", "beta")
    # the venv itself: untouched, not even inst's state directory
    base.assert_unchanged(venv, venv_before)
    assert not (venv.site_packages / STATE_DIR).exists()
    assert venv.installed() == {}


# --- --user ----------------------------------------------------------------------------


def test_user_is_refused_in_a_venv_without_user_site(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    userbase = tmp_path / "userbase"
    before = base.venv_state(venv)
    run = inst(
        "install",
        "--user",
        "beta",
        venv=venv,
        env={"PYTHONUSERBASE": str(userbase)},
    )
    base.assert_one_error(
        run,
        "cannot perform a --user install",
        f"not visible in the virtual environment {venv.root}",
    )
    base.assert_unchanged(venv, before)
    assert not userbase.exists()


@POSIX_ONLY
def test_user_install_lands_in_the_user_base(inst, tmp_path: Path) -> None:
    # A venv with the system site-packages sees the user site (as pip, inst allows
    # --user there); PYTHONUSERBASE keeps the user base inside tmp_path.
    root = tmp_path / "system-site-venv"
    venv_module.EnvBuilder(
        system_site_packages=True, with_pip=False, symlinks=True
    ).create(root)
    venv = VirtualEnv.at(root)
    userbase = tmp_path / "userbase"
    env = {"PYTHONUSERBASE": str(userbase)}
    before = base.venv_state(venv)

    run = inst("install", "--user", "alpha==1.0", venv=venv, env=env)
    assert run.code == 0, run.err
    assert "Successfully installed Alpha-1.0 beta-2.0" in run.out
    site = userbase / "lib" / f"python{PY_VERSION}" / "site-packages"
    assert (site / "alpha" / "__init__.py").is_file()
    assert (site / "beta" / "__init__.py").is_file()
    assert first_line(userbase / "bin" / "alpha-cli") == f"#!{venv.python}"
    assert (userbase / "share" / "alpha" / "data.txt").is_file()
    base.check_record(site, "alpha")
    base.check_record(site, "beta")
    out = venv.run_code("import alpha; print(alpha.__file__)", env=env)
    assert out.strip() == str(site / "alpha" / "__init__.py")
    base.assert_unchanged(venv, before)


# --- PEP 668 ---------------------------------------------------------------------------


def fake_system_python(root: Path) -> Path:
    """A Python that is no venv and has root as its prefix, cheaply: the running
    interpreter's binary hard-linked (or, if small, copied) to root/bin, its standard
    library linked entry by entry into root/lib/pythonX.Y, with a site-packages of its
    own. Skips the test where that does not give such a Python."""
    if os.name == "nt":
        pytest.skip("a POSIX interpreter layout")
    executable = Path(
        os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    )
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    bin_dir = root / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / executable.name
    try:
        os.link(executable, python)
    except OSError:
        if executable.stat().st_size > 1_000_000:
            pytest.skip("cannot hard-link the interpreter, and it is big to copy")
        shutil.copy2(executable, python)
    lib = root / "lib" / stdlib.name
    lib.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name not in ("site-packages", "EXTERNALLY-MANAGED"):
            (lib / entry.name).symlink_to(entry)
    (lib / "site-packages").mkdir()
    for shared in stdlib.parent.glob("libpython*"):  # a RUNPATH of $ORIGIN/../lib
        (root / "lib" / shared.name).symlink_to(shared)
    code = "import sys, sysconfig; print(sys.prefix, sys.base_prefix, {})".format(
        "sysconfig.get_paths()['stdlib']"
    )
    probe = subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=False,
        timeout=30,
    )
    expected = [str(root), str(root), str(lib)]
    if probe.returncode != 0 or probe.stdout.split() != expected:
        pytest.skip(f"the linked interpreter is not self-contained: {probe}")
    return python


@pytest.fixture
def managed_python(tmp_path: Path) -> Path:
    """A throwaway non-venv Python whose stdlib has an EXTERNALLY-MANAGED marker."""
    python = fake_system_python(tmp_path / "system")
    stdlib = tmp_path / "system" / "lib" / f"python{PY_VERSION}"
    (stdlib / "EXTERNALLY-MANAGED").write_text(
        "[externally-managed]\nError = This Python belongs to the fake distributor.\n",
        encoding="utf-8",
    )
    return python


def test_externally_managed_python_is_refused(
    inst, managed_python: Path, tmp_path: Path
) -> None:
    system = tmp_path / "system"
    before = snapshot(system, skip={STATE_DIR})
    run = inst("install", "beta", venv=managed_python)
    base.assert_one_error(
        run,
        f"this environment ({system}) is externally managed",
        "This Python belongs to the fake distributor.",
        "--break-system-packages",
    )
    after = snapshot(system, skip={STATE_DIR})
    assert before == after, differences(before, after)


def test_break_system_packages_installs_anyway(
    inst, managed_python: Path, tmp_path: Path
) -> None:
    site = tmp_path / "system" / "lib" / f"python{PY_VERSION}" / "site-packages"
    run = inst("install", "--break-system-packages", "beta", venv=managed_python)
    assert run.code == 0, run.err
    assert "Successfully installed beta-2.0" in run.out
    assert (site / "beta" / "__init__.py").is_file()
    base.check_record(site, "beta")

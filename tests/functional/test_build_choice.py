"""Steering and extending the build layer, with real backends: ``--build-interface
NAME=INTERFACE`` (and ``INST_BUILD_INTERFACE``, config files, ``--no-use-pep517``) on
an old project that fails under isolation, and a build interface plug-in (the worked
example of tests_data/build-choice/inst-setup-cfg) installed by inst itself and used
for a tree that has only a setup.cfg.

Every run is offline: ``--no-index --find-links`` on the pinned backend wheels plus
bp-build-helper. Trees are copied before they are built.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from harness import VirtualEnv
from harness.build_projects import HELPER_STAMP_TEXT, build_find_links
from harness.config_home import make_config_home

pytestmark = pytest.mark.slow  # builds with real backends

TREES = Path(__file__).resolve().parents[2] / "tests_data" / "build-choice"
LEGACY = "bp-legacy-top-import"
BUILD_TIMEOUT = 300


@pytest.fixture(scope="module")
def links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_find_links(tmp_path_factory.mktemp("links"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared") / "cache"


@pytest.fixture
def inst(run_inst, links: Path, cache: Path):
    def run(command: str, *args: str, **kw):
        kw.setdefault("timeout", BUILD_TIMEOUT)
        return run_inst(
            command,
            "--no-index",
            "--find-links",
            str(links),
            "--cache-dir",
            str(cache),
            *args,
            **kw,
        )

    return run


def copy_tree(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(TREES / name, tmp_path / name))


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def stamp_of(wheel: Path, package: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(f"{package}/_stamp.py").decode()


# --- an old project that fails under isolation ----------------------------------------


def test_the_old_project_fails_through_pyproject_under_isolation(
    inst, tmp_path: Path
) -> None:
    tree = copy_tree("legacy-top-import", tmp_path)
    run = inst("wheel", "--no-deps", "-w", str(tmp_path / "out"), str(tree))
    assert run.code == 1
    assert "(pyproject.toml interface" in run.err
    assert "No module named 'bp_build_helper'" in run.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args, env, decided_by",
    [
        (
            ["--build-interface", f"{LEGACY}=setup.py"],
            {},
            f"--build-interface {LEGACY}=setup.py (command line)",
        ),
        (
            ["--build-interface", "BP_Legacy.Top_Import=setup.py"],
            {},
            "--build-interface BP_Legacy.Top_Import=setup.py (command line)",
        ),
        (
            [],
            {"INST_BUILD_INTERFACE": f":all:=pyproject\n{LEGACY}=setup.py"},
            f"--build-interface {LEGACY}=setup.py (INST_BUILD_INTERFACE)",
        ),
        (["--no-use-pep517"], {}, "--no-use-pep517 (command line)"),
        ([], {"INST_NO_USE_PEP517": "1"}, "--no-use-pep517 (INST_NO_USE_PEP517)"),
    ],
    ids=["named", "unnormalized-name", "env-list", "no-use-pep517", "env-flag"],
)
def test_choosing_setup_py_builds_the_old_project_in_isolation(
    inst, tmp_path: Path, args: list[str], env: dict[str, str], decided_by: str
) -> None:
    tree = copy_tree("legacy-top-import", tmp_path)
    out = tmp_path / "out"
    run = inst("wheel", "--no-deps", "-w", str(out), *args, str(tree), env=env)
    assert run.code == 0, run.err
    assert f"Building wheel for {LEGACY} (setup.py) ... done" in run.out
    wheel = out / "bp_legacy_top_import-1.0-py3-none-any.whl"
    assert stamp_of(wheel, "bp_legacy_top_import") == HELPER_STAMP_TEXT

    info = inst("build-info", "--json", "--static", *args, str(tree), env=env)
    assert info.code == 0, info.err
    facts = json.loads(info.out)
    assert facts["interface"] == "setup.py"
    assert facts["decided_by"][0] == decided_by
    assert facts["name"] == {"name": LEGACY, "from": "setup.cfg [metadata] name"}
    rule_text, _, origin = decided_by.rpartition(" (")
    assert facts["rule"] == {"rule": rule_text, "from": origin.rstrip(")")}


def test_a_config_file_chooses_and_the_command_line_wins(
    inst, cli_home, tmp_path: Path
) -> None:
    tree = copy_tree("legacy-top-import", tmp_path)
    cli_home.write(
        cli_home.inst_user_file,
        f'[global]\nbuild-interface = ["{LEGACY}=setup.py"]\n',
    )
    run = inst("build-info", "--static", str(tree))
    assert run.code == 0, run.err
    assert "Interface: setup.py" in run.out
    assert f"{LEGACY}=setup.py ({cli_home.inst_user_file}" in run.out
    # a list option: the command line's list replaces the file's
    run = inst("build-info", "--static", "--build-interface", ":all:=auto", str(tree))
    assert "Interface: pyproject.toml" in run.out
    assert "--build-interface :all:=auto (command line): inst decides" in run.out


def test_no_use_pep517_without_isolation_works_as_old_pip_did(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    """The CI line pip 25.3 broke: pip wheel --no-use-pep517 --no-build-isolation."""
    tree = copy_tree("legacy-top-import", tmp_path)
    where = ["--python", str(venv.python)]
    run = inst("install", *where, "setuptools", "bp-build-helper")
    assert run.code == 0, run.err
    out = tmp_path / "out"
    run = inst(
        "wheel",
        *where,
        "--no-use-pep517",
        "--no-build-isolation",
        "--no-deps",
        "-w",
        str(out),
        str(tree),
    )
    assert run.code == 0, run.err
    assert "Installing build dependencies" not in run.out
    assert f"Building wheel for {LEGACY} (setup.py) ... done" in run.out
    assert (out / "bp_legacy_top_import-1.0-py3-none-any.whl").is_file()


@pytest.mark.parametrize(
    "args, fragments",
    [
        (
            ["--build-interface", f"{LEGACY}=bazel"],
            [
                "names the build interface 'bazel', which inst does not have",
                "auto, pyproject, setup.py",
            ],
        ),
        (
            ["--build-interface", LEGACY],
            [
                f"--build-interface '{LEGACY}' (command line) cannot be used",
                "NAME=INTERFACE",
            ],
        ),
        (
            ["--use-pep517", "--no-use-pep517"],
            ["--use-pep517 and --no-use-pep517 contradict each other"],
        ),
        (
            ["--no-use-pep517", "-C", "key=value"],
            ["asks for the setup.py interface, which cannot be combined with -C"],
        ),
    ],
    ids=["unknown", "not-name-equals", "both-flags", "with-config-settings"],
)
def test_choices_that_cannot_work_are_clear_errors(
    inst, tmp_path: Path, args: list[str], fragments: list[str]
) -> None:
    tree = copy_tree("legacy-top-import", tmp_path)
    run = inst("wheel", "--no-deps", "-w", str(tmp_path / "out"), *args, str(tree))
    assert run.code == 1
    assert run.err.count("error:") == 1 and "Traceback" not in run.err, run.err
    for fragment in fragments:
        assert fragment in run.err, run.err


def test_editable_with_setup_py_chosen_is_an_error(inst, venv, tmp_path: Path) -> None:
    tree = copy_tree("legacy-top-import", tmp_path)
    run = inst(
        "install",
        "--python",
        str(venv.python),
        "--build-interface",
        f"{LEGACY}=setup.py",
        "-e",
        str(tree),
    )
    assert run.code == 1
    assert "cannot be combined with -e" in run.err
    assert not list(venv.site_packages.glob("bp_legacy*"))


def test_cli_flag_beats_the_other_spelling_from_the_environment(
    inst, tmp_path: Path
) -> None:
    tree = copy_tree("legacy-top-import", tmp_path)
    run = inst(
        "build-info",
        "--json",
        "--static",
        "--use-pep517",
        str(tree),
        env={"INST_NO_USE_PEP517": "1"},
    )
    assert run.code == 0, run.err
    facts = json.loads(run.out)
    assert facts["interface"] == "pyproject.toml"
    assert facts["rule"] == {"rule": "--use-pep517", "from": "command line"}


# --- a plug-in --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def plugin_dir(
    tmp_path_factory: pytest.TempPathFactory, links: Path, cache: Path
) -> Path:
    """The example plug-in, installed by inst into a --target directory."""
    root = tmp_path_factory.mktemp("plugin")
    source = Path(shutil.copytree(TREES / "inst-setup-cfg", root / "inst-setup-cfg"))
    target = root / "site"
    home = make_config_home(root / "home")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "inst",
            "install",
            "--target",
            str(target),
            "--no-index",
            "--find-links",
            str(links),
            "--cache-dir",
            str(cache),
            str(source),
        ],
        env=home.env,
        check=False,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert done.returncode == 0, done.stderr
    assert (target / "inst_setup_cfg.py").is_file()
    return target


def test_the_plugin_is_chosen_for_its_tree_and_named_by_build_info(
    inst, plugin_dir: Path, tmp_path: Path
) -> None:
    tree = copy_tree("setup-cfg-only", tmp_path)
    env = {"PYTHONPATH": str(plugin_dir)}
    run = inst("build-info", "--json", "--static", str(tree), env=env)
    assert run.code == 0, run.err
    facts = json.loads(run.out)
    source = "inst-setup-cfg 1.0, entry point setup-cfg = inst_setup_cfg:plugin"
    assert facts["interface"] == "setup-cfg"
    assert facts["plugin"] == {"name": "setup-cfg", "from": source}
    claim = "the tree has only a setup.cfg, with [metadata] name"
    assert facts["decided_by"] == [f"the plug-in setup-cfg claims it: {claim}"]
    assert facts["static_requirements"] == ["setuptools>=61"]
    assert {"name": "setup-cfg", "from": source} in facts["interfaces_available"]

    out = tmp_path / "out"
    run = inst("wheel", "--no-deps", "-w", str(out), str(tree), env=env)
    assert run.code == 0, run.err
    assert "Preparing metadata (setup-cfg) ... done" in run.out
    assert "Building wheel for bp-setup-cfg-only (setup-cfg) ... done" in run.out
    wheel = out / "bp_setup_cfg_only-1.0-py3-none-any.whl"
    assert "bp_setup_cfg_only/__init__.py" in wheel_files(wheel)

    # a plug-in's tree the plug-in does not claim: the built-in rules decide
    other = copy_tree("legacy-top-import", tmp_path)
    run = inst("build-info", "--static", str(other), env=env)
    assert "Interface: pyproject.toml" in run.out
    assert "setup-cfg (inst-setup-cfg 1.0" in run.out


def test_without_the_plugin_a_setup_cfg_only_tree_is_refused(
    inst, tmp_path: Path
) -> None:
    tree = copy_tree("setup-cfg-only", tmp_path)
    run = inst("wheel", "--no-deps", "-w", str(tmp_path / "out"), str(tree))
    assert run.code == 1
    assert "does not appear to be a Python project" in run.err


def test_a_broken_plugin_is_named_and_inst_goes_on(inst, tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "broken_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[inst.build_interfaces]\nbroken = broken_plugin:plugin\n"
    )
    (site / "broken_plugin.py").write_text("raise RuntimeError('half written')\n")
    tree = copy_tree("legacy-top-import", tmp_path)
    run = inst("build-info", "--static", str(tree), env={"PYTHONPATH": str(site)})
    assert run.code == 0, run.err
    assert (
        "warning: the build interface plug-in broken (broken-plugin 1.0, entry point "
        "broken = broken_plugin:plugin) cannot be loaded: RuntimeError: half written; "
        "inst goes on without it"
    ) in run.err
    assert "Interface: pyproject.toml" in run.out
    # asking for it by name: an error naming what there is
    run = inst(
        "build-info",
        "--static",
        "--build-interface",
        ":all:=broken",
        str(tree),
        env={"PYTHONPATH": str(site)},
    )
    assert run.code == 1
    assert "names the build interface 'broken', which inst does not have" in run.err

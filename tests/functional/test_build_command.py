"""``inst build``: a project's sdist and the wheel built from it, with real backends
(setuptools, flit-core, hatchling, and a legacy setup.py tree), as ``python -m build``
makes them: the same two file names, and a wheel from the sdist holding the same files
as one from the tree.

Every run is offline (``--no-index -f`` on build_find_links()); one cache serves the
module, so each set of build requirements is installed once.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from harness.build_projects import (
    assert_ok,
    assert_one_error,
    build_find_links,
    copy_project,
)
from harness.trees import differences, snapshot

pytestmark = [
    pytest.mark.slow,  # every test builds with real backends
    pytest.mark.skipif(
        sys.version_info < (3, 10), reason="setuptools 84.2.1 needs Python >= 3.10"
    ),
]

#: The files python -m build makes of each tree. Verified by hand on 2026-12-04:
#: build 1.6.1, pip-installed into a scratch venv from the machine's index, run as
#: ``PIP_NO_INDEX=1 PIP_FIND_LINKS=<build_find_links()> python -m build TREE`` on
#: copies of these trees, printed "Successfully built" with exactly these names (the
#: setup.py tree through setuptools' __legacy__ backend there, through setup.py sdist
#: and bdist_wheel in inst). test_same_names_as_python_m_build runs it again offline.
EXPECTED = {
    "setuptools-pyproject": (
        "bp_setuptools_pyproject-1.0.tar.gz",
        "bp_setuptools_pyproject-1.0-py3-none-any.whl",
    ),
    "flit-project": (
        "bp_flit_project-1.0.tar.gz",
        "bp_flit_project-1.0-py3-none-any.whl",
    ),
    "hatch-project": (
        "bp_hatch_project-1.0.tar.gz",
        "bp_hatch_project-1.0-py3-none-any.whl",
    ),
    "setup-py-only": (
        "bp_setup_py_only-1.0.tar.gz",
        "bp_setup_py_only-1.0-py3-none-any.whl",
    ),
}
INTERFACE = {"setup-py-only": "setup.py"}


@pytest.fixture(scope="module")
def links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_find_links(tmp_path_factory.mktemp("links"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def inst(run_inst, links: Path, cache: Path, tmp_path: Path):
    """inst("build", ...) offline with the module's cache and TMPDIR in tmp_path."""
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()

    def run(*args: str, env=None, **kw):
        return run_inst(
            *args,
            "--no-index",
            "-f",
            str(links),
            "--cache-dir",
            str(cache),
            env={"TMPDIR": str(scratch), **(env or {})},
            timeout=300,
            **kw,
        )

    return run


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def wheel_files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return sorted(archive.namelist())


# --- the default: sdist, then the wheel from it ----------------------------------------


@pytest.mark.parametrize("tree", list(EXPECTED))
def test_builds_the_sdist_then_the_wheel_from_it_into_dist(
    inst, tmp_path: Path, tree: str
) -> None:
    project = copy_project(tree, tmp_path / "a")
    run = inst("build", str(project))
    assert_ok(run)
    sdist, wheel = EXPECTED[tree]
    assert names(project / "dist") == sorted([sdist, wheel])
    assert f"Successfully built {sdist} and {wheel}" in run.out
    interface = INTERFACE.get(tree, "pyproject.toml")
    assert f"Building sdist for {tree} ({interface}) ... done" in run.out
    name = sdist.split("-")[0].replace("_", "-")
    assert f"Building wheel for {name} ({interface}) ... done" in run.out
    with tarfile.open(project / "dist" / sdist) as archive:
        assert f"{sdist[: -len('.tar.gz')]}/PKG-INFO" in archive.getnames()

    # The wheel built from the sdist holds what one built from the tree holds.
    fresh = copy_project(tree, tmp_path / "b")
    alone = inst("build", str(fresh), "--wheel", "-o", str(tmp_path / "from-tree"))
    assert_ok(alone)
    assert names(tmp_path / "from-tree") == [wheel]
    assert f"Successfully built {wheel}\n" in alone.out
    assert "Building sdist" not in alone.out
    assert wheel_files(project / "dist" / wheel) == wheel_files(
        tmp_path / "from-tree" / wheel
    )


def test_sdist_alone_and_outdir_relative_to_the_current_directory(
    inst, tmp_path: Path
) -> None:
    project = copy_project("flit-project", tmp_path)
    run = inst("build", str(project), "--sdist", "-o", "out", cwd=tmp_path)
    assert_ok(run)
    assert names(tmp_path / "out") == ["bp_flit_project-1.0.tar.gz"]
    assert "Building wheel" not in run.out
    assert not (project / "dist").exists()


def test_the_current_directory_is_the_default_project(inst, tmp_path: Path) -> None:
    project = copy_project("flit-project", tmp_path)
    assert_ok(inst("build", cwd=project))
    assert names(project / "dist") == sorted(EXPECTED["flit-project"])


def test_build_constraint_chooses_the_backend_version(inst, tmp_path: Path) -> None:
    project = copy_project("setuptools-pyproject", tmp_path)
    constraints = tmp_path / "build-constraints.txt"
    constraints.write_text("setuptools==81.0.0\n", encoding="utf-8")
    run = inst("build", str(project), "--build-constraint", str(constraints))
    assert_ok(run)
    wheel = project / "dist" / EXPECTED["setuptools-pyproject"][1]
    with zipfile.ZipFile(wheel) as archive:
        generator = archive.read("bp_setuptools_pyproject-1.0.dist-info/WHEEL")
    assert b"Generator: setuptools (81.0.0)" in generator


# --- failures: one error, the output directory as it was ------------------------------


def test_a_failing_sdist_build_leaves_the_outdir_as_it_was(
    inst, tmp_path: Path
) -> None:
    project = copy_project("backend-raises", tmp_path)
    dist = project / "dist"
    dist.mkdir()
    (dist / "older-1.0.tar.gz").write_bytes(b"kept")
    before = snapshot(dist)
    run = inst("build", str(project))
    assert_one_error(run, "building an sdist of backend-raises failed")
    assert not differences(before, snapshot(dist))


def test_a_backend_without_build_sdist_says_to_build_the_wheel_alone(
    inst, tmp_path: Path
) -> None:
    project = copy_project("no-prepare-metadata", tmp_path)
    run = inst("build", str(project))
    assert_one_error(run, "has no build_sdist hook", "inst build --wheel")
    assert not (project / "dist").exists()
    assert_ok(inst("build", str(project), "--wheel"))
    assert names(project / "dist") == ["bp_no_prepare_metadata-1.0-py3-none-any.whl"]


def test_hash_checking_mode_covers_build_requirements(inst, tmp_path: Path) -> None:
    project = copy_project("setuptools-pyproject", tmp_path)
    run = inst("build", str(project), "--require-hashes")
    assert_one_error(run, "build requirement setuptools", "needs a hash")
    assert not (project / "dist").exists()


def test_no_build_isolation_builds_with_what_the_target_has(
    inst, venv_factory, tmp_path: Path
) -> None:
    project = copy_project("setuptools-pyproject", tmp_path)
    bare = venv_factory("bare")
    run = inst(
        "build", str(project), "--no-build-isolation", "--python", str(bare.root)
    )
    assert_one_error(run, "needs setuptools>=61", "missing from the target environment")
    assert not (project / "dist").exists()


# --- python -m build itself, beside inst build -----------------------------------------


@pytest.fixture(scope="module")
def pypa_build(tmp_path_factory: pytest.TempPathFactory, links: Path) -> Path:
    """A venv with pip (ensurepip, offline) and build 1.6.1 from the pinned wheels."""
    root = tmp_path_factory.mktemp("pypa-build")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    python = root / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "-f", str(links)]
        + ["build==1.6.1"],
        check=True,
        env=_offline_pip(links),
    )
    return python


def _offline_pip(links: Path) -> dict[str, str]:
    import os

    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(links.parent),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(links),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


@pytest.mark.skipif(
    sys.version_info < (3, 10, 2), reason="build needs importlib-metadata before 3.10.2"
)
@pytest.mark.parametrize("tree", list(EXPECTED))
def test_same_names_as_python_m_build(
    inst, pypa_build: Path, links: Path, tmp_path: Path, tree: str
) -> None:
    theirs = copy_project(tree, tmp_path / "theirs")
    made = subprocess.run(
        [str(pypa_build), "-m", "build", str(theirs)],
        check=False,
        env=_offline_pip(links),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    ours = copy_project(tree, tmp_path / "ours")
    assert_ok(inst("build", str(ours)))
    assert names(ours / "dist") == names(theirs / "dist") == sorted(EXPECTED[tree])
    for wheel in (ours / "dist").glob("*.whl"):
        assert wheel_files(wheel) == wheel_files(theirs / "dist" / wheel.name)


def test_an_sdist_without_the_in_tree_backend_fails_its_wheel_build(
    inst, tmp_path: Path
) -> None:
    """dynamic-requires' sdist (plain setuptools, no MANIFEST.in) leaves out its
    _backend directory: the wheel cannot be built from it, as with python -m build,
    which stops with "backend-path entry '_backend' does not exist" (checked by hand).
    Built independently, both come from the tree."""
    project = copy_project("dynamic-requires", tmp_path)
    run = inst("build", str(project))
    assert_one_error(
        run,
        "cannot build the wheel from the sdist bp_dynamic_requires-1.0.tar.gz",
        "backend-path directory _backend is missing",
        "MANIFEST.in",
    )
    assert not (project / "dist").exists()
    assert_ok(inst("build", str(project), "--sdist", "--wheel"))
    assert names(project / "dist") == [
        "bp_dynamic_requires-1.0-py3-none-any.whl",
        "bp_dynamic_requires-1.0.tar.gz",
    ]


def test_legacy_setup_requires_are_installed_for_the_sdist(
    inst, tmp_path: Path
) -> None:
    project = copy_project("setup-requires-cfg", tmp_path)
    run = inst("build", str(project), "--sdist")
    assert_ok(run)
    assert "Building sdist for setup-requires-cfg (setup.py) ... done" in run.out
    assert names(project / "dist") == ["bp_setup_requires_cfg-1.0.tar.gz"]

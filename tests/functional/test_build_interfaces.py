"""Building the trees of tests_data/build-projects with real backends: which interface
inst picks (pyproject.toml or setup.py), what it prints, the wheels it makes, what gets
installed, setup_requires, ``inst build-info``, and how failed builds are reported.

Every run is offline: ``--no-index --find-links`` on the folder of pinned backend
wheels plus bp-build-helper (harness.build_projects.build_find_links). The run_inst
fixture already drops the machine's PIP_*/INST_* variables (PIP_FIND_LINKS among them)
and sets PIP_CONFIG_FILE=os.devnull. Tests of good trees share one module-wide cache
so that each set of build requirements is installed once; tests whose output depends
on a cache's first use get their own.
"""

from __future__ import annotations

import json
import shutil
import sys
import sysconfig
import zipfile
from collections.abc import Sequence
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename

from harness import VirtualEnv
from harness.build_projects import (
    BUILD_PROJECTS,
    HELPER_STAMP_TEXT,
    BuildProject,
    build_find_links,
    copy_project,
)
from harness.trees import differences, snapshot

pytestmark = pytest.mark.slow  # every test builds with real backends

#: inst's own lock/journal directory in a target's site-packages.
STATE_DIR = ".inst"
INTERFACE = {"pyproject": "pyproject.toml", "setup.py": "setup.py"}
STAMP = HELPER_STAMP_TEXT.split('"')[1]  # "bp-build-helper 1.0"
PY_TAG = "cp{}{}".format(*sys.version_info[:2])
BUILD_TIMEOUT = 300


def _can_compile_c() -> bool:
    compiler = shutil.which("cc") or shutil.which("gcc")
    include = sysconfig.get_paths().get("include")
    return bool(compiler and include and (Path(include) / "Python.h").is_file())


needs_c_compiler = pytest.mark.skipif(
    not _can_compile_c(), reason="no C compiler (cc/gcc) or no Python.h"
)


def _param(project: BuildProject):
    marks = [needs_c_compiler] if project.tree == "c-extension" else []
    return pytest.param(project, id=project.tree, marks=marks)


GOOD = [p for p in BUILD_PROJECTS.values() if not p.broken]
LEGACY = [p for p in GOOD if p.interface == "setup.py"]
SETUP_REQUIRES = {  # legacy trees whose setup_requires inst must install
    "setup-requires-py": ["bp-build-helper"],
    "setup-requires-cfg": ["bp-build-helper"],
    "setup-requires-pbr": ["pbr"],
}
SETUP_REQUIRES_ENV = {
    "setup-requires-py": "bp-build-helper-1.0, setuptools-84.2.1",
    "setup-requires-cfg": "bp-build-helper-1.0, setuptools-84.2.1",
    "setup-requires-pbr": "pbr-7.1.3, setuptools-84.2.1",
}


# --- fixtures and helpers --------------------------------------------------------------


@pytest.fixture(scope="module")
def links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_find_links(tmp_path_factory.mktemp("links"))


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for the good-tree tests: build environments are made once."""
    return tmp_path_factory.mktemp("shared") / "cache"


@pytest.fixture
def inst(run_inst, links: Path, shared_cache: Path):
    """inst("install", ..., venv=V, cache=DIR) → ``inst install --python V --no-index
    --find-links LINKS --cache-dir DIR ...`` (the shared cache unless given)."""

    def run(
        command: str,
        *args: str,
        venv: VirtualEnv | None = None,
        cache: Path | None = None,
        **kw,
    ):
        where = ["--python", str(venv.python)] if venv is not None else []
        kw.setdefault("timeout", BUILD_TIMEOUT)
        return run_inst(
            command,
            *where,
            "--no-index",
            "--find-links",
            str(links),
            "--cache-dir",
            str(cache or shared_cache),
            *args,
            **kw,
        )

    return run


def lines(text: str) -> list[str]:
    return text.splitlines()


def install_dependencies_lines(out: str) -> list[str]:
    return [line for line in lines(out) if line.startswith("Installing build dep")]


def assert_build_lines(run, project: BuildProject, interface: str) -> None:
    """The build steps of a tree, announced in pip's shape, in order."""
    out = lines(run.out)
    metadata = f"Preparing metadata ({interface}) ... done"
    building = f"Building wheel for {project.name} ({interface}) ... done"
    assert metadata in out, run.out
    assert building in out, run.out
    assert out.index(metadata) < out.index(building)
    # a build environment, if one had to be made, is listed as name-version pairs
    for line in install_dependencies_lines(run.out):
        assert line.startswith("Installing build dependencies: "), line
        for pair in line.split(": ", 1)[1].split(", "):
            name, _, version = pair.rpartition("-")
            assert name and version[:1].isdigit(), line


def hello(venv: VirtualEnv, module: str) -> str:
    return venv.run_code(f"import {module}; print({module}.hello())").strip()


def module_file(venv: VirtualEnv, module: str) -> Path:
    return Path(venv.run_code(f"import {module}; print({module}.__file__)").strip())


def stamp(venv: VirtualEnv, module: str) -> str:
    return venv.run_code(f"from {module}._stamp import STAMP; print(STAMP)").strip()


def direct_url(venv: VirtualEnv, name: str) -> dict:
    wanted = canonicalize_name(name).replace("-", "_")
    (info,) = [
        path
        for path in venv.site_packages.glob("*.dist-info")
        if canonicalize_name(path.name.split("-")[0]).replace("-", "_") == wanted
    ]
    return json.loads((info / "direct_url.json").read_text(encoding="utf-8"))


def assert_installed(venv: VirtualEnv, project: BuildProject, tree: Path) -> None:
    """Installed from this tree: the version, hello() naming the tree, the files in
    site-packages, PEP 610 pointing at the tree, and the helper's stamp if any."""
    assert venv.installed() == {canonicalize_name(project.name): project.version}
    module = project.module
    assert hello(venv, module) == project.tree
    assert module_file(venv, module).is_relative_to(venv.site_packages)
    if project.tree == "c-extension":
        code = "import bp_cext._speed as s; print(s.hello(), s.__file__)"
        marker, path = venv.run_code(code).split()
        assert marker == "c-extension"
        assert Path(path).suffix in (".so", ".pyd")
    if project.stamped:
        assert stamp(venv, module) == STAMP
    assert direct_url(venv, project.name) == {
        "url": tree.resolve().as_uri(),
        "dir_info": {},
    }


def wheel_metadata(wheel: Path) -> dict[str, str]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [
            n
            for n in archive.namelist()
            if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        ]
        headers = HeaderParser().parsestr(archive.read(name).decode("utf-8"))
    return {"Name": headers["Name"], "Version": headers["Version"]}


def assert_wheel_of(wheel: Path, project: BuildProject) -> None:
    name, version, _, tags = parse_wheel_filename(wheel.name)
    assert name == canonicalize_name(project.name)
    assert wheel.name.startswith(
        f"{canonicalize_name(project.name).replace('-', '_')}-{project.version}-"
    )
    assert str(version) == project.version
    if project.tree == "c-extension":  # platform-specific
        assert {(t.interpreter, t.abi) for t in tags} == {(PY_TAG, PY_TAG)}
        assert all(t.platform != "any" for t in tags)
    else:
        assert any(str(t) == "py3-none-any" for t in tags), wheel.name
    assert wheel_metadata(wheel) == {"Name": project.name, "Version": project.version}


def assert_no_fetching_litter(tree: Path) -> None:
    """setuptools fetches setup_requires into <tree>/.eggs: inst must not let it."""
    assert not (tree / ".eggs").exists(), sorted(p.name for p in tree.iterdir())


def assert_build_error(
    run, *fragments: str, tail: Sequence[str] = (), tail_fragments: Sequence[str] = ()
) -> None:
    """Exit 1, the build output's tail first (lines prefixed "  | "), then one error:
    paragraph, last, holding every fragment; no traceback outside the tail."""
    assert run.code == 1, (run.out, run.err)
    err = lines(run.err)
    starts = [i for i, line in enumerate(err) if line.startswith("error:")]
    assert len(starts) == 1, run.err
    before, paragraph = err[: starts[0]], "\n".join(err[starts[0] :])
    assert all(line.startswith("  | ") for line in before), run.err
    assert not any(line.startswith("  | ") for line in err[starts[0] :]), run.err
    assert "Traceback" not in paragraph, run.err
    assert "Traceback" not in run.out
    for fragment in fragments:
        assert fragment in paragraph, run.err
    details = [line[len("  | ") :] for line in before]
    for line in tail:
        assert line in details, run.err
    for fragment in tail_fragments:
        assert any(fragment in line for line in details), run.err


def venv_state(venv: VirtualEnv) -> dict:
    return snapshot(venv.root, skip={STATE_DIR})


# --- good trees: install, wheel --------------------------------------------------------


@pytest.mark.parametrize("project", [_param(p) for p in GOOD])
def test_install_builds_the_tree_with_its_interface(
    inst, venv: VirtualEnv, tmp_path: Path, project: BuildProject
) -> None:
    tree = copy_project(project.tree, tmp_path)
    run = inst("install", str(tree), venv=venv, env=dict(project.env))
    assert run.code == 0, run.err
    assert_build_lines(run, project, INTERFACE[project.interface])
    assert f"Successfully installed {project.name}-{project.version}" in lines(run.out)
    assert run.err == ""  # build output stays hidden at normal verbosity
    assert_installed(venv, project, tree)
    if project.interface == "setup.py":
        assert_no_fetching_litter(tree)


@pytest.mark.parametrize("project", [_param(p) for p in GOOD])
def test_wheel_builds_the_tree_into_the_wheel_dir(
    inst, tmp_path: Path, project: BuildProject
) -> None:
    tree = copy_project(project.tree, tmp_path)
    dest = tmp_path / "wheelhouse"
    run = inst("wheel", "--no-deps", "-w", str(dest), str(tree), env=dict(project.env))
    assert run.code == 0, run.err
    assert_build_lines(run, project, INTERFACE[project.interface])
    (wheel,) = dest.iterdir()
    assert_wheel_of(wheel, project)
    out = lines(run.out)
    assert f"Saved {wheel}" in out
    assert out[-1] == f"Successfully built {project.name}"
    assert run.err == ""


@pytest.mark.parametrize("how", ["--use-pep517", "INST_USE_PEP517=1"])
@pytest.mark.parametrize("project", [_param(p) for p in LEGACY])
def test_use_pep517_builds_setup_py_trees_through_the_legacy_backend(
    inst, venv: VirtualEnv, tmp_path: Path, project: BuildProject, how: str
) -> None:
    tree = copy_project(project.tree, tmp_path)
    env = dict(project.env)
    args = [str(tree)]
    if how.startswith("--"):
        args.insert(0, how)
    else:
        env["INST_USE_PEP517"] = "1"
    run = inst("install", *args, venv=venv, env=env)
    assert run.code == 0, run.err
    assert_build_lines(run, project, "pyproject.toml")
    assert "(setup.py)" not in run.out
    assert f"Successfully installed {project.name}-{project.version}" in lines(run.out)
    # setup_requires still work: setuptools reports them to get_requires_for_build_wheel
    assert_installed(venv, project, tree)
    assert_no_fetching_litter(tree)


def test_config_settings_switch_a_setup_py_tree_to_pyproject(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    project = BUILD_PROJECTS["setup-py-only"]
    tree = copy_project(project.tree, tmp_path)
    run = inst("install", "-C", "bp-key=bp-value", str(tree), venv=venv)
    assert run.code == 0, run.err
    assert_build_lines(run, project, "pyproject.toml")
    assert_installed(venv, project, tree)


# --- setup_requires ------------------------------------------------------------------


@pytest.mark.parametrize("tree_name", sorted(SETUP_REQUIRES))
def test_setup_requires_are_installed_by_inst_not_fetched_by_setuptools(
    inst, venv: VirtualEnv, tmp_path: Path, tree_name: str
) -> None:
    project = BUILD_PROJECTS[tree_name]
    tree = copy_project(tree_name, tmp_path)
    cache = tmp_path / "own-cache"  # its own: the first use of each environment shows
    env = dict(project.env)
    run = inst("install", str(tree), venv=venv, cache=cache, env=env)
    assert run.code == 0, run.err
    assert_build_lines(run, project, "setup.py")
    # inst made the build environment with the setup_requires in it
    assert install_dependencies_lines(run.out)[-1] == (
        f"Installing build dependencies: {SETUP_REQUIRES_ENV[tree_name]}"
    )
    assert_installed(venv, project, tree)
    # the only index was the local find-links folder and setuptools left no .eggs
    assert_no_fetching_litter(tree)

    info_run = inst("build-info", "--json", str(tree), cache=cache, env=env)
    assert info_run.code == 0, info_run.err
    info = json.loads(info_run.out)
    assert info["interface"] == "setup.py"
    assert info["setup_requires"] == SETUP_REQUIRES[tree_name]
    assert info["dynamic_requirements"] == SETUP_REQUIRES[tree_name]
    distributions = info["build_environment"]["distributions"]
    assert distributions == SETUP_REQUIRES_ENV[tree_name].split(", ")
    # ... and it is the environment the build used, filled by inst itself
    build_python = Path(info["build_environment"]["python"])
    assert build_python.is_relative_to(cache)
    helper = SETUP_REQUIRES[tree_name][0]
    (helper_info,) = build_python.parent.parent.glob(
        f"lib/*/site-packages/{helper.replace('-', '_')}-*.dist-info"
    )
    assert (helper_info / "INSTALLER").read_text().strip() == "inst"
    assert not (build_python.parent.parent / ".eggs").exists()


# --- editable --------------------------------------------------------------------------


def test_editable_install_imports_from_the_tree(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    project = BUILD_PROJECTS["editable-src"]
    tree = copy_project(project.tree, tmp_path)
    run = inst("install", "-e", str(tree), venv=venv)
    assert run.code == 0, run.err
    out = lines(run.out)
    metadata = "Preparing editable metadata (pyproject.toml) ... done"
    building = f"Building editable for {project.name} (pyproject.toml) ... done"
    assert metadata in out and building in out, run.out
    assert out.index(metadata) < out.index(building)
    assert f"Successfully installed {project.name}-1.0" in out
    assert venv.installed() == {"bp-editable-src": "1.0"}
    source = tree / "src" / "bp_editable" / "__init__.py"
    assert module_file(venv, "bp_editable") == source
    assert hello(venv, "bp_editable") == "editable-src"
    source.write_text('def hello():\n    return "changed in the tree"\n')
    assert hello(venv, "bp_editable") == "changed in the tree"
    assert direct_url(venv, project.name) == {
        "url": tree.resolve().as_uri(),
        "dir_info": {"editable": True},
    }


def test_editable_switches_a_setup_py_tree_to_pep660(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    project = BUILD_PROJECTS["setup-py-only"]
    tree = copy_project(project.tree, tmp_path)
    run = inst("install", "-e", str(tree), venv=venv)
    assert run.code == 0, run.err
    assert "Preparing editable metadata (pyproject.toml) ... done" in lines(run.out)
    assert f"Building editable for {project.name} (pyproject.toml) ... done" in lines(
        run.out
    )
    assert module_file(venv, project.module) == tree / project.module / "__init__.py"
    assert hello(venv, project.module) == project.tree
    assert direct_url(venv, project.name)["dir_info"] == {"editable": True}


def test_quiet_build_prints_nothing_not_even_backend_warnings(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    """setuptools warns (BuildBackendWarning) when it builds a flat-layout editable
    wheel. That is build output: shown with -v, kept for the error tail, not printed
    raw on inst's stderr at normal verbosity, let alone under -q."""
    tree = copy_project("setup-py-only", tmp_path)
    run = inst("install", "-q", "-e", str(tree), venv=venv)
    assert run.code == 0, run.err
    assert (run.out, run.err) == ("", "")


# --- build environments: first use and reuse ------------------------------------------


def test_a_build_environment_is_made_once_and_reused(inst, tmp_path: Path) -> None:
    cache = tmp_path / "own-cache"
    dest = tmp_path / "wheelhouse"
    first = copy_project("setuptools-pyproject", tmp_path)
    second = copy_project("second-setuptools-project", tmp_path)

    run = inst("wheel", "--no-deps", "-w", str(dest), str(first), cache=cache)
    assert run.code == 0, run.err
    assert install_dependencies_lines(run.out) == [
        "Installing build dependencies: setuptools-84.2.1"
    ]

    run = inst("wheel", "--no-deps", "-w", str(dest), str(second), cache=cache)
    assert run.code == 0, run.err
    assert install_dependencies_lines(run.out) == []
    assert "Using cached" not in run.out + run.err  # only with -v

    again = copy_project("second-setuptools-project", tmp_path, dest_name="again")
    run = inst("wheel", "-v", "--no-deps", "-w", str(dest), str(again), cache=cache)
    assert run.code == 0, run.err
    assert install_dependencies_lines(run.out) == []
    assert "Using cached build environment: setuptools-84.2.1" in lines(run.err)
    assert sorted(p.name for p in dest.iterdir()) == [
        "bp_second_setuptools_project-1.0-py3-none-any.whl",
        "bp_setuptools_pyproject-1.0-py3-none-any.whl",
    ]


def test_a_relative_cache_dir_works_for_builds(
    run_inst, links: Path, tmp_path: Path
) -> None:
    """--cache-dir relative to the working directory, as pip accepts it."""
    tree = copy_project("setuptools-pyproject", tmp_path)
    run = run_inst(
        "wheel",
        "--no-index",
        "--find-links",
        str(links),
        "--cache-dir",
        "relative-cache",
        "--no-deps",
        "-w",
        "wheelhouse",
        str(tree),
        cwd=tmp_path,
        timeout=BUILD_TIMEOUT,
    )
    assert run.code == 0, run.err
    assert [p.name for p in (tmp_path / "wheelhouse").iterdir()] == [
        "bp_setuptools_pyproject-1.0-py3-none-any.whl"
    ]
    assert (tmp_path / "relative-cache").is_dir()


# --- trees that must fail ------------------------------------------------------------

BACKEND_RAISES_TAIL = [
    "bp-backend-raises: prepare_metadata_for_build_wheel starting",
    "bp-backend-raises: doing some work",
    "bp-backend-raises: about to fail",
    "bp-backend-raises: prepare_metadata_for_build_wheel on stderr",
    "RuntimeError: bp backend failed on purpose",
]

FAILURES: dict[str, dict] = {
    "broken-toml": {"fragments": ["pyproject.toml is not valid TOML"]},
    "no-requires": {"fragments": ["has no 'requires' key"]},
    "invalid-requirement": {"fragments": ["invalid requirement", "setuptools >>> 1"]},
    "backend-missing": {
        "fragments": ["the build backend bp_no_such_backend cannot be imported"],
        "tail_fragments": ["No module named 'bp_no_such_backend'"],
    },
    "backend-raises": {
        "fragments": [
            (
                "preparing metadata of backend-raises failed "
                "(pyproject.toml interface, backend bp_raising_backend)"
            ),
            "bp backend failed on purpose",
            "-v",
        ],
        "tail": BACKEND_RAISES_TAIL,
    },
    "import-error": {
        "fragments": [
            "(pyproject.toml interface, backend setuptools.build_meta)",
            "build imports bp_missing_compile_dep, which its build environment",
            "--no-build-isolation",
        ],
        "tail_fragments": ["No module named 'bp_missing_compile_dep'"],
    },
    "missing-build-requirement": {
        "fragments": ["cannot provide the build requirements of", "bp-not-on-any-index"]
    },
    "neither": {"fragments": ["does not appear to be a Python project"]},
}


def test_every_broken_tree_has_an_expected_failure() -> None:
    broken = {p.tree for p in BUILD_PROJECTS.values() if p.broken}
    assert broken == set(FAILURES)


@pytest.mark.parametrize("tree_name", sorted(FAILURES))
def test_a_broken_tree_fails_clearly_and_changes_nothing(
    inst, venv: VirtualEnv, tmp_path: Path, tree_name: str
) -> None:
    expected = FAILURES[tree_name]
    tree = copy_project(tree_name, tmp_path)
    before = venv_state(venv)

    run = inst("install", str(tree), venv=venv)
    assert_build_error(run, *expected["fragments"], **_tail(expected))
    after = venv_state(venv)
    assert before == after, differences(before, after)
    assert "Successfully" not in run.out
    if tree_name == "broken-toml":  # no fallback to its valid setup.py
        assert "(setup.py)" not in run.out
    if tree_name == "backend-raises":
        assert "Preparing metadata (pyproject.toml) ... error" in lines(run.out)

    dest = tmp_path / "wheelhouse"
    run = inst("wheel", "--no-deps", "-w", str(dest), str(tree))
    assert_build_error(run, *expected["fragments"], **_tail(expected))
    assert not dest.exists() or not any(dest.iterdir())
    assert "Successfully" not in run.out


def _tail(expected: dict) -> dict:
    return {key: expected[key] for key in ("tail", "tail_fragments") if key in expected}


def test_verbose_streams_the_whole_build_output(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    tree = copy_project("backend-raises", tmp_path)
    before = venv_state(venv)
    run = inst("install", "-v", str(tree), venv=venv)
    assert run.code == 1, run.err
    err = lines(run.err)
    # streamed as it runs, each line indented by two spaces (stdout and stderr)
    for line in BACKEND_RAISES_TAIL:
        assert f"  {line}" in err, run.err
    assert "Preparing metadata (pyproject.toml) ... error" in lines(run.out)
    assert err[-1].startswith("error: preparing metadata of backend-raises failed")
    assert venv_state(venv) == before


def test_a_failing_tree_stops_the_good_one_too(
    inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    good = copy_project("setuptools-pyproject", tmp_path)
    bad = copy_project("backend-raises", tmp_path)
    before = venv_state(venv)
    run = inst("install", str(good), str(bad), venv=venv)
    assert_build_error(run, "backend-raises", tail=BACKEND_RAISES_TAIL)
    after = venv_state(venv)
    assert before == after, differences(before, after)

    dest = tmp_path / "wheelhouse"
    run = inst("wheel", "--no-deps", "-w", str(dest), str(good), str(bad))
    assert_build_error(run, "backend-raises", tail=BACKEND_RAISES_TAIL)
    assert not dest.exists() or not any(dest.iterdir())


# --- inst build-info -------------------------------------------------------------------

#: What build-info lists with no plug-in installed.
BUILT_IN_INTERFACES = [
    {"name": "pyproject", "from": "built in"},
    {"name": "setup.py", "from": "built in"},
]
BUILT_IN_LINE = "Interfaces available: pyproject (built in), setup.py (built in)"


def pop_choice_keys(info: dict) -> dict:
    """The keys about the user's choice and plug-ins, checked and removed: none of
    these trees gets a rule or a plug-in, and each names itself statically."""
    assert info.pop("rule") is None
    assert info.pop("plugin") is None
    assert info.pop("interfaces_available") == BUILT_IN_INTERFACES
    name = info.pop("name")
    assert name is None or name["name"].startswith("bp-"), name
    return info


_SETUPTOOLS_61 = ["setuptools>=61"]
_DEFAULT = ["setuptools>=40.8.0"]
_LEGACY_BACKEND = "setuptools.build_meta:__legacy__"

#: tree -> (backend, backend_path, static requirements) of pyproject.toml trees.
PYPROJECT_FACTS = {
    "setuptools-pyproject": ("setuptools.build_meta", [], _SETUPTOOLS_61),
    "second-setuptools-project": ("setuptools.build_meta", [], _SETUPTOOLS_61),
    "no-build-backend": (_LEGACY_BACKEND, [], _DEFAULT),
    "no-build-system": (_LEGACY_BACKEND, [], _DEFAULT),
    "flit-project": ("flit_core.buildapi", [], ["flit_core>=3.2,<5"]),
    "hatch-project": ("hatchling.build", [], ["hatchling"]),
    "in-tree-backend": ("bp_backend", ["_backend"], _SETUPTOOLS_61),
    "dynamic-requires": ("bp_dynamic_backend", ["_backend"], _SETUPTOOLS_61),
    "no-prepare-metadata": ("bp_wheel_only_backend", ["_backend"], []),
    "editable-src": ("setuptools.build_meta", [], ["setuptools>=64"]),
    "backend-raises": ("bp_raising_backend", ["_backend"], []),
    "backend-missing": ("bp_no_such_backend", [], []),
    "import-error": ("setuptools.build_meta", [], _SETUPTOOLS_61),
    "missing-build-requirement": (
        "setuptools.build_meta",
        [],
        ["setuptools>=61", "bp-not-on-any-index>=1"],
    ),
}
#: tree -> setup_requires of its setup.cfg, for setup.py trees.
SETUP_CFG_REQUIRES = {
    "setup-py-only": [],
    "setup-requires-py": [],
    "setup-requires-cfg": ["bp-build-helper"],
    "setup-requires-pbr": [],
    "c-extension": [],
}


def test_build_info_facts_cover_every_tree_that_has_a_build_system() -> None:
    readable = {
        p.tree
        for p in BUILD_PROJECTS.values()
        if p.tree not in ("broken-toml", "no-requires", "invalid-requirement")
        and p.interface != "none"
    }
    assert readable == set(PYPROJECT_FACTS) | set(SETUP_CFG_REQUIRES)
    assert {p.tree for p in LEGACY} == set(SETUP_CFG_REQUIRES)


@pytest.mark.parametrize("tree_name", sorted(PYPROJECT_FACTS))
def test_build_info_static_of_pyproject_trees(run_inst, tree_name: str) -> None:
    backend, backend_path, static = PYPROJECT_FACTS[tree_name]
    tree = BUILD_PROJECTS[tree_name].path  # --static runs nothing: no copy needed
    run = run_inst("build-info", "--json", "--static", str(tree))
    assert run.code == 0, run.err
    info = pop_choice_keys(json.loads(run.out))
    decided_by = info.pop("decided_by")
    assert decided_by[0] == "the tree has pyproject.toml"
    assert info == {
        "project": str(tree),
        "interface": "pyproject.toml",
        "backend": backend,
        "backend_path": backend_path,
        "build_isolation": True,
        "static_requirements": static,
    }


@pytest.mark.parametrize("tree_name", sorted(SETUP_CFG_REQUIRES))
def test_build_info_static_of_setup_py_trees(run_inst, tree_name: str) -> None:
    tree = BUILD_PROJECTS[tree_name].path
    run = run_inst("build-info", "--json", "--static", str(tree))
    assert run.code == 0, run.err
    assert pop_choice_keys(json.loads(run.out)) == {
        "project": str(tree),
        "interface": "setup.py",
        "decided_by": ["the tree has setup.py and no pyproject.toml"],
        "backend": "setuptools (setup.py)",
        "backend_path": [],
        "build_isolation": True,
        "static_requirements": ["setuptools>=40.8.0"],
        "setup_requires_setup_cfg": SETUP_CFG_REQUIRES[tree_name],
    }


@pytest.mark.parametrize(
    "args, env, reason",
    [
        (["--use-pep517"], {}, "--use-pep517"),
        ([], {"INST_USE_PEP517": "1"}, "INST_USE_PEP517"),
        (["-C", "bp-key=bp-value"], {}, "-C"),
    ],
    ids=["flag", "env", "config-settings"],
)
def test_build_info_what_switches_a_setup_py_tree_to_pyproject(
    run_inst, args: list[str], env: dict[str, str], reason: str
) -> None:
    tree = BUILD_PROJECTS["setup-requires-cfg"].path
    run = run_inst("build-info", "--json", "--static", *args, str(tree), env=env)
    assert run.code == 0, run.err
    info = json.loads(run.out)
    assert info["interface"] == "pyproject.toml"
    assert info["backend"] == _LEGACY_BACKEND
    assert info["static_requirements"] == _DEFAULT
    assert "setup_requires_setup_cfg" not in info
    assert any(reason in why for why in info["decided_by"]), info["decided_by"]


def test_build_info_text_and_no_build_isolation(run_inst) -> None:
    tree = BUILD_PROJECTS["in-tree-backend"].path
    run = run_inst("build-info", "--static", "--no-build-isolation", str(tree))
    assert run.code == 0, run.err
    out = lines(run.out)
    assert out[:3] == [
        f"Project: {tree}",
        "Name: bp-in-tree-backend (pyproject.toml [project] name)",
        "Interface: pyproject.toml",
    ]
    assert out[3].startswith("Decided by: the tree has pyproject.toml")
    assert out[4:] == [
        "Backend: bp_backend",
        "Backend path: _backend",
        "Build isolation: off",
        "Static build requirements: setuptools>=61",
        BUILT_IN_LINE,
    ]
    run = run_inst(
        "build-info", "--json", "--static", "--no-build-isolation", str(tree)
    )
    assert json.loads(run.out)["build_isolation"] is False


def test_build_info_asks_the_backend_for_dynamic_requirements(
    inst, tmp_path: Path
) -> None:
    tree = copy_project("dynamic-requires", tmp_path)
    run = inst("build-info", "--json", str(tree))
    assert run.code == 0, run.err
    info = json.loads(run.out)
    assert info["interface"] == "pyproject.toml"
    assert info["backend"] == "bp_dynamic_backend"
    assert info["static_requirements"] == _SETUPTOOLS_61
    assert info["dynamic_requirements"] == ["bp-build-helper"]
    assert info["build_environment"]["distributions"] == [
        "bp-build-helper-1.0",
        "setuptools-84.2.1",
    ]
    assert Path(info["build_environment"]["python"]).is_file()


def test_build_info_text_of_a_legacy_tree_with_setup_requires(
    inst, tmp_path: Path
) -> None:
    tree = copy_project("setup-requires-py", tmp_path)
    run = inst("build-info", str(tree))
    assert run.code == 0, run.err
    assert lines(run.out) == [
        f"Project: {tree}",
        "Name: bp-setup-requires-py (setup.py setup(name=...))",
        "Interface: setup.py",
        "Decided by: the tree has setup.py and no pyproject.toml",
        "Backend: setuptools (setup.py)",
        "Build isolation: on",
        "Static build requirements: setuptools>=40.8.0",
        "Dynamic build requirements: bp-build-helper",
        "setup_requires: bp-build-helper",
        "Build environment: bp-build-helper-1.0, setuptools-84.2.1",
        BUILT_IN_LINE,
    ]
    assert_no_fetching_litter(tree)

    # through the legacy PEP 517 backend setuptools reports setup_requires itself
    run = inst("build-info", "--use-pep517", str(tree))
    assert run.code == 0, run.err
    out = lines(run.out)
    assert "Interface: pyproject.toml" in out
    assert f"Backend: {_LEGACY_BACKEND}" in out
    assert "Dynamic build requirements: bp-build-helper" in out
    assert not any(line.startswith("setup_requires") for line in out)
    assert_no_fetching_litter(tree)


@pytest.mark.parametrize(
    "tree_name", ["broken-toml", "no-requires", "invalid-requirement", "neither"]
)
def test_build_info_of_a_tree_it_cannot_read(run_inst, tree_name: str) -> None:
    tree = BUILD_PROJECTS[tree_name].path
    run = run_inst("build-info", "--static", str(tree))
    assert_build_error(run, *FAILURES[tree_name]["fragments"])
    assert run.out == ""

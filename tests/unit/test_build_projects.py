"""The build-layer test trees (tests_data/build-projects) and their harness.

Static checks only, plus the one stdlib-only in-tree backend: the trees are
built with real backends by the build-layer tests themselves.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from installer.sources import WheelFile
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

from harness import build_projects as bi
from harness import make_wheel, parse_metadata, read_metadata
from harness.trees import files

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

README = bi.BUILD_PROJECTS_DIR / "README.md"
GOOD = sorted(tree for tree, p in bi.BUILD_PROJECTS.items() if not p.broken)
BROKEN = sorted(tree for tree, p in bi.BUILD_PROJECTS.items() if p.broken)
PYPROJECT_TREES = sorted(
    tree
    for tree, p in bi.BUILD_PROJECTS.items()
    if (p.path / "pyproject.toml").is_file()
)


def _readme_rows() -> dict[str, list[str]]:
    """{tree: cells} of every table row whose first cell is a `tree`."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`([^`]+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = [c.strip() for c in match.group(2).split("|")]
    return rows


def _load_pyproject(tree: str) -> dict[str, object]:
    with open(bi.BUILD_PROJECTS_DIR / tree / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


# --- the trees -------------------------------------------------------------


def test_readme_catalogue_and_directories_agree() -> None:
    on_disk = {
        p.name
        for p in bi.BUILD_PROJECTS_DIR.iterdir()
        if p.is_dir() and not p.name.startswith("_")
    }
    rows = _readme_rows()
    assert set(rows) == set(bi.BUILD_PROJECTS) == on_disk
    for tree, cells in rows.items():
        project = bi.BUILD_PROJECTS[tree]
        assert cells[0] == project.interface, tree
        if not project.broken:
            assert cells[1] == f"`{project.name}`", tree
            assert cells[2] == f"`{project.module}`", tree


@pytest.mark.parametrize("tree", sorted(bi.BUILD_PROJECTS))
def test_interface_matches_the_files(tree: str) -> None:
    project = bi.BUILD_PROJECTS[tree]
    has_pyproject = (project.path / "pyproject.toml").is_file()
    has_setup_py = (project.path / "setup.py").is_file()
    expected = "pyproject" if has_pyproject else "setup.py" if has_setup_py else "none"
    assert project.interface == expected


@pytest.mark.parametrize("tree", PYPROJECT_TREES)
def test_pyproject_toml_parses_unless_meant_not_to(tree: str) -> None:
    if tree == "broken-toml":
        with pytest.raises(tomllib.TOMLDecodeError):
            _load_pyproject(tree)
    else:
        assert isinstance(_load_pyproject(tree), dict)


@pytest.mark.parametrize("tree", GOOD)
def test_good_tree_declares_its_name_and_marker(tree: str) -> None:
    project = bi.BUILD_PROJECTS[tree]
    assert project.name is not None and project.name.startswith("bp-")
    assert project.version == "1.0"
    texts = {
        path: path.read_text(encoding="utf-8")
        for path in project.path.rglob("*")
        if path.is_file()
    }
    sources = "".join(texts.values())
    assert project.name in sources
    assert f'"{tree}"' in sources  # what hello() returns
    package = [p for p in texts if p.parent.name == project.module]
    assert any(p.name == "__init__.py" for p in package), tree
    if tree in PYPROJECT_TREES and "project" in _load_pyproject(tree):
        table = _load_pyproject(tree)["project"]
        assert isinstance(table, dict)
        assert (table["name"], table["version"]) == (project.name, project.version)


def test_tree_names_are_distinct() -> None:
    names = [canonicalize_name(p.name) for p in bi.BUILD_PROJECTS.values() if p.name]
    modules = [p.module for p in bi.BUILD_PROJECTS.values() if p.module]
    assert len(names) == len(set(names))
    assert len(modules) == len(set(modules))


def test_no_build_litter_in_tests_data() -> None:
    litter = [
        path.relative_to(bi.BUILD_PROJECTS_DIR).as_posix()
        for path in bi.BUILD_PROJECTS_DIR.rglob("*")
        if path.name in bi.LITTER_DIRS
        or any(path.match(glob) for glob in bi.LITTER_GLOBS)
        or path.name in ("AUTHORS", "ChangeLog")
    ]
    assert litter == [], "build copies (copy_project), never tests_data itself"


# --- build requirements are all on the local find-links ---------------------


@pytest.fixture(scope="module")
def find_links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return bi.build_find_links(tmp_path_factory.mktemp("build-projects"))


def _available(find_links: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for wheel in find_links.glob("*.whl"):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        found.setdefault(name, []).append(str(version))
    return found


def _satisfiable(requirement: str, available: dict[str, list[str]]) -> bool:
    req = Requirement(requirement)
    versions = available.get(canonicalize_name(req.name), [])
    return any(req.specifier.contains(v, prereleases=True) for v in versions)


@pytest.mark.parametrize("tree", [t for t in GOOD if t in PYPROJECT_TREES])
def test_build_requirements_of_good_trees_are_available(
    tree: str, find_links: Path
) -> None:
    build_system = _load_pyproject(tree).get("build-system", {})
    assert isinstance(build_system, dict)
    requires = build_system.get("requires", ["setuptools>=40.8.0"])
    if tree == "dynamic-requires":
        requires = [*requires, bi.HELPER_NAME]
    available = _available(find_links)
    for requirement in requires:
        assert _satisfiable(requirement, available), (tree, requirement)


def test_missing_build_requirement_is_really_missing(find_links: Path) -> None:
    build_system = _load_pyproject("missing-build-requirement")["build-system"]
    assert isinstance(build_system, dict)
    available = _available(find_links)
    missing = [r for r in build_system["requires"] if not _satisfiable(r, available)]
    assert missing == ["bp-not-on-any-index>=1"]


# --- harness: build_find_links, the helper, copy_project ---------------------


def test_build_find_links_holds_backend_wheels_and_helper(tmp_path: Path) -> None:
    dest = bi.build_find_links(tmp_path)
    assert dest == tmp_path / "build-find-links"
    expected = {*bi.pinned_backend_wheels(), bi.HELPER_WHEEL}
    assert {p.name for p in dest.iterdir()} == expected
    for name in bi.pinned_backend_wheels():
        assert (dest / name).read_bytes() == (bi.BACKEND_WHEELS_DIR / name).read_bytes()
    # Again, with an extra wheel: nothing breaks, the extra joins in.
    extra = make_wheel(tmp_path / "extra", "bp-extra", "2.0")
    assert bi.build_find_links(tmp_path, [extra]) == dest
    assert {p.name for p in dest.iterdir()} == expected | {extra.name}


def test_missing_backend_wheels_fail_with_the_fetch_hint(tmp_path: Path) -> None:
    with pytest.raises(bi.BackendWheelsMissing, match=bi.FETCH_HINT):
        bi.build_find_links(tmp_path, backend_wheels=tmp_path / "nowhere")


def test_helper_wheel_is_valid_and_stamps(tmp_path: Path) -> None:
    wheel = bi.make_helper_wheel(tmp_path / "wheels")
    assert wheel.name == bi.HELPER_WHEEL
    with WheelFile.open(wheel) as source:
        source.validate_record()
    metadata = parse_metadata(read_metadata(wheel))
    assert (metadata["Name"], metadata["Version"]) == (bi.HELPER_NAME, "1.0")

    with zipfile.ZipFile(wheel) as zf:
        module_file = tmp_path / "bp_build_helper.py"
        module_file.write_bytes(zf.read("bp_build_helper.py"))
    spec = importlib.util.spec_from_file_location("bp_build_helper", module_file)
    assert spec is not None and spec.loader is not None
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)

    package = tmp_path / "built" / "pkg"
    written = helper.stamp(package)
    assert written == os.path.join(str(package), "_stamp.py")
    assert (package / bi.HELPER_STAMP_FILE).read_text(
        encoding="utf-8"
    ) == bi.HELPER_STAMP_TEXT
    assert helper.stamp(str(package)) == written  # str works, overwrites


def test_copy_project_copies_the_tree(tmp_path: Path) -> None:
    copy = bi.copy_project("dynamic-requires", tmp_path)
    assert copy == tmp_path / "dynamic-requires"
    source = bi.BUILD_PROJECTS["dynamic-requires"].path
    assert files(copy) == files(source)
    for rel in files(source):
        assert (copy / rel).read_bytes() == (source / rel).read_bytes()
    second = bi.copy_project("dynamic-requires", tmp_path, dest_name="again")
    assert second == tmp_path / "again" and (second / "pyproject.toml").is_file()
    with pytest.raises(FileExistsError):
        bi.copy_project("dynamic-requires", tmp_path)


@pytest.mark.parametrize("name", ["no-such-tree", "_bp-build-helper", "../projects"])
def test_copy_project_rejects_unknown_trees(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="no build project"):
        bi.copy_project(name, tmp_path)


def test_copy_project_leaves_build_litter_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "fake-projects" / "setup-py-only"
    for rel in [
        "setup.py",
        "bp_setup_py_only/__init__.py",
        "bp_setup_py_only/__pycache__/__init__.cpython-311.pyc",
        "build/lib/bp_setup_py_only/__init__.py",
        "bp_setup_py_only.egg-info/PKG-INFO",
        ".eggs/README.txt",
    ]:
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        (fake / rel).write_text("x", encoding="utf-8")
    monkeypatch.setattr(bi, "BUILD_PROJECTS_DIR", fake.parent)
    copy = bi.copy_project("setup-py-only", tmp_path / "out")
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*")) == [
        "bp_setup_py_only",
        "bp_setup_py_only/__init__.py",
        "setup.py",
    ]


# --- the one backend that needs nothing but the standard library -------------


def test_no_prepare_metadata_backend_writes_a_valid_wheel(tmp_path: Path) -> None:
    tree = bi.copy_project("no-prepare-metadata", tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import sys; sys.path.insert(0, '_backend'); import bp_wheel_only_backend as b; "
        "assert not hasattr(b, 'prepare_metadata_for_build_wheel'); "
        "assert b.get_requires_for_build_wheel() == []; "
        "print(b.build_wheel(sys.argv[1]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    wheel = out / result.stdout.strip()
    assert wheel.name == "bp_no_prepare_metadata-1.0-py3-none-any.whl"
    with WheelFile.open(wheel) as source:
        source.validate_record()
    metadata = parse_metadata(read_metadata(wheel))
    assert (metadata["Name"], metadata["Version"]) == ("bp-no-prepare-metadata", "1.0")
    with zipfile.ZipFile(wheel) as zf:
        assert "bp_no_prepare_metadata/__init__.py" in zf.namelist()

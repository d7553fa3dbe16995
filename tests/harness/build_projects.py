"""Source trees built by real build backends, and the wheels their builds need.

tests_data/build-projects/ holds one small project per build scenario (see its
README.md); BUILD_PROJECTS below describes each. Tests build copies made with
copy_project(), never the trees themselves: setuptools writes build/ and
*.egg-info next to the sources.

build_find_links() makes a flat --find-links directory with every pinned
backend wheel (tests_data/backend-wheels, fetched by tools/fetch_backends.py)
plus bp_build_helper-1.0-py3-none-any.whl, the build-time-only helper some
trees need. Missing backend wheels are an error, never a skip, as in
tests/unit/test_backend_wheels.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .dists import make_wheel

REPO = Path(__file__).resolve().parents[2]
BUILD_PROJECTS_DIR = REPO / "tests_data" / "build-projects"
BACKEND_WHEELS_DIR = REPO / "tests_data" / "backend-wheels"
BACKEND_PINS_FILE = REPO / "tools" / "backend-wheels.txt"
FETCH_HINT = "run python tools/fetch_backends.py"

HELPER_NAME = "bp-build-helper"
HELPER_VERSION = "1.0"
HELPER_MODULE = "bp_build_helper"
HELPER_SOURCE = BUILD_PROJECTS_DIR / "_bp-build-helper" / f"{HELPER_MODULE}.py"
HELPER_WHEEL = f"{HELPER_MODULE}-{HELPER_VERSION}-py3-none-any.whl"
#: What bp_build_helper.stamp(package_dir) writes to package_dir/_stamp.py.
HELPER_STAMP_FILE = "_stamp.py"
HELPER_STAMP_TEXT = f'STAMP = "{HELPER_NAME} {HELPER_VERSION}"\n'

# Build litter copy_project() leaves behind (and no tree may contain).
LITTER_DIRS = ("build", "dist", ".eggs", "__pycache__")
LITTER_GLOBS = ("*.egg-info", "*.pyc", "*.pyo", "*.so", "*.pyd")


class BackendWheelsMissing(RuntimeError):
    """tests_data/backend-wheels lacks pinned wheels (fetch them; tests don't skip)."""


@dataclass(frozen=True)
class BuildProject:
    """One tree in tests_data/build-projects.

    interface: what inst must use: "pyproject" (pyproject.toml exists),
    "setup.py" (only setup.py) or "none" (neither: an error).
    name/version: the built distribution's metadata, None where no build can
    succeed. module: the importable top-level name; hello() there returns tree.
    broken: building must fail. env: variables the test must set for a build.
    stamped: the installed package holds _stamp.py written by bp-build-helper.
    """

    tree: str
    interface: str
    name: str | None
    version: str | None = "1.0"
    module: str | None = None
    broken: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    stamped: bool = False

    @property
    def path(self) -> Path:
        return BUILD_PROJECTS_DIR / self.tree


def _good(
    tree: str,
    interface: str,
    name: str,
    module: str,
    *,
    env: Mapping[str, str] | None = None,
    stamped: bool = False,
) -> BuildProject:
    return BuildProject(
        tree, interface, name, module=module, env=env or {}, stamped=stamped
    )


def _broken(tree: str, interface: str = "pyproject") -> BuildProject:
    return BuildProject(tree, interface, None, version=None, broken=True)


BUILD_PROJECTS: dict[str, BuildProject] = {
    p.tree: p
    for p in [
        _good(
            "setuptools-pyproject",
            "pyproject",
            "bp-setuptools-pyproject",
            "bp_setuptools_pyproject",
        ),
        _good(
            "second-setuptools-project",
            "pyproject",
            "bp-second-setuptools-project",
            "bp_second_setuptools_project",
        ),
        _good(
            "no-build-backend",
            "pyproject",
            "bp-no-build-backend",
            "bp_no_build_backend",
        ),
        _good(
            "no-build-system",
            "pyproject",
            "bp-no-build-system",
            "bp_no_build_system",
        ),
        _good("flit-project", "pyproject", "bp-flit-project", "bp_flit_project"),
        _good("hatch-project", "pyproject", "bp-hatch-project", "bp_hatch_project"),
        _good(
            "in-tree-backend",
            "pyproject",
            "bp-in-tree-backend",
            "bp_in_tree_backend",
        ),
        _good(
            "dynamic-requires",
            "pyproject",
            "bp-dynamic-requires",
            "bp_dynamic_requires",
            stamped=True,
        ),
        _good(
            "no-prepare-metadata",
            "pyproject",
            "bp-no-prepare-metadata",
            "bp_no_prepare_metadata",
        ),
        _good("setup-py-only", "setup.py", "bp-setup-py-only", "bp_setup_py_only"),
        _good(
            "setup-requires-py",
            "setup.py",
            "bp-setup-requires-py",
            "bp_setup_requires_py",
            stamped=True,
        ),
        _good(
            "setup-requires-cfg",
            "setup.py",
            "bp-setup-requires-cfg",
            "bp_setup_requires_cfg",
            stamped=True,
        ),
        _good(
            "setup-requires-pbr",
            "setup.py",
            "bp-pbr",
            "bp_pbr",
            env={"PBR_VERSION": "1.0"},
        ),
        _good("c-extension", "setup.py", "bp-c-extension", "bp_cext"),
        _good("editable-src", "pyproject", "bp-editable-src", "bp_editable"),
        _broken("broken-toml"),
        _broken("backend-raises"),
        _broken("backend-missing"),
        _broken("missing-build-requirement"),
        _broken("no-requires"),
        _broken("invalid-requirement"),
        _broken("neither", "none"),
        _broken("import-error"),
    ]
}


def pinned_backend_wheels(pins_file: Path = BACKEND_PINS_FILE) -> list[str]:
    """File names of the pinned backend wheels ("... # <file name>" per pin line)."""
    names = []
    for line in pins_file.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.rsplit("#", 1)[1].strip())
    return names


def make_helper_wheel(dest_dir: Path) -> Path:
    """bp_build_helper-1.0-py3-none-any.whl (the module from _bp-build-helper/)."""
    source = HELPER_SOURCE.read_text(encoding="utf-8")
    return make_wheel(
        dest_dir,
        HELPER_NAME,
        HELPER_VERSION,
        files={f"{HELPER_MODULE}.py": source},
        summary="Build-time-only helper of inst's build-layer test trees",
    )


def _link_or_copy(source: Path, target: Path) -> None:
    if target.exists():
        return
    try:
        os.link(source, target)
    except OSError:  # another filesystem, or no hard links there
        shutil.copyfile(source, target)


def build_find_links(
    tmp_path: Path,
    extra: Iterable[Path] = (),
    *,
    backend_wheels: Path = BACKEND_WHEELS_DIR,
) -> Path:
    """tmp_path/build-find-links: every backend wheel, the helper wheel and extra.

    Backend wheels are hard links (copies across filesystems) into tests_data:
    never modify them. Raises BackendWheelsMissing, with the fetch hint, when a
    pinned wheel is absent. Calling it again with the same tmp_path is harmless.
    """
    pinned = pinned_backend_wheels()
    missing = [name for name in pinned if not (backend_wheels / name).is_file()]
    if missing:
        raise BackendWheelsMissing(
            f"{backend_wheels} lacks {len(missing)} pinned wheel(s) "
            f"({', '.join(missing)}): {FETCH_HINT}"
        )
    dest = Path(tmp_path) / "build-find-links"
    dest.mkdir(parents=True, exist_ok=True)
    for wheel in sorted(backend_wheels.glob("*.whl")):
        _link_or_copy(wheel, dest / wheel.name)
    make_helper_wheel(dest)
    for dist in extra:
        dist = Path(dist)
        if (dest / dist.name).resolve() != dist.resolve():
            shutil.copyfile(dist, dest / dist.name)
    return dest


def copy_project(name: str, tmp_path: Path, *, dest_name: str | None = None) -> Path:
    """Copy the tree tests_data/build-projects/<name> to tmp_path/<dest_name or name>.

    Build litter (build/, *.egg-info, __pycache__, ...) is not copied. The
    destination must not exist yet; pass dest_name for a second copy.
    """
    if name not in BUILD_PROJECTS:
        raise ValueError(
            f"no build project {name!r}; known: {', '.join(sorted(BUILD_PROJECTS))}"
        )
    dest = Path(tmp_path) / (dest_name or name)
    shutil.copytree(
        BUILD_PROJECTS_DIR / name,
        dest,
        ignore=shutil.ignore_patterns(*LITTER_DIRS, *LITTER_GLOBS),
    )
    return dest


# -- checks of a build run (shared by the build-layer functional tests) ---------------


def inst_traceback(run) -> bool:
    """Whether inst itself showed a traceback (a build's own output, shown with
    "  | " in front of each line, may hold one)."""
    return any(
        line.startswith("Traceback") for line in (run.out + run.err).splitlines()
    )


def assert_ok(run) -> None:
    assert run.code == 0, (run.out, run.err)
    assert not inst_traceback(run), run.err


def assert_one_error(run, *fragments: str) -> None:
    assert run.code == 1, (run.out, run.err)
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert not inst_traceback(run), run.err
    for fragment in fragments:
        assert fragment in run.err, run.err

"""Isolated build environments and the wheel cache, through the real ``inst`` command.

Every build uses real backends from the pinned wheels of ``build_find_links()`` with
``--no-index``. Isolated builds run in venvs kept under ``<cache>/build-envs/<2 hex>/
<32 hex>/``, keyed by the exact resolved build requirements, each with a stamp
(``inst-build-env.json``: size and mtime of every file); wheels built from sdists are
kept under ``<cache>/wheels/``, keyed by the sdist's sha256, the interpreter and the
build options. Tests that count environments or cached wheels get a cache of their
own; the others share one per module, so most environments are made only once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import VirtualEnv, make_wheel, sdist_from_tree
from harness.build_projects import (
    assert_ok,
    assert_one_error,
    build_find_links,
    copy_project,
)
from harness.fault_backends import command_lines
from harness.trees import differences, snapshot

pytestmark = [
    pytest.mark.slow,  # every test builds with real backends
    pytest.mark.skipif(
        sys.version_info < (3, 10), reason="setuptools 84.2.1 needs Python >= 3.10"
    ),
]

STAMP_FILE = "inst-build-env.json"
#: inst's lock/journal directory in every target's site-packages.
STATE_DIR = ".inst"
NEW_ENV = "Installing build dependencies: "
REUSED_ENV = "Using cached build environment: "
CHANGED = "was changed; making it again"
SETUPTOOLS = "setuptools-84.2.1-py3-none-any.whl"
SECOND = "bp-second-setuptools-project"
SECOND_SDIST = "bp_second_setuptools_project-1.0.tar.gz"
SECOND_WHEEL = "bp_second_setuptools_project-1.0-py3-none-any.whl"
BUILDING_SECOND = f"Building wheel for {SECOND} (pyproject.toml) ... done"
PY_DIR = "python{}.{}".format(*sys.version_info[:2])


# --- fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_find_links(tmp_path_factory.mktemp("links"))


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache for tests that do not depend on what it holds."""
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture(scope="module")
def sdists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A find-links directory holding an sdist of second-setuptools-project."""
    root = tmp_path_factory.mktemp("sdist-sources")
    dest = tmp_path_factory.mktemp("sdists")
    sdist_from_tree(copy_project("second-setuptools-project", root), dest)
    return dest


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """TMPDIR of every run: inst's work and build directories go there."""
    path = tmp_path / "tmpdir"
    path.mkdir()
    return path


@pytest.fixture
def inst(run_inst, links: Path, scratch: Path):
    """inst("install", ..., cache=DIR, find_links=[...]) with --no-index, the build
    find-links (and find_links), --cache-dir DIR and TMPDIR=scratch."""

    def run(*args: str, cache: Path, find_links=(), env=None, **kw):
        command, rest = args[0], args[1:]
        extra = [arg for where in find_links for arg in ("-f", str(where))]
        return run_inst(
            command,
            "--no-index",
            "-f",
            str(links),
            *extra,
            "--cache-dir",
            str(cache),
            *rest,
            env={"TMPDIR": str(scratch), **(env or {})},
            timeout=240,
            **kw,
        )

    return run


# --- helpers -----------------------------------------------------------------------


def env_dirs(cache: Path) -> list[Path]:
    """The build environments under cache (lock files left out)."""
    root = cache / "build-envs"
    if not root.is_dir():
        return []
    return sorted(
        env
        for outer in root.iterdir()
        if outer.is_dir()
        for env in outer.iterdir()
        if env.is_dir() and not env.name.startswith(".")  # .<key>.lock
    )


def stamp(env: Path) -> dict:
    return json.loads((env / STAMP_FILE).read_text(encoding="utf-8"))


def current_files(env: Path) -> dict[str, list[int]]:
    """What a stamp records, measured now: size and mtime of every file but
    __pycache__/, .inst/ and the stamp itself."""
    found: dict[str, list[int]] = {}
    for directory, dirs, names in os.walk(env):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".inst")]
        for name in names:
            if name.startswith(STAMP_FILE):
                continue
            full = os.path.join(directory, name)
            info = os.lstat(full)
            found[os.path.relpath(full, env)] = [info.st_size, info.st_mtime_ns]
    return found


def site_packages(env: Path) -> Path:
    return env / "lib" / PY_DIR / "site-packages"


def env_lines(run) -> list[str]:
    """The build environment lines of a run, in order."""
    return [
        line
        for line in (run.out + run.err).splitlines()
        if line.startswith((NEW_ENV, REUSED_ENV))
    ]


def env_used(run) -> str:
    """What the (one) build environment of a run held: "setuptools-84.2.1"."""
    (line,) = env_lines(run)
    return line.split(": ", 1)[1]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cached_wheels(cache: Path) -> list[Path]:
    """The wheels in the wheel cache, and the directories holding them."""
    root = cache / "wheels"
    found = root.rglob("*") if root.is_dir() else []
    return sorted(p for p in found if p.is_dir() or p.suffix == ".whl")


def dist_info(venv: VirtualEnv, name: str) -> Path:
    (found,) = venv.site_packages.glob(f"{name.replace('-', '_')}-*.dist-info")
    return found


# --- reuse -------------------------------------------------------------------------


def test_projects_with_the_same_build_system_share_one_environment(
    inst, tmp_path: Path, cache: Path
) -> None:
    first = copy_project("setuptools-pyproject", tmp_path)
    second = copy_project("second-setuptools-project", tmp_path)

    run = inst("wheel", "-w", str(tmp_path / "out"), str(first), cache=cache)
    assert_ok(run)
    assert env_lines(run) == [NEW_ENV + "setuptools-84.2.1"]
    (env,) = env_dirs(cache)
    assert len(env.parent.name) == 2 and len(env.name) == 32
    assert int(env.parent.name + env.name, 16) >= 0  # hex digits only
    assert stamp(env)["pins"] == ["setuptools-84.2.1"]

    run = inst("wheel", "-w", str(tmp_path / "out"), str(second), cache=cache)
    assert_ok(run)
    assert env_lines(run) == []  # reuse says nothing at normal verbosity
    assert BUILDING_SECOND in run.out
    assert env_dirs(cache) == [env]

    run = inst("wheel", "-v", "-w", str(tmp_path / "out"), str(second), cache=cache)
    assert_ok(run)
    assert env_lines(run) == [REUSED_ENV + "setuptools-84.2.1"]
    assert env_dirs(cache) == [env]
    assert CHANGED not in run.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        SECOND_WHEEL,
        "bp_setuptools_pyproject-1.0-py3-none-any.whl",
    ]


def test_the_environment_holds_exactly_the_pins_and_no_pip(
    inst, tmp_path: Path, shared_cache: Path
) -> None:
    tree = copy_project("second-setuptools-project", tmp_path)
    run = inst(
        "wheel", "-v", "-w", str(tmp_path / "out"), str(tree), cache=shared_cache
    )
    assert_ok(run)
    assert env_used(run) == "setuptools-84.2.1"
    (env,) = [
        e for e in env_dirs(shared_cache) if stamp(e)["pins"] == ["setuptools-84.2.1"]
    ]
    installed = sorted(p.name for p in site_packages(env).glob("*.dist-info"))
    assert installed == ["setuptools-84.2.1.dist-info"]
    assert not (env / "bin" / "pip").exists()
    assert stamp(env)["files"] == current_files(env)


# --- an environment found changed, or never finished --------------------------------


def _append(env: Path) -> Path:
    target = site_packages(env) / "setuptools" / "__init__.py"
    # Files linked from the cache are read-only: an owner who insists makes it
    # writable first (root need not), and so edits the cache's copy as well.
    target.chmod(0o644)
    with open(target, "a", encoding="utf-8") as stream:
        stream.write("\nTAMPERED = True\n")
    return target


def _add(env: Path) -> Path:
    target = site_packages(env) / "sneaky.py"
    target.write_text("TAMPERED = True\n", encoding="utf-8")
    return target


def _remove(env: Path) -> Path:
    target = site_packages(env) / "setuptools" / "build_meta.py"
    target.unlink()
    return target


@pytest.mark.parametrize(
    "change", [_append, _add, _remove], ids=["edit", "add", "remove"]
)
def test_a_changed_environment_is_made_again(
    inst, tmp_path: Path, cache: Path, links: Path, change
) -> None:
    tree = copy_project("second-setuptools-project", tmp_path)
    out = str(tmp_path / "out")
    assert_ok(inst("wheel", "-w", out, str(tree), cache=cache))
    (env,) = env_dirs(cache)
    target = change(env)

    run = inst("wheel", "-w", out, str(tree), cache=cache)
    assert_ok(run)
    warnings = [line for line in run.err.splitlines() if CHANGED in line]
    assert len(warnings) == 1, run.err
    assert warnings[0].startswith("warning:")
    assert str(env) in warnings[0]
    assert env_lines(run) == [NEW_ENV + "setuptools-84.2.1"]
    assert BUILDING_SECOND in run.out
    assert env_dirs(cache) == [env]
    assert stamp(env)["files"] == current_files(env)

    # the change is gone: the files are those of the setuptools wheel again (also
    # when the environment's files are hard links into the cache of unpacked wheels)
    member = target.relative_to(site_packages(env)).as_posix()
    with zipfile.ZipFile(links / SETUPTOOLS) as wheel:
        names = set(wheel.namelist())
        if member in names:
            assert target.read_bytes() == wheel.read(member)
        else:
            assert not target.exists()

    run = inst("wheel", "-v", "-w", out, str(tree), cache=cache)
    assert_ok(run)
    assert CHANGED not in run.err
    assert env_lines(run) == [REUSED_ENV + "setuptools-84.2.1"]


def test_an_environment_without_its_stamp_is_made_again(
    inst, tmp_path: Path, cache: Path
) -> None:
    """A stamp is written last: an environment without one was never finished (a
    crash, a kill) and is replaced as a whole, without a warning."""
    tree = copy_project("second-setuptools-project", tmp_path)
    out = str(tmp_path / "out")
    assert_ok(inst("wheel", "-w", out, str(tree), cache=cache))
    (env,) = env_dirs(cache)
    (env / STAMP_FILE).unlink()
    leftover = site_packages(env) / "half_installed.py"
    leftover.write_text("X = 1\n", encoding="utf-8")

    run = inst("wheel", "-w", out, str(tree), cache=cache)
    assert_ok(run)
    assert env_lines(run) == [NEW_ENV + "setuptools-84.2.1"]
    assert CHANGED not in run.err
    assert not leftover.exists()
    assert env_dirs(cache) == [env]
    assert stamp(env)["files"] == current_files(env)


# --- dynamic requirements ----------------------------------------------------------


def test_dynamic_requirements_get_an_environment_of_their_own(
    inst, tmp_path: Path, cache: Path
) -> None:
    tree = copy_project("dynamic-requires", tmp_path)
    out = tmp_path / "out"
    run = inst("wheel", "-w", str(out), str(tree), cache=cache)
    assert_ok(run)
    assert env_lines(run) == [
        NEW_ENV + "setuptools-84.2.1",
        NEW_ENV + "bp-build-helper-1.0, setuptools-84.2.1",
    ]
    envs = env_dirs(cache)
    assert len(envs) == 2
    assert sorted(stamp(env)["pins"] for env in envs) == [
        ["bp-build-helper-1.0", "setuptools-84.2.1"],
        ["setuptools-84.2.1"],
    ]
    # bp-build-helper was really used by build_wheel: the wheel is stamped
    (wheel,) = out.glob("bp_dynamic_requires-1.0-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("bp_dynamic_requires/_stamp.py") == (
            b'STAMP = "bp-build-helper 1.0"\n'
        )

    # both environments are reused next time
    run = inst("wheel", "-v", "-w", str(out), str(tree), cache=cache)
    assert_ok(run)
    assert env_lines(run) == [
        REUSED_ENV + "setuptools-84.2.1",
        REUSED_ENV + "bp-build-helper-1.0, setuptools-84.2.1",
    ]
    assert env_dirs(cache) == envs


# --- --no-build-isolation ----------------------------------------------------------


def test_no_build_isolation_needs_the_build_requirements_in_the_target(
    inst, tmp_path: Path, cache: Path, venv: VirtualEnv
) -> None:
    tree = copy_project("setuptools-pyproject", tmp_path)
    before = snapshot(venv.root, skip={STATE_DIR})
    run = inst(
        "install",
        "--python",
        str(venv.python),
        "--no-build-isolation",
        str(tree),
        cache=cache,
    )
    assert_one_error(
        run,
        "needs setuptools>=61, missing from the target environment",
        "--no-build-isolation",
    )
    after = snapshot(venv.root, skip={STATE_DIR})
    assert before == after, differences(before, after)
    assert env_dirs(cache) == []


def test_no_build_isolation_builds_in_the_target_environment(
    inst, tmp_path: Path, cache: Path, venv: VirtualEnv
) -> None:
    python = ["--python", str(venv.python)]
    assert_ok(inst("install", *python, "setuptools==84.2.1", cache=cache))
    assert venv.installed() == {"setuptools": "84.2.1"}

    tree = copy_project("setuptools-pyproject", tmp_path)
    run = inst("install", *python, "--no-build-isolation", str(tree), cache=cache)
    assert_ok(run)
    assert "Building wheel for bp-setuptools-pyproject (pyproject.toml) ... done" in (
        run.out
    )
    assert env_lines(run) == []
    assert env_dirs(cache) == []  # no isolated environment was made
    assert venv.installed() == {
        "setuptools": "84.2.1",
        "bp-setuptools-pyproject": "1.0",
    }
    code = "import bp_setuptools_pyproject as m; print(m.hello())"
    assert venv.run_code(code) == "setuptools-pyproject\n"

    # setup_requires missing from the target: an error naming it, nothing fetched
    tree = copy_project("setup-requires-py", tmp_path)
    before = snapshot(venv.root, skip={STATE_DIR})
    run = inst("install", *python, "--no-build-isolation", str(tree), cache=cache)
    assert_one_error(
        run,
        "the build of setup-requires-py needs bp-build-helper, missing from the "
        "target environment",
    )
    after = snapshot(venv.root, skip={STATE_DIR})
    assert before == after, differences(before, after)
    assert not (tree / ".eggs").exists()
    assert not list(tree.rglob("bp_build_helper*"))
    assert env_dirs(cache) == []


# --- --build-constraint, -c and --require-hashes ----------------------------------------


def test_build_constraints_pin_the_build_environment(
    inst, tmp_path: Path, shared_cache: Path
) -> None:
    tree = copy_project("setuptools-pyproject", tmp_path)
    pins = tmp_path / "pins.txt"
    # a constraint on something the build does not need installs nothing
    pins.write_text("setuptools==81.0.0\nwheel==0.48.0\n", encoding="utf-8")
    out = str(tmp_path / "out")

    run = inst(
        "wheel",
        "-v",
        "-w",
        out,
        "--build-constraint",
        str(pins),
        str(tree),
        cache=shared_cache,
    )
    assert_ok(run)
    assert env_used(run) == "setuptools-81.0.0"
    assert "Building wheel for bp-setuptools-pyproject (pyproject.toml) ... done" in (
        run.out
    )
    (env,) = [
        e for e in env_dirs(shared_cache) if "setuptools-81.0.0" in stamp(e)["pins"]
    ]
    assert stamp(env)["pins"] == ["setuptools-81.0.0"]
    assert sorted(p.name for p in site_packages(env).glob("*.dist-info")) == [
        "setuptools-81.0.0.dist-info"
    ]
    # -c constrains what is installed, never what builds use
    run = inst("wheel", "-v", "-w", out, "-c", str(pins), str(tree), cache=shared_cache)
    assert_ok(run)
    assert env_used(run) == "setuptools-84.2.1"


def test_build_constraints_that_cannot_be_met_are_an_error(
    inst, tmp_path: Path, shared_cache: Path
) -> None:
    tree = copy_project("setuptools-pyproject", tmp_path)
    pins = tmp_path / "pins.txt"
    pins.write_text("setuptools<61\n", encoding="utf-8")  # the tree needs >=61
    run = inst(
        "wheel",
        "-w",
        str(tmp_path / "out"),
        "--build-constraint",
        str(pins),
        str(tree),
        cache=shared_cache,
    )
    assert_one_error(run, "setuptools")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.fixture
def hashed_requirement(tmp_path: Path, sdists: Path) -> Path:
    sdist = sdists / SECOND_SDIST
    path = tmp_path / "requirements.txt"
    path.write_text(
        f"{SECOND} @ {sdist.as_uri()} --hash=sha256:{sha256_of(sdist)}\n",
        encoding="utf-8",
    )
    return path


def test_require_hashes_needs_hashes_for_build_requirements(
    inst, tmp_path: Path, cache: Path, hashed_requirement: Path
) -> None:
    out = tmp_path / "out"
    run = inst(
        "wheel",
        "-w",
        str(out),
        "--require-hashes",
        "-r",
        str(hashed_requirement),
        cache=cache,
    )
    assert_one_error(
        run,
        "in hash-checking mode, the build requirement setuptools 84.2.1 of "
        f"{SECOND} needs a hash",
        "--build-constraint",
    )
    assert not out.exists() or not list(out.iterdir())
    assert env_dirs(cache) == []
    assert cached_wheels(cache) == []


def test_require_hashes_with_hashed_build_constraints(
    inst, tmp_path: Path, cache: Path, links: Path, hashed_requirement: Path
) -> None:
    pins = tmp_path / "build-pins.txt"
    digest = sha256_of(links / SETUPTOOLS)
    pins.write_text(f"setuptools==84.2.1 --hash=sha256:{digest}\n", encoding="utf-8")
    out = tmp_path / "out"
    run = inst(
        "wheel",
        "-w",
        str(out),
        "--require-hashes",
        "-r",
        str(hashed_requirement),
        "--build-constraint",
        str(pins),
        cache=cache,
    )
    assert_ok(run)
    assert env_used(run) == "setuptools-84.2.1"
    assert f"Successfully built {SECOND}" in run.out
    assert [p.name for p in out.iterdir()] == [SECOND_WHEEL]


@pytest.mark.parametrize("mode", ["--require-hashes", "hashes-in-file-only"])
def test_a_build_requirement_with_a_wrong_hash_is_refused(
    inst, tmp_path: Path, cache: Path, hashed_requirement: Path, mode: str
) -> None:
    """A --hash in a build constraints file is checked, with or without
    --require-hashes."""
    pins = tmp_path / "build-pins.txt"
    wrong = hashlib.sha256(b"not setuptools").hexdigest()
    pins.write_text(f"setuptools==84.2.1 --hash=sha256:{wrong}\n", encoding="utf-8")
    out = tmp_path / "out"
    run = inst(
        "wheel",
        "-w",
        str(out),
        *(["--require-hashes"] if mode == "--require-hashes" else []),
        "-r",
        str(hashed_requirement),
        "--build-constraint",
        str(pins),
        cache=cache,
    )
    assert_one_error(run, "hash", wrong)
    assert env_dirs(cache) == []
    assert not out.exists() or not list(out.iterdir())


# --- the wheel cache -----------------------------------------------------------------


def test_a_wheel_built_from_an_index_sdist_is_cached(
    inst, venv_factory, cache: Path, sdists: Path
) -> None:
    first = venv_factory("first")
    run = inst(
        "install",
        "--python",
        str(first.python),
        SECOND,
        cache=cache,
        find_links=[sdists],
    )
    assert_ok(run)
    assert BUILDING_SECOND in run.out
    assert f"Successfully installed {SECOND}-1.0" in run.out
    (cached,) = [p for p in cached_wheels(cache) if p.is_file()]
    assert cached.name == SECOND_WHEEL
    assert len(cached.parent.parent.name) == 2

    # a fresh venv, the same cache: installed without building
    second = venv_factory("second")
    run = inst(
        "install",
        "--python",
        str(second.python),
        SECOND,
        cache=cache,
        find_links=[sdists],
    )
    assert_ok(run)
    assert "Building wheel" not in run.out
    assert "Preparing metadata" not in run.out
    assert f"Using cached wheel for {SECOND} (built through pyproject.toml)" in run.out
    assert f"Successfully installed {SECOND}-1.0" in run.out
    code = "import bp_second_setuptools_project as m; print(m.hello())"
    assert second.run_code(code) == "second-setuptools-project\n"
    assert [p for p in cached_wheels(cache) if p.is_file()] == [cached]

    # another -C value is another build, cached apart
    third = venv_factory("third")
    run = inst(
        "install",
        "--python",
        str(third.python),
        "-C",
        "flavour=mild",
        SECOND,
        cache=cache,
        find_links=[sdists],
    )
    assert_ok(run)
    assert BUILDING_SECOND in run.out
    assert len([p for p in cached_wheels(cache) if p.is_file()]) == 2

    # ...and that one is reused in turn
    fourth = venv_factory("fourth")
    run = inst(
        "install",
        "--python",
        str(fourth.python),
        "-C",
        "flavour=mild",
        SECOND,
        cache=cache,
        find_links=[sdists],
    )
    assert_ok(run)
    assert "Building wheel" not in run.out
    assert len([p for p in cached_wheels(cache) if p.is_file()]) == 2


def test_a_local_tree_is_built_every_time(
    inst, tmp_path: Path, venv_factory, cache: Path
) -> None:
    tree = copy_project("second-setuptools-project", tmp_path)
    for name in ("first", "second"):
        venv = venv_factory(name)
        run = inst("install", "--python", str(venv.python), str(tree), cache=cache)
        assert_ok(run)
        assert BUILDING_SECOND in run.out
        assert venv.installed() == {SECOND: "1.0"}
    assert cached_wheels(cache) == []


@pytest.mark.parametrize("spelling", ["path", "url"])
def test_an_sdist_named_by_path_or_url(
    inst, venv: VirtualEnv, shared_cache: Path, sdists: Path, spelling: str
) -> None:
    sdist = sdists / SECOND_SDIST
    requirement = str(sdist) if spelling == "path" else f"{SECOND} @ {sdist.as_uri()}"
    run = inst("install", "--python", str(venv.python), requirement, cache=shared_cache)
    assert_ok(run)
    assert f"Successfully installed {SECOND}-1.0" in run.out
    assert venv.installed() == {SECOND: "1.0"}
    direct_url = json.loads((dist_info(venv, SECOND) / "direct_url.json").read_text())
    assert direct_url["url"] == sdist.as_uri()
    assert direct_url["archive_info"]["hashes"] == {"sha256": sha256_of(sdist)}
    assert "dir_info" not in direct_url
    code = "import bp_second_setuptools_project as m; print(m.hello())"
    assert venv.run_code(code) == "second-setuptools-project\n"


def test_a_tree_named_by_url(
    inst, tmp_path: Path, venv: VirtualEnv, shared_cache: Path
) -> None:
    tree = copy_project("second-setuptools-project", tmp_path)
    run = inst(
        "install",
        "--python",
        str(venv.python),
        f"{SECOND} @ {tree.as_uri()}",
        cache=shared_cache,
    )
    assert_ok(run)
    assert BUILDING_SECOND in run.out
    direct_url = json.loads((dist_info(venv, SECOND) / "direct_url.json").read_text())
    assert direct_url["url"] == tree.as_uri()
    assert direct_url["dir_info"] == {}
    assert "archive_info" not in direct_url
    code = "import bp_second_setuptools_project as m; print(m.hello())"
    assert venv.run_code(code) == "second-setuptools-project\n"


# --- failures leave nothing half made -------------------------------------------------


FAILING_BACKEND = '''\
"""Metadata fine, build_wheel fails."""

import os
import shutil


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    dist_info = os.path.join(metadata_directory, "bp_fails_late-1.0.dist-info")
    os.makedirs(dist_info)
    with open(os.path.join(dist_info, "METADATA"), "w") as stream:
        stream.write("Metadata-Version: 2.1\\nName: bp-fails-late\\nVersion: 1.0\\n\\n")
    return os.path.basename(dist_info)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.join(wheel_directory, "partial.whl"), "wb") as stream:
        stream.write(b"half a wheel")
    raise RuntimeError("bp-fails-late failed on purpose")
'''


def failing_tree(root: Path) -> Path:
    tree = root / "fails-late"
    (tree / "_backend").mkdir(parents=True)
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "bp_fails_late_backend"\n'
        'backend-path = ["_backend"]\n\n'
        '[project]\nname = "bp-fails-late"\nversion = "1.0"\n',
        encoding="utf-8",
    )
    (tree / "_backend" / "bp_fails_late_backend.py").write_text(
        FAILING_BACKEND, encoding="utf-8"
    )
    return tree


def test_a_failed_sdist_build_caches_no_wheel(
    inst, tmp_path: Path, cache: Path, venv: VirtualEnv, scratch: Path
) -> None:
    dists = tmp_path / "dists"
    sdist_from_tree(failing_tree(tmp_path), dists)
    before = snapshot(venv.root, skip={STATE_DIR})
    run = inst(
        "install",
        "--python",
        str(venv.python),
        "bp-fails-late",
        cache=cache,
        find_links=[dists],
    )
    assert_one_error(run, "bp-fails-late")
    assert "bp-fails-late failed on purpose" in run.err
    assert cached_wheels(cache) == []
    after = snapshot(venv.root, skip={STATE_DIR})
    assert before == after, differences(before, after)
    # the environment itself was complete: it stays, stamped and intact
    for env in env_dirs(cache):
        assert stamp(env)["files"] == current_files(env)
    assert list(scratch.iterdir()) == []  # build and work directories removed


def broken_wheel(dest: Path) -> Path:
    """bp-broken-build-dep 1.0 with a module whose bytes don't match its RECORD."""
    wheel = make_wheel(
        dest, "bp-broken-build-dep", "1.0", files={"bp_broken_build_dep.py": "X = 1\n"}
    )
    with zipfile.ZipFile(wheel) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(wheel, "w") as archive:
        for info, data in members:
            if info.filename == "bp_broken_build_dep.py":
                data = b"X = 2\n"
            archive.writestr(info, data)
    return wheel


def test_an_environment_that_cannot_be_made_leaves_no_directory(
    inst, tmp_path: Path, cache: Path, scratch: Path
) -> None:
    broken_wheel(tmp_path / "broken")
    tree = copy_project("second-setuptools-project", tmp_path)
    pyproject = tree / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text(encoding="utf-8").replace(
            'requires = ["setuptools>=61"]',
            'requires = ["setuptools>=61", "bp-broken-build-dep"]',
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    for _ in range(2):  # and again: no leftover of the first attempt gets in the way
        run = inst(
            "wheel",
            "-w",
            str(out),
            str(tree),
            cache=cache,
            find_links=[tmp_path / "broken"],
        )
        assert_one_error(run, "bp_broken_build_dep")
        assert env_lines(run) == [
            NEW_ENV + "bp-broken-build-dep-1.0, setuptools-84.2.1"
        ]
        assert env_dirs(cache) == []
        assert not out.exists() or not list(out.iterdir())
        assert list(scratch.iterdir()) == []


# --- two runs at once ----------------------------------------------------------------


@dataclass(frozen=True)
class Finished:
    code: int
    out: str
    err: str


def test_two_runs_at_once_make_one_environment(
    cli_home, links: Path, tmp_path: Path, cache: Path, scratch: Path
) -> None:
    """The second waits for the first to finish the environment, then uses it."""
    trees = [
        copy_project("setuptools-pyproject", tmp_path),
        copy_project("second-setuptools-project", tmp_path),
    ]
    env = {**cli_home.env, "TMPDIR": str(scratch)}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "inst",
                "wheel",
                "--no-index",
                "-f",
                str(links),
                "--cache-dir",
                str(cache),
                "-w",
                str(tmp_path / f"out{i}"),
                str(tree),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, tree in enumerate(trees)
    ]
    runs = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        runs.append(Finished(process.returncode, out, err))
    for run in runs:
        assert_ok(run)
        assert CHANGED not in run.err
    made = [line for run in runs for line in env_lines(run)]
    assert made == [NEW_ENV + "setuptools-84.2.1"]  # once, by one of them
    (env_dir,) = env_dirs(cache)
    assert stamp(env_dir)["files"] == current_files(env_dir)
    assert [p.name for p in (tmp_path / "out1").iterdir()] == [SECOND_WHEEL]


# --- the cache directory ----------------------------------------------------------------


def test_a_relative_cache_dir_works_for_builds(
    run_inst, links: Path, tmp_path: Path, scratch: Path
) -> None:
    """--cache-dir is relative to the current directory; builds run their hooks in
    the project's directory, so the environment's interpreter must be found there
    too (pip normalizes --cache-dir to an absolute path)."""
    tree = copy_project("second-setuptools-project", tmp_path)
    run = run_inst(
        "wheel",
        "--no-index",
        "-f",
        str(links),
        "--cache-dir",
        "relative-cache",
        "-w",
        "out",
        str(tree),
        cwd=tmp_path,
        env={"TMPDIR": str(scratch)},
        timeout=240,
    )
    assert_ok(run)
    assert BUILDING_SECOND in run.out
    assert (tmp_path / "out" / SECOND_WHEEL).is_file()
    (env,) = env_dirs(tmp_path / "relative-cache")
    assert stamp(env)["pins"] == ["setuptools-84.2.1"]


def test_inst_wheel_says_a_cached_wheel_was_not_built(
    inst, tmp_path: Path, cache: Path, sdists: Path
) -> None:
    """ "Successfully built" is for builds that ran; a wheel from the cache says so,
    with the interface that built it."""
    out = tmp_path / "out"
    run = inst("wheel", "-w", str(out), SECOND, cache=cache, find_links=[sdists])
    assert_ok(run)
    assert BUILDING_SECOND in run.out
    assert f"Successfully built {SECOND}" in run.out
    assert "Using cached wheel" not in run.out

    run = inst("wheel", "-w", str(out), SECOND, cache=cache, find_links=[sdists])
    assert_ok(run)
    assert "Building wheel" not in run.out
    assert "Successfully built" not in run.out
    assert f"Using cached wheel for {SECOND} (built through pyproject.toml)" in run.out
    assert [p.name for p in out.iterdir()] == [SECOND_WHEEL]


# --- speed: bytecode as used, no backend for static metadata ------------------------


@pytest.mark.parametrize("tree", ["second-setuptools-project", "setup-py-only"])
def test_a_build_writes_the_bytecode_of_the_environment_it_imported_not_the_trees(
    inst, tmp_path: Path, cache: Path, tree: str
) -> None:
    """Under PYTHONDONTWRITEBYTECODE=1 the first build still leaves the backend's
    bytecode in the environment (so the next build imports it fast), and none in the
    project's tree. (How much more of the environment is compiled depends on how far
    the compiling beside the import got: see _hook_server/precompile.py.)"""
    source = copy_project(tree, tmp_path)
    run = inst(
        "wheel",
        "--no-deps",
        "-w",
        str(tmp_path / "out"),
        str(source),
        cache=cache,
        env={"PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert_ok(run)
    (env,) = env_dirs(cache)
    setuptools = site_packages(env) / "setuptools"
    compiled = {
        p.name.split(".")[0] for p in (setuptools / "__pycache__").glob("*.pyc")
    }
    assert {"__init__", "dist"} <= compiled
    assert not list(source.rglob("*.pyc"))


def test_a_dry_run_of_a_static_project_runs_no_backend(
    inst, tmp_path: Path, cache: Path, venv: VirtualEnv
) -> None:
    """[project] says it all: the resolver reads it, no environment is made."""
    tree = copy_project("second-setuptools-project", tmp_path)
    run = inst(
        "install", "--python", str(venv.python), "--dry-run", str(tree), cache=cache
    )
    assert_ok(run)
    assert f"Would install {SECOND}-1.0" in run.out
    assert env_dirs(cache) == []
    assert "Preparing metadata (pyproject.toml) ... done" in run.out


def test_a_report_has_the_backends_own_metadata(
    inst, tmp_path: Path, cache: Path, venv: VirtualEnv
) -> None:
    tree = copy_project("second-setuptools-project", tmp_path)
    report = tmp_path / "report.json"
    run = inst(
        "install",
        "--python",
        str(venv.python),
        "--dry-run",
        "--report",
        str(report),
        str(tree),
        cache=cache,
    )
    assert_ok(run)
    (item,) = json.loads(report.read_text(encoding="utf-8"))["install"]
    # setuptools writes Metadata-Version 2.4 (and more); [project] alone says 2.1
    assert item["metadata"]["metadata_version"] != "2.1"
    assert len(env_dirs(cache)) == 1


# --- what a build's interpreter sees ----------------------------------------------

_PROBE_BACKEND = '''\
"""setuptools' hooks, and build_wheel first writes what its interpreter sees."""
import importlib.util, json, os, site, sys
import setuptools
from setuptools.build_meta import *  # noqa: F403
from setuptools.build_meta import build_wheel as _build_wheel
from setuptools.build_meta import get_requires_for_build_wheel as _requires


def get_requires_for_build_wheel(config_settings=None):
    compiled = os.path.exists(importlib.util.cache_from_source(setuptools.__file__))
    with open(os.environ["BP_PROBE_OUT"] + ".bytecode", "w", encoding="utf-8") as out:
        json.dump({"setuptools_compiled": compiled}, out)
    return _requires(config_settings)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    facts = {
        "prefix": sys.prefix,
        "base_prefix": sys.base_prefix,
        "executable": sys.executable,
        "path": sys.path,
        "user_site": site.ENABLE_USER_SITE,
    }
    with open(os.environ["BP_PROBE_OUT"], "w", encoding="utf-8") as stream:
        json.dump(facts, stream)
    return _build_wheel(wheel_directory, config_settings, metadata_directory)
'''


def probe_tree(tmp_path: Path) -> Path:
    """in-tree-backend, with a backend that records its interpreter's view."""
    tree = copy_project("in-tree-backend", tmp_path)
    (tree / "_backend" / "bp_backend.py").write_text(_PROBE_BACKEND, encoding="utf-8")
    return tree


@pytest.mark.parametrize("target", ["inst's own", "a venv of copies"])
def test_a_build_environment_is_an_isolated_venv_of_the_target_interpreter(
    inst, tmp_path: Path, cache: Path, target: str
) -> None:
    """inst lays the venv out itself (no `python -m venv` subprocess, so no
    activation scripts): its interpreter is the target's base interpreter, it sees
    its own site-packages, and neither inst's nor the user's."""
    tree = probe_tree(tmp_path)
    facts_file = tmp_path / "facts.json"
    env = {"BP_PROBE_OUT": str(facts_file)}
    if target == "inst's own":
        run = inst(
            "wheel", "-w", str(tmp_path / "out"), str(tree), cache=cache, env=env
        )
    else:
        venv = tmp_path / "copies"
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", "--copies", str(venv)],
            check=True,
        )
        python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
        run = inst("install", "--python", str(python), str(tree), cache=cache, env=env)
    assert_ok(run)
    (build_env,) = env_dirs(cache)
    facts = json.loads(facts_file.read_text(encoding="utf-8"))
    assert Path(facts["prefix"]) == build_env
    assert Path(facts["executable"]).parent.parent == build_env
    assert os.path.realpath(facts["base_prefix"]) == os.path.realpath(sys.base_prefix)
    assert facts["user_site"] is False
    own = str(site_packages(build_env))
    assert own in facts["path"]
    # (setuptools adds its _vendor folder)
    assert all(p.startswith(own) for p in facts["path"] if p.startswith(str(build_env)))
    # nothing of inst's own environment (nor of the venv installed into)
    outside = [
        p
        for p in facts["path"]
        if p and not p.startswith((str(build_env), str(tree), sys.base_prefix))
    ]
    assert [p for p in outside if "site-packages" in p] == []
    if os.name == "posix" and sys.platform != "darwin":
        assert not (build_env / "bin" / "activate").exists()


def test_under_dont_write_bytecode_the_backend_is_compiled_once_as_imported(
    inst, tmp_path: Path, cache: Path
) -> None:
    """PYTHONDONTWRITEBYTECODE=1 (as many container images set): the bytecode of
    the environment's modules is written from the import's own compilation, so it
    is there while the first hook runs (it used to be compiled again afterwards);
    the tree's modules still get none."""
    tree = probe_tree(tmp_path)
    facts_file = tmp_path / "facts.json"
    env = {"BP_PROBE_OUT": str(facts_file), "PYTHONDONTWRITEBYTECODE": "1"}
    run = inst("wheel", "-w", str(tmp_path / "out"), str(tree), cache=cache, env=env)
    assert_ok(run)
    bytecode = Path(str(facts_file) + ".bytecode")
    assert json.loads(bytecode.read_text(encoding="utf-8")) == {
        "setuptools_compiled": True
    }
    assert not list(tree.rglob("*.pyc"))


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads /proc")
def test_no_backend_or_compiling_process_outlives_the_run(
    inst, tmp_path: Path, cache: Path
) -> None:
    """A first build in a new environment runs the hook server and, beside it, the
    compiling of the environment (precompile.py); both have ended when inst returns,
    not a moment later."""
    for round in range(3):
        shutil.rmtree(cache, ignore_errors=True)
        source = copy_project("setuptools-pyproject", tmp_path / f"r{round}")
        run = inst(
            "wheel", "--no-deps", "-w", str(tmp_path / "out"), str(source), cache=cache
        )
        assert_ok(run)
        left = [line for line in command_lines() if str(cache) in line]
        assert left == []

"""``inst wheel``: wheels of projects and their dependencies in one directory, and -C
(``--config-settings``) reaching every PEP 517 hook.

Builds use real backends from ``build_find_links()`` with ``--no-index``; one cache is
shared by the whole module (nothing here counts what it holds). ``app`` is a copy of
second-setuptools-project that depends on bp-build-helper, a wheel of the find-links:
``inst wheel app`` builds one wheel and copies the other.
"""

from __future__ import annotations

import ast
import json
import sys
import zipfile
from pathlib import Path

import pytest

from harness import sdist_from_tree
from harness.build_projects import (
    HELPER_WHEEL,
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

APP = "bp-second-setuptools-project"
APP_WHEEL = "bp_second_setuptools_project-1.0-py3-none-any.whl"
BUILDING_APP = f"Building wheel for {APP} (pyproject.toml) ... done"
SETUPTOOLS_81 = "setuptools-81.0.0-py3-none-any.whl"
HOOKS = (
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_wheel",
    "build_wheel",
)


# --- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def links(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_find_links(tmp_path_factory.mktemp("links"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """TMPDIR of every run: inst's work and build directories go there."""
    path = tmp_path / "tmpdir"
    path.mkdir()
    return path


@pytest.fixture
def inst(run_inst, links: Path, cache: Path, scratch: Path):
    """inst("wheel", ...) with --no-index, the build find-links (and find_links), the
    module's cache (or own_cache) and TMPDIR=scratch; other keywords go to run_inst."""

    def run(*args: str, env=None, find_links=(), own_cache=None, **kw):
        command, rest = args[0], args[1:]
        extra = [arg for where in find_links for arg in ("-f", str(where))]
        return run_inst(
            command,
            "--no-index",
            "-f",
            str(links),
            *extra,
            "--cache-dir",
            str(own_cache or cache),
            *rest,
            env={"TMPDIR": str(scratch), **(env or {})},
            timeout=240,
            **kw,
        )

    return run


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """second-setuptools-project, depending on bp-build-helper."""
    tree = copy_project("second-setuptools-project", tmp_path, dest_name="app")
    pyproject = tree / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    assert 'requires-python = ">=3.9"\n' in text
    pyproject.write_text(
        text.replace(
            'requires-python = ">=3.9"\n',
            'requires-python = ">=3.9"\ndependencies = ["bp-build-helper"]\n',
        ),
        encoding="utf-8",
    )
    return tree


# --- helpers -------------------------------------------------------------------------


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def wheels(directory: Path) -> list[str]:
    """The wheels in directory (a tree also gets setuptools' build/ and .egg-info)."""
    return sorted(p.name for p in directory.glob("*.whl"))


def saved(run, cwd: Path | None = None) -> list[Path]:
    """The paths of the "Saved PATH" lines, resolved (relative ones from cwd)."""
    prefix = "Saved "
    return [
        ((cwd or Path.cwd()) / line[len(prefix) :]).resolve()
        for line in run.out.splitlines()
        if line.startswith(prefix)
    ]


def built(run) -> list[str]:
    lines = [
        line for line in run.out.splitlines() if line.startswith("Successfully built")
    ]
    assert len(lines) <= 1, run.out
    return lines[0].split()[2:] if lines else []


def metadata_of(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return archive.read(name).decode("utf-8")


# --- inst wheel ------------------------------------------------------------------------


def test_wheel_dot_builds_the_project_and_copies_its_dependency(
    inst, app: Path, links: Path
) -> None:
    run = inst("wheel", ".", cwd=app)
    assert_ok(run)
    assert BUILDING_APP in run.out
    assert wheels(app) == sorted([APP_WHEEL, HELPER_WHEEL])
    assert sorted(saved(run, app)) == sorted(
        (app / name).resolve() for name in (APP_WHEEL, HELPER_WHEEL)
    )
    assert built(run) == [APP]  # the helper was copied, not built
    # the existing wheel is copied byte for byte
    assert (app / HELPER_WHEEL).read_bytes() == (links / HELPER_WHEEL).read_bytes()
    # the built one is the project's, with its dependency
    metadata = metadata_of(app / APP_WHEEL)
    assert f"Name: {APP}\n" in metadata
    assert "Requires-Dist: bp-build-helper" in metadata
    with zipfile.ZipFile(app / APP_WHEEL) as archive:
        assert "bp_second_setuptools_project/__init__.py" in archive.namelist()
    # no temporary files are left next to the wheels
    assert not [n for n in names(app) if n.startswith(".") and "tmp" in n]


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_wheel_dir_option(inst, app: Path, tmp_path: Path, where: str) -> None:
    out = tmp_path / "wheelhouse" / "deep"
    target = "../wheelhouse/deep" if where == "relative" else str(out)
    run = inst("wheel", "-w", target, ".", cwd=app)
    assert_ok(run)
    assert names(out) == sorted([APP_WHEEL, HELPER_WHEEL])
    assert sorted(saved(run, app)) == sorted(
        (out / name).resolve() for name in (APP_WHEEL, HELPER_WHEEL)
    )
    assert wheels(app) == []  # nothing in the current directory


def test_no_deps_gives_only_the_project(inst, app: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = inst("wheel", "--no-deps", "-w", str(out), str(app))
    assert_ok(run)
    assert names(out) == [APP_WHEEL]
    assert built(run) == [APP]


def test_what_is_installed_does_not_count(
    inst, app: Path, tmp_path: Path, venv
) -> None:
    """As pip wheel: a requirement the target environment satisfies is still saved."""
    python = ["--python", str(venv.python)]
    assert_ok(inst("install", *python, "bp-build-helper"))
    out = tmp_path / "out"
    run = inst("wheel", *python, "-w", str(out), str(app))
    assert_ok(run)
    assert names(out) == sorted([APP_WHEEL, HELPER_WHEEL])


def test_requirements_file(inst, app: Path, tmp_path: Path, links: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        f"# the project, and a backend wheel as it is\n{app}\nsetuptools==81.0.0\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run = inst("wheel", "-w", str(out), "-r", str(requirements))
    assert_ok(run)
    assert names(out) == sorted([APP_WHEEL, HELPER_WHEEL, SETUPTOOLS_81])
    assert built(run) == [APP]
    for name in (HELPER_WHEEL, SETUPTOOLS_81):
        assert (out / name).read_bytes() == (links / name).read_bytes()


def test_an_existing_wheel_in_the_wheel_dir_is_replaced_whole(
    inst, app: Path, tmp_path: Path, links: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / HELPER_WHEEL).write_bytes(b"an old, different file")
    (out / "unrelated.txt").write_text("kept\n", encoding="utf-8")
    run = inst("wheel", "-w", str(out), str(app))
    assert_ok(run)
    assert names(out) == sorted([APP_WHEEL, HELPER_WHEEL, "unrelated.txt"])
    assert (out / HELPER_WHEEL).read_bytes() == (links / HELPER_WHEEL).read_bytes()
    assert (out / "unrelated.txt").read_text(encoding="utf-8") == "kept\n"


# --- failures --------------------------------------------------------------------------


@pytest.mark.parametrize("fails_in", ["metadata", "build_wheel"])
def test_a_failed_build_leaves_the_wheel_dir_as_it_was(
    inst, app: Path, tmp_path: Path, scratch: Path, fails_in: str
) -> None:
    """Every build first, then the copies: a failure (while resolving, or in the last
    build) leaves no wheel at all, not even the ones made or found before."""
    if fails_in == "metadata":
        failing = copy_project("backend-raises", tmp_path)
        expected = "bp backend failed on purpose"
    else:
        # sorted after the project's name: built last
        failing = recording_tree(tmp_path, "bp-zz-fails-late", fail_in="build_wheel")
        expected = "bp recorder failed on purpose in build_wheel"
    out = tmp_path / "out"
    out.mkdir()
    (out / "unrelated.txt").write_text("kept\n", encoding="utf-8")
    before = snapshot(out)

    run = inst("wheel", "-w", str(out), str(app), str(failing))
    assert_one_error(run)
    assert expected in run.err
    assert saved(run) == []
    assert built(run) == []
    after = snapshot(out)
    assert before == after, differences(before, after)
    assert list(scratch.iterdir()) == []  # work and build directories removed
    if fails_in == "build_wheel":
        assert BUILDING_APP in run.out  # the project was built before the failure


def test_no_clean_keeps_the_build_directory(
    inst, app: Path, tmp_path: Path, scratch: Path
) -> None:
    out = tmp_path / "out"
    run = inst("wheel", "--no-clean", "--no-deps", "-w", str(out), str(app))
    assert_ok(run)
    prefix = "Build directory of app (kept, --no-clean): "
    lines = [line for line in run.out.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, run.out
    kept = Path(lines[0][len(prefix) :])
    assert kept.is_dir()
    assert kept.resolve().is_relative_to(scratch.resolve())
    # what the build made is still there
    # (app's [project] is static: its metadata was read, so only the wheel was made)
    assert [p.name for p in kept.rglob("*.whl")] == [APP_WHEEL]
    assert names(out) == [APP_WHEEL]


def test_without_no_clean_nothing_is_left(inst, app: Path, tmp_path: Path, scratch):
    run = inst("wheel", "--no-deps", "-w", str(tmp_path / "out"), str(app))
    assert_ok(run)
    assert "kept, --no-clean" not in run.out
    assert list(scratch.iterdir()) == []


# --- -C reaches every hook -------------------------------------------------------------


RECORDING_BACKEND = '''\
"""An in-tree backend recording the config_settings every hook gets (in
hooks.jsonl beside _backend/, and in the wheel); builds a one-module wheel."""

import base64
import hashlib
import json
import os
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.dirname(HERE)
with open(os.path.join(HERE, "recorder.json"), encoding="utf-8") as stream:
    CONF = json.load(stream)
NAME = CONF["name"]
DIST = NAME.replace("-", "_")
VERSION = "1.0"
TAG = "py3-none-any"
DIST_INFO = DIST + "-" + VERSION + ".dist-info"


def _record(hook, config_settings):
    with open(os.path.join(TREE, "hooks.jsonl"), "a", encoding="utf-8") as stream:
        stream.write(json.dumps({"hook": hook, "config_settings": config_settings}))
        stream.write("\\n")
    if CONF.get("fail_in") == hook:
        raise RuntimeError("bp recorder failed on purpose in " + hook)


def _metadata():
    lines = ["Metadata-Version: 2.1", "Name: " + NAME, "Version: " + VERSION]
    return ("\\n".join(lines) + "\\n\\n").encode("utf-8")


def _hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def get_requires_for_build_wheel(config_settings=None):
    _record("get_requires_for_build_wheel", config_settings)
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _record("prepare_metadata_for_build_wheel", config_settings)
    os.makedirs(os.path.join(metadata_directory, DIST_INFO))
    with open(os.path.join(metadata_directory, DIST_INFO, "METADATA"), "wb") as out:
        out.write(_metadata())
    return DIST_INFO


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _record("build_wheel", config_settings)
    contents = {
        DIST + ".py": ("CONFIG_SETTINGS = " + repr(config_settings) + "\\n").encode(),
        DIST_INFO + "/METADATA": _metadata(),
        DIST_INFO + "/WHEEL": (
            "Wheel-Version: 1.0\\nGenerator: bp-recorder\\nRoot-Is-Purelib: true\\n"
            "Tag: " + TAG + "\\n"
        ).encode(),
    }
    record = [p + "," + _hash(d) + "," + str(len(d)) for p, d in contents.items()]
    record.append(DIST_INFO + "/RECORD,,")
    contents[DIST_INFO + "/RECORD"] = ("\\n".join(record) + "\\n").encode()
    name = DIST + "-" + VERSION + "-" + TAG + ".whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return name
'''


def recording_tree(root: Path, name: str, *, fail_in: str | None = None) -> Path:
    """A tree (root/name) whose in-tree backend records each hook's config_settings
    in <tree>/hooks.jsonl; with fail_in, that hook raises after recording."""
    tree = root / name
    (tree / "_backend").mkdir(parents=True)
    (tree / "pyproject.toml").write_text(
        "[build-system]\n"
        "requires = []\n"
        'build-backend = "bp_recording_backend"\n'
        'backend-path = ["_backend"]\n\n'
        # dependencies dynamic: the backend is asked for the metadata (every hook runs)
        f'[project]\nname = "{name}"\nversion = "1.0"\ndynamic = ["dependencies"]\n',
        encoding="utf-8",
    )
    (tree / "_backend" / "bp_recording_backend.py").write_text(
        RECORDING_BACKEND, encoding="utf-8"
    )
    conf = {"name": name, "fail_in": fail_in}
    (tree / "_backend" / "recorder.json").write_text(json.dumps(conf), encoding="utf-8")
    return tree


def recorded(tree: Path) -> list[dict]:
    path = tree / "hooks.jsonl"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def wheel_settings(wheel: Path) -> object:
    module = wheel.name.split("-")[0] + ".py"
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(module).decode("utf-8")
    prefix = "CONFIG_SETTINGS = "
    assert text.startswith(prefix), text
    return ast.literal_eval(text[len(prefix) :].strip())


def assert_every_hook_got(tree: Path, expected: object) -> None:
    calls = recorded(tree)
    assert {call["hook"] for call in calls} == set(HOOKS), calls
    for call in calls:
        assert call["config_settings"] == expected, call


def test_the_recording_backend_without_settings(inst, tmp_path: Path) -> None:
    tree = recording_tree(tmp_path, "bp-recorder")
    out = tmp_path / "out"
    run = inst("wheel", "-w", str(out), str(tree))
    assert_ok(run)
    assert "Building wheel for bp-recorder (pyproject.toml) ... done" in run.out
    assert_every_hook_got(tree, None)
    assert wheel_settings(out / "bp_recorder-1.0-py3-none-any.whl") is None


def test_config_settings_from_the_command_line_reach_every_hook(
    inst, tmp_path: Path
) -> None:
    tree = recording_tree(tmp_path, "bp-recorder")
    out = tmp_path / "out"
    run = inst(
        "wheel",
        "-w",
        str(out),
        "-C",
        "colour=blue",
        "--config-settings",
        "size=1",
        "-C",
        "size=2",
        "-C",
        "expr=a=b",
        str(tree),
    )
    assert_ok(run)
    expected = {"colour": "blue", "size": ["1", "2"], "expr": "a=b"}
    assert_every_hook_got(tree, expected)
    assert wheel_settings(out / "bp_recorder-1.0-py3-none-any.whl") == expected


def test_config_settings_of_one_requirement_in_a_file(
    inst, tmp_path: Path, links: Path
) -> None:
    """A -r file's ``--config-settings`` after a requirement goes to that one's hooks
    only."""
    configured = recording_tree(tmp_path, "bp-configured")
    plain = recording_tree(tmp_path, "bp-plain")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        f"{configured} --config-settings colour=red -C size=3\n{plain}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run = inst("wheel", "-w", str(out), "-r", str(requirements))
    assert_ok(run)
    assert names(out) == [
        "bp_configured-1.0-py3-none-any.whl",
        "bp_plain-1.0-py3-none-any.whl",
    ]
    assert_every_hook_got(configured, {"colour": "red", "size": "3"})
    assert_every_hook_got(plain, None)
    assert wheel_settings(out / "bp_configured-1.0-py3-none-any.whl") == {
        "colour": "red",
        "size": "3",
    }


def test_config_settings_reach_setuptools(inst, tmp_path: Path) -> None:
    """-C on a setup.py-only tree switches it to PEP 517 (setuptools' __legacy__
    backend), which hands ``--build-option`` values to bdist_wheel."""
    tree = copy_project("setup-py-only", tmp_path)
    out = tmp_path / "out"
    run = inst(
        "wheel", "-w", str(out), "-C--build-option=--python-tag=py311", str(tree)
    )
    assert_ok(run)
    assert "Building wheel for bp-setup-py-only (pyproject.toml) ... done" in run.out
    assert names(out) == ["bp_setup_py_only-1.0-py311-none-any.whl"]


def test_config_settings_of_a_named_requirement_in_a_file(inst, tmp_path: Path) -> None:
    """Per-requirement -C of an sdist from the find-links reaches its build; the wheel
    cache keeps each setting's wheel apart and hands back the right one."""
    dists = tmp_path / "dists"
    sdist_from_tree(recording_tree(tmp_path, "bp-recorder"), dists)
    own_cache = tmp_path / "cache"
    requirements = tmp_path / "requirements.txt"
    wheel = "bp_recorder-1.0-py3-none-any.whl"

    def build(colour: str, out: str):
        requirements.write_text(
            f"bp-recorder --config-settings colour={colour}\n", encoding="utf-8"
        )
        run = inst(
            "wheel",
            "-w",
            str(tmp_path / out),
            "-r",
            str(requirements),
            find_links=[dists],
            own_cache=own_cache,
        )
        assert_ok(run)
        return run

    run = build("green", "first")
    assert "Building wheel for bp-recorder" in run.out
    assert wheel_settings(tmp_path / "first" / wheel) == {"colour": "green"}

    run = build("blue", "second")
    assert "Building wheel for bp-recorder" in run.out
    assert wheel_settings(tmp_path / "second" / wheel) == {"colour": "blue"}

    run = build("green", "third")
    assert "Building wheel" not in run.out  # from the wheel cache
    assert (tmp_path / "third" / wheel).read_bytes() == (
        tmp_path / "first" / wheel
    ).read_bytes()


def test_the_wheel_dir_may_be_where_the_wheel_comes_from(
    inst, tmp_path: Path, links: Path
) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / HELPER_WHEEL).write_bytes((links / HELPER_WHEEL).read_bytes())
    before = snapshot(own)
    run = inst("wheel", "-w", str(own), "bp-build-helper", find_links=[own])
    assert_ok(run)
    assert saved(run) == [(own / HELPER_WHEEL).resolve()]
    after = snapshot(own)
    assert before == after, differences(before, after)


def test_a_wheel_named_by_path_is_copied(inst, tmp_path: Path, links: Path) -> None:
    out = tmp_path / "out"
    run = inst("wheel", "-w", str(out), str(links / SETUPTOOLS_81))
    assert_ok(run)
    assert names(out) == [SETUPTOOLS_81]
    assert (out / SETUPTOOLS_81).read_bytes() == (links / SETUPTOOLS_81).read_bytes()
    assert built(run) == []


def test_nothing_to_build_is_an_error(inst, tmp_path: Path) -> None:
    run = inst("wheel", "-w", str(tmp_path / "out"))
    assert_one_error(run, "at least one requirement")
    assert not (tmp_path / "out").exists()

"""The whole flow, as the issue's "Done when" says: the real `inst lock` writes the
lock, and the real `inst sync` / `inst install -r pylock.toml` installs it, against
the harness index (file:// and HTTP). test_lock_command.py and test_sync_command.py
test each half on its own; here they only meet."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Union

import pytest
import tomllib
from packaging.markers import default_environment
from packaging.pylock import Pylock
from packaging.tags import sys_tags

from harness import (
    IndexServer,
    LocalIndex,
    VirtualEnv,
    build_index,
    make_sdist,
    make_wheel,
    other_pythons,
)
from harness.build_projects import BACKEND_WHEELS_DIR
from harness.config_home import make_config_home
from harness.trees import differences, snapshot

Serve = Callable[[Union[LocalIndex, Path]], IndexServer]
MakeVenv = Callable[..., VirtualEnv]

SETUPTOOLS_OLD = BACKEND_WHEELS_DIR / "setuptools-81.0.0-py3-none-any.whl"
SETUPTOOLS_NEW = BACKEND_WHEELS_DIR / "setuptools-84.2.1-py3-none-any.whl"
RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"
#: Another Python version than the running one, for locks made for two.
OTHER = "3.12" if RUNNING != "3.12" else "3.11"
#: inst's own state directory in an environment (its lock and journal).
STATE_DIR = ".inst"

PYPROJECT = """\
[project]
name = "myproj"
version = "0.1"
dependencies = {dependencies}

[project.optional-dependencies]
fast = ["speed"]

[dependency-groups]
dev = ["pytest"]
"""

BASE = {"app": "1.0", "lib": "1.1", "sdonly": "1.0"}
DEV = {"pytest": "8.0", "pluggy": "1.5"}
FAST = {"speed": "2.0"}


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Everything the index starts with; `later/` holds what tests add to it."""
    root = tmp_path_factory.mktemp("flow-dists")
    now = root / "now"
    make_wheel(now, "app", "1.0", requires=["lib>=1.0"])
    make_wheel(now, "lib", "1.0")
    make_wheel(now, "lib", "1.1")
    make_wheel(now, "speed", "2.0")
    make_wheel(now, "pytest", "8.0", requires=["pluggy"])
    make_wheel(now, "pluggy", "1.5")
    make_wheel(now, "gamma", "1.0")
    make_wheel(now, "tool", "1.0", requires=[f'old; python_version == "{RUNNING}"'])
    make_wheel(now, "old", "1.0")
    # An sdist built by setuptools (>=61), and one with a setup.py as well.
    make_sdist(now, "sdonly", "1.0")
    make_sdist(
        now,
        "legacy",
        "1.0",
        files={
            "setup.py": "from setuptools import setup\nsetup()\n",
            "src/legacy/__init__.py": "",
        },
    )
    # Two setuptools: one too old for the sdists' >=61, and 81.0.0.
    make_wheel(now, "setuptools", "50.0")
    (now / SETUPTOOLS_OLD.name).write_bytes(SETUPTOOLS_OLD.read_bytes())
    make_wheel(root / "later", "lib", "1.2")
    return root


@pytest.fixture
def index(tmp_path: Path, dists: Path) -> LocalIndex:
    return build_index(tmp_path / "index", sorted((dists / "now").iterdir()))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project needing app and sdonly, with an extra `fast` and a group `dev`."""
    root = tmp_path / "project"
    root.mkdir()
    write_pyproject(root, ["app", "sdonly"])
    return root


def write_pyproject(root: Path, dependencies: list[str]) -> None:
    text = PYPROJECT.format(dependencies=str(dependencies).replace("'", '"'))
    (root / "pyproject.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def inst(run_inst: Any, tmp_path: Path, project: Path) -> Callable[..., Any]:
    """inst(command, *args, cwd=project) with the test's own cache."""

    def run(command: str, *args: str, cwd: Path = project, **kw: Any) -> Any:
        return run_inst(
            command,
            "--cache-dir",
            str(tmp_path / "cache"),
            "--retries",
            "0",
            *args,
            cwd=cwd,
            **kw,
        )

    return run


def into(venv: VirtualEnv) -> tuple[str, str]:
    return ("--python", str(venv.python))


def assert_one_error(run: Any) -> str:
    assert run.code == 1, (run.out, run.err)
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert "Traceback" not in run.err + run.out
    return str(errors[0])


def selected(lock: Path, **select: Any) -> dict[str, str]:
    """What packaging.pylock selects from the lock for the running interpreter."""
    data = Pylock.from_dict(tomllib.loads(lock.read_text(encoding="utf-8")))
    chosen = data.select(
        environment=default_environment(),  # type: ignore[arg-type]
        tags=list(sys_tags()),
        **select,
    )
    return {str(package.name): str(package.version) for package, _ in chosen}


def wheel_generator(venv: VirtualEnv, dist: str) -> str:
    (info,) = venv.site_packages.glob(f"{dist}-*.dist-info")
    found = re.search(r"^Generator: (.*)$", (info / "WHEEL").read_text(), re.MULTILINE)
    assert found is not None
    return found.group(1)


# --- lock, then sync, then sync offline -------------------------------------------------


def test_lock_then_sync_gives_exactly_the_locked_set_then_again_offline(
    inst: Any,
    index: LocalIndex,
    index_server: Serve,
    project: Path,
    venv_factory: MakeVenv,
) -> None:
    server = index_server(index)
    run = inst("lock", "-i", server.simple_url)
    assert run.code == 0, run.err
    lock = project / "pylock.toml"
    assert selected(lock) == BASE

    first = venv_factory("first")
    run = inst("install", *into(first), "-i", server.simple_url, "gamma")
    assert run.code == 0, run.err
    server.clear_requests()
    run = inst("sync", *into(first))
    assert run.code == 0, run.err
    assert first.installed() == BASE  # gamma, not locked, is gone
    assert "Successfully uninstalled gamma-1.0" in run.err + run.out
    # No index page: the lock names every file.
    assert server.requests_to("/simple/") == []
    assert server.requests_to("/files/")

    run = inst("sync", *into(first))
    assert run.code == 0, run.err
    assert "Nothing to change" in run.out + run.err

    server.stop()  # offline from here: the cache has every file, and sdonly's wheel
    for name, extra in (("second", ()), ("third", ("--no-index",))):
        venv = venv_factory(name)
        run = inst("sync", *into(venv), *extra)
        assert run.code == 0, run.err
        assert venv.installed() == BASE
        assert "Using cached wheel for sdonly" in run.out + run.err


def test_lock_check_fails_with_a_short_diff_when_an_input_changes(
    inst: Any, index: LocalIndex, dists: Path, project: Path
) -> None:
    assert inst("lock", "-i", index.file_url).code == 0
    run = inst("lock", "-i", index.file_url, "--check")
    assert run.code == 0, run.err
    assert run.out == ""
    assert "pylock.toml matches its inputs" in run.err

    # A dependency of the project added.
    write_pyproject(project, ["app", "sdonly", "gamma"])
    run = inst("lock", "-i", index.file_url, "--check")
    message = assert_one_error(run)
    assert "no longer matches its inputs" in message
    assert "Added gamma 1.0" in message
    assert '+name = "gamma"' in run.out
    assert len(run.out.splitlines()) < 30
    write_pyproject(project, ["app", "sdonly"])
    assert inst("lock", "-i", index.file_url, "--check").code == 0

    # A requirement added to a lock of requirements.
    assert inst("lock", "-i", index.file_url, "app", "-o", "pylock.reqs.toml").code == 0
    check = ("-i", index.file_url, "-o", "pylock.reqs.toml", "--check")
    assert inst("lock", "app", *check).code == 0
    assert "Added old 1.0" in assert_one_error(inst("lock", "app", "old", *check))

    # A new version on the index.
    index.add([dists / "later" / "lib-1.2-py3-none-any.whl"])
    run = inst("lock", "-i", index.file_url, "--check")
    assert "Changed lib 1.1 -> 1.2" in assert_one_error(run)
    assert '-version = "1.1"' in run.out and '+version = "1.2"' in run.out
    # --check wrote nothing.
    assert selected(project / "pylock.toml") == BASE


def test_lock_check_names_a_changed_build_package(
    inst: Any, index: LocalIndex, project: Path
) -> None:
    assert inst("lock", "-i", index.file_url).code == 0
    index.add([SETUPTOOLS_NEW])
    message = assert_one_error(inst("lock", "-i", index.file_url, "--check"))
    assert "Changed setuptools (to build sdonly) 81.0.0 -> 84.2.1" in message


# --- hashes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename",
    [
        "lib-1.1-py3-none-any.whl",
        "sdonly-1.0.tar.gz",
        SETUPTOOLS_OLD.name,  # a locked build package
    ],
)
def test_a_tampered_hash_is_refused_with_nothing_installed(
    inst: Any, index: LocalIndex, project: Path, venv: VirtualEnv, filename: str
) -> None:
    assert inst("lock", "-i", index.file_url).code == 0
    lock = project / "pylock.toml"
    text = lock.read_text(encoding="utf-8")
    found = re.search(
        rf'name = "{re.escape(filename)}".*?sha256 = "([0-9a-f]{{64}})"', text
    )
    assert found is not None, text
    lock.write_text(text.replace(found.group(1), "0" * 64), encoding="utf-8")
    before = snapshot(venv.root, skip=(STATE_DIR,))
    message = assert_one_error(inst("sync", *into(venv)))
    assert f"{filename} does not match its hash in pylock.toml" in message
    assert "Nothing was installed" in message
    after = snapshot(venv.root, skip=(STATE_DIR,))
    assert before == after, differences(before, after)


# --- locked builds ----------------------------------------------------------------------


def test_a_locked_sdist_builds_in_its_locked_environment(
    inst: Any, index: LocalIndex, project: Path, venv_factory: MakeVenv
) -> None:
    assert inst("lock", "-i", index.file_url).code == 0
    data = tomllib.loads((project / "pylock.toml").read_text(encoding="utf-8"))
    (sdonly,) = [p for p in data["packages"] if p["name"] == "sdonly"]
    tool = sdonly["tool"]["inst"]
    assert tool["build-interface"] == "pyproject"
    assert [(p["name"], p["version"]) for p in tool["build-packages"]] == [
        ("setuptools", "81.0.0")
    ]

    index.add([SETUPTOOLS_NEW])  # what a build from the index would take now
    first = venv_factory("first")
    run = inst("sync", *into(first), "-i", index.file_url)
    assert run.code == 0, run.err
    assert first.installed() == BASE
    assert wheel_generator(first, "sdonly") == "setuptools (81.0.0)"

    # The locked build's wheel is cached, under its own key...
    second = venv_factory("second")
    run = inst("sync", *into(second))
    assert run.code == 0, run.err
    assert "Using cached wheel for sdonly" in run.out + run.err
    assert wheel_generator(second, "sdonly") == "setuptools (81.0.0)"
    # ...which an install that resolves does not take: it builds with the newest.
    third = venv_factory("third")
    run = inst("install", *into(third), "-i", index.file_url, "sdonly")
    assert run.code == 0, run.err
    assert wheel_generator(third, "sdonly") == "setuptools (84.2.1)"


def test_the_build_interface_chosen_at_lock_time_is_locked_and_used_by_sync(
    inst: Any, index: LocalIndex, project: Path, venv: VirtualEnv
) -> None:
    run = inst(
        "lock", "-i", index.file_url, "legacy", "--build-interface", "legacy=setup.py"
    )
    assert run.code == 0, run.err
    data = tomllib.loads((project / "pylock.toml").read_text(encoding="utf-8"))
    (legacy,) = data["packages"]
    assert legacy["tool"]["inst"]["build-interface"] == "setup.py"
    # No --build-interface now: the lock's choice is the one used.
    run = inst("sync", *into(venv))
    assert run.code == 0, run.err
    assert "Building wheel for legacy (setup.py)" in run.out + run.err
    assert venv.installed() == {"legacy": "1.0"}


# --- groups and extras ------------------------------------------------------------------


def test_groups_and_extras_round_trip(
    inst: Any, index: LocalIndex, project: Path, venv_factory: MakeVenv, tmp_path: Path
) -> None:
    run = inst("lock", "-i", index.file_url, "--group", "dev", "--extra", "fast")
    assert run.code == 0, run.err
    lock = project / "pylock.toml"
    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    assert data["dependency-groups"] == ["dev"]
    assert data["extras"] == ["fast"]

    venv = venv_factory("synced")
    steps: list[tuple[tuple[str, ...], dict[str, str]]] = [
        ((), BASE),
        (("--group", "dev"), {**BASE, **DEV}),
        (("--extra", "fast"), {**BASE, **FAST}),
        (("--group", "dev", "--extra", "fast"), {**BASE, **DEV, **FAST}),
        ((), BASE),
    ]
    for options, expected in steps:
        run = inst("sync", *into(venv), *options)
        assert run.code == 0, run.err
        assert venv.installed() == expected, options

    # install -r pylock.toml --group: the lock's group, never a pyproject.toml's, from
    # a directory whose pyproject.toml has a `dev` group of its own, and from one with
    # a pyproject.toml that has none.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for pyproject in ('[dependency-groups]\ndev = ["gamma"]\n', "[project]\n"):
        (elsewhere / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        fresh = venv_factory(f"installed-{len(pyproject)}")
        args = ("-r", str(lock), "--group", "dev", *into(fresh))
        run = inst("install", *args, cwd=elsewhere)
        assert run.code == 0, run.err
        assert fresh.installed() == {**BASE, **DEV}
        run = inst("install", "-r", str(lock), "--extra", "fast", *into(fresh))
        assert run.code == 0, run.err
        assert fresh.installed() == {**BASE, **DEV, **FAST}  # install keeps the rest


def test_a_group_or_extra_the_lock_lacks_is_named(
    inst: Any, index: LocalIndex, project: Path, venv: VirtualEnv
) -> None:
    assert inst("lock", "-i", index.file_url, "--group", "dev").code == 0
    message = assert_one_error(inst("sync", *into(venv), "--group", "docs"))
    assert "pylock.toml has no dependency group docs" in message
    assert "It locks the dependency groups dev" in message
    message = assert_one_error(inst("sync", *into(venv), "--extra", "fast"))
    assert "pylock.toml has no extra fast" in message
    assert "It locks no extras" in message
    message = assert_one_error(
        inst("sync", *into(venv), "--group", "pyproject.toml:dev")
    )
    assert "Write --group dev" in message
    assert venv.installed() == {}


# --- targets ----------------------------------------------------------------------------


def test_a_lock_for_two_pythons_syncs_where_it_applies_and_nowhere_else(
    inst: Any, index: LocalIndex, project: Path, venv_factory: MakeVenv
) -> None:
    versions = ("--python-version", RUNNING, "--python-version", OTHER)
    run = inst("lock", "-i", index.file_url, "app", "tool", *versions)
    assert run.code == 0, run.err
    assert "for 2 targets" in run.err
    expected = {"app": "1.0", "lib": "1.1", "tool": "1.0", "old": "1.0"}

    venv = venv_factory("here")
    run = inst("sync", *into(venv))
    assert run.code == 0, run.err
    assert venv.installed() == expected

    others = {f"{p.version[0]}.{p.version[1]}": p for p in other_pythons()}
    if OTHER in others:  # the other target: old is only for the running version
        there = venv_factory("there", python=str(others[OTHER].path))
        run = inst("sync", *into(there))
        assert run.code == 0, run.err
        assert there.installed() == {"app": "1.0", "lib": "1.1", "tool": "1.0"}
    outside = [p for v, p in others.items() if v not in (RUNNING, OTHER)]
    if outside:
        nowhere = venv_factory("nowhere", python=str(outside[0].path))
        message = assert_one_error(inst("sync", *into(nowhere)))
        assert "pylock.toml does not apply to the target" in message
        assert f'python_version == "{OTHER}"' in message
        assert nowhere.installed() == {}

    # A lock made only for another Python is refused here, before anything changes.
    run = inst("lock", "-i", index.file_url, "app", "--python-version", OTHER)
    assert run.code == 0, run.err
    fresh = venv_factory("fresh")
    message = assert_one_error(inst("sync", *into(fresh)))
    assert "does not apply to the target" in message
    assert fresh.installed() == {}


# --- a plug-in's interface --------------------------------------------------------------

CHOICE_TREES = Path(__file__).resolve().parents[2] / "tests_data" / "build-choice"


@pytest.fixture(scope="module")
def plugin_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plug-in (tests_data/build-choice/inst-setup-cfg), installed by
    inst into a --target directory to put on PYTHONPATH."""
    root = tmp_path_factory.mktemp("flow-plugin")
    # A copy: setuptools writes build/ into the tree it builds.
    source = shutil.copytree(CHOICE_TREES / "inst-setup-cfg", root / "inst-setup-cfg")
    target = root / "site"
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
            str(BACKEND_WHEELS_DIR),
            "--cache-dir",
            str(root / "cache"),
            str(source),
        ],
        env=make_config_home(root / "home").env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return target


def setup_cfg_only_sdist(dest: Path) -> Path:
    """An sdist of the setup-cfg-only tree: only the plug-in can build it."""
    path = dest / "bp_setup_cfg_only-1.0.tar.gz"
    dest.mkdir(parents=True, exist_ok=True)
    pkg_info = b"Metadata-Version: 2.1\nName: bp-setup-cfg-only\nVersion: 1.0\n"
    with tarfile.open(path, "w:gz") as archive:
        top = "bp_setup_cfg_only-1.0"
        info = tarfile.TarInfo(f"{top}/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
        tree = CHOICE_TREES / "setup-cfg-only"
        for file in sorted(tree.rglob("*")):
            if file.is_file():
                archive.add(file, f"{top}/{file.relative_to(tree).as_posix()}")
    return path


def test_a_plugin_interface_is_locked_and_sync_builds_through_it(
    inst: Any,
    index: LocalIndex,
    project: Path,
    venv_factory: MakeVenv,
    plugin_dir: Path,
    tmp_path: Path,
) -> None:
    index.add([setup_cfg_only_sdist(tmp_path / "sdist")])
    plugged = {"PYTHONPATH": str(plugin_dir)}
    run = inst("lock", "-i", index.file_url, "bp-setup-cfg-only", env=plugged)
    assert run.code == 0, run.err
    data = tomllib.loads((project / "pylock.toml").read_text(encoding="utf-8"))
    (package,) = data["packages"]
    assert package["tool"]["inst"]["build-interface"] == "setup-cfg"

    # Without the plug-in, sync says which interface it lacks, and changes nothing.
    bare = venv_factory("bare")
    message = assert_one_error(inst("sync", *into(bare)))
    assert "names the build interface 'setup-cfg', which inst does not have" in message
    assert bare.installed() == {}

    venv = venv_factory("plugged")
    run = inst("sync", *into(venv), env=plugged)
    assert run.code == 0, run.err
    assert "Building wheel for bp-setup-cfg-only (setup-cfg)" in run.out + run.err
    assert venv.installed() == {"bp-setup-cfg-only": "1.0"}


@pytest.mark.parametrize("command", ["download", "wheel", "lock"])
def test_commands_that_resolve_refuse_a_lock_given_as_requirements(
    inst: Any, index: LocalIndex, project: Path, command: str
) -> None:
    assert inst("lock", "-i", index.file_url).code == 0
    before = (project / "pylock.toml").read_bytes()
    out = {"download": ("-d", "out"), "wheel": ("-w", "out"), "lock": ()}[command]
    run = inst(command, "-r", "pylock.toml", "-i", index.file_url, *out)
    message = assert_one_error(run)
    assert "pylock.toml is a PEP 751 lock" in message
    assert "inst sync pylock.toml" in message
    assert (project / "pylock.toml").read_bytes() == before


def test_only_binary_refuses_a_lock_that_would_build_an_sdist(
    inst: Any, index: LocalIndex, project: Path, venv: VirtualEnv
) -> None:
    """As pip refuses such a lock ("No sources permitted"): the locked sdist of
    sdonly would run build code that --only-binary forbids."""
    assert inst("lock", "-i", index.file_url).code == 0
    before = snapshot(venv.root, skip=(STATE_DIR,))
    for command in (("sync",), ("install", "-r", "pylock.toml")):
        run = inst(*command, *into(venv), "--only-binary", ":all:")
        message = assert_one_error(run)
        assert "sdonly 1.0 from an sdist, which --only-binary forbids" in message
    assert snapshot(venv.root, skip=(STATE_DIR,)) == before
    # Naming another project leaves sdonly free to build.
    assert inst("sync", *into(venv), "--only-binary", "lib").code == 0


def test_lock_check_shows_only_the_lines_that_changed(
    inst: Any, index: LocalIndex, project: Path
) -> None:
    """Lines that repeat in a lock (requires-python, index) are not shown as removed
    and added again."""
    assert inst("lock", "-i", index.file_url).code == 0
    write_pyproject(project, ["app", "sdonly", "gamma"])
    run = inst("lock", "-i", index.file_url, "--check")
    assert_one_error(run)
    removed = {line[1:] for line in run.out.splitlines() if line.startswith("-")}
    added = {line[1:] for line in run.out.splitlines() if line.startswith("+")}
    assert not (removed & added) - {"", "--", "++"}, run.out

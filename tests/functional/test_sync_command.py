"""`inst install -r pylock.toml` and `inst sync pylock.toml`: exactly the locked
packages, hash-checked, no resolver and no index page, one transaction.

The locks are written here from the harness index (as PEP 751 says, with tomlkit),
so each test states exactly what its lock holds; the locks of pip and uv are in
test_foreign_locks.py."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from harness import LocalIndex, VirtualEnv, build_index, make_sdist, make_wheel
from harness.build_projects import BACKEND_WHEELS_DIR
from harness.trees import differences, snapshot

STATE_DIR = ".inst"


@dataclass(frozen=True)
class Universe:
    index: LocalIndex

    def file(self, filename: str) -> Path:
        return self.index.dist_path(filename)


@pytest.fixture(scope="module")
def universe(tmp_path_factory: pytest.TempPathFactory) -> Universe:
    built = tmp_path_factory.mktemp("dists")
    dists = [
        make_wheel(built, "alpha", "1.0", requires=["beta"]),
        make_wheel(built, "alpha", "2.0", requires=["beta"]),
        make_wheel(built, "beta", "1.0"),
        make_wheel(built, "beta", "2.0"),
        make_wheel(built, "gamma", "1.0"),
        make_wheel(built, "fancy", "1.0"),
        make_wheel(built, "devtool", "1.0"),
        make_wheel(built, "pip", "24.0"),
        make_wheel(built, "winonly", "1.0", tag="py3-none-win_amd64"),
        make_sdist(built, "sdonly", "1.0"),
        BACKEND_WHEELS_DIR / "setuptools-81.0.0-py3-none-any.whl",
        BACKEND_WHEELS_DIR / "setuptools-84.2.1-py3-none-any.whl",
    ]
    return Universe(build_index(tmp_path_factory.mktemp("index"), dists))


def entry(
    universe: Universe,
    base_url: str,
    filenames: Iterable[str],
    **keys: Any,
) -> dict[str, Any]:
    """A [[packages]] entry for these files of the index, served at base_url."""
    wheels, sdist = [], None
    name = version = ""
    for filename in filenames:
        path = universe.file(filename)
        item = {
            "name": filename,
            "url": base_url + filename,
            "size": path.stat().st_size,
            "hashes": {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()},
        }
        found = next(f for f in universe.index.files if f.filename == filename)
        name, version = found.project, str(found.version)
        if filename.endswith(".whl"):
            wheels.append(item)
        else:
            sdist = item
    package: dict[str, Any] = {"name": name, "version": version}
    package.update(keys)
    if wheels:
        package["wheels"] = wheels
    if sdist is not None:
        package["sdist"] = sdist
    return package


def write_lock(path: Path, packages: list[dict[str, Any]], **top: Any) -> Path:
    document: dict[str, Any] = {"lock-version": "1.0", "created-by": "tests"}
    document.update(top)
    document["packages"] = packages
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def inst(run_inst, cache: Path):
    def run(command: str, *args: str, venv: VirtualEnv, **kw: Any):
        return run_inst(
            command,
            "--python",
            str(venv.python),
            "--cache-dir",
            str(cache),
            "--retries",
            "0",
            *args,
            **kw,
        )

    return run


def files_url(universe: Universe) -> str:
    return universe.index.find_links_dir.resolve().as_uri() + "/"


def basic_lock(universe: Universe, tmp_path: Path, base: str) -> Path:
    return write_lock(
        tmp_path / "pylock.toml",
        [
            entry(universe, base, ["alpha-1.0-py3-none-any.whl"]),
            entry(universe, base, ["beta-2.0-py3-none-any.whl"]),
        ],
    )


def state(venv: VirtualEnv) -> Mapping[str, Any]:
    return snapshot(venv.root, skip={STATE_DIR, "__pycache__"})


def assert_one_error(run, *fragments: str) -> None:
    assert run.code == 1, (run.out, run.err)
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert "Traceback" not in run.err + run.out
    for fragment in fragments:
        assert fragment in run.err, run.err


# --- installing a lock -----------------------------------------------------------------


def test_install_r_lock_installs_exactly_the_locked_set_offline_once_cached(
    inst, universe: Universe, index_server, venv_factory, tmp_path: Path
) -> None:
    server = index_server(universe.index)
    lock = basic_lock(universe, tmp_path, server.files_url)
    first = venv_factory("first")
    run = inst("install", "-r", str(lock), venv=first)
    assert run.code == 0, run.err
    assert "Successfully installed alpha-1.0 beta-2.0" in run.out
    assert first.installed() == {"alpha": "1.0", "beta": "2.0"}
    # no resolver, so no index page: only the two locked files were asked for
    paths = sorted(r.path for r in server.requests)
    assert paths == [
        "/files/alpha-1.0-py3-none-any.whl",
        "/files/beta-2.0-py3-none-any.whl",
    ]

    server.stop()  # from here on, the cache alone
    second = venv_factory("second")
    run = inst("sync", str(lock), venv=second)
    assert run.code == 0, run.err
    assert second.installed() == {"alpha": "1.0", "beta": "2.0"}
    assert (second.site_packages / "alpha" / "__init__.py").is_file()


def test_a_tampered_hash_is_refused_and_nothing_changes(
    inst, universe: Universe, venv: VirtualEnv, tmp_path: Path
) -> None:
    base = files_url(universe)
    assert (
        inst("install", "-r", str(basic_lock(universe, tmp_path, base)), venv=venv).code
        == 0
    )
    good = entry(universe, base, ["gamma-1.0-py3-none-any.whl"])
    bad = entry(universe, base, ["alpha-2.0-py3-none-any.whl"])
    bad["wheels"][0]["hashes"]["sha256"] = "0" * 64
    (tmp_path / "other").mkdir()
    lock = write_lock(
        tmp_path / "other" / "pylock.toml",
        [bad, entry(universe, base, ["beta-1.0-py3-none-any.whl"]), good],
    )
    before = state(venv)
    run = inst("sync", str(lock), venv=venv)
    assert_one_error(
        run, "alpha-2.0-py3-none-any.whl does not match its hash in pylock.toml"
    )
    assert "nothing was installed" in run.err.lower()
    assert before == state(venv), differences(before, state(venv))


def test_sync_removes_what_the_lock_does_not_hold_and_keeps_pip(
    inst, universe: Universe, venv: VirtualEnv, tmp_path: Path
) -> None:
    base = files_url(universe)
    start = write_lock(
        tmp_path / "pylock.toml",
        [
            entry(universe, base, [f"{name}-py3-none-any.whl"])
            for name in ("alpha-1.0", "beta-2.0", "gamma-1.0", "pip-24.0")
        ],
    )
    assert inst("sync", str(start), venv=venv).code == 0
    kept_file = venv.site_packages / "gamma" / "__init__.py"
    inode = kept_file.stat().st_ino

    (tmp_path / "next").mkdir()
    target = write_lock(
        tmp_path / "next" / "pylock.toml",
        [
            entry(universe, base, ["alpha-2.0-py3-none-any.whl"]),
            entry(universe, base, ["beta-1.0-py3-none-any.whl"]),
            entry(universe, base, ["gamma-1.0-py3-none-any.whl"]),
        ],
    )
    before = state(venv)
    dry = inst("sync", str(target), "--dry-run", venv=venv)
    assert dry.code == 0, dry.err
    assert "Would upgrade alpha 1.0 -> 2.0" in dry.out
    assert "Would downgrade beta 2.0 -> 1.0" in dry.out
    assert "Would uninstall" not in dry.out  # pip stays
    assert "Keeping pip-24.0: pip stays unless --remove-pip" in dry.out
    assert before == state(venv), differences(before, state(venv))

    run = inst("sync", str(target), venv=venv)
    assert run.code == 0, run.err
    assert venv.installed() == {
        "alpha": "2.0",
        "beta": "1.0",
        "gamma": "1.0",
        "pip": "24.0",
    }
    assert kept_file.stat().st_ino == inode  # already right: left alone

    run = inst("sync", str(target), "--remove-pip", venv=venv)
    assert run.code == 0, run.err
    assert "Successfully uninstalled pip-24.0" in run.out
    assert venv.installed() == {"alpha": "2.0", "beta": "1.0", "gamma": "1.0"}
    assert not list(venv.site_packages.glob("pip*"))

    again = inst("sync", str(target), venv=venv)
    assert again.code == 0, again.err
    assert "Nothing to change" in again.out


def test_install_r_lock_keeps_what_the_lock_does_not_hold(
    inst, universe: Universe, venv: VirtualEnv, tmp_path: Path
) -> None:
    base = files_url(universe)
    one = write_lock(
        tmp_path / "pylock.gamma.toml",
        [entry(universe, base, ["gamma-1.0-py3-none-any.whl"])],
    )
    assert inst("install", "-r", str(one), venv=venv).code == 0
    run = inst("install", "-r", str(basic_lock(universe, tmp_path, base)), venv=venv)
    assert run.code == 0, run.err
    assert venv.installed() == {"alpha": "1.0", "beta": "2.0", "gamma": "1.0"}


def test_extras_and_groups_select_as_pep_751_says(
    inst, universe: Universe, venv_factory, tmp_path: Path
) -> None:
    base = files_url(universe)
    lock = write_lock(
        tmp_path / "pylock.toml",
        [
            entry(universe, base, ["gamma-1.0-py3-none-any.whl"]),
            entry(
                universe,
                base,
                ["fancy-1.0-py3-none-any.whl"],
                marker="'fancy' in extras",
            ),
            entry(
                universe,
                base,
                ["devtool-1.0-py3-none-any.whl"],
                marker="'dev' in dependency_groups",
            ),
        ],
        extras=["fancy"],
        **{"dependency-groups": ["dev"], "default-groups": ["dev"]},
    )
    plain = venv_factory("plain")
    assert inst("sync", str(lock), "--group", "dev", venv=plain).code == 0
    assert plain.installed() == {"gamma": "1.0", "devtool": "1.0"}

    everything = venv_factory("everything")
    run = inst("sync", str(lock), "--extra", "fancy", venv=everything)
    assert run.code == 0, run.err
    # no --group: the default groups (dev)
    assert everything.installed() == {"gamma": "1.0", "fancy": "1.0", "devtool": "1.0"}

    run = inst("sync", str(lock), "--extra", "nope", venv=plain)
    assert_one_error(run, "pylock.toml has no extra nope", "It locks the extras fancy")


def test_a_lock_for_other_environments_is_refused(
    inst, universe: Universe, venv: VirtualEnv, tmp_path: Path
) -> None:
    base = files_url(universe)
    lock = write_lock(
        tmp_path / "pylock.toml",
        [entry(universe, base, ["winonly-1.0-py3-none-win_amd64.whl"])],
        environments=["sys_platform == 'win32'"],
        **{"requires-python": ">=3.8"},
    )
    before = state(venv)
    run = inst("sync", str(lock), venv=venv)
    assert_one_error(
        run,
        "pylock.toml does not apply to the target Python",
        'The lock covers the environments `sys_platform == "win32"`',
    )
    assert before == state(venv)

    no_env = write_lock(
        tmp_path / "pylock.win.toml",
        [entry(universe, base, ["winonly-1.0-py3-none-win_amd64.whl"])],
    )
    run = inst("install", "-r", str(no_env), venv=venv)
    assert_one_error(
        run, "No wheel found matching the provided tags for package 'winonly'"
    )


def test_a_lock_goes_alone_and_sync_needs_a_lock_name(
    inst, universe: Universe, venv: VirtualEnv, tmp_path: Path
) -> None:
    lock = basic_lock(universe, tmp_path, files_url(universe))
    run = inst("install", "-r", str(lock), "gamma", venv=venv)
    assert_one_error(run, "is a lock file, and a lock is installed alone")
    plain = tmp_path / "requirements.txt"
    plain.write_text("gamma\n")
    run = inst("sync", str(plain), venv=venv)
    assert_one_error(run, "is not named as a PEP 751 lock")
    broken = tmp_path / "pylock.broken.toml"
    broken.write_text('lock-version = "1.0"\n')
    run = inst("sync", str(broken), venv=venv)
    assert_one_error(run, "is not a valid PEP 751 lock")
    assert venv.installed() == {}


# --- locked builds ---------------------------------------------------------------------


@pytest.mark.slow
def test_a_locked_sdist_builds_in_its_locked_environment(
    inst, universe: Universe, venv: VirtualEnv, tmp_path: Path
) -> None:
    base = files_url(universe)
    sdist = entry(universe, base, ["sdonly-1.0.tar.gz"])
    # The index's newest setuptools is 84.2.1; the lock says 81.0.0.
    old = entry(universe, base, ["setuptools-81.0.0-py3-none-any.whl"])
    sdist["tool"] = {"inst": {"build-interface": "pyproject", "build-packages": [old]}}
    lock = write_lock(tmp_path / "pylock.toml", [sdist])
    # --no-index: nothing may be resolved for the build either
    run = inst("sync", str(lock), "--no-index", venv=venv)
    assert run.code == 0, run.err
    assert venv.installed() == {"sdonly": "1.0"}
    (info,) = venv.site_packages.glob("sdonly-1.0.dist-info")
    assert "Generator: setuptools (81.0.0)" in (info / "WHEEL").read_text()

    # A tampered build package stops it before anything is built or installed.
    other = venv.root.parent / "fresh"
    from harness.venvs import make_venv

    fresh = make_venv(other)
    old["wheels"][0]["hashes"]["sha256"] = "1" * 64
    (tmp_path / "bad").mkdir()
    bad = write_lock(tmp_path / "bad" / "pylock.toml", [sdist])
    run = inst("sync", str(bad), venv=fresh)
    assert_one_error(run, "setuptools-81.0.0-py3-none-any.whl")
    assert fresh.installed() == {}


def test_sync_of_inst_own_environment_keeps_inst_and_what_it_needs(
    run_inst, universe: Universe, tmp_path: Path
) -> None:
    # --dry-run (twice over: the flag and INST_DRY_RUN): this is the environment
    # running the tests.
    lock = basic_lock(universe, tmp_path, files_url(universe))
    run = run_inst("sync", str(lock), "--dry-run", env={"INST_DRY_RUN": "1"})
    assert run.code == 0, run.err
    kept = {
        line.split(":")[0].removeprefix("Keeping ").rpartition("-")[0].lower()
        for line in run.out.splitlines()
        if line.startswith("Keeping ")
    }
    assert {"inst", "packaging", "resolvelib", "requests", "installer"} <= kept
    assert "Keeping inst-" in run.out and "inst runs from this environment" in run.out
    assert "Would uninstall" in run.out and "pytest-" in run.out  # not inst's
    assert "Would install alpha-1.0 beta-2.0" in run.out


@pytest.mark.slow
def test_a_locked_directory_is_built_and_installed_editable(
    inst, universe: Universe, venv: VirtualEnv, tmp_path: Path
) -> None:
    from harness.build_projects import build_find_links, copy_project

    links = build_find_links(tmp_path)
    tree = copy_project("editable-src", tmp_path / "project")
    lock = write_lock(
        tmp_path / "pylock.toml",
        [
            {
                "name": "bp-editable-src",
                "directory": {
                    "path": str(tree.relative_to(tmp_path)),
                    "editable": True,
                },
            },
            entry(universe, files_url(universe), ["gamma-1.0-py3-none-any.whl"]),
        ],
    )
    run = inst("sync", str(lock), "--no-index", "--find-links", str(links), venv=venv)
    assert run.code == 0, run.err
    assert set(venv.installed()) == {"bp-editable-src", "gamma"}
    (info,) = venv.site_packages.glob("bp_editable_src-*.dist-info")
    assert json.loads((info / "direct_url.json").read_text())["dir_info"] == {
        "editable": True
    }
    out = venv.run_code("import bp_editable; print(bp_editable.__file__)")
    assert str(tree) in out


def test_sync_into_a_target_directory(
    inst, universe: Universe, venv: VirtualEnv, tmp_path: Path
) -> None:
    base = files_url(universe)
    where = tmp_path / "target"
    first = basic_lock(universe, tmp_path, base)
    assert inst("sync", str(first), "--target", str(where), venv=venv).code == 0
    assert sorted(p.name for p in where.glob("*.dist-info")) == [
        "alpha-1.0.dist-info",
        "beta-2.0.dist-info",
    ]
    (tmp_path / "two").mkdir()
    second = write_lock(
        tmp_path / "two" / "pylock.toml",
        [entry(universe, base, ["alpha-2.0-py3-none-any.whl"])],
    )
    run = inst("sync", str(second), "--target", str(where), venv=venv)
    assert run.code == 0, run.err
    assert sorted(p.name for p in where.glob("*.dist-info")) == ["alpha-2.0.dist-info"]
    assert not (where / "beta").exists()
    assert venv.installed() == {}

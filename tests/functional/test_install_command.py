"""`inst install` into throwaway venvs (``--python VENV``): what lands on disk.

One module-wide index of harness-built wheels serves every test; each test has its own
venv and its own cache directory. Every error case checks the same contract: exit 1,
exactly one ``error:`` line on stderr, no traceback, the venv unchanged.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import LocalIndex, VirtualEnv, build_index, make_wheel
from harness.trees import differences, files, snapshot
from harness.venvs import clean_env

#: inst's own lock/journal directory in every target's site-packages.
STATE_DIR = ".inst"
#: Nothing listens on the discard port: any request to this index fails at once.
DEAD_INDEX = "http://127.0.0.1:9/simple"
PY_VERSION = "{}.{}".format(*sys.version_info[:2])
CACHE_TAG = sys.implementation.cache_tag


# --- the shared index ------------------------------------------------------------------


@dataclass(frozen=True)
class Universe:
    index: LocalIndex
    wheels: dict[str, Path]  # "name-version" -> the wheel as built (outside the index)

    @property
    def url(self) -> str:
        return self.index.file_url

    def wheel(self, key: str) -> Path:
        return self.wheels[key]


def alpha_1() -> dict[str, str]:
    """Alpha 1.0: a package, a module only this version has, a #!python script, a data
    file and a header."""
    return {
        "alpha/__init__.py": "def main():\n    print('alpha main 1.0')\n",
        "alpha/only_old.py": "OLD = True\n",
        "alpha-1.0.data/scripts/alpha-raw": (
            "#!python\nimport sys\nprint(sys.executable)\n"
        ),
        "alpha-1.0.data/data/share/alpha/data.txt": "alpha data\n",
        "alpha-1.0.data/headers/alpha.h": "#define ALPHA 1\n",
    }


def tampered(wheel: Path) -> Path:
    """The wheel with one module's bytes changed (same size), its RECORD left as is."""
    with zipfile.ZipFile(wheel) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(wheel, "w") as archive:
        for info, data in members:
            if info.filename.endswith("__init__.py"):
                data = data.replace(b"__version__", b"__VERSION__")
            archive.writestr(info, data)
    return wheel


@pytest.fixture(scope="module")
def universe(tmp_path_factory: pytest.TempPathFactory) -> Universe:
    built = tmp_path_factory.mktemp("wheels")
    wheels = {
        "alpha-1.0": make_wheel(
            built,
            "Alpha",
            "1.0",
            requires=["beta>=1"],
            files=alpha_1(),
            entry_points={
                "console_scripts": {"alpha-cli": "alpha:main"},
                "gui_scripts": {"alpha-gui": "alpha:main"},
            },
        ),
        "alpha-2.0": make_wheel(
            built,
            "Alpha",
            "2.0",
            requires=["beta>=1"],
            files={
                "alpha/__init__.py": "def main():\n    print('alpha main 2.0')\n",
                "alpha/only_new.py": "NEW = True\n",
            },
            entry_points={"console_scripts": {"alpha-cli": "alpha:main"}},
        ),
        "beta-2.0": make_wheel(built, "beta", "2.0"),
        "needy-1.0": make_wheel(built, "needy", "1.0", requires=["dep<2"]),
        "dep-1.0": make_wheel(built, "dep", "1.0"),
        "dep-2.0": make_wheel(built, "dep", "2.0"),
        "ancient-1.0": make_wheel(built, "ancient", "1.0", requires_python="<3"),
        "tampered-1.0": tampered(make_wheel(built, "tampered", "1.0")),
    }
    index = build_index(tmp_path_factory.mktemp("index"), wheels.values())
    return Universe(index, wheels)


# --- helpers ---------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def inst(run_inst, universe: Universe, cache: Path):
    """inst("install", ..., venv=VENV) runs ``inst install --python VENV`` (venv may
    also be an interpreter's path) with the universe's index, or index, and the
    test's own cache; other keywords go to run_inst."""

    def run(
        *args: str,
        venv: VirtualEnv | Path | None = None,
        index: str | None = None,
        **kw,
    ):
        command, rest = args[0], args[1:]
        where = []
        if venv is not None:
            python = venv.python if isinstance(venv, VirtualEnv) else venv
            where = ["--python", str(python)]
        return run_inst(
            command,
            *where,
            "--cache-dir",
            str(cache),
            "-i",
            index or universe.url,
            "--retries",
            "0",
            *rest,
            **kw,
        )

    return run


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def dist_info(site: Path, name: str) -> Path:
    (found,) = site.glob(f"{name}-*.dist-info")
    return found


def check_record(site: Path, name: str) -> set[Path]:
    """Every RECORD row's file exists with the recorded sha256 and size; the files it
    lists, resolved."""
    info = dist_info(site, name)
    listed: set[Path] = set()
    with open(info / "RECORD", newline="", encoding="utf-8") as stream:
        for row in csv.reader(stream):
            path, digest, size = row
            full = Path(os.path.normpath(site / path))
            listed.add(full)
            assert full.is_file(), f"RECORD lists {path}, which is not there"
            if full == info / "RECORD":
                assert (digest, size) == ("", "")
                continue
            data = full.read_bytes()
            assert digest == record_hash(data), path
            assert size == str(len(data)), path
    return listed


def installed_files(root: Path) -> set[Path]:
    return {root / key for key in files(root, skip={STATE_DIR})}


def venv_state(venv: VirtualEnv) -> dict:
    return snapshot(venv.root, skip={STATE_DIR})


def assert_unchanged(venv: VirtualEnv, before: dict) -> None:
    after = venv_state(venv)
    assert before == after, differences(before, after)


def assert_one_error(run, *fragments: str) -> None:
    assert run.code == 1, (run.out, run.err)
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert "Traceback" not in run.err + run.out
    for fragment in fragments:
        assert fragment in run.err, run.err


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listed_versions(run_inst, venv: VirtualEnv) -> dict[str, str]:
    run = run_inst("list", "--python", str(venv.python), "--format", "json")
    assert run.code == 0, run.err
    return {item["name"].lower(): item["version"] for item in json.loads(run.out)}


def unpacked_entries(cache: Path) -> set[str]:
    root = cache / "unpacked"
    return {
        f"{outer.name}/{inner.name}"
        for outer in (root.iterdir() if root.is_dir() else ())
        for inner in outer.iterdir()
    }


# --- a fresh install -------------------------------------------------------------------


def test_install_lays_out_every_file_and_records_it(inst, venv: VirtualEnv) -> None:
    before = installed_files(venv.root)
    run = inst("install", "alpha==1.0", venv=venv)
    assert run.code == 0, run.err
    assert "Installing collected packages: beta, Alpha" in run.out
    assert "Successfully installed Alpha-1.0 beta-2.0" in run.out.splitlines()
    assert "Traceback" not in run.err

    site = venv.site_packages
    new = installed_files(venv.root) - before
    # RECORD of each distribution lists exactly what it installed, hashes and sizes
    # true; together they are every file that appeared.
    alpha, beta = check_record(site, "alpha"), check_record(site, "beta")
    assert not alpha & beta
    assert alpha | beta == new

    assert (site / "alpha" / "__init__.py").is_file()
    assert (site / "alpha" / "only_old.py").is_file()
    assert (site / "beta" / "__init__.py").is_file()
    alpha_info, beta_info = dist_info(site, "alpha"), dist_info(site, "beta")
    assert alpha_info.name == "alpha-1.0.dist-info"
    for info in (alpha_info, beta_info):
        assert (info / "INSTALLER").read_bytes() == b"inst\n"
        assert not (info / "direct_url.json").exists()  # from an index: no PEP 610
    assert (alpha_info / "REQUESTED").is_file()
    assert not (beta_info / "REQUESTED").exists()  # a dependency, not requested

    # the console and gui scripts run with the venv's Python
    for script in ("alpha-cli", "alpha-gui"):
        path = venv.script(script)
        assert path.read_text().splitlines()[0] == f"#!{venv.python}"
        assert os.access(path, os.X_OK)
    ran = subprocess.run(
        [str(venv.script("alpha-cli"))],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=False,
        timeout=30,
    )
    assert (ran.returncode, ran.stdout) == (0, "alpha main 1.0\n"), ran.stderr
    # the .data/scripts file got the venv's interpreter in place of #!python
    raw = venv.script("alpha-raw").read_text().splitlines()
    assert raw == [f"#!{venv.python}", "import sys", "print(sys.executable)"]
    # .data/data below the venv's prefix, .data/headers in the venv's include/site
    assert (venv.root / "share" / "alpha" / "data.txt").read_text() == "alpha data\n"
    (header,) = [path for path in alpha if path.name == "alpha.h"]
    assert header.is_relative_to(venv.root / "include" / "site" / f"python{PY_VERSION}")
    # no bytecode unless --compile
    assert not list(site.rglob("*.pyc"))
    assert venv.run_code("import alpha.only_old, beta; print(alpha.only_old.OLD)") == (
        "True\n"
    )


def test_headers_go_into_a_directory_named_after_the_distribution(
    inst, venv: VirtualEnv
) -> None:
    run = inst("install", "alpha==1.0", venv=venv)
    assert run.code == 0, run.err
    headers = venv.root / "include" / "site" / f"python{PY_VERSION}"
    assert (headers / "alpha" / "alpha.h").is_file() or (
        headers / "Alpha" / "alpha.h"
    ).is_file()


@pytest.mark.parametrize("spelling", ["path", "url"])
def test_direct_url_json_for_a_wheel_named_by_path_or_url(
    inst, universe: Universe, venv: VirtualEnv, spelling: str
) -> None:
    wheel = universe.wheel("alpha-1.0")
    requirement = str(wheel) if spelling == "path" else f"alpha @ {wheel.as_uri()}"
    run = inst("install", requirement, venv=venv)
    assert run.code == 0, run.err
    assert "Successfully installed Alpha-1.0 beta-2.0" in run.out

    site = venv.site_packages
    info = dist_info(site, "alpha")
    direct_url = json.loads((info / "direct_url.json").read_text(encoding="utf-8"))
    digest = sha256_of(wheel)
    assert direct_url["url"] == wheel.as_uri()
    assert direct_url["archive_info"]["hashes"] == {"sha256": digest}
    assert direct_url["archive_info"].get("hash", f"sha256={digest}") == (
        f"sha256={digest}"
    )
    assert info / "direct_url.json" in check_record(site, "alpha")
    assert (info / "REQUESTED").is_file()
    # the dependency came from the index
    assert not (dist_info(site, "beta") / "direct_url.json").exists()


# --- installing again, upgrading, downgrading ------------------------------------------


def test_second_install_is_satisfied_without_touching_the_network(
    inst, venv: VirtualEnv
) -> None:
    assert inst("install", "alpha==1.0", venv=venv).code == 0
    before = venv_state(venv)

    run = inst("install", "alpha", venv=venv, index=DEAD_INDEX)
    assert run.code == 0, run.err
    assert (
        f"Requirement already satisfied: Alpha in {venv.site_packages} (1.0)" in run.out
    )
    assert "error" not in run.err.lower()
    assert "Installing collected packages" not in run.out
    assert_unchanged(venv, before)


def test_second_install_of_a_local_wheel_needs_no_index(
    inst, universe: Universe, venv: VirtualEnv
) -> None:
    wheel = str(universe.wheel("alpha-1.0"))
    assert inst("install", wheel, venv=venv).code == 0
    before = venv_state(venv)
    run = inst("install", wheel, venv=venv, index=DEAD_INDEX)
    assert run.code == 0, run.err
    assert "Installing collected packages" not in run.out
    assert_unchanged(venv, before)


def test_upgrade_then_downgrade_replaces_every_file(
    inst, run_inst, venv: VirtualEnv
) -> None:
    site = venv.site_packages
    assert inst("install", "alpha==1.0", venv=venv).code == 0

    run = inst("install", "-U", "alpha", venv=venv)
    assert run.code == 0, run.err
    assert "Successfully installed Alpha-2.0" in run.out
    assert [p.name for p in site.glob("alpha-*.dist-info")] == ["alpha-2.0.dist-info"]
    assert not (site / "alpha" / "only_old.py").exists()
    assert (site / "alpha" / "only_new.py").is_file()
    assert not venv.script("alpha-raw").exists()  # only 1.0 had these
    assert not venv.script("alpha-gui").exists()
    assert not (venv.root / "share" / "alpha").exists()
    assert not list((venv.root / "include").rglob("alpha.h"))
    assert venv.script("alpha-cli").is_file()
    check_record(site, "alpha")
    assert listed_versions(run_inst, venv) == {"alpha": "2.0", "beta": "2.0"}
    assert venv.run_code("import alpha; alpha.main()") == "alpha main 2.0\n"

    run = inst("install", "alpha==1.0", venv=venv)
    assert run.code == 0, run.err
    assert "Successfully installed Alpha-1.0" in run.out
    assert [p.name for p in site.glob("alpha-*.dist-info")] == ["alpha-1.0.dist-info"]
    assert not (site / "alpha" / "only_new.py").exists()
    assert (site / "alpha" / "only_old.py").is_file()
    assert venv.script("alpha-raw").is_file()
    check_record(site, "alpha")
    assert listed_versions(run_inst, venv) == {"alpha": "1.0", "beta": "2.0"}


def test_breaking_an_installed_requirement_warns(inst, venv: VirtualEnv) -> None:
    assert inst("install", "needy", venv=venv).code == 0
    assert venv.installed() == {"needy": "1.0", "dep": "1.0"}

    run = inst("install", "dep==2.0", venv=venv)
    assert run.code == 0, run.err
    assert "Successfully installed dep-2.0" in run.out
    assert "needy 1.0 requires dep<2, but dep 2.0 is installed" in run.err
    assert venv.installed() == {"needy": "1.0", "dep": "2.0"}


# --- the cache of unpacked wheels and link modes ---------------------------------------


def test_files_are_hard_linked_from_the_unpacked_cache(
    inst, venv_factory, cache: Path
) -> None:
    first = venv_factory("first")
    assert inst("install", "alpha==1.0", venv=first).code == 0
    module = first.site_packages / "alpha" / "__init__.py"
    assert module.stat().st_nlink >= 2
    cached_inodes = {
        (path.stat().st_dev, path.stat().st_ino)
        for path in (cache / "unpacked").rglob("*")
        if path.is_file()
    }
    assert (module.stat().st_dev, module.stat().st_ino) in cached_inodes
    entries = unpacked_entries(cache)
    assert len(entries) == 2  # alpha and beta

    # a second venv links the same cached files: nothing new is unpacked
    second = venv_factory("second")
    assert inst("install", "alpha==1.0", venv=second).code == 0
    assert unpacked_entries(cache) == entries
    again = second.site_packages / "alpha" / "__init__.py"
    assert again.stat().st_ino == module.stat().st_ino
    assert second.installed() == {"alpha": "1.0", "beta": "2.0"}
    # generated files (INSTALLER, RECORD, scripts) are the venv's own
    assert (dist_info(second.site_packages, "alpha") / "RECORD").stat().st_nlink == 1

    copied = venv_factory("copied")
    run = inst("install", "--link-mode", "copy", "alpha==1.0", venv=copied)
    assert run.code == 0, run.err
    for path in installed_files(copied.site_packages):
        assert path.stat().st_nlink == 1, path
    assert unpacked_entries(cache) == entries
    check_record(copied.site_packages, "alpha")


# --- bytecode --------------------------------------------------------------------------


def test_compile_writes_bytecode_for_every_installed_module(
    inst, venv: VirtualEnv
) -> None:
    run = inst("install", "--compile", "alpha==1.0", venv=venv)
    assert run.code == 0, run.err
    site = venv.site_packages
    modules = [
        site / "alpha" / "__init__.py",
        site / "alpha" / "only_old.py",
        site / "beta" / "__init__.py",
    ]
    for module in modules:
        pyc = module.parent / "__pycache__" / f"{module.stem}.{CACHE_TAG}.pyc"
        assert pyc.is_file(), pyc
    assert sorted(p.name for p in site.rglob("*.pyc")) == sorted(
        f"{m.stem}.{CACHE_TAG}.pyc" for m in modules
    )
    # they are valid bytecode of the installed sources: importing rewrites none
    compiled = {pyc: sha256_of(pyc) for pyc in site.rglob("*.pyc")}
    venv.run_code("import alpha, alpha.only_old, beta")
    assert {pyc: sha256_of(pyc) for pyc in site.rglob("*.pyc")} == compiled


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        pytest.param(
            ["tampered"],
            ["tampered-1.0-py3-none-any.whl cannot be installed", "RECORD"],
            id="bad-record-hash",
        ),
        pytest.param(
            ["--user", "--prefix", "PREFIX", "beta"],
            ["cannot combine --user and --prefix"],
            id="user-with-prefix",
        ),
        pytest.param(["ancient"], ["ancient", "Python <3"], id="requires-python"),
        pytest.param(
            ["WHEEL:ancient-1.0"], ["ancient", "Python <3"], id="requires-python-path"
        ),
    ],
)
def test_refusals_change_nothing(
    inst,
    universe: Universe,
    venv: VirtualEnv,
    cache: Path,
    tmp_path: Path,
    args: list[str],
    fragments: list[str],
) -> None:
    args = [
        str(tmp_path / "prefix")
        if arg == "PREFIX"
        else str(universe.wheel(arg[6:]))
        if arg.startswith("WHEEL:")
        else arg
        for arg in args
    ]
    before = venv_state(venv)
    run = inst("install", *args, venv=venv)
    assert_one_error(run, *fragments)
    assert_unchanged(venv, before)
    assert not (tmp_path / "prefix").exists()
    assert not unpacked_entries(cache)  # a refused wheel is not kept either

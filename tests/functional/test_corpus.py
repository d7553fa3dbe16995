"""inst against pip on real, odd distributions from the public index.

The corpus (tools/corpus.txt, fetched into tests_data/corpus/ by
tools/fetch_backends.py) holds old wheels (Wheel-Version 0.1, Metadata-Version
1.2/1.3/2.0, scripts in .data beside entry points of the same names,
namespace packages of every style), sdists in every archive format of their
time (.tar.gz, .tgz, .zip, .tar.bz2), releases with invalid metadata or
versions, and sdists whose builds need other sdists or a backend the index
lacks. tools/corpus-README.md says what each file is for.

The corpus and the pinned backend wheels are served as one local index (file://,
and 127.0.0.1 for one test). inst and the test interpreter's pip each install
the same requirements into their own throwaway venv, and what landed is
compared: distributions, files in site-packages, scripts, files in the
environment's root. Where pip refuses, inst must refuse with one clear
``error:`` paragraph. Where behaviour depends on pip's version (pip < 24.1 took
releases with invalid metadata), inst is held to current pip's documented
behaviour and the test pip is only consulted when it is that new.

Venvs, indexes and caches are shared per module; pip is run only where it adds
a comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from harness import IndexServer, LocalIndex, VirtualEnv, build_index, make_venv
from harness.build_projects import BACKEND_WHEELS_DIR, inst_traceback
from harness.config_home import ConfigHome, make_config_home
from harness.corpus import CorpusFile, corpus_files

pytestmark = pytest.mark.slow  # runs pip beside inst; builds old sdists for real

#: A build (setup.py egg_info of a 2010 project) takes seconds; a hang must not
#: hold the suite for long.
TIMEOUT = 120
HANG_TIMEOUT = 45
STATE_DIR = ".inst"
#: What pip and inst write differently by design (the installer's own name, and
#: inst's state directory); both write every other file pip writes.
SKIP_IN_SITE = {STATE_DIR, "__pycache__"}


def pip_version() -> Version:
    import pip

    return Version(pip.__version__)


#: pip 24.1 stopped taking releases with invalid metadata (it warns and moves to
#: an older release, as inst does).
PIP_SKIPS_INVALID_METADATA = pip_version() >= Version("24.1")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    def report(self, path: Path) -> list[tuple[str, str, str]]:
        """(name, version, file name) of each distribution in a --report file."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return sorted(
            (
                canonicalize_name(item["metadata"].get("name", "?")),
                item["metadata"].get("version", "?"),
                item["download_info"]["url"].rsplit("/", 1)[-1],
            )
            for item in data["install"]
        )


def assert_ok(run: Run) -> None:
    assert run.code == 0, (run.out, run.err)
    assert not inst_traceback(run), run.err


def assert_one_error(run: Run, *fragments: str) -> None:
    """Exit 1, exactly one ``error:`` paragraph, no traceback of inst's own."""
    assert run.code == 1, (run.out, run.err)
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert not inst_traceback(run), run.err
    assert "internal error" not in run.err.lower(), run.err
    for fragment in fragments:
        assert fragment in run.err, run.err


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> dict[str, CorpusFile]:
    return corpus_files()


@pytest.fixture(scope="module")
def index(
    tmp_path_factory: pytest.TempPathFactory, corpus: dict[str, CorpusFile]
) -> LocalIndex:
    """The corpus plus the pinned backend wheels (for builds), as one index."""
    backends = sorted(BACKEND_WHEELS_DIR.glob("*.whl"))
    assert backends, "no backend wheels: run python tools/fetch_backends.py"
    return build_index(
        tmp_path_factory.mktemp("corpus-index"),
        [f.path for f in corpus.values()] + backends,
        projects={f.filename: f.project for f in corpus.values()},
    )


@pytest.fixture(scope="module")
def server(index: LocalIndex) -> Iterator[IndexServer]:
    with IndexServer(index.root) as served:
        yield served


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> ConfigHome:
    return make_config_home(tmp_path_factory.mktemp("corpus-home"))


@pytest.fixture(scope="module")
def caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus-caches")


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("corpus-venvs")

    def make(name: str) -> VirtualEnv:
        return make_venv(root / name)

    return make


class Tools:
    """inst and pip, both offline against the corpus index, each with its cache."""

    def __init__(self, index: LocalIndex, home: ConfigHome, caches: Path) -> None:
        self.index = index
        self.home = home
        self.caches = caches

    def _run(self, cmd: Sequence[str], timeout: float) -> Run:
        proc = subprocess.run(
            list(cmd),
            env=self.home.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def inst(
        self,
        *args: str,
        venv: VirtualEnv | None = None,
        index_url: str | None = None,
        timeout: float = TIMEOUT,
    ) -> Run:
        where = ["--python", str(venv.python)] if venv else []
        return self._run(
            [
                sys.executable,
                "-m",
                "inst",
                "install",
                *where,
                "--index-url",
                index_url or self.index.file_url,
                "--cache-dir",
                str(self.caches / "inst"),
                *args,
            ],
            timeout,
        )

    def pip(self, *args: str, venv: VirtualEnv | None = None) -> Run:
        # pip reads a file:// index through its HTML pages; --python installs into
        # the venv (which has no pip of its own).
        where = ["--python", str(venv.python)] if venv else []
        return self._run(
            [
                sys.executable,
                "-m",
                "pip",
                *where,
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--index-url",
                self.index.file_url,
                "--cache-dir",
                str(self.caches / "pip"),
                *args,
            ],
            TIMEOUT,
        )


@pytest.fixture(scope="module")
def tools(index: LocalIndex, home: ConfigHome, caches: Path) -> Tools:
    return Tools(index, home, caches)


# --- what landed -----------------------------------------------------------------------


def _tree(root: Path, skip: set[str]) -> set[str]:
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            if not name.endswith(".pyc"):
                found.add(Path(folder, name).relative_to(root).as_posix())
    return found


@dataclass(frozen=True)
class Landed:
    """What an install left in a venv, in terms that do not name the venv."""

    dists: dict[str, str]
    site: set[str]
    scripts: dict[str, str]  # name: first line, the venv's path replaced by VENV
    root_files: set[str]  # files outside bin/, lib/, include/ and pyvenv.cfg

    @classmethod
    def of(cls, venv: VirtualEnv, baseline: set[str]) -> Landed:
        scripts = {}
        for path in sorted(venv.bin_dir.iterdir()):
            if path.name in baseline or not path.is_file():
                continue
            with open(path, "rb") as f:
                first = f.readline().decode("utf-8", "replace").rstrip("\n")
            scripts[path.name] = first.replace(str(venv.root), "VENV")
        root_files = {
            p
            for p in _tree(venv.root, {"bin", "lib", "lib64", "include", STATE_DIR})
            if p != "pyvenv.cfg"
        }
        return cls(
            venv.installed(),
            _tree(venv.site_packages, SKIP_IN_SITE),
            scripts,
            root_files,
        )


def fresh_venv(venvs, name: str) -> tuple[VirtualEnv, set[str]]:
    venv = venvs(name)
    return venv, {p.name for p in venv.bin_dir.iterdir()}


def install_both(
    tools: Tools, venvs, name: str, *args: str
) -> tuple[Run, Landed, Run, Landed]:
    inst_venv, inst_base = fresh_venv(venvs, f"{name}-inst")
    pip_venv, pip_base = fresh_venv(venvs, f"{name}-pip")
    inst_run = tools.inst(*args, venv=inst_venv)
    pip_run = tools.pip(*args, venv=pip_venv)
    return (
        inst_run,
        Landed.of(inst_venv, inst_base),
        pip_run,
        Landed.of(pip_venv, pip_base),
    )


def reports_both(
    tools: Tools, tmp_path: Path, *args: str, inst_url: str | None = None
) -> tuple[Run, list, Run, list]:
    inst_report, pip_report = tmp_path / "inst.json", tmp_path / "pip.json"
    inst_run = tools.inst(
        "--dry-run", "--report", str(inst_report), *args, index_url=inst_url
    )
    pip_run = tools.pip("--dry-run", "--report", str(pip_report), *args)
    assert_ok(inst_run)
    assert pip_run.code == 0, pip_run.err
    return inst_run, inst_run.report(inst_report), pip_run, pip_run.report(pip_report)


# --- the corpus itself -----------------------------------------------------------------


def test_corpus_is_small_and_every_file_is_served(
    corpus: dict[str, CorpusFile], index: LocalIndex
) -> None:
    sizes = {name: f.path.stat().st_size for name, f in corpus.items()}
    assert all(size < 1_000_000 for size in sizes.values()), sizes
    assert sum(sizes.values()) < 20_000_000
    listed = {f.filename for f in index.files}
    assert set(corpus) <= listed
    # the odd names are listed on their own project's page
    by_name = {f.filename: f for f in index.files}
    assert by_name["zope.event-3.5.0-1.tar.gz"].project == "zope-event"
    assert by_name["pytz-2005k.tar.bz2"].version == "2005k"


# --- wheels ----------------------------------------------------------------------------

#: Old wheels, one install: Metadata-Version 2.0 (six 1.5.0, early
#: bdist_wheel), 1.2 (entrypoints 0.2.2, flit 0.9), a pkg_resources-style
#: namespace (jaraco.classes), a *-nspkg.pth namespace (zope.event; it requires
#: setuptools, hence --no-deps) and stray top-level test packages beside an
#: entry point (json2python-models).
OLD_WHEELS = {
    "six": "1.5.0",
    "entrypoints": "0.2.2",
    "jaraco-classes": "1.3",
    "zope-event": "4.5.0",
    "json2python-models": "0.3.1",
}
OLD_WHEEL_REQUIREMENTS = [
    "six==1.5.0",
    "entrypoints==0.2.2",
    "jaraco.classes==1.3",
    "zope.event==4.5.0",
    "json2python-models==0.3.1",
]


def test_old_wheels_resolve_as_pip_resolves_them(tools: Tools, tmp_path: Path) -> None:
    _, inst_report, _, pip_report = reports_both(
        tools, tmp_path, "--no-deps", *OLD_WHEEL_REQUIREMENTS
    )
    assert inst_report == pip_report
    assert {name: version for name, version, _ in inst_report} == OLD_WHEELS


def test_old_wheels_install_as_pip_installs_them(tools: Tools, venvs) -> None:
    inst_run, inst, pip_run, pip = install_both(
        tools, venvs, "old-wheels", "--no-deps", *OLD_WHEEL_REQUIREMENTS
    )
    assert_ok(inst_run)
    assert pip_run.code == 0, pip_run.err
    assert inst.dists == pip.dists == OLD_WHEELS
    assert inst.site == pip.site
    assert inst.scripts == pip.scripts
    assert inst.root_files == pip.root_files
    # what makes these wheels odd did land: the namespace .pth file, the
    # pkg_resources-style __init__, stray packages, entry point scripts
    assert "zope.event-4.5.0-py3.6-nspkg.pth" in inst.site
    assert "jaraco/__init__.py" in inst.site
    assert "testing_tools/real_apis/f1.py" in inst.site  # a stray top-level package
    assert inst.scripts["json2models"] == "#!VENV/bin/python"


def test_wheel_version_0_1_wheel_installs_as_pip_installs_it(
    tools: Tools, venvs, tmp_path: Path
) -> None:
    """wheel 0.14.0 says Wheel-Version 0.1 and Metadata-Version 1.3, signs its
    RECORD (RECORD.jws) and needs the long gone "distribute" (hence --no-deps).
    It ships scripts in .data/scripts *and* console_scripts entry points of the
    same names. pip installs it, the entry point scripts replacing the others, and
    so does inst (docs/reference/wheel-checks.md)."""
    _, inst_report, _, pip_report = reports_both(
        tools, tmp_path, "--no-deps", "wheel==0.14.0"
    )
    assert inst_report == pip_report
    inst_run, inst, pip_run, pip = install_both(
        tools, venvs, "wheel-0.1", "--no-deps", "wheel==0.14.0"
    )
    assert pip_run.code == 0, pip_run.err
    assert_ok(inst_run)
    assert inst.dists == pip.dists == {"wheel": "0.14.0"}
    assert inst.site == pip.site
    assert inst.scripts == pip.scripts
    assert set(inst.scripts) >= {"wheel", "egg2wheel", "wininst2wheel"}


def test_shared_namespace_init_installs_as_pip_installs_it(tools: Tools, venvs) -> None:
    """Two backports.* wheels both ship backports/__init__.py (pkgutil style)."""
    inst_run, inst, pip_run, pip = install_both(
        tools,
        venvs,
        "backports",
        "backports.functools-lru-cache==1.6.6",
        "backports.weakref==1.0.post1",
    )
    assert_ok(inst_run)
    assert pip_run.code == 0, pip_run.err
    assert inst.dists == pip.dists
    assert inst.site == pip.site
    assert "backports/__init__.py" in inst.site


def test_finder_picks_the_files_pip_picks(
    tools: Tools, server: IndexServer, tmp_path: Path
) -> None:
    """Through 127.0.0.1 for inst: of zope.event 4.2.0 the py2.py3 wheel, not the
    py2 one; of a pre-release its py3 wheel, not the py2 one; of dill 0.2.1's .tgz
    and .zip (equal rank) the same one as pip."""
    requirements = ["zope.event==4.2.0", "backports.weakref==1.0rc1", "dill"]
    _, inst_report, _, pip_report = reports_both(
        tools, tmp_path, "--no-deps", *requirements, inst_url=server.simple_url
    )
    assert inst_report == pip_report
    files = {name: filename for name, _, filename in inst_report}
    assert files["zope-event"] == "zope.event-4.2.0-py2.py3-none-any.whl"
    assert files["backports-weakref"] == "backports.weakref-1.0rc1-py3-none-any.whl"
    assert files["dill"].startswith("dill-0.2.1.")


def test_newest_release_of_a_project_is_what_pip_takes(
    tools: Tools, tmp_path: Path
) -> None:
    _, inst_report, _, pip_report = reports_both(
        tools, tmp_path, "--no-deps", "backports.weakref", "json2python-models"
    )
    assert inst_report == pip_report
    assert [(n, v) for n, v, _ in inst_report] == [
        ("backports-weakref", "1.0.post1"),
        ("json2python-models", "0.3.1"),
    ]


# --- invalid metadata and versions -----------------------------------------------------


def test_releases_with_invalid_metadata_are_skipped_with_a_warning(
    tools: Tools, tmp_path: Path
) -> None:
    """django-debug-toolbar-line-profiling 0.7.3 and 0.7.2 require
    'django (>=2.2django-debug-toolbar>=2.0)'; 0.7.1 is valid. pip >= 24.1 warns
    for each and takes 0.7.1; so must inst."""
    report = tmp_path / "inst.json"
    run = tools.inst(
        "--dry-run",
        "--no-deps",
        "--report",
        str(report),
        "django-debug-toolbar-line-profiling",
    )
    assert_ok(run)
    assert [(n, v) for n, v, _ in run.report(report)] == [
        ("django-debug-toolbar-line-profiling", "0.7.1")
    ]
    warnings = [line for line in run.err.splitlines() if "warning" in line.lower()]
    for version in ("0.7.3", "0.7.2"):
        assert any(version in line for line in warnings), run.err
    if PIP_SKIPS_INVALID_METADATA:
        pip_report = tmp_path / "pip.json"
        pip_run = tools.pip(
            "--dry-run",
            "--no-deps",
            "--report",
            str(pip_report),
            "django-debug-toolbar-line-profiling",
        )
        assert pip_run.report(pip_report) == run.report(report)


def test_only_invalid_releases_left_is_one_clear_error(tools: Tools) -> None:
    """json2python-models 0.3.0 requires 'python-dateutil (>=2.7.*)'."""
    run = tools.inst("--dry-run", "--no-deps", "json2python-models<0.3.1")
    assert_one_error(run, "json2python")
    assert "0.3.0" in run.err


def test_files_whose_version_is_not_pep440_are_ignored(tools: Tools) -> None:
    """pytz 2005k (.tar.bz2) is no PEP 440 version: of pytz only 2004b, a
    pre-release, is a candidate, as in pip; its Python 2 setup.py then fails to
    run (pip fails the same way), and the error says so."""
    run = tools.inst("--dry-run", "pytz")
    assert_one_error(run, "pytz")
    assert "pytz-2004b" in run.err  # the build output names the tree it ran in
    assert "2005k" not in run.err.split("error:", 1)[1]


def test_sdist_named_name_version_dash_build_is_not_a_release(tools: Tools) -> None:
    """zope.event-3.5.0-1.tar.gz: current pip parses sdist names as PEP 625 does
    and finds no 3.5.0.post1 in it; inst neither."""
    run = tools.inst("--dry-run", "--no-deps", "zope.event==3.5.0.post1")
    assert_one_error(run, "zope.event==3.5.0.post1")


# --- sdists ----------------------------------------------------------------------------

#: Sdists of their time, built and installed: a distutils setup.py that imports
#: its own package, Metadata-Version 1.0 (six 0.9.0); pyproject.toml needing
#: setuptools_scm, version from PKG-INFO (jaraco.classes 2.0, which needs six).
OLD_SDISTS = {"six": "0.9.0", "jaraco-classes": "2.0"}
OLD_SDIST_REQUIREMENTS = ["six==0.9.0", "jaraco.classes==2.0"]


def test_old_sdists_build_and_install_as_pip_installs_them(
    tools: Tools, venvs, tmp_path: Path
) -> None:
    inst_run, inst, pip_run, pip = install_both(
        tools, venvs, "old-sdists", *OLD_SDIST_REQUIREMENTS
    )
    assert_ok(inst_run)
    assert pip_run.code == 0, pip_run.err
    assert inst.dists == pip.dists == OLD_SDISTS
    # The wheels are built by the same backends, so the same files land, less
    # what names the builder (pip's wheel cache may hold a differently named
    # build of the same sdist).
    assert inst.site == pip.site
    assert inst.scripts == pip.scripts
    assert inst.root_files == pip.root_files


def test_report_of_built_sdists_holds_their_metadata(
    tools: Tools, tmp_path: Path
) -> None:
    """setup.py only (testpath 0.1), flit.ini with a generated setup.py and no
    pyproject.toml (entrypoints 0.2.3): --report names the metadata each build
    made, as pip's does (pip is not run here: its answer is these builds'
    metadata, and its builds are the slow part of this module)."""
    report = tmp_path / "inst.json"
    run = tools.inst(
        "--dry-run",
        "--no-deps",
        "--report",
        str(report),
        "testpath==0.1",
        "entrypoints==0.2.3",
    )
    assert_ok(run)
    assert run.report(report) == [
        ("entrypoints", "0.2.3", "entrypoints-0.2.3.tar.gz"),
        ("testpath", "0.1", "testpath-0.1.tar.gz"),
    ]


@pytest.mark.parametrize("filename", ["dill-0.2.1.tgz", "dill-0.2.1.zip"])
def test_sdist_archives_given_as_paths(
    tools: Tools, corpus: dict[str, CorpusFile], tmp_path: Path, filename: str
) -> None:
    report = tmp_path / "inst.json"
    run = tools.inst(
        "--dry-run", "--no-deps", "--report", str(report), str(corpus[filename].path)
    )
    assert_ok(run)
    assert [(n, v) for n, v, _ in run.report(report)] == [("dill", "0.2.1")]


def test_tar_bz2_sdist_given_as_a_path_is_unpacked_and_built(
    tools: Tools, corpus: dict[str, CorpusFile]
) -> None:
    """pip unpacks a .tar.bz2 given as a path, even one whose file name gives no PEP
    440 version (pytz 2005k), and builds it to find out what it is; this one's
    Python 2 setup.py then fails, so the error must be the build's, not the
    archive's, as pip's is."""
    run = tools.inst("--dry-run", str(corpus["pytz-2005k.tar.bz2"].path))
    assert_one_error(run, "pytz")
    assert "SyntaxError" in run.err, run.err


def test_build_requirement_only_as_an_sdist_is_built_first(tools: Tools) -> None:
    """poetry-core 1.0.0a0 builds through intreehooks, of which the index has only
    an sdist (needing pytoml). pip builds intreehooks, then poetry-core's backend
    fails for want of jsonschema ("No module named 'jsonschema'"). inst must get
    as far, promptly, and stop with one error; it must not wait forever. (pip is
    not run here: its nested builds take long.)"""
    run = tools.inst("--dry-run", "poetry-core==1.0.0a0", timeout=HANG_TIMEOUT)
    assert_one_error(run, "poetry-core")
    assert "jsonschema" in run.err


def test_build_backend_missing_from_the_index_is_one_clear_error(
    tools: Tools,
) -> None:
    """requests_download 0.1.2 builds with flit, which the index does not hold;
    pip stops with "No matching distribution found for flit"."""
    run = tools.inst("--dry-run", "requests-download", timeout=HANG_TIMEOUT)
    assert_one_error(run, "flit")

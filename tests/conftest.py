"""Fixtures exposing the test harness (tests/harness). Logic lives there."""

from __future__ import annotations

import compileall
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Callable, Union

import pytest

from harness import (
    DistFactory,
    IndexServer,
    LocalIndex,
    VirtualEnv,
    build_index,
    build_sample_index,
    make_venv,
)
from harness.index import Yanked

PROJECTS_DIR = Path(__file__).resolve().parent.parent / "tests_data" / "projects"


def pytest_addoption(
    parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager
) -> None:
    """The suite runs in parallel by default: pyproject's addopts pass pytest-xdist's
    ``-n``/``--dist``. Where xdist is off (``-p no:xdist``) or missing, accept and ignore
    them so that the suite runs in this one process instead of failing on usage."""
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist", "pytest-xdist is not loaded: options ignored")
    group._addoption("-n", "--numprocesses", dest="numprocesses", default=None)
    group.addoption("--dist", dest="dist", default="no")
    group.addoption("--maxprocesses", dest="maxprocesses", default=None)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile inst's modules once, before any test runs it. The suite starts
    ``python -m inst`` about a thousand times; where PYTHONDONTWRITEBYTECODE is set (as on
    CI) and inst is installed editable, each start would compile every module it imports
    again. The .pyc files go to src/inst/__pycache__, which git ignores."""
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller has done it
    import inst

    compileall.compile_dir(Path(inst.__file__).parent, quiet=1)


MakeIndex = Callable[..., LocalIndex]
ServeIndex = Callable[[Union[LocalIndex, Path]], IndexServer]
VenvFactory = Callable[..., VirtualEnv]


@pytest.fixture(scope="session")
def projects_dir() -> Path:
    return PROJECTS_DIR


@pytest.fixture(scope="session")
def dist_factory(tmp_path_factory: pytest.TempPathFactory) -> DistFactory:
    """Wheels/sdists of tests_data projects, built once per session. Don't modify them."""
    return DistFactory(PROJECTS_DIR, tmp_path_factory.mktemp("dists"))


@pytest.fixture
def make_index(tmp_path: Path) -> MakeIndex:
    """make_index(dists, yanked=None, metadata_files=True) -> LocalIndex in tmp_path."""
    count = 0

    def make(
        dists: Iterable[Path],
        *,
        yanked: Mapping[str, Yanked] | None = None,
        metadata_files: bool = True,
    ) -> LocalIndex:
        nonlocal count
        count += 1  # several indexes per test get their own roots
        return build_index(
            tmp_path / f"index{count}",
            dists,
            yanked=yanked,
            metadata_files=metadata_files,
        )

    return make


@pytest.fixture
def sample_index(tmp_path: Path, dist_factory: DistFactory) -> LocalIndex:
    """Wheel + sdist of each harness.SAMPLE_RELEASES entry; another 1.1 is yanked."""
    return build_sample_index(tmp_path / "sample-index", dist_factory)


@pytest.fixture
def index_server() -> Iterator[ServeIndex]:
    """index_server(local_index_or_dir) -> started IndexServer, stopped at teardown."""
    servers: list[IndexServer] = []

    def serve(index: LocalIndex | Path) -> IndexServer:
        server = IndexServer(index.root if isinstance(index, LocalIndex) else index)
        servers.append(server)
        return server.start()

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def venv_factory(tmp_path: Path) -> VenvFactory:
    """venv_factory(name="venv", python=None) -> VirtualEnv without pip in tmp_path."""

    def make(name: str = "venv", python: str | None = None) -> VirtualEnv:
        return make_venv(tmp_path / name, python)

    return make


@pytest.fixture
def venv(venv_factory: VenvFactory) -> VirtualEnv:
    return venv_factory("venv")

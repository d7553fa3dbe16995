"""The fixtures of the resolution workloads: a local index and an empty venv.

The index is built once with the test harness from tests_data/bench-wheels (see
tools/fetch_bench_wheels.py) and kept, with the venv, in a folder under the
system's temp dir. A stamp (pins, harness index code, interpreter) decides when
to rebuild, so an ordinary benchmark run only checks that stamp.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS_DIR = REPO / "tools"
PINS_FILE = TOOLS_DIR / "bench-wheels.txt"
WHEELS_DIR = REPO / "tests_data" / "bench-wheels"
FETCH_HINT = "run python tools/fetch_bench_wheels.py first"

#: What both tools resolve: a realistic set of top-level projects.
REQUIREMENTS = (
    "flask",
    "requests",
    "rich",
    "pydantic",
    "httpx",
    "sqlalchemy",
    "jinja2",
    "click",
    "attrs",
)

#: The big install (install-big-warm): 106 distributions, numpy, scipy and jupyter.
BIG_REQUIREMENTS = ("jupyterlab", "pandas", "scipy", "matplotlib", "scikit-learn")

#: The remote backtracking resolve (resolve-remote-backtrack), against the public
#: default index: botocore's many releases make the resolver backtrack.
REMOTE_REQUIREMENTS = ("boto3<1.41", "botocore<1.35", "urllib3<2", "requests")
#: What is asked to tell whether the default index can be reached.
REMOTE_PROBE_URL = os.environ.get(
    "INST_BENCH_REMOTE_PROBE", "https://pypi.org/simple/boto3/"
)

# Outside the repo so the one .gitignore line for the wheels suffices, and per user
# so two accounts on one machine don't fight over it. INST_BENCH_DIR: another place
# (two checkouts benchmarking at once, each with its own pins, must not share one).
_USER = str(os.getuid()) if hasattr(os, "getuid") else "user"
ROOT = Path(
    os.environ.get("INST_BENCH_DIR")
    or Path(tempfile.gettempdir()) / f"inst-bench-resolution-{_USER}"
)
INDEX_DIR = ROOT / "index"
VENV_DIR = ROOT / "venv"
HOME_DIR = ROOT / "home"
INDEX_URL = (INDEX_DIR / "simple").as_uri() + "/"
VENV_PYTHON = VENV_DIR / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
_STAMP = ".bench-stamp"


def work_dir(name: str) -> Path:
    """A folder of ROOT for one workload's caches and reports (kept between runs)."""
    return ROOT / "work" / name


def _index_stamp() -> str:
    # The pins fix the wheels; the harness code fixes the pages built from them.
    digest = hashlib.sha256(PINS_FILE.read_bytes())
    digest.update((REPO / "tests" / "harness" / "index.py").read_bytes())
    return digest.hexdigest()


def _venv_stamp() -> str:
    return f"{sys.executable}\n{sys.version}"


def _is_current(folder: Path, stamp: str) -> bool:
    try:
        return (folder / _STAMP).read_text(encoding="utf-8") == stamp
    except OSError:
        return False


def _install(built: Path, target: Path, stamp: str) -> None:
    """Stamp a freshly built folder and move it into place (replacing a stale one)."""
    (built / _STAMP).write_text(stamp, encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    try:
        os.replace(built, target)
    except OSError:
        # Another run put its copy in place first: that one is as good as ours.
        shutil.rmtree(built, ignore_errors=True)
        if not _is_current(target, stamp):
            raise


def _wheels_problem() -> str | None:
    """Why the pinned wheels can't be used yet, or None when they all match."""
    if str(TOOLS_DIR) not in sys.path:
        sys.path.insert(0, str(TOOLS_DIR))
    import fetch_bench_wheels

    ok, summary = fetch_bench_wheels.check(WHEELS_DIR, PINS_FILE)
    if ok:
        return None
    return summary.replace(fetch_bench_wheels.FETCH_HINT, FETCH_HINT)


def ensure_index() -> str | None:
    """Build the index unless it is current; return why it can't be, or None."""
    stamp = _index_stamp()
    if _is_current(INDEX_DIR, stamp):
        return None
    problem = _wheels_problem()
    if problem:
        return problem
    tests_dir = str(REPO / "tests")
    if tests_dir not in sys.path:
        sys.path.insert(0, tests_dir)
    from harness.index import build_index

    ROOT.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=".index-", dir=ROOT))
    try:
        build_index(built, sorted(WHEELS_DIR.glob("*.whl")))
        _install(built, INDEX_DIR, stamp)
    finally:
        shutil.rmtree(built, ignore_errors=True)
    return None


def ensure_venv() -> None:
    """Create the empty target venv (no pip in it) unless it is current."""
    stamp = _venv_stamp()
    if _is_current(VENV_DIR, stamp) and VENV_PYTHON.exists():
        return
    # Created in place, not moved there: a venv's scripts hold its own path.
    if VENV_DIR.exists():
        shutil.rmtree(VENV_DIR)
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(VENV_DIR)],
        check=True,
        capture_output=True,
    )
    (VENV_DIR / _STAMP).write_text(stamp, encoding="utf-8")


def environment() -> dict[str, str]:
    """The environment both tools run in: nothing of the machine's configuration.

    No INST_*, PIP_* or UV_* variable gets through, HOME and the XDG dirs point into
    ROOT,
    and PIP_CONFIG_FILE=os.devnull turns pip's files off for pip and for inst (which
    falls back to pip's files).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("INST_", "PIP_", "UV_", "XDG_"))
        # pip's modules were byte-compiled when it was installed; without this, an
        # editable inst would be recompiled from source on every run.
        and key != "PYTHONDONTWRITEBYTECODE"
    }
    for name in ("config", "config-dirs", "cache", "data"):
        (HOME_DIR / name).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(HOME_DIR),
        XDG_CONFIG_HOME=str(HOME_DIR / "config"),
        XDG_CONFIG_DIRS=str(HOME_DIR / "config-dirs"),
        XDG_CACHE_HOME=str(HOME_DIR / "cache"),
        XDG_DATA_HOME=str(HOME_DIR / "data"),
        PIP_CONFIG_FILE=os.devnull,
        # pip would otherwise ask the network whether it is outdated.
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def prepare() -> str | None:
    """Make the index and the venv ready; return why the workload must skip, or None."""
    problem = ensure_index()
    if problem:
        return problem
    ensure_venv()
    return None


_server: list[object] = []  # the one running IndexServer, kept alive for the whole run


def http_index_url() -> str:
    """Serve the index over HTTP on 127.0.0.1 (once per bench run) and return its URL."""
    if not _server:
        tests_dir = str(REPO / "tests")
        if tests_dir not in sys.path:
            sys.path.insert(0, tests_dir)
        from harness.server import IndexServer

        _server.append(IndexServer(INDEX_DIR).start())
    return str(_server[0].simple_url)  # type: ignore[attr-defined]


def http_environment() -> dict[str, str]:
    """environment() with the tools pointed at the HTTP index by their variables."""
    url = http_index_url()
    return {
        **environment(),
        "INST_INDEX_URL": url,
        "PIP_INDEX_URL": url,
        "UV_INDEX_URL": url,
    }


def network_problem(timeout: float = 10.0) -> str | None:
    """Why the public default index can't be reached (the workload is skipped with
    that note), or None when it answers."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        REMOTE_PROBE_URL, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        return f"needs the network, and {REMOTE_PROBE_URL} can't be reached ({reason})"
    return None

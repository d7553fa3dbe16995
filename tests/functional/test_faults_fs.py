"""File system faults at every place inst writes: the cache, an install target, -d,
-w, --report and a configuration file.

Two kinds of fault:
- injected (tests/harness/faults.py): EACCES, ENOSPC, EROFS, ENOTDIR and ENAMETOOLONG
  raised by every write below one directory of a real `inst` run (root passes
  permission checks, and read-only or full file systems need mounts);
- real, where a test can make the condition: a file where a directory must be, a
  name longer than the file system allows.

Each must end in one `error:` paragraph and exit code 1 with nothing changed, or (the
cache, as pip) a warning and exit code 0 with nothing stored in the cache.

All the runs happen in one batch (faults.py --batch: inst imported once, each run in a
forked child), prepared and started by the module's fixture; each test then checks
its own run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness import IndexServer, build_index, make_wheel
from harness.checks import leftovers
from harness.config_home import make_config_home

pytestmark = pytest.mark.slow  # the module's fixture runs every case, seconds in all

FAULTS_SCRIPT = Path(__file__).resolve().parents[1] / "harness" / "faults.py"
PY3 = "py3-none-any"
LONG = "x" * 300  # longer than any file system's name limit (255)
NOT_A_DIRECTORY = "not a directory\n"

#: The errnos injected at every boundary.
ERRNOS = ["EACCES", "ENOSPC", "EROFS", "ENOTDIR", "ENAMETOOLONG"]
#: The boundaries, and what a fault there must come to: an error, or a warning and
#: the install done without the cache, or (index pages, as pip) silence.
BOUNDARIES = {
    "cache": "warning",  # the whole cache: found unusable at the start
    "cache-files": "warning",  # downloads into it fail during the run
    "cache-unpacked": "warning",  # unpacking into it fails during the run
    "cache-http": "silent",  # index pages are just not kept
    "cache-metadata": "silent",  # nor metadata files
    "target": "error",  # --target: the lock, first of all
    "target-files": "error",  # --target: staging and commit (the lock works)
    "download-dir": "error",  # -d
    "wheel-dir": "error",  # -w
    "report": "error",  # --report
    "config": "error",  # `config set` into INST_CONFIG_FILE
}
#: Every injected fault of the suite, shown in the test ids (boundary-ERRNO).
INJECTED = [(boundary, code) for boundary in BOUNDARIES for code in ERRNOS]
INJECTED_IDS = [f"{boundary}-{code}" for boundary, code in INJECTED]

#: Real conditions: (what is named, how it is broken) -> the words the message has.
#: ("a-file" for --report: a directory where the report should go.)
PLACES = ["download-dir", "wheel-dir", "report", "target", "cache"]
BREAKS = {
    "a-file": "is a file, not a directory",
    "under-a-file": "Not a directory",
    "long-name": "File name too long",
}
REAL = [(place, how) for place in PLACES for how in BREAKS]
REAL_IDS = [f"{place}-{how}" for place, how in REAL]


#: Faults beyond the grid, one case each: a full target disk while files are copied
#: from the cache (--link-mode copy) or linked, and a cache disk that fills while a
#: wheel is unpacked into it (names still fit, data does not).
EXTRA = ["full-target-copy", "full-target-link", "full-cache-while-unpacking"]


@dataclass
class Case:
    root: Path
    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    errno: str | None = None
    directory: str = ""
    exempt: list[str] = field(default_factory=list)
    writes_only: bool = False  # only writing data fails (faults.py --writes-only)
    watched: Path | None = None  # must be as it was when the run fails
    before: dict[str, bytes | None] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def target(self) -> Path:
        return self.root / "target"


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path below root and its content (None for directories)."""
    if not root.is_dir():
        return {} if not root.exists() else {".": root.read_bytes()}
    result: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            result[os.path.relpath(os.path.join(folder, name), root)] = None
        for name in files:
            path = os.path.join(folder, name)
            result[os.path.relpath(path, root)] = Path(path).read_bytes()
    return result


def injected_case(root: Path, boundary: str, code: str) -> Case:
    case = Case(root, ["install", "--target", str(root / "target"), "alpha"])
    case.errno = code
    case.cache.mkdir(parents=True)
    case.target.mkdir()
    case.watched = case.target
    case.directory = str(case.target)
    if boundary.startswith("cache"):
        case.directory = str(case.cache.joinpath(*boundary.split("-")[1:]))
    elif boundary == "target-files":
        (case.target / ".inst").mkdir()  # the lock works; the journal and the rest fail
        case.exempt = [str(case.target / ".inst" / "lock")]
    elif boundary == "download-dir":
        case.watched = root / "downloads"
        case.watched.mkdir()
        (case.watched / "kept.txt").write_text("the user's file\n")
        case.args = ["download", "-d", str(case.watched), "alpha"]
    elif boundary == "wheel-dir":
        case.watched = root / "wheelhouse"
        case.watched.mkdir()
        case.args = ["wheel", "-w", str(case.watched), "alpha"]
    elif boundary == "report":
        case.watched = root / "reports"
        case.watched.mkdir()
        (case.watched / "report.json").write_text("the previous report\n")
        report = str(case.watched / "report.json")
        case.args = ["install", "--dry-run", "--report", report, "alpha"]
    elif boundary == "config":
        case.watched = root / "config"
        case.watched.mkdir()
        (case.watched / "inst.toml").write_text("[global]\ntimeout = 10\n")
        case.env["INST_CONFIG_FILE"] = str(case.watched / "inst.toml")
        case.args = ["config", "set", "global.retries", "3"]
    if not boundary.startswith("cache"):
        case.directory = str(case.watched)
    case.before = tree(case.watched)
    return case


def extra_case(root: Path, name: str) -> Case:
    if name == "full-cache-while-unpacking":
        case = injected_case(root, "cache-unpacked", "ENOSPC")
        case.writes_only = True
        return case
    case = injected_case(root, "target-files", "ENOSPC")
    # Room for inst's own small files (the lock, the journal) and for names (links
    # need no more), none for data: the target's disk fills with the packages' files.
    case.writes_only = True
    # (and the copy of the new paths a journal names, in the staging area)
    case.exempt += [
        str(case.target / ".inst" / "*journal*"),
        str(case.target / ".inst" / "*new-paths*"),
    ]
    if name == "full-target-copy":
        case.args = [*case.args[:-1], "--link-mode", "copy", case.args[-1]]
    return case


def real_case(root: Path, place: str, how: str) -> Case:
    afile = root / "afile"
    root.mkdir(parents=True)
    afile.write_text(NOT_A_DIRECTORY)
    named = {"a-file": afile, "under-a-file": afile / "sub", "long-name": root / LONG}
    if place == "report":  # a report replaces a file: a directory is in its way
        named = {**named, "a-file": root}
    path = str(named[how])
    args = {
        "download-dir": ["download", "-d", path, "alpha"],
        "wheel-dir": ["wheel", "-w", path, "alpha"],
        "report": ["install", "--dry-run", "--report", path, "alpha"],
        "target": ["install", "--target", path, "alpha"],
        "cache": ["install", "--target", str(root / "target"), "alpha"],
    }[place]
    case = Case(root, args, watched=afile)
    if place == "cache":
        case.env["INST_CACHE_DIR"] = path
    case.before = tree(afile)
    return case


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Case]]:
    """Every case of the module, prepared and run in one batch."""
    base = tmp_path_factory.mktemp("faults")
    wheels = base / "wheels"
    index = build_index(
        base / "index",
        [
            make_wheel(wheels, "alpha", "1.0", requires=["beta"]),
            make_wheel(wheels, "beta", "1.0"),
        ],
    )
    home = make_config_home(base / "home")
    cases: dict[str, Case] = {}
    for (boundary, code), case_id in zip(INJECTED, INJECTED_IDS):
        cases[case_id] = injected_case(base / case_id, boundary, code)
    for name in EXTRA:
        cases[name] = extra_case(base / name, name)
    for (place, how), case_id in zip(REAL, REAL_IDS):
        cases[f"real-{case_id}"] = real_case(base / f"real-{case_id}", place, how)
    with IndexServer(index.root) as server:  # HTTP: pages go through the HTTP cache
        batch = [
            {
                "args": case.args,
                "env": {
                    **home.env,
                    "INST_INDEX_URL": server.simple_url,
                    "INST_CACHE_DIR": str(case.cache),
                    **case.env,
                },
                "cwd": str(case.root),
                "errno": case.errno,
                "directory": case.directory,
                "except": case.exempt,
                "writes_only": case.writes_only,
            }
            for case in cases.values()
        ]
        completed = subprocess.run(
            [sys.executable, str(FAULTS_SCRIPT), "--batch"],
            input=json.dumps(batch),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert completed.returncode == 0, completed.stderr
    for case, result in zip(cases.values(), json.loads(completed.stdout)):
        case.result = result
    yield cases


def assert_clear_error(result: dict[str, Any], *fragments: str) -> None:
    code, out, err = result["code"], result["out"], result["err"]
    assert code == 1, (out, err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, err
    assert "Traceback" not in err + out, err
    assert "internal error" not in err, err
    for fragment in fragments:
        assert fragment in err, err


def assert_installed_without_cache(case: Case, *, warned: bool) -> None:
    code, err = case.result["code"], case.result["err"]
    assert code == 0, (case.result["out"], err)
    assert "error:" not in err and "Traceback" not in err, err
    assert sorted(os.listdir(case.target)) == [
        ".inst",
        "alpha",
        "alpha-1.0.dist-info",
        "beta",
        "beta-1.0.dist-info",
    ]
    if warned:
        warnings = [line for line in err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1, err
        assert "cannot be written" in warnings[0], err
        assert "goes on without caching" in warnings[0], err
    else:
        assert "warning:" not in err, err


# -- injected faults ----------------------------------------------------------------


@pytest.mark.parametrize(("boundary", "code"), INJECTED, ids=INJECTED_IDS)
def test_an_injected_fault_ends_clearly_and_changes_nothing(
    runs: dict[str, Case], boundary: str, code: str
) -> None:
    case = runs[f"{boundary}-{code}"]
    outcome = BOUNDARIES[boundary]
    if outcome == "error":
        assert_clear_error(case.result)
        assert case.watched is not None
        after = tree(case.watched)
        for state in (".inst", os.path.join(".inst", "lock")):
            # The target's state directory and lock file stay, as after any install.
            case.before.pop(state, None)
            after.pop(state, None)
        assert after == case.before
    else:
        assert_installed_without_cache(case, warned=outcome == "warning")
        faulty = Path(case.directory)
        assert not [path for path in faulty.rglob("*") if path.is_file()]
    assert leftovers(case.cache, case.watched or case.cache) == []


@pytest.mark.parametrize("name", ["full-target-copy", "full-target-link"])
def test_a_full_target_disk_is_named_not_the_cache(
    runs: dict[str, Case], name: str
) -> None:
    """The error names the file in the target that could not be written, not the
    cache file it was being copied from."""
    case = runs[name]
    assert_clear_error(
        case.result,
        f"cannot install into the target directory {case.target}",
        f"{case.target}{os.sep}",
        "No space left on device",
        "free some space on that file system",
    )
    error = next(line for line in case.result["err"].splitlines() if "error:" in line)
    assert str(case.cache) not in error
    assert ".inst" not in error  # the staging area is inst's business, not the user's
    assert case.watched is not None
    after = tree(case.watched)
    for state in (".inst", os.path.join(".inst", "lock")):
        case.before.pop(state, None)
        after.pop(state, None)
    assert after == case.before
    assert leftovers(case.cache, case.target) == []


def test_a_cache_disk_filling_while_unpacking_leaves_nothing_there(
    runs: dict[str, Case],
) -> None:
    case = runs["full-cache-while-unpacking"]
    assert_installed_without_cache(case, warned=True)
    assert "No space left on device" in case.result["err"]
    assert not [path for path in Path(case.directory).rglob("*") if path.is_file()]
    assert leftovers(case.cache) == []


# -- real conditions ----------------------------------------------------------------


@pytest.mark.parametrize(("place", "how"), REAL, ids=REAL_IDS)
def test_a_real_condition_ends_clearly_and_changes_nothing(
    runs: dict[str, Case], place: str, how: str
) -> None:
    case = runs[f"real-{place}-{how}"]
    if place == "cache":
        assert_installed_without_cache(case, warned=True)
    else:
        expected = BREAKS[how]
        if place == "target" and how == "a-file":
            expected = "is not a directory"
        if place == "report" and how == "a-file":
            expected = "Is a directory"
        assert_clear_error(case.result, expected)
    assert case.watched is not None
    assert tree(case.watched) == case.before
    if place == "download-dir":  # -d is made first: it fails before any download
        assert not (case.cache / "files").exists()

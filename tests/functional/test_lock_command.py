"""`inst lock` and `--group` end to end: the real command against file:// and HTTP
indexes built by the harness. Every lock written is validated by packaging.pylock."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable, Union

import pytest
import tomllib
from packaging.pylock import Pylock

from harness import IndexServer, LocalIndex, build_index, make_sdist, make_wheel

Serve = Callable[[Union[LocalIndex, Path]], IndexServer]
RunInst = Callable[..., Any]

LINUX = "cp311-cp311-manylinux_2_17_x86_64"


def assert_one_error(run: Any) -> str:
    assert run.code == 1, (run.out, run.err)
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert "Traceback" not in run.err + run.out
    return str(errors[0])


def read_lock(path: Path) -> dict[str, Any]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    Pylock.from_dict(data)  # every lock inst writes is a valid PEP 751 lock
    return data


def packages(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in data["packages"]}


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    """app needs lib and plat; app[fast] adds speed; plat has wheels for two Pythons
    on Linux and one on Windows, and an sdist; pytest/cov are for groups."""
    dists = tmp_path / "dists"
    files = [
        make_wheel(dists, "app", "1.0", requires=["lib>=1.0", "plat"]),
        make_wheel(
            dists,
            "tool",
            "1.0",
            requires=['old; python_version < "3.12"'],
        ),
        make_wheel(dists, "old", "1.0"),
        make_wheel(dists, "lib", "1.0"),
        make_wheel(dists, "lib", "1.1"),
        make_wheel(dists, "speed", "2.0"),
        make_wheel(dists, "plat", "1.0", tag=LINUX),
        make_wheel(dists, "plat", "1.0", tag="cp312-cp312-manylinux_2_17_x86_64"),
        make_wheel(dists, "plat", "1.0", tag="cp312-cp312-win_amd64"),
        make_sdist(dists, "plat", "1.0"),
        make_wheel(dists, "pytest", "8.0", requires=["pluggy"]),
        make_wheel(dists, "pluggy", "1.5"),
        make_wheel(dists, "cov", "7.0"),
    ]
    return build_index(tmp_path / "index", files)


@pytest.fixture
def lock(run_inst: RunInst, tmp_path: Path) -> RunInst:
    """lock(*args) -> Run of `inst lock` in tmp_path/work with its own cache."""
    work = tmp_path / "work"
    work.mkdir()

    def run(*args: str, cwd: Path = work) -> Any:
        return run_inst("lock", "--cache-dir", str(tmp_path / "cache"), *args, cwd=cwd)

    return run


@pytest.fixture
def work(tmp_path: Path) -> Path:
    return tmp_path / "work"


TARGETS = (
    "--python-version",
    "3.11",
    "--python-version",
    "3.12",
    "--platform",
    "manylinux_2_28_x86_64",
)


def test_lock_of_requirements_from_a_file_index(
    lock: RunInst, index: LocalIndex, work: Path
) -> None:
    run = lock("app", "-i", index.file_url)
    assert run.code == 0, run.err
    assert run.out == ""  # what inst says goes to stderr
    assert "Locked 3 packages into" in run.err
    data = read_lock(work / "pylock.toml")
    assert data["lock-version"] == "1.0"
    assert data["created-by"] == "inst"
    assert len(data["environments"]) == 1
    found = packages(data)
    assert sorted(found) == ["app", "lib", "plat"]
    assert found["lib"]["version"] == "1.1"
    assert found["lib"]["index"] == index.file_url
    (wheel,) = found["lib"]["wheels"]
    path = index.dist_path("lib-1.1-py3-none-any.whl")
    assert wheel["size"] == path.stat().st_size
    assert wheel["hashes"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert found["plat"]["sdist"]["name"] == "plat-1.0.tar.gz"
    assert "marker" not in found["lib"]


@pytest.mark.parametrize("pages", ["json", "html"])
def test_lock_over_http_hashes_files_the_page_does_not_describe(
    lock: RunInst, index: LocalIndex, index_server: Serve, work: Path, pages: str
) -> None:
    if pages == "html":
        for page in index.simple_dir.rglob("index.json"):
            page.unlink()
    server = index_server(index)
    run = lock("lib", "-i", server.simple_url)
    assert run.code == 0, run.err
    (wheel,) = packages(read_lock(work / "pylock.toml"))["lib"]["wheels"]
    path = index.dist_path("lib-1.1-py3-none-any.whl")
    assert wheel["size"] == path.stat().st_size
    assert wheel["hashes"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert wheel["url"].startswith(server.url)


def test_multi_target_lock_has_environments_and_markers(
    lock: RunInst, index: LocalIndex, work: Path
) -> None:
    run = lock("app", "tool", "-i", index.file_url, *TARGETS)
    assert run.code == 0, run.err
    assert "for 2 targets: CPython 3.11 on manylinux_2_28_x86_64; CPython 3.12" in (
        run.err
    )
    data = read_lock(work / "pylock.toml")
    env = 'implementation_name == "cpython" and python_version == "{}" and '
    env += 'sys_platform == "linux" and platform_machine == "x86_64"'
    assert data["environments"] == [env.format("3.11"), env.format("3.12")]
    found = packages(data)
    # Only Python 3.11 needs "old": its marker names that target.
    assert found["old"]["marker"] == 'python_version == "3.11"'
    assert "marker" not in found["plat"]
    # Every wheel that fits a target, not the Windows one; and the sdist.
    assert [w["name"] for w in found["plat"]["wheels"]] == [
        f"plat-1.0-{LINUX}.whl",
        "plat-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
    ]
    assert found["plat"]["sdist"]["name"] == "plat-1.0.tar.gz"
    lock_file = Pylock.from_dict(data)
    for version, expected in (("3.11", {"old"}), ("3.12", set())):
        env = {
            "implementation_name": "cpython",
            "python_version": version,
            "python_full_version": f"{version}.0",
            "sys_platform": "linux",
            "platform_machine": "x86_64",
        }
        selected = {p.name for p, _ in lock_file.select(environment=env)}  # type: ignore[arg-type]
        assert expected <= selected
        assert ("old" in selected) == bool(expected)


def test_lock_is_byte_identical_when_made_again(
    lock: RunInst, index: LocalIndex, work: Path
) -> None:
    assert lock("app", "tool", "-i", index.file_url, *TARGETS).code == 0
    first = (work / "pylock.toml").read_bytes()
    assert lock("tool", "app", "-i", index.file_url, *TARGETS).code == 0
    assert (work / "pylock.toml").read_bytes() == first


def test_output_to_stdout_and_to_a_named_file(
    lock: RunInst, index: LocalIndex, work: Path
) -> None:
    run = lock("lib", "-i", index.file_url, "-o", "-")
    assert run.code == 0, run.err
    Pylock.from_dict(tomllib.loads(run.out))
    assert not (work / "pylock.toml").exists()
    (work / "locks").mkdir()
    run = lock("lib", "-i", index.file_url, "-o", "locks/pylock.dev.toml")
    assert run.code == 0, run.err
    read_lock(work / "locks/pylock.dev.toml")
    message = assert_one_error(
        lock("lib", "-i", index.file_url, "-o", "no/such/pylock.toml")
    )
    assert "no/such/pylock.toml" in message


def test_a_lock_name_pep_751_does_not_allow_is_refused_before_resolving(
    lock: RunInst, index: LocalIndex, work: Path
) -> None:
    message = assert_one_error(lock("lib", "-i", index.file_url, "-o", "mylock.toml"))
    assert "mylock.toml is not a name PEP 751 allows" in message
    assert "pylock.mylock.toml" in message
    assert not (work / "mylock.toml").exists()


def test_check_passes_then_fails_with_a_diff_when_inputs_change(
    lock: RunInst, index: LocalIndex, work: Path
) -> None:
    assert lock("app", "-i", index.file_url).code == 0
    before = (work / "pylock.toml").read_bytes()
    run = lock("app", "-i", index.file_url, "--check")
    assert run.code == 0, run.err
    assert "matches its inputs" in run.err
    run = lock("app", "lib==1.0", "-i", index.file_url, "--check")
    message = assert_one_error(run)
    assert "no longer matches its inputs" in message
    assert "Changed lib 1.1 -> 1.0" in message
    assert '-version = "1.1"' in run.out and '+version = "1.0"' in run.out
    assert (work / "pylock.toml").read_bytes() == before  # --check writes nothing


def test_check_without_a_lock_file_is_an_error(
    lock: RunInst, index: LocalIndex
) -> None:
    message = assert_one_error(lock("app", "-i", index.file_url, "--check"))
    assert "does not exist" in message


PYPROJECT = """\
[project]
name = "proj"
version = "0.1"
requires-python = ">=3.9"
dependencies = ["lib"]

[project.optional-dependencies]
Fast = ["speed"]

[dependency-groups]
test = ["pytest", {include-group = "coverage"}]
Coverage = ["cov"]
"""


def test_lock_of_the_project_with_groups_and_extras(
    lock: RunInst, index: LocalIndex, work: Path
) -> None:
    (work / "pyproject.toml").write_text(PYPROJECT)
    run = lock("-i", index.file_url, "--group", "test", "--extra", "fast")
    assert run.code == 0, run.err
    data = read_lock(work / "pylock.toml")
    assert data["requires-python"] == ">=3.9"
    assert data["extras"] == ["fast"]
    assert data["dependency-groups"] == ["test"]
    found = packages(data)
    assert "marker" not in found["lib"]
    assert found["speed"]["marker"] == '"fast" in extras'
    for name in ("pytest", "pluggy", "cov"):
        assert found[name]["marker"] == '"test" in dependency_groups'
    selected = Pylock.from_dict(data).select(dependency_groups=["test"])
    assert {p.name for p, _ in selected} == {"lib", "pytest", "pluggy", "cov"}
    assert {p.name for p, _ in Pylock.from_dict(data).select()} == {"lib"}


def test_group_from_another_pyproject_by_path(
    run_inst: RunInst, index: LocalIndex, tmp_path: Path, venv_factory: Any
) -> None:
    project = tmp_path / "sub"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT)
    venv = venv_factory()
    run = run_inst(
        "install",
        "--python",
        str(venv.python),
        "-i",
        index.file_url,
        "--group",
        f"{project / 'pyproject.toml'}:Coverage",
    )
    assert run.code == 0, run.err
    assert "Successfully installed cov-7.0" in run.out


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (
            'a = [{include-group = "b"}]\nb = [{include-group = "a"}]\n',
            "cycle (a -> b -> a)",
        ),
        ('a = ["lib"]\n', "has no dependency group 'nope'"),
        ('a = [{include-group = "missing"}]\n', "includes 'missing', which is not"),
        ('a = ["lib"]\nA = ["lib"]\n', "the same normalized name"),
    ],
)
def test_group_errors_say_what_and_why(
    run_inst: RunInst, tmp_path: Path, index: LocalIndex, groups: str, expected: str
) -> None:
    (tmp_path / "pyproject.toml").write_text("[dependency-groups]\n" + groups)
    name = "nope" if "nope" in expected else "a"
    run = run_inst(
        "download",
        "-d",
        str(tmp_path / "d"),
        "-i",
        index.file_url,
        "--group",
        name,
        cwd=tmp_path,
    )
    message = assert_one_error(run)
    assert expected in message
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").iterdir())


def test_group_path_must_name_a_pyproject(run_inst: RunInst, tmp_path: Path) -> None:
    run = run_inst("wheel", "--group", "setup.cfg:dev", cwd=tmp_path)
    message = assert_one_error(run)
    assert "must name a pyproject.toml file" in message


def test_group_without_dependency_groups_table(
    run_inst: RunInst, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    message = assert_one_error(run_inst("wheel", "--group", "dev", cwd=tmp_path))
    assert "has no [dependency-groups] table" in message


def test_lock_with_nothing_to_lock(lock: RunInst) -> None:
    message = assert_one_error(lock())
    assert "pyproject.toml does not exist" in message


def test_extra_with_requirements_is_refused(lock: RunInst, index: LocalIndex) -> None:
    message = assert_one_error(lock("app", "--extra", "fast", "-i", index.file_url))
    assert "--extra" in message


def test_sdist_carries_its_locked_build_environment(
    lock: RunInst, tmp_path: Path, work: Path
) -> None:
    from harness.build_projects import BACKEND_WHEELS_DIR

    dists = tmp_path / "build-dists"
    setuptools = max(BACKEND_WHEELS_DIR.glob("setuptools-*.whl"))
    files = [make_sdist(dists, "srconly", "1.0"), setuptools]
    index = build_index(tmp_path / "build-index", files)
    run = lock("srconly", "-i", index.file_url)
    assert run.code == 0, run.err
    found = packages(read_lock(work / "pylock.toml"))
    tool = found["srconly"]["tool"]["inst"]
    assert tool["build-interface"] == "pyproject"
    (build,) = tool["build-packages"]
    assert build["name"] == "setuptools"
    (wheel,) = build["wheels"]
    assert wheel["name"] == setuptools.name
    digest = hashlib.sha256(setuptools.read_bytes()).hexdigest()
    assert wheel["hashes"]["sha256"] == digest
    assert "setuptools" not in found  # a build requirement is not a package to install


def test_build_requirement_without_a_wheel_is_left_out_and_said(
    lock: RunInst, tmp_path: Path, work: Path
) -> None:
    from harness.build_projects import BACKEND_WHEELS_DIR

    dists = tmp_path / "build-dists"
    pyproject = (
        '[build-system]\nrequires = ["setuptools>=61", "helper"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "srconly"\nversion = "1.0"\n'
    )
    files = [
        make_sdist(
            dists,
            "srconly",
            "1.0",
            files={"pyproject.toml": pyproject, "src/srconly/__init__.py": ""},
        ),
        make_sdist(dists, "helper", "1.0"),  # a build requirement with no wheel
        max(BACKEND_WHEELS_DIR.glob("setuptools-*.whl")),
    ]
    index = build_index(tmp_path / "build-index", files)
    run = lock("srconly", "-i", index.file_url)
    assert run.code == 0, run.err
    assert "warning: the build environment of srconly 1.0 is not locked" in run.err
    assert "tool" not in packages(read_lock(work / "pylock.toml"))["srconly"]


def test_credentials_never_reach_the_lock(
    lock: RunInst, index: LocalIndex, index_server: Serve, work: Path
) -> None:
    server = index_server(index)
    run = lock("lib", "-i", server.url_with_auth("alice", "s3cret"))
    assert run.code == 0, run.err
    text = (work / "pylock.toml").read_text()
    assert "s3cret" not in text and "alice" not in text
    assert (
        packages(read_lock(work / "pylock.toml"))["lib"]["index"] == server.simple_url
    )

"""tools/bench keeps working (what it measures is never asserted here: speed is for the
benchmark, not for tests)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "tools" / "bench"
RESOLVED = [
    "flask",
    "requests",
    "rich",
    "pydantic",
    "httpx",
    "sqlalchemy",
    "jinja2",
    "click",
    "attrs",
]


def _load(path: Path, name: str) -> ModuleType:
    # tools/ is not a package: import the script by path, under a name of our own.
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_lists_and_runs_a_workload() -> None:
    listing = subprocess.run(
        [sys.executable, str(BENCH), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "version" in listing.stdout
    run = subprocess.run(
        # --no-uv: the bench would install uv from the package index otherwise.
        [sys.executable, str(BENCH), "--runs", "1", "--no-uv", "version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1].startswith("version")
    assert "uv: n/a, --no-uv was given" in run.stdout


@pytest.mark.parametrize("runs", ["0", "-1", "three"])
def test_bench_refuses_a_run_count_with_no_median(runs: str) -> None:
    # Found by a trial: --runs 0 printed the header, then a StatisticsError traceback.
    run = subprocess.run(
        [sys.executable, str(BENCH), "--runs", runs, "--no-uv", "version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert "argument --runs:" in run.stderr.splitlines()[-1]


def test_unknown_workload_is_refused() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "unknown workload" in run.stderr


def test_resolution_workloads_are_listed() -> None:
    listing = subprocess.run(
        [sys.executable, str(BENCH), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert "resolve-warm" in names
    assert "resolve-cold" in names


def test_bench_wheels_pins_parse_with_a_sha256_each() -> None:
    tool = _load(REPO / "tools" / "fetch_bench_wheels.py", "bench_fetch_tool")
    pins = tool.parse_pins(REPO / "tools" / "bench-wheels.txt")
    assert all(re.fullmatch(r"[0-9a-f]{64}", pin.sha256) for pin in pins)
    versions: dict[str, set[str]] = {}
    for pin in pins:
        versions.setdefault(pin.name.lower(), set()).add(pin.version)
    # Every requested project is there, with older releases as extra candidates.
    for project in RESOLVED:
        assert len(versions.get(project, ())) >= 4, project
    assert len(versions) >= 25  # the whole dependency tree, not just the top


def test_resolution_workload_skips_without_wheels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolution = _load(BENCH / "resolution.py", "bench_resolution")
    monkeypatch.setattr(resolution, "INDEX_DIR", tmp_path / "index")
    monkeypatch.setattr(resolution, "WHEELS_DIR", tmp_path / "no-wheels")
    reason = resolution.prepare()
    assert reason is not None
    assert "run python tools/fetch_bench_wheels.py first" in reason
    assert not (tmp_path / "index").exists()


def test_resolution_environment_keeps_machine_config_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolution = _load(BENCH / "resolution.py", "bench_resolution")
    monkeypatch.setattr(resolution, "HOME_DIR", tmp_path / "home")
    monkeypatch.setenv("PIP_FIND_LINKS", "/somewhere")
    monkeypatch.setenv("INST_INDEX_URL", "file:///elsewhere")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/machine-config")
    env = resolution.environment()
    assert "PIP_FIND_LINKS" not in env
    assert not any(key.startswith("INST_") for key in env)
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["PIP_DISABLE_PIP_VERSION_CHECK"] == "1"
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "XDG_CACHE_HOME"):
        assert Path(env[key]).is_relative_to(tmp_path), key


@pytest.fixture
def bench_modules(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, ModuleType]]:
    """The bench's modules imported as `python tools/bench` does (its folder on
    sys.path), and forgotten again afterwards."""
    import importlib

    monkeypatch.syspath_prepend(str(BENCH))
    names = (
        "resolution",
        "installing",
        "building",
        "syncing",
        "workloads",
        "bench_main",
    )
    for name in names:
        monkeypatch.delitem(sys.modules, name, raising=False)
    modules = {name: importlib.import_module(name) for name in names[:-1]}
    # Registered before it runs: its dataclasses look their module up there.
    spec = importlib.util.spec_from_file_location("bench_main", BENCH / "__main__.py")
    assert spec is not None and spec.loader is not None
    main = importlib.util.module_from_spec(spec)
    sys.modules["bench_main"] = main
    spec.loader.exec_module(main)
    modules["main"] = main
    yield modules
    for name in names:
        sys.modules.pop(name, None)


def test_install_workloads_are_listed() -> None:
    listing = subprocess.run(
        [sys.executable, str(BENCH), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    for name in (
        "install-warm",
        "install-cold",
        "install-compile-warm",
        "install-verify-warm",
    ):
        assert name in names


def test_report_has_a_peak_memory_column() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--runs", "1", "--no-uv", "version"],
        capture_output=True,
        text=True,
        check=True,
    )
    header, line = run.stdout.splitlines()[-2:]
    assert "peak MB inst / pip / uv" in header
    assert "inst/uv" in header
    if hasattr(os, "wait4"):
        inst_peak, pip_peak = re.findall(r"([0-9.]+) / ([0-9.]+) / n/a\b", line)[0]
        assert float(inst_peak) > 1 and float(pip_peak) > 1


def test_cpu_time_is_compared_with_uvs(bench_modules: dict[str, ModuleType]) -> None:
    # The goal for the remote resolve is a CPU time, not a wall time.
    main = bench_modules["main"]
    result = main.Result(
        {"inst": 1.0, "pip": 2.0, "uv": 0.5},
        {"inst": None, "pip": None, "uv": None},
        {"inst": 0.6, "pip": 1.5, "uv": 0.3},
    )
    assert main.format_line("w", 16, result).endswith("cpu 0.600s/0.300s = 2.00")


def test_start_up_is_compared_with_python_starting() -> None:
    # The goal: --version and --help within 1.5x of `python -c pass`.
    run = subprocess.run(
        [sys.executable, str(BENCH), "--runs", "1", "--no-uv", "version", "help"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = run.stdout.splitlines()[-2:]
    for line in lines:
        ratio = re.search(r"\(python -c pass [0-9.]+s, inst/python ([0-9.]+)\)$", line)
        assert ratio is not None, line
        assert float(ratio.group(1)) > 0


def test_import_floor_times_the_libraries_without_inst(
    bench_modules: dict[str, ModuleType],
) -> None:
    # The floor under install-warm: the libraries import, and no inst module with them.
    workload = bench_modules["workloads"].WORKLOADS["import-floor"]
    assert workload.uv is None and workload.no_uv
    assert workload.baseline == [sys.executable, "-c", "pass"]
    shown = "; import sys; print(*sorted(m.partition('.')[0] for m in sys.modules))"
    run = subprocess.run(
        [*workload.inst[:-1], workload.inst[-1] + shown],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(run.stdout.split())
    assert {"packaging", "installer", "resolvelib", "platformdirs"} <= loaded
    assert "inst" not in loaded


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="no os.wait4 here")
def test_peak_memory_covers_a_child_process(
    bench_modules: dict[str, ModuleType],
) -> None:
    # The command itself stays small; the child it waits for holds 200 MB.
    child = "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
    parent = (
        f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    )
    _, peak, cpu = bench_modules["main"].run_once([sys.executable, "-c", parent], None)
    assert cpu is not None and cpu > 0
    assert peak is not None and peak > 200 * 1024  # KiB


def test_a_failing_command_or_check_fails_the_workload(
    bench_modules: dict[str, ModuleType],
) -> None:
    main, workloads = bench_modules["main"], bench_modules["workloads"]
    ok = [sys.executable, "-c", "pass"]
    failing = workloads.Workload(
        "failing", "", ok, [sys.executable, "-c", "raise SystemExit(3)"], None
    )
    with pytest.raises(main.WorkloadFailed, match=r"failed \(3\)"):
        main.measure(failing, 1)
    set_up: list[str] = []
    checked = workloads.Workload(
        "checked",
        "",
        ok,
        ok,
        ok,
        before_each=set_up.append,
        check=lambda tools: "pip installed less",
    )
    with pytest.raises(main.WorkloadFailed, match="pip installed less"):
        main.measure(checked, 1)
    assert set_up == ["inst", "pip"]
    set_up.clear()
    with pytest.raises(main.WorkloadFailed, match="pip installed less"):
        main.measure(checked, 1, uv=True)
    assert set_up == ["inst", "pip", "uv"]


def _fake_venv(installing: ModuleType, venv: Path, dists: dict[str, str]) -> None:
    site = installing.site_packages(venv)
    for name, version in dists.items():
        dist_info = site / f"{name}-{version}.dist-info"
        dist_info.mkdir(parents=True)
        (dist_info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            encoding="utf-8",
        )
        (site / name.lower()).mkdir()
        (site / name.lower() / "__init__.py").write_text("", encoding="utf-8")


def test_install_check_compares_what_both_tools_installed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bench_modules: dict[str, ModuleType],
) -> None:
    installing = bench_modules["installing"]
    monkeypatch.setattr(installing, "work_dir", lambda workload: tmp_path)
    everything = {name: "1.0" for name in RESOLVED}
    _fake_venv(installing, tmp_path / "inst-venv", everything)
    _fake_venv(installing, tmp_path / "pip-venv", {**everything, "pip": "23.2.1"})
    # inst's state dir and pip itself are the installers' own, not a difference.
    (installing.site_packages(tmp_path / "inst-venv") / ".inst").mkdir()
    (installing.site_packages(tmp_path / "inst-venv") / ".inst" / "lock").touch()
    check = installing.check("install-test", bytecode=False)
    assert check(["inst", "pip"]) is None

    _fake_venv(installing, tmp_path / "pip-venv", {"idna": "3.7"})
    problem = check(["inst", "pip"])
    assert problem is not None
    assert "only pip has 1: idna==3.7" in problem
    assert "idna/__init__.py" in problem


def test_build_workloads_are_listed() -> None:
    listing = subprocess.run(
        [sys.executable, str(BENCH), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    for name in ("wheel-first", "wheel-cached-env", "install-sdist"):
        assert name in names


def test_build_workload_skips_without_backend_wheels(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bench_modules: dict[str, ModuleType],
) -> None:
    building = bench_modules["building"]
    monkeypatch.setattr(building, "BACKEND_WHEELS_DIR", tmp_path / "no-wheels")
    monkeypatch.setattr(building, "work_dir", lambda workload: tmp_path / "work")
    reason = building.prepare("wheel-test")
    assert reason is not None
    assert "run python tools/fetch_backends.py first" in reason
    assert not (tmp_path / "work").exists()


def test_bench_sdist_is_the_same_each_time(
    tmp_path: Path, bench_modules: dict[str, ModuleType]
) -> None:
    import tarfile

    building = bench_modules["building"]
    first = building.make_sdist(tmp_path / "a")
    second = building.make_sdist(tmp_path / "b")
    assert first.name == "bp_setuptools_pyproject-1.0.tar.gz"
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as archive:
        names = archive.getnames()
    assert {name.split("/")[0] for name in names} == {"bp_setuptools_pyproject-1.0"}
    for member in ("PKG-INFO", "pyproject.toml", "bp_setuptools_pyproject/__init__.py"):
        assert f"bp_setuptools_pyproject-1.0/{member}" in names


def test_wheel_check_compares_what_both_tools_built(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bench_modules: dict[str, ModuleType],
) -> None:
    import zipfile

    building = bench_modules["building"]
    monkeypatch.setattr(building, "work_dir", lambda workload: tmp_path)
    name = "demo-1.0-py3-none-any.whl"

    def save(tool: str, members: dict[str, str], wheel: str = name) -> None:
        out = building.out_dir("wheel-test", tool)
        out.mkdir(exist_ok=True)
        for old in out.glob("*.whl"):
            old.unlink()
        with zipfile.ZipFile(out / wheel, "w") as archive:
            for member, text in members.items():
                archive.writestr(member, text)

    members = {"demo/__init__.py": "", "demo-1.0.dist-info/METADATA": "Name: demo"}
    check = building.wheel_check("wheel-test", "demo")
    save("inst", members)
    save("pip", members)
    assert check(["inst", "pip"]) is None

    save("pip", {**members, "demo/extra.py": ""})
    problem = check(["inst", "pip"])
    assert problem is not None and "only pip has 1: demo/extra.py" in problem

    save("pip", {**members, "demo/__init__.py": "x = 1"})
    problem = check(["inst", "pip"])
    assert problem is not None and "differ in demo/__init__.py" in problem

    save("pip", members, "demo-1.0-py3-none-any.whl")
    save("inst", members, "other-1.0-py3-none-any.whl")
    problem = check(["inst", "pip"])
    assert problem is not None and "not a wheel of demo" in problem


# --- uv, the third column ----------------------------------------------------------


def _after(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_uv_install_commands_mirror_inst_and_pip(
    bench_modules: dict[str, ModuleType],
) -> None:
    installing, resolution = bench_modules["installing"], bench_modules["resolution"]
    uvtool = bench_modules["workloads"].uvtool
    uv = bench_modules["workloads"].WORKLOADS["install-warm"].uv
    assert uv[:5] == [str(uvtool.BIN), "--no-config", "pip", "install", "--python"]
    assert uv[5] == str(installing.venv_dir("install-warm", "uv"))
    assert _after(uv, "--index-url") == resolution.INDEX_URL
    assert _after(uv, "--cache-dir") == str(installing.cache_dir("install-warm", "uv"))
    assert uv[-len(resolution.REQUIREMENTS) :] == list(resolution.REQUIREMENTS)
    assert "--compile-bytecode" not in uv
    workloads = bench_modules["workloads"].WORKLOADS
    assert "--compile-bytecode" in workloads["install-compile-warm"].uv
    assert "--compile-bytecode" not in workloads["install-nocompile-warm"].uv


def test_uv_resolve_commands_are_dry_runs(
    bench_modules: dict[str, ModuleType],
) -> None:
    resolution = bench_modules["resolution"]
    workloads = bench_modules["workloads"].WORKLOADS
    warm, cold = workloads["resolve-warm"].uv, workloads["resolve-cold"].uv
    for uv in (warm, cold):
        assert uv[2:4] == ["pip", "install"]
        assert "--dry-run" in uv and "--report" not in uv
        assert _after(uv, "--python") == str(resolution.VENV_PYTHON)
        assert _after(uv, "--index-url") == resolution.INDEX_URL
    assert _after(warm, "--cache-dir").endswith("uv-cache")
    assert "--no-cache" in cold and "--cache-dir" not in cold
    # Over HTTP the index comes from UV_INDEX_URL, as pip's from PIP_INDEX_URL.
    assert "--index-url" not in workloads["resolve-http-warm"].uv


def test_uv_build_commands(bench_modules: dict[str, ModuleType]) -> None:
    building = bench_modules["building"]
    workloads = bench_modules["workloads"].WORKLOADS
    wheel = workloads["wheel-first"].uv
    assert wheel[2:5] == ["build", "-q", "--wheel"]
    assert "--no-index" in wheel
    assert _after(wheel, "--python") == sys.executable
    assert _after(wheel, "--find-links") == str(building.find_links_dir("wheel-first"))
    assert _after(wheel, "--out-dir") == str(building.out_dir("wheel-first", "uv"))
    assert wheel[-1] == str(building.tree_dir("wheel-first", "uv", building.FIRST_TREE))
    sdist = workloads["install-sdist"].uv
    assert sdist[2:4] == ["pip", "install"]
    assert "--no-index" in sdist and sdist[-1] == building.SDIST_PROJECT


def test_uv_is_na_with_a_reason_where_it_has_no_equivalent(
    bench_modules: dict[str, ModuleType],
) -> None:
    workloads = bench_modules["workloads"].WORKLOADS
    for name in ("config-debug", "install-verify-warm"):
        assert workloads[name].uv is None and workloads[name].no_uv, name
    assert workloads["version"].uv[1:] == ["--no-config", "--version"]


def test_rounds_rotate_the_tools(bench_modules: dict[str, ModuleType]) -> None:
    rotation = bench_modules["main"].rotation
    tools = ["inst", "pip", "uv"]
    orders = [rotation(tools, number) for number in range(3)]
    assert orders == [
        ["inst", "pip", "uv"],
        ["pip", "uv", "inst"],
        ["uv", "inst", "pip"],
    ]
    assert rotation(["inst", "pip"], 1) == ["pip", "inst"]


def test_measure_times_uv_only_when_there(
    bench_modules: dict[str, ModuleType],
) -> None:
    main, workloads = bench_modules["main"], bench_modules["workloads"]
    ok = [sys.executable, "-c", "pass"]
    seen: list[list[str]] = []

    def check(tools: list[str]) -> None:
        seen.append(list(tools))

    both = workloads.Workload("w", "", ok, ok, ok, check=check)
    result = main.measure(both, 1, uv=True)
    assert set(result.medians) == {"inst", "pip", "uv"}
    assert seen == [["inst", "pip", "uv"]]
    assert "n/a" not in main.format_line("w", 16, result)
    result = main.measure(both, 1, uv=False)
    assert set(result.medians) == {"inst", "pip"}
    line = main.format_line("w", 16, result)
    assert line.endswith(" / n/a") and "n/a" in line.split()[3]
    without = workloads.Workload("w", "", ok, ok, None, "no such thing")
    assert set(main.measure(without, 1, uv=True).medians) == {"inst", "pip"}


def test_uv_that_cannot_be_installed_gives_a_reason(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bench_modules: dict[str, ModuleType],
) -> None:
    uvtool = bench_modules["workloads"].uvtool
    monkeypatch.setattr(uvtool, "VENV_DIR", tmp_path / "uv")
    monkeypatch.setattr(uvtool, "BIN", tmp_path / "uv" / "bin" / "uv")
    monkeypatch.setattr(uvtool, "_answer", [])
    calls: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess:
        calls.append(command)
        code = 1 if "install" in command else 0
        return subprocess.CompletedProcess(command, code, "", "ERROR: no uv here\n")

    monkeypatch.setattr(uvtool.subprocess, "run", fake_run)
    reason = uvtool.ensure()
    assert reason == f"could not install {uvtool.pin()} with pip: ERROR: no uv here"
    assert calls[-1][-1] == uvtool.pin() and uvtool.pin().startswith("uv==")
    assert uvtool.ensure() == reason and len(calls) == 2  # asked once per run


def test_install_check_compares_uv_too(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bench_modules: dict[str, ModuleType],
) -> None:
    installing = bench_modules["installing"]
    monkeypatch.setattr(installing, "work_dir", lambda workload: tmp_path)
    everything = {name: "1.0" for name in RESOLVED}
    _fake_venv(installing, tmp_path / "inst-venv", everything)
    _fake_venv(installing, tmp_path / "pip-venv", everything)
    _fake_venv(installing, tmp_path / "uv-venv", everything)
    # uv's own files: its lock, its notes, a REQUESTED marker on every distribution.
    (tmp_path / "uv-venv" / ".lock").touch()
    for dist_info in installing.site_packages(tmp_path / "uv-venv").glob("*.dist-info"):
        (dist_info / "uv_cache.json").write_text("{}", encoding="utf-8")
        (dist_info / "REQUESTED").touch()
    check = installing.check("install-test", bytecode=False)
    assert check(["inst", "pip", "uv"]) is None

    _fake_venv(installing, tmp_path / "uv-venv", {"idna": "3.7"})
    problem = check(["inst", "pip", "uv"])
    assert problem is not None
    assert "and uv (10 in" in problem
    assert "only uv has 1: idna==3.7" in problem


def test_bench_environments_keep_uv_variables_out(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bench_modules: dict[str, ModuleType],
) -> None:
    resolution = bench_modules["resolution"]
    monkeypatch.setattr(resolution, "HOME_DIR", tmp_path / "home")
    monkeypatch.setenv("UV_INDEX_URL", "https://elsewhere/simple")
    assert not any(key.startswith("UV_") for key in resolution.environment())
    version = bench_modules["workloads"].WORKLOADS["version"]
    assert not any(key.startswith("UV_") for key in version.env())


# --- the 106-distribution install and the remote backtracking resolve -----------------

BIG = ["jupyterlab", "pandas", "scipy", "matplotlib", "scikit-learn"]


def test_big_install_and_remote_workloads_are_listed() -> None:
    listing = subprocess.run(
        [sys.executable, str(BENCH), "--list"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = {line.split()[0]: line for line in listing.stdout.splitlines()}
    assert "106 dists" in lines["install-big-warm"]
    assert "[network]" in lines["resolve-remote-backtrack"]
    assert "[network]" not in lines["install-big-warm"]


def test_big_install_wheels_are_pinned_whole() -> None:
    """The five projects and their dependency tree are pinned: 106 distinct
    distributions once the ones the 27-distribution set shares are counted."""
    tool = _load(REPO / "tools" / "fetch_bench_wheels.py", "bench_fetch_tool_big")
    pins = tool.parse_pins(REPO / "tools" / "bench-wheels.txt")
    names = {re.sub(r"[-_.]+", "-", pin.name).lower() for pin in pins}
    for project in BIG:
        assert project in names, project
    text = (REPO / "tools" / "bench-wheels.txt").read_text()
    section = text[text.index("# 3. The big install") :]
    big = [line for line in section.splitlines() if line and line[0] != "#"]
    shared = {"anyio", "attrs", "certifi", "charset-normalizer", "h11", "httpcore"}
    shared |= {"httpx", "idna", "jinja2", "markupsafe", "pygments", "requests"}
    shared |= {"typing-extensions", "urllib3"}
    assert shared <= names
    assert len(big) + len(shared) == 106


@pytest.mark.parametrize(
    ("tags", "ok"),
    [
        (("py3", "none", "any"), True),
        (("py2.py3", "none", "any"), True),
        (("cp311", "cp311", "manylinux_2_17_x86_64.manylinux2014_x86_64"), True),
        (("cp36", "abi3", "manylinux2010_x86_64.manylinux_2_12_x86_64"), True),
        (("cp310", "abi3", "manylinux_2_26_x86_64.manylinux_2_28_x86_64"), True),
        (("cp312", "abi3", "manylinux_2_28_x86_64"), False),
        (("cp310", "cp310", "manylinux_2_28_x86_64"), False),
        (("cp311", "cp311", "macosx_11_0_arm64"), False),
    ],
)
def test_bench_wheels_take_abi3_wheels_3_11_can_load(
    tags: tuple[str, str, str], ok: bool
) -> None:
    tool = _load(REPO / "tools" / "fetch_bench_wheels.py", "bench_fetch_tool_tags")
    assert tool._cp311_x86_64_tags(*tags) is ok


def test_remote_workload_is_skipped_with_a_note_when_offline(tmp_path: Path) -> None:
    env = {
        **os.environ,
        # Nothing listens on port 9 of this machine: as offline as can be.
        "INST_BENCH_REMOTE_PROBE": "http://127.0.0.1:9/simple/boto3/",
        "INST_BENCH_DIR": str(tmp_path / "bench"),
    }
    run = subprocess.run(
        [sys.executable, str(BENCH), "--runs", "1", "--no-uv"]
        + ["resolve-remote-backtrack"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    (line,) = [
        line
        for line in run.stdout.splitlines()
        if line.startswith("resolve-remote-backtrack")
    ]
    assert "skipped: needs the network" in line
    assert "127.0.0.1:9" in line
    offline = subprocess.run(
        [sys.executable, str(BENCH), "--offline", "--no-uv"]
        + ["resolve-remote-backtrack"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert offline.returncode == 0, offline.stderr
    assert "skipped: needs the network (--offline)" in offline.stdout


def test_sync_workload_locks_with_inst_lock_and_pins_the_lock_for_pip(
    bench_modules: dict[str, ModuleType],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    syncing = bench_modules["syncing"]
    workload = bench_modules["workloads"].WORKLOADS["sync-warm"]
    assert workload.inst[3:5] == ["sync", "--python"]
    assert workload.uv[-1] == str(syncing.lock_path("sync-warm"))
    assert "--no-deps" in workload.pip and "--require-hashes" in workload.pip
    monkeypatch.setattr(syncing, "lock_path", lambda w: tmp_path / "pylock.toml")
    monkeypatch.setattr(syncing, "requirements_path", lambda w: tmp_path / "r.txt")
    (tmp_path / "pylock.toml").write_text(
        'lock-version = "1.0"\ncreated-by = "inst"\n\n[[packages]]\n'
        'name = "pydantic-core"\nversion = "2.0"\nwheels = [\n'
        f'  {{ name = "a.whl", url = "u", hashes = {{ sha256 = "{"ab" * 32}" }} }},\n'
        f'  {{ name = "b.whl", url = "v", hashes = {{ sha256 = "{"cd" * 32}" }} }},\n'
        "]\n",
        encoding="utf-8",
    )
    syncing.write_requirements("sync-warm")
    assert (tmp_path / "r.txt").read_text() == (
        f"pydantic-core==2.0 --hash=sha256:{'ab' * 32} --hash=sha256:{'cd' * 32}\n"
    )
    assert "inst lock" in (syncing.__doc__ or "")

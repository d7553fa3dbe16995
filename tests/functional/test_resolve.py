"""Resolution through the real command: ``inst install --dry-run [--report FILE|-]``.

One module-wide index (``universe``) of made-up projects serves most tests; tests that
need something else build their own small index. Every error case checks the same
contract: exit 1, exactly one ``error:`` paragraph on stderr, no traceback.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness import LocalIndex, VirtualEnv, build_index, make_venv
from harness.dists import make_sdist, make_wheel
from harness.venvs import other_pythons

PY = "{}.{}.{}".format(*sys.version_info[:3])
YANK_REASON = "broken build, use 1.0"
# The keys of pip's report "environment": PEP 508's marker variables.
MARKER_KEYS = {
    "implementation_name",
    "implementation_version",
    "os_name",
    "platform_machine",
    "platform_release",
    "platform_system",
    "platform_version",
    "python_full_version",
    "platform_python_implementation",
    "python_version",
    "sys_platform",
}
ITEM_KEYS = {"download_info", "is_direct", "is_yanked", "requested", "metadata"}


# -- the shared universe ----------------------------------------------------------------


@dataclass(frozen=True)
class Universe:
    index: LocalIndex
    wheels: dict[str, Path]  # "name-version" -> the wheel built for the index
    venv: VirtualEnv  # has b 1.0, c 1.0, h 1.0 and d 1.0 installed (fake dist-infos)

    @property
    def url(self) -> str:
        return self.index.file_url

    def wheel(self, key: str) -> Path:
        return self.wheels[key]

    def sha256(self, key: str) -> str:
        return hashlib.sha256(self.wheels[key].read_bytes()).hexdigest()


def _strip_requires_python(index: LocalIndex, project: str) -> None:
    """Hide Requires-Python from the index pages (it stays in the metadata), as old or
    simple indexes do: then only resolution can find out."""
    page_dir = index.project_dir(project)
    page = json.loads((page_dir / "index.json").read_text(encoding="utf-8"))
    for file in page["files"]:
        file["requires-python"] = None
    (page_dir / "index.json").write_text(json.dumps(page), encoding="utf-8")
    html = (page_dir / "index.html").read_text(encoding="utf-8")
    html = re.sub(r' data-requires-python="[^"]*"', "", html)
    (page_dir / "index.html").write_text(html, encoding="utf-8")


def fake_installed(venv: VirtualEnv, name: str, version: str, *fields: str) -> None:
    """A distribution that looks installed: METADATA (with extra header lines) and an
    empty RECORD in the venv's site-packages."""
    dist_info = venv.site_packages / f"{name}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += list(fields)
    (dist_info / "METADATA").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    (dist_info / "RECORD").write_text("", encoding="utf-8")


@pytest.fixture(scope="module")
def universe(tmp_path_factory: pytest.TempPathFactory) -> Universe:
    out = tmp_path_factory.mktemp("universe-dists")
    specs: list[tuple[str, str, dict[str, Any]]] = [
        ("a", "1.0", {"requires": ["b>=2"], "extras": {"x": ["c"], "y": ["d[fast]"]}}),
        ("b", "1.0", {}),
        ("b", "2.0", {}),
        ("c", "1.0", {}),
        ("c", "2.0", {}),
        ("d", "1.0", {"extras": {"fast": ["e"]}}),
        ("e", "1.0", {}),
        (
            "m",
            "1.0",
            {
                "requires": [
                    'e; sys_platform == "no-such-platform"',
                    'c<2; python_version >= "3"',
                    'b; python_version < "3"',
                ]
            },
        ),
        ("xm", "1.0", {"extras": {"gpu": ["c", 'e; sys_platform == "no-such"']}}),
        ("p", "1.0", {"requires": ["q<2"]}),
        ("r", "1.0", {"requires": ["q>=2"]}),
        ("q", "1.0", {}),
        ("q", "2.0", {}),
        ("s", "1.0", {}),
        ("s", "2.0", {"requires": ["t<2"]}),
        ("t", "1.0", {}),
        ("t", "2.0", {}),
        ("yk", "1.0", {}),
        ("yk", "2.0", {}),
        ("pr", "1.0", {}),
        ("pr", "2.0b1", {}),
        ("onlypre", "1.0a1", {}),
        ("rp", "1.0", {}),
        ("rp", "2.0", {"requires_python": ">=3.99"}),
        ("rm", "1.0", {}),
        ("rm", "2.0", {"requires_python": ">=3.99"}),
        ("usesrm", "1.0", {"requires": ["rm"]}),
        ("g", "1.0", {"requires": ["c>=1"]}),
        ("h", "1.0", {}),
        ("bin", "1.0", {}),
        ("ux", "1.0", {"requires": ["c[nope]"]}),
    ]
    wheels = {
        f"{name}-{version}": make_wheel(out, name, version, **kw)
        for name, version, kw in specs
    }
    sdists = [make_sdist(out, "bin", "2.0")]
    index = build_index(
        tmp_path_factory.mktemp("universe") / "index",
        [*wheels.values(), *sdists],
        yanked={"yk==2.0": YANK_REASON},
    )
    _strip_requires_python(index, "rm")
    venv = make_venv(tmp_path_factory.mktemp("universe-venv") / "venv")
    fake_installed(venv, "b", "1.0")
    fake_installed(venv, "c", "1.0")
    fake_installed(venv, "h", "1.0")
    fake_installed(
        venv, "d", "1.0", "Provides-Extra: fast", 'Requires-Dist: e; extra == "fast"'
    )
    return Universe(index, wheels, venv)


# -- helpers ---------------------------------------------------------------------------

RunInst = Callable[..., Any]


def dry(run_inst: RunInst, index_url: str | None, *args: str, **kw: Any) -> Any:
    index = ["--index-url", index_url] if index_url else []
    return run_inst("install", "--dry-run", *index, *args, **kw)


def report_of(run: Any) -> dict[str, Any]:
    assert run.code == 0, run.err
    report: dict[str, Any] = json.loads(run.out)  # stdout is nothing but the JSON
    return report


def versions(report: dict[str, Any]) -> dict[str, str]:
    return {i["metadata"]["name"]: i["metadata"]["version"] for i in report["install"]}


def items(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["metadata"]["name"]: i for i in report["install"]}


def would_install(run: Any) -> str | None:
    lines = [line for line in run.out.splitlines() if line.startswith("Would install ")]
    assert len(lines) <= 1, run.out
    return lines[0][len("Would install ") :] if lines else None


def assert_ok(run: Any, expected: str | None) -> None:
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    assert "error:" not in run.err
    assert would_install(run) == expected, run.out


def assert_error(run: Any, *fragments: str) -> str:
    """Exit 1, one error paragraph (returned) holding every fragment, no traceback."""
    assert run.code == 1, (run.out, run.err)
    assert "Traceback" not in run.err, run.err
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert run.err.count("error:") == 1, run.err
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    assert would_install(run) is None
    return errors[0]


# -- plain resolution and the report ---------------------------------------------------


def test_dependencies_collecting_and_would_install(run_inst, universe):
    run = dry(run_inst, universe.url, "a")
    assert_ok(run, "a-1.0 b-2.0")
    assert run.out.splitlines()[:2] == ["Collecting a", "Collecting b>=2 (from a==1.0)"]
    assert run.err == ""


def test_report_format_matches_pip(run_inst, universe):
    run = dry(run_inst, universe.url, "--report", "-", "a")
    report = report_of(run)
    assert report["version"] == "1"
    assert isinstance(report["pip_version"], str)
    assert set(report) >= {"version", "pip_version", "install", "environment"}
    # Dependencies come before what needs them.
    assert [i["metadata"]["name"] for i in report["install"]] == ["b", "a"]
    a, b = items(report)["a"], items(report)["b"]
    for item in (a, b):
        assert set(item) == ITEM_KEYS  # requested_extras only when there are some
        assert item["is_direct"] is False
        assert item["is_yanked"] is False
    assert a["requested"] is True
    assert b["requested"] is False
    wheel = universe.index.dist_path("a-1.0-py3-none-any.whl")
    assert a["download_info"]["url"] == wheel.resolve().as_uri()
    digest = universe.sha256("a-1.0")
    assert a["download_info"]["archive_info"] == {
        "hash": f"sha256={digest}",
        "hashes": {"sha256": digest},
    }
    assert a["metadata"]["name"] == "a"
    assert a["metadata"]["version"] == "1.0"
    assert a["metadata"]["metadata_version"] == "2.1"
    assert a["metadata"]["requires_dist"] == [
        "b>=2",
        'c; extra == "x"',
        'd[fast]; extra == "y"',
    ]
    assert a["metadata"]["provides_extra"] == ["x", "y"]
    assert "requires_dist" not in b["metadata"]
    environment = report["environment"]
    assert set(environment) == MARKER_KEYS
    assert environment["python_full_version"] == PY
    assert environment["python_version"] == "{}.{}".format(*sys.version_info[:2])
    assert environment["sys_platform"] == sys.platform


def test_report_to_stdout_keeps_progress_on_stderr(run_inst, universe):
    run = dry(run_inst, universe.url, "--report", "-", "a")
    report_of(run)  # parses: nothing but JSON on stdout
    assert "Collecting a" in run.err.splitlines()
    assert "Would install a-1.0 b-2.0" in run.err.splitlines()
    assert "Collecting" not in run.out


def test_report_file_written(run_inst, universe, tmp_path):
    target = tmp_path / "report.json"
    run = dry(run_inst, universe.url, "--report", str(target), "a")
    assert_ok(run, "a-1.0 b-2.0")
    assert versions(json.loads(target.read_text(encoding="utf-8"))) == {
        "a": "1.0",
        "b": "2.0",
    }
    assert sorted(p.name for p in tmp_path.iterdir() if "report" in p.name) == [
        "report.json"
    ]


def test_report_file_not_written_when_resolution_fails(run_inst, universe, tmp_path):
    target = tmp_path / "report.json"
    run = dry(run_inst, universe.url, "--report", str(target), "p", "r")
    assert_error(run, "cannot find versions of q")
    assert not [p for p in tmp_path.iterdir() if "report" in p.name]


def test_report_to_unwritable_path(run_inst, universe, tmp_path):
    target = tmp_path / "no-such-dir" / "report.json"
    run = dry(run_inst, universe.url, "--report", str(target), "a")
    assert_error(run, f"cannot write the report to {target}", "No such file")
    assert not (tmp_path / "no-such-dir").exists()


def test_over_http(run_inst, universe, index_server):
    server = index_server(universe.index)
    run = dry(run_inst, server.simple_url, "--report", "-", "a[x]")
    report = report_of(run)
    assert versions(report) == {"a": "1.0", "b": "2.0", "c": "2.0"}
    url = items(report)["c"]["download_info"]["url"]
    assert url == f"{server.url.rstrip('/')}/files/c-2.0-py3-none-any.whl"
    assert items(report)["c"]["download_info"]["archive_info"]["hashes"] == {
        "sha256": universe.sha256("c-2.0")
    }


def test_unknown_project(run_inst, universe):
    run = dry(run_inst, universe.url, "no-such-project")
    assert_error(
        run,
        "no matching distribution found for no-such-project",
        "No index or find-links location has a project named no-such-project",
    )


# -- extras ---------------------------------------------------------------------------


def test_extra_pulls_its_dependencies(run_inst, universe):
    report = report_of(dry(run_inst, universe.url, "--report", "-", "a[x]"))
    assert versions(report) == {"a": "1.0", "b": "2.0", "c": "2.0"}
    assert items(report)["a"]["requested_extras"] == ["x"]
    assert "requested_extras" not in items(report)["c"]
    assert items(report)["c"]["requested"] is False


def test_extra_and_plain_together(run_inst, universe):
    run = dry(run_inst, universe.url, "--report", "-", "a", "a[x]")
    report = report_of(run)
    assert [i["metadata"]["name"] for i in report["install"]].count("a") == 1
    assert versions(report) == {"a": "1.0", "b": "2.0", "c": "2.0"}
    assert items(report)["a"]["requested"] is True
    assert items(report)["a"]["requested_extras"] == ["x"]


def test_extra_of_a_dependency(run_inst, universe):
    run = dry(run_inst, universe.url, "--report", "-", "a[y]")
    report = report_of(run)
    assert versions(report) == {"a": "1.0", "b": "2.0", "d": "1.0", "e": "1.0"}
    assert "requested_extras" not in items(report)["d"]  # only what the user asked
    assert "Collecting d[fast] (from a==1.0)" in run.err.splitlines()


def test_an_unknown_extra_is_a_warning_as_in_pip(run_inst, universe):
    # pip and uv warn and install the release without the extra, on the command
    # line as in a dependency; said once per release and extra.
    run = dry(run_inst, universe.url, "a[nope]", "ux")
    assert_ok(run, "a-1.0 b-2.0 c-2.0 ux-1.0")
    warnings = [line for line in run.err.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: a 1.0 does not provide the extra 'nope'",
        "warning: c 2.0 does not provide the extra 'nope'",
    ]


def test_an_unknown_extra_of_an_installed_release_is_a_warning(run_inst, universe):
    run = dry(run_inst, universe.url, "--python", str(universe.venv.python), "d[nope]")
    assert_ok(run, None)
    assert "warning: d 1.0 does not provide the extra 'nope'" in run.err.splitlines()
    site = universe.venv.site_packages
    assert f"Requirement already satisfied: d[nope] in {site} (1.0)" in run.out


def test_markers_within_an_extra(run_inst, universe):
    report = report_of(dry(run_inst, universe.url, "--report", "-", "xm[gpu]"))
    assert versions(report) == {"xm": "1.0", "c": "2.0"}


# -- markers --------------------------------------------------------------------------


def test_marker_on_the_command_line_ignores_the_requirement(run_inst, universe):
    run = dry(run_inst, universe.url, "c", 'b; python_version < "3"')
    assert_ok(run, "c-2.0")
    assert (
        "Ignoring b: markers 'python_version < \"3\"' don't match the target "
        "environment" in run.out.splitlines()
    )


def test_markers_in_requires_dist(run_inst, universe):
    run = dry(run_inst, universe.url, "m")
    assert_ok(run, "c-1.0 m-1.0")  # c<2 applies; e and b are for other targets


# -- constraints ----------------------------------------------------------------------


def test_constraint_limits_a_dependency(run_inst, universe, tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("c<2\nnobody-needs-this==1.0\n", encoding="utf-8")
    run = dry(run_inst, universe.url, "-c", str(constraints), "xm[gpu]")
    assert_ok(run, "c-1.0 xm-1.0")  # and nobody-needs-this is not looked up


def test_impossible_constraint_names_the_file(run_inst, universe, tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("c>=5\n", encoding="utf-8")
    run = dry(run_inst, universe.url, "-c", str(constraints), "xm[gpu]")
    assert_error(
        run,
        "cannot find versions of c",
        "c (required by xm[gpu] 1.0)",
        f"c>=5 (constraint: -c {constraints} (line 1))",
    )


def test_a_name_at_url_constraint_gives_the_file_when_required(
    run_inst, universe, tmp_path
):
    # pip accepts "name @ URL" in -c files: the project, when required, is that file.
    wheel = make_wheel(tmp_path / "elsewhere", "c", "1.5")
    unused = make_wheel(tmp_path / "elsewhere", "q", "3.0")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(
        f"c @ {wheel.as_uri()}\nq @ {unused.as_uri()}\n", encoding="utf-8"
    )
    run = dry(run_inst, universe.url, "-c", str(constraints), "--report", "-", "g")
    report = report_of(run)
    assert versions(report) == {"c": "1.5", "g": "1.0"}  # q is not required
    assert items(report)["c"]["download_info"]["url"] == wheel.as_uri()
    assert items(report)["c"]["is_direct"] is True


def test_a_name_at_url_constraint_over_http(run_inst, universe, tmp_path, index_server):
    served = tmp_path / "served"
    make_wheel(served / "files", "c", "1.5")
    server = index_server(served)
    url = f"{server.files_url}c-1.5-py3-none-any.whl"
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"c @ {url}\n", encoding="utf-8")
    assert_ok(dry(run_inst, universe.url, "-c", str(constraints), "g"), "c-1.5 g-1.0")


def test_a_name_at_url_constraint_that_a_requirement_excludes(
    run_inst, universe, tmp_path
):
    wheel = make_wheel(tmp_path / "elsewhere", "c", "1.5")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(f"c @ {wheel.as_uri()}\n", encoding="utf-8")
    run = dry(run_inst, universe.url, "-c", str(constraints), "c>=2")
    assert_error(run, "cannot find versions of c", "c>=2 (asked for on the command")


def test_two_different_files_constrained_for_one_project(run_inst, universe, tmp_path):
    first = make_wheel(tmp_path / "one", "c", "1.5")
    second = make_wheel(tmp_path / "two", "c", "1.6")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(
        f"c @ {first.as_uri()}\nc @ {second.as_uri()}\n", encoding="utf-8"
    )
    run = dry(run_inst, universe.url, "-c", str(constraints), "g")
    assert_error(run, "the constraints name two different files for c")


# -- conflicts and backtracking ---------------------------------------------------------


def test_conflict_between_dependencies(run_inst, universe):
    run = dry(run_inst, universe.url, "p", "r")
    assert_error(
        run,
        "cannot find versions of q that satisfy every requirement",
        "q<2 (required by p 1.0)",
        "q>=2 (required by r 1.0)",
    )


def test_conflict_with_the_command_line(run_inst, universe):
    run = dry(run_inst, universe.url, "q<2", "r")
    assert_error(run, "q<2 (asked for on the command line)", "q>=2 (required by r 1.0)")


def test_conflict_names_the_requirements_file_line(run_inst, universe, tmp_path):
    reqs = tmp_path / "reqs.txt"
    reqs.write_text("# pinned\nb==1.0\n", encoding="utf-8")
    run = dry(run_inst, universe.url, "-r", str(reqs), "a")
    assert_error(
        run,
        "cannot find versions of b",
        f"b==1.0 (-r {reqs} (line 2))",
        "b>=2 (required by a 1.0)",
    )


def test_backtracking_picks_an_older_version(run_inst, universe):
    run = dry(run_inst, universe.url, "s", "t>=2")
    assert_ok(run, "s-1.0 t-2.0")


def test_runaway_resolution_gives_up(universe, tmp_path):
    from inst.cache import NULL_CACHE
    from inst.download import Downloader
    from inst.environment import current_environment
    from inst.index.finder import Finder, FinderPolicy
    from inst.index.http import HttpClient, HttpConfig
    from inst.index.sources import IndexSource
    from inst.requirements.specs import parse_requirement
    from inst.resolution.metadata import MetadataSource
    from inst.resolution.resolver import ResolutionError, ResolveRequest, resolve

    environment = current_environment()
    client = HttpClient(HttpConfig())
    finder = Finder(
        client, [IndexSource(universe.url)], [], environment, FinderPolicy()
    )
    downloader = Downloader(
        client, cache=NULL_CACHE.downloads, work_dir=tmp_path, progress=False
    )
    metadata = MetadataSource(client, downloader)
    specs = [parse_requirement(t, origin="the command line") for t in ("s", "t>=2")]
    try:
        with pytest.raises(ResolutionError) as caught:
            resolve(ResolveRequest(specs, max_rounds=1), finder, metadata, environment)
        # The same request succeeds with room to backtrack.
        resolution = resolve(ResolveRequest(specs), finder, metadata, environment)
    finally:
        finder.close()
        client.close()
    assert caught.value.paragraph().startswith("resolution gave up after 1 rounds")
    assert {str(d.name): str(d.candidate.version) for d in resolution.dists} == {
        "s": "1.0",
        "t": "2.0",
    }


# -- yanked, Requires-Python, pre-releases -----------------------------------------------


def test_yanked_skipped(run_inst, universe):
    assert_ok(dry(run_inst, universe.url, "yk"), "yk-1.0")
    run = dry(run_inst, universe.url, "yk>1")
    assert_error(
        run,
        "no matching distribution found for yk>1",
        "yanked versions in range: 2.0",
    )


def test_yanked_pinned_warns_with_reason(run_inst, universe):
    run = dry(run_inst, universe.url, "--report", "-", "yk==2.0")
    report = report_of(run)
    assert items(report)["yk"]["is_yanked"] is True
    assert versions(report) == {"yk": "2.0"}
    warnings = [line for line in run.err.splitlines() if line.startswith("warning:")]
    expected = (
        "warning: yk-2.0-py3-none-any.whl is yanked, and was picked because it is "
        f"pinned exactly (reason: {YANK_REASON})"
    )
    assert warnings == [expected]


def test_index_requires_python_skips_files(run_inst, universe):
    assert_ok(dry(run_inst, universe.url, "rp"), "rp-1.0")
    run = dry(run_inst, universe.url, "rp==2.0")
    assert_error(
        run,
        "no matching distribution found for rp==2.0",
        f"the target is Python {PY}",
        "rp-2.0-py3-none-any.whl: it requires Python >=3.99",
    )


def test_metadata_requires_python_backtracks(run_inst, universe):
    run = dry(run_inst, universe.url, "usesrm")
    assert_ok(run, "rm-1.0 usesrm-1.0")


def test_metadata_requires_python_error_names_the_python(run_inst, universe):
    run = dry(run_inst, universe.url, "rm==2.0")
    assert_error(run, "rm 2.0 requires Python >=3.99", f"the target is Python {PY}")


def test_ignore_requires_python(run_inst, universe):
    run = dry(run_inst, universe.url, "--ignore-requires-python", "rp", "rm")
    assert_ok(run, "rm-2.0 rp-2.0")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["pr"], "pr-1.0"),
        (["--pre", "pr"], "pr-2.0b1"),
        (["pr>=2.0b1"], "pr-2.0b1"),
        (["onlypre"], "onlypre-1.0a1"),
    ],
)
def test_pre_releases(run_inst, universe, args, expected):
    assert_ok(dry(run_inst, universe.url, *args), expected)


# -- installed distributions --------------------------------------------------------------


def test_installed_is_kept(run_inst, universe):
    run = dry(
        run_inst,
        universe.url,
        "--python",
        str(universe.venv.python),
        "--report",
        "-",
        "b",
        "g",
        "d[fast]",
    )
    report = report_of(run)
    # c 1.0 installed satisfies g's c>=1; the installed d brings its extra's e.
    assert versions(report) == {"g": "1.0", "e": "1.0"}
    satisfied = [
        line for line in run.err.splitlines() if line.startswith("Requirement already")
    ]
    site = universe.venv.site_packages
    # pip's words: the requirement as asked, where, who asked (for a dependency), the
    # version; and no "Collecting" line for what is kept.
    assert sorted(satisfied) == [
        f"Requirement already satisfied: b in {site} (1.0)",
        f"Requirement already satisfied: c>=1 in {site} (from g==1.0) (1.0)",
        f"Requirement already satisfied: d[fast] in {site} (1.0)",
    ]
    collecting = [line for line in run.err.splitlines() if line.startswith("Collect")]
    assert sorted(collecting) == ["Collecting e (from d==1.0)", "Collecting g"]
    assert "Would install e-1.0 g-1.0" in run.err.splitlines()


def test_installed_too_old_for_a_dependency(run_inst, universe):
    run = dry(run_inst, universe.url, "--python", str(universe.venv.python), "a")
    assert_ok(run, "a-1.0 b-2.0")


def test_upgrade_requested(run_inst, universe):
    run = dry(run_inst, universe.url, "--python", str(universe.venv.python), "-U", "b")
    assert_ok(run, "b-2.0")
    assert "Requirement already satisfied" not in run.out


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [("only-if-needed", "g-1.0"), ("eager", "c-2.0 g-1.0")],
)
def test_upgrade_strategy(run_inst, universe, strategy, expected):
    run = dry(
        run_inst,
        universe.url,
        "--python",
        str(universe.venv.python),
        "-U",
        "--upgrade-strategy",
        strategy,
        "g",
    )
    assert_ok(run, expected)


@pytest.mark.parametrize("flag", ["--force-reinstall", "-I"])
def test_reinstall_puts_it_back_in_the_report(run_inst, universe, flag):
    run = dry(
        run_inst,
        universe.url,
        "--python",
        str(universe.venv.python),
        flag,
        "--report",
        "-",
        "h",
    )
    report = report_of(run)
    assert versions(report) == {"h": "1.0"}
    assert items(report)["h"]["requested"] is True
    assert "Requirement already satisfied" not in run.err


# -- --no-deps, direct references, what cannot be used ----------------------------------


def test_no_deps(run_inst, universe):
    assert_ok(dry(run_inst, universe.url, "--no-deps", "a[x]"), "a-1.0")


def test_direct_url_and_path(run_inst, universe):
    url = universe.wheel("a-1.0").resolve().as_uri()
    report = report_of(dry(run_inst, universe.url, "--report", "-", f"a[x] @ {url}"))
    assert versions(report) == {"a": "1.0", "b": "2.0", "c": "2.0"}
    a = items(report)["a"]
    assert a["is_direct"] is True
    assert a["requested"] is True
    assert a["requested_extras"] == ["x"]
    assert a["download_info"]["url"] == url
    assert items(report)["b"]["is_direct"] is False

    wheel = universe.wheel("e-1.0")
    run = dry(
        run_inst,
        universe.url,
        "--report",
        "-",
        f"./{wheel.name}",
        cwd=wheel.parent,
    )
    e = items(report_of(run))["e"]
    assert e["is_direct"] is True
    assert e["download_info"]["url"] == wheel.resolve().as_uri()


def test_local_directory_is_built_with_requirements_from_the_index(
    run_inst, universe, tmp_path
):
    """The build layer takes over: its build requirements come from the same index,
    which here has no setuptools, so the error names them (nothing is fetched else).
    Its dependencies are dynamic: only the backend can tell them."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "proj"\nversion = "1.0"\ndynamic = ["dependencies"]\n',
        encoding="utf-8",
    )
    run = dry(run_inst, universe.url, str(project))
    assert_error(run, "cannot provide the build requirements of proj", "setuptools")


def test_local_directory_with_static_metadata_resolves_without_building(
    run_inst, universe, tmp_path
):
    """[project] says it all: a dry run reads it and needs no build requirement."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "proj"\nversion = "1.0"\n', encoding="utf-8"
    )
    run = dry(run_inst, universe.url, str(project))
    assert run.code == 0, run.err
    assert "Would install proj-1.0" in run.out


def test_sdist_is_built_with_requirements_from_the_index(run_inst, universe, tmp_path):
    """An sdist whose dependencies are dynamic needs a build for its metadata; those
    of the harness (static [project]) do not: their metadata is read."""
    pyproject = (
        '[build-system]\nrequires = ["setuptools>=61"]\n'
        'build-backend = "setuptools.build_meta"\n'
        '[project]\nname = "proj"\nversion = "1.0"\ndynamic = ["dependencies"]\n'
    )
    sdist = make_sdist(tmp_path, "proj", "1.0", files={"pyproject.toml": pyproject})
    run = dry(run_inst, universe.url, str(sdist))
    assert_error(run, "cannot provide the build requirements of proj", "setuptools")
    run = dry(run_inst, universe.url, "bin")  # 2.0 on the index is an sdist
    assert run.code == 0, run.err
    assert "Would install bin-2.0" in run.out


def test_unsupported_wheel(run_inst, universe, tmp_path):
    wheel = make_wheel(tmp_path, "oldie", "1.0", tag="cp27-cp27m-win32")
    run = dry(run_inst, universe.url, str(wheel))
    assert_error(
        run,
        "oldie-1.0-cp27-cp27m-win32.whl is not a supported wheel for the target "
        f"environment (Python {PY})",
    )


# -- hash-checking ----------------------------------------------------------------------


def test_hashes_for_everything(run_inst, universe, tmp_path):
    reqs = tmp_path / "reqs.txt"
    reqs.write_text(
        f"a==1.0 --hash=sha256:{universe.sha256('a-1.0')}\n"
        f"b==2.0 --hash=sha256:{universe.sha256('b-2.0')}\n",
        encoding="utf-8",
    )
    assert_ok(dry(run_inst, universe.url, "-r", str(reqs)), "a-1.0 b-2.0")


def test_dependency_without_hash(run_inst, universe, tmp_path):
    reqs = tmp_path / "reqs.txt"
    reqs.write_text(f"a==1.0 --hash=sha256:{universe.sha256('a-1.0')}\n")
    run = dry(run_inst, universe.url, "-r", str(reqs))
    error = assert_error(
        run,
        "every distribution needs a --hash",
        f"b==2.0 --hash=sha256:{universe.sha256('b-2.0')}",
    )
    assert "a==1.0" not in error


def test_unpinned_hashed_requirement(run_inst, universe, tmp_path):
    reqs = tmp_path / "reqs.txt"
    reqs.write_text(f"b>=1 --hash=sha256:{universe.sha256('b-2.0')}\n")
    run = dry(run_inst, universe.url, "-r", str(reqs))
    assert_error(run, "must be pinned with ==", f"b>=1 (-r {reqs} (line 1))")


def test_require_hashes_on_the_command_line(run_inst, universe):
    run = dry(run_inst, universe.url, "--require-hashes", "b==2.0")
    assert_error(
        run,
        "every distribution needs a --hash",
        f"b==2.0 --hash=sha256:{universe.sha256('b-2.0')}",
    )


def test_hashes_of_local_wheels(run_inst, universe):
    wheel = universe.wheel("e-1.0")
    digest = universe.sha256("e-1.0")
    url = wheel.resolve().as_uri()
    run = dry(run_inst, universe.url, "--require-hashes", f"e @ {url}#sha256={digest}")
    assert_ok(run, "e-1.0")
    # Without one, the suggested line names the file itself, with its digest.
    run = dry(run_inst, universe.url, "--require-hashes", str(wheel))
    assert_error(run, f"{wheel} --hash=sha256:{digest}")


# -- requirement files ------------------------------------------------------------------


def test_file_level_index_url(run_inst, universe, tmp_path):
    reqs = tmp_path / "reqs.txt"
    reqs.write_text(f"--index-url {universe.url}\na\n", encoding="utf-8")
    assert_ok(dry(run_inst, None, "-r", str(reqs)), "a-1.0 b-2.0")


def test_file_level_find_links(run_inst, universe, tmp_path):
    links = tmp_path / "links"
    make_wheel(links, "linked", "1.0", requires=["c<2"])
    reqs = tmp_path / "reqs.txt"
    reqs.write_text("--find-links links\nlinked\n", encoding="utf-8")
    assert_ok(dry(run_inst, universe.url, "-r", str(reqs)), "c-1.0 linked-1.0")


def test_file_level_pre_and_only_binary(run_inst, universe, tmp_path):
    reqs = tmp_path / "reqs.txt"
    reqs.write_text("--pre\n--only-binary :all:\npr\nbin\n", encoding="utf-8")
    assert_ok(dry(run_inst, universe.url, "-r", str(reqs)), "bin-1.0 pr-2.0b1")


def test_nested_requirement_files(run_inst, universe, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.txt").write_text("c==1.0\n", encoding="utf-8")
    outer = tmp_path / "outer.txt"
    outer.write_text("-r sub/inner.txt\na\n", encoding="utf-8")
    assert_ok(dry(run_inst, universe.url, "-r", str(outer)), "a-1.0 b-2.0 c-1.0")


def test_bad_line_names_file_and_line(run_inst, universe, tmp_path):
    reqs = tmp_path / "reqs.txt"
    reqs.write_text("a\n# fine\nb>=>2\n", encoding="utf-8")
    run = dry(run_inst, universe.url, "-r", str(reqs))
    assert_error(run, "reqs.txt", "line 3")


# -- another interpreter, index strategies ----------------------------------------------


def test_resolves_for_the_target_python(run_inst, tmp_path, make_index):
    others = other_pythons()
    if not others:
        pytest.skip("no other Python interpreter on this machine")
    other = others[-1]
    major, minor = other.version[:2]
    wheels = [
        make_wheel(tmp_path, "op", "1.0"),
        make_wheel(tmp_path, "op", "2.0", requires_python=f"=={major}.{minor}.*"),
        make_wheel(
            tmp_path, "opm", "1.0", requires=[f'e; python_version == "{major}.{minor}"']
        ),
        make_wheel(tmp_path, "e", "1.0"),
    ]
    index = make_index(wheels)
    run = dry(
        run_inst,
        index.file_url,
        "--python",
        str(other.path),
        "--report",
        "-",
        "op",
        "opm",
    )
    report = report_of(run)
    assert versions(report) == {"op": "2.0", "opm": "1.0", "e": "1.0"}
    assert report["environment"]["python_version"] == f"{major}.{minor}"
    here = dry(run_inst, index.file_url, "op", "opm")
    assert_ok(here, "op-1.0 opm-1.0")


@pytest.mark.parametrize(
    ("strategy", "expected"), [(None, "dup-1.0"), ("best-match", "dup-2.0")]
)
def test_index_strategy(
    run_inst, tmp_path, make_index, index_server, strategy, expected
):
    primary = make_index([make_wheel(tmp_path / "p", "dup", "2.0")])
    extra = make_index([make_wheel(tmp_path / "x", "dup", "1.0")])
    server = index_server(extra)
    flags = ["--index-strategy", strategy] if strategy else []
    run = dry(
        run_inst,
        primary.file_url,
        "--extra-index-url",
        server.simple_url,
        *flags,
        "dup",
    )
    assert_ok(run, expected)


def test_first_index_says_when_another_index_has_newer_versions(
    run_inst, tmp_path, make_index, index_server
):
    # pip (best-match) would take dup 2.0 from the primary index; inst's default takes
    # 1.0 from the extra index, asked first, and says so once.
    primary = make_index([make_wheel(tmp_path / "p", "dup", "2.0")])
    extra = make_index(
        [
            make_wheel(tmp_path / "x", "dup", "1.0"),
            make_wheel(tmp_path / "x", "usesdup", "1.0", requires=["dup"]),
        ]
    )
    server = index_server(extra)
    args = ["--extra-index-url", server.simple_url, "dup", "usesdup"]
    run = dry(run_inst, primary.file_url, *args)
    assert_ok(run, "dup-1.0 usesdup-1.0")
    warnings = [line for line in run.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, run.err
    assert "dup 2.0 is on" in warnings[0]
    assert "newest version is 1.0" in warnings[0]
    assert "--index-strategy best-match" in warnings[0]
    best = dry(run_inst, primary.file_url, *args, "--index-strategy", "best-match")
    assert_ok(best, "dup-2.0 usesdup-1.0")
    assert "warning:" not in best.err


def test_no_match_names_the_index_first_index_left_out(
    run_inst, tmp_path, make_index, index_server
):
    primary = make_index([make_wheel(tmp_path / "p", "dup", "2.0")])
    extra = make_index([make_wheel(tmp_path / "x", "dup", "1.0")])
    server = index_server(extra)
    run = dry(
        run_inst, primary.file_url, "--extra-index-url", server.simple_url, "dup>=2"
    )
    paragraph = assert_error(run, "no matching distribution found for dup>=2")
    assert "has matching versions (2.0)" in paragraph
    assert "--index-strategy best-match" in paragraph

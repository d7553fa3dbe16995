"""Regressions found on the public index (issue 11), reproduced with local wheels.

Each test names the defect it guards: what real projects do that our own wheels did
not, and what inst must do instead (as pip does, or a stated policy).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from harness import VirtualEnv, build_index, make_venv, make_wheel
from harness.trees import snapshot


def rewrite_member(wheel: Path, member_suffix: str, text: str) -> None:
    """Replace the member ending in member_suffix and fix RECORD, as a real (odd)
    wheel would have it: the archive stays valid, only the content is unusual."""
    with zipfile.ZipFile(wheel) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    (member,) = [name for name in contents if name.endswith(member_suffix)]
    contents[member] = text.encode("utf-8")
    (record,) = [name for name in contents if name.endswith(".dist-info/RECORD")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for name, data in contents.items():
        if name == record:
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        writer.writerow([name, f"sha256={digest.decode()}", len(data)])
    writer.writerow([record, "", ""])
    contents[record] = out.getvalue().encode("utf-8")
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def assert_one_error(run, *fragments: str) -> str:
    assert run.code == 1, (run.out, run.err)
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


def assert_ok(run) -> None:
    assert run.code == 0, (run.out, run.err)
    assert "Traceback" not in run.err and "error:" not in run.err, run.err


@pytest.fixture
def venv(tmp_path: Path) -> VirtualEnv:
    return make_venv(tmp_path / "venv")


def install(run_inst, venv: VirtualEnv, index_url: str, *args: str, **kw):
    return run_inst(
        "install", "--python", str(venv.python), "--index-url", index_url, *args, **kw
    )


# -- item 2: nothing to install -------------------------------------------------------


def test_upgrade_of_the_newest_version_is_satisfied(
    run_inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    index = build_index(tmp_path / "index", [make_wheel(tmp_path, "six", "1.17.0")])
    assert_ok(install(run_inst, venv, index.file_url, "six"))
    before = snapshot(venv.root, skip={".inst"})
    for extra in ([], ["--report", str(tmp_path / "report.json")]):
        run = install(run_inst, venv, index.file_url, "-U", "six", *extra)
        assert_ok(run)
        assert "Requirement already satisfied: six" in run.out
        assert snapshot(venv.root, skip={".inst"}) == before
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["install"] == []


# -- item 5: Wheel-Version ------------------------------------------------------------


@pytest.mark.parametrize(
    ("wheel_version", "outcome"),
    [("0.1", "installed"), ("1.9", "warned"), ("2.0", "refused")],
)
def test_wheel_version_as_the_wheel_spec_says(
    run_inst, venv: VirtualEnv, tmp_path: Path, wheel_version: str, outcome: str
) -> None:
    wheel = make_wheel(tmp_path / "dists", "oldwheel", "1.0")
    rewrite_member(
        wheel,
        ".dist-info/WHEEL",
        f"Wheel-Version: {wheel_version}\nGenerator: old\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    )
    run = run_inst("install", "--python", str(venv.python), str(wheel))
    installed = list(venv.site_packages.glob("oldwheel-1.0.dist-info"))
    if outcome == "refused":
        assert_one_error(run, "Wheel-Version is 2.0")
        assert not installed
        return
    assert_ok(run)
    assert installed
    # The WHEEL installed is the wheel's own, version and all.
    assert f"Wheel-Version: {wheel_version}" in (installed[0] / "WHEEL").read_text()
    assert ("newer than the 1.0 inst knows" in run.err) == (outcome == "warned")


# -- item 6: a release with invalid metadata is skipped ---------------------------------


@pytest.mark.parametrize("deps", [[], ["--no-deps"]], ids=["deps", "no-deps"])
def test_a_release_with_an_invalid_requirement_is_skipped_with_a_warning(
    run_inst, tmp_path: Path, deps: list[str]
) -> None:
    good = make_wheel(tmp_path / "dists", "pytz-like", "1.0")
    bad = make_wheel(tmp_path / "dists", "pytz-like", "2.0")
    rewrite_member(
        bad,
        ".dist-info/METADATA",
        "Metadata-Version: 2.1\nName: pytz-like\nVersion: 2.0\n"
        "Requires-Dist: foo ==2010i\n\n",
    )
    index = build_index(tmp_path / "index", [good, bad], metadata_files=False)
    run = run_inst(
        "install", "--dry-run", *deps, "--index-url", index.file_url, "pytz-like"
    )
    assert_ok(run)
    assert "Would install pytz-like-1.0" in run.out
    assert "discarding pytz-like 2.0" in run.err
    assert "foo ==2010i" in run.err

    # Only the bad release fits: one clear error, not a crash.
    run = run_inst(
        "install", "--dry-run", *deps, "--index-url", index.file_url, "pytz-like>=2"
    )
    assert_one_error(run, "no usable version of pytz-like", "invalid")


def test_a_plain_conflict_is_not_blamed_on_an_old_broken_release(
    run_inst, tmp_path: Path
) -> None:
    """boto3<1.20 with botocore>=1.30: every boto3 asks for an older botocore, and
    the oldest boto3 has invalid metadata. The conflict is the story, not that."""
    dists = tmp_path / "dists"
    wheels = [
        make_wheel(dists, "core", "1.0"),
        make_wheel(dists, "core", "2.0"),
        make_wheel(dists, "client", "0.5"),
        make_wheel(dists, "client", "1.0", requires=["core<2"]),
    ]
    rewrite_member(
        wheels[2],
        ".dist-info/METADATA",
        "Metadata-Version: 2.1\nName: client\nVersion: 0.5\n"
        "Requires-Dist: core>=0.1,<0.2',\n\n",
    )
    index = build_index(tmp_path / "index", wheels, metadata_files=False)
    run = run_inst(
        "install", "--dry-run", "--index-url", index.file_url, "client", "core>=2"
    )
    error = assert_one_error(run, "cannot find versions of", "conflict")
    assert "client" in error and "core" in error
    assert "invalid" not in error


def test_a_conflict_through_many_versions_names_a_few(run_inst, tmp_path: Path) -> None:
    """Backtracking through every release of a project (boto3 asking for botocore)
    names the first few and sums up the rest, instead of hundreds of lines."""
    dists = tmp_path / "dists"
    wheels = [make_wheel(dists, "core", v) for v in ("1.0", "2.0")]
    wheels += [
        make_wheel(dists, "client", f"1.{minor}", requires=[f"core<1.{minor + 1}"])
        for minor in range(12)
    ]
    index = build_index(tmp_path / "index", wheels)
    run = run_inst(
        "install", "--dry-run", "--index-url", index.file_url, "client", "core>=2"
    )
    error = assert_one_error(run, "cannot find versions of")
    assert "core<1.12 (required by client 1.11)" in error
    assert "required by client 1.8" not in error
    assert "and what 9 other versions of client ask for (1.8 to 1.0)" in error
    assert "core>=2 (asked for on the command line)" in error


def test_an_invalid_release_named_directly_is_an_error(
    run_inst, tmp_path: Path
) -> None:
    bad = make_wheel(tmp_path / "dists", "named", "2.0")
    rewrite_member(
        bad,
        ".dist-info/METADATA",
        "Metadata-Version: 2.1\nName: named\nVersion: 2.0\nRequires-Dist: x ==2010i\n\n",
    )
    run = run_inst("install", "--dry-run", str(bad))
    assert_one_error(run, "invalid requirement")


# -- item 14: a long list of versions is summarised ---------------------------------------


def test_the_versions_available_are_summarised(run_inst, tmp_path: Path) -> None:
    dists = tmp_path / "dists"
    wheels = [make_wheel(dists, "many", f"1.{minor}") for minor in range(30)]
    index = build_index(tmp_path / "index", wheels)
    run = run_inst("install", "--dry-run", "--index-url", index.file_url, "many>=2")
    error = assert_one_error(run, "no matching distribution found for many>=2")
    assert "30 versions are available, from 1.0 to 1.29" in error
    assert "the newest are 1.29, 1.28, 1.27, 1.26, 1.25" in error
    assert "1.3," not in error
    few = build_index(tmp_path / "few", wheels[:3])
    run = run_inst("install", "--dry-run", "--index-url", few.file_url, "many>=2")
    assert_one_error(run, "versions available are 1.0, 1.1, 1.2")


# -- item 15: scripts that would replace the environment's own -----------------------------


@pytest.mark.parametrize(
    "files_or_entry_points",
    [
        {"entry_points": {"console_scripts": {"python": "evil:main"}}},
        {"entry_points": {"gui_scripts": {"python3.11": "evil:main"}}},
        {
            "files": {
                "evil/__init__.py": "",
                "evil-1.0.data/scripts/python3": "#!python\n",
            }
        },
        {"files": {"evil/__init__.py": "", "evil-1.0.data/scripts/activate": "echo\n"}},
        {"files": {"evil/__init__.py": "", "evil-1.0.data/scripts/Activate.ps1": ""}},
    ],
    ids=["console-python", "gui-python3.11", "data-python3", "data-activate", "ps1"],
)
@pytest.mark.parametrize("location", ["venv", "target"])
def test_scripts_with_reserved_names_are_refused(
    run_inst,
    venv: VirtualEnv,
    tmp_path: Path,
    files_or_entry_points: dict,
    location: str,
) -> None:
    kwargs = dict(files_or_entry_points)
    if "files" not in kwargs:
        kwargs["files"] = {"evil/__init__.py": "def main():\n    pass\n"}
    wheel = make_wheel(tmp_path / "dists", "evil", "1.0", **kwargs)
    where = (
        ["--python", str(venv.python)]
        if location == "venv"
        else ["--target", str(tmp_path / "target")]
    )
    before = snapshot(venv.root, skip={".inst"})
    run = run_inst("install", *where, str(wheel))
    assert_one_error(run, "a name reserved for the environment's own Python")
    assert snapshot(venv.root, skip={".inst"}) == before
    assert not list((tmp_path / "target").glob("evil*"))


def test_ordinary_script_names_that_start_like_python_install(
    run_inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    wheel = make_wheel(
        tmp_path / "dists",
        "fine",
        "1.0",
        files={"fine/__init__.py": "def main():\n    pass\n"},
        entry_points={
            "console_scripts": {"python-fine": "fine:main", "pythonic": "fine:main"}
        },
    )
    assert_ok(run_inst("install", "--python", str(venv.python), str(wheel)))
    assert (venv.root / "bin" / "python-fine").exists()


# -- item 16: --report holds the metadata of distributions that must be built --------------


def test_report_has_the_metadata_of_an_sdist_only_project(
    run_inst, tmp_path: Path
) -> None:
    from harness.build_projects import build_find_links
    from harness.dists import make_sdist

    links = build_find_links(tmp_path / "links")
    make_sdist(
        links,
        "sdist-only",
        "3.5",
        requires=["py4j==0.10.9"],
        extras={"sql": ["pandas"]},
    )
    report_path = tmp_path / "report.json"
    run = run_inst(
        "install",
        "--dry-run",
        "--no-deps",
        "--no-index",
        "-f",
        str(links),
        "--report",
        str(report_path),
        "--cache-dir",
        str(tmp_path / "cache"),
        "sdist-only",
    )
    assert_ok(run)
    (item,) = json.loads(report_path.read_text())["install"]
    metadata = item["metadata"]
    assert metadata["name"] == "sdist-only"
    assert metadata["version"] == "3.5"
    assert "py4j==0.10.9" in metadata["requires_dist"]
    assert metadata["provides_extra"] == ["sql"]


def test_an_entry_point_replaces_a_data_script_of_the_same_name(
    run_inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    """Old wheels (the wheel project's own 0.x releases) ship both; pip installs the
    entry point's script, and so does inst."""
    wheel = make_wheel(
        tmp_path / "dists",
        "oldtool",
        "1.0",
        files={
            "oldtool/__init__.py": "def main():\n    print('entry point')\n",
            "oldtool-1.0.data/scripts/oldtool": "#!python\nprint('data script')\n",
            "oldtool-1.0.data/scripts/other": "#!python\nprint('other')\n",
        },
        entry_points={"console_scripts": {"oldtool": "oldtool:main"}},
    )
    assert_ok(run_inst("install", "--python", str(venv.python), str(wheel)))
    script = (venv.root / "bin" / "oldtool").read_text()
    assert "from oldtool import main" in script and "data script" not in script
    assert (venv.root / "bin" / "other").exists()
    record = next(venv.site_packages.glob("oldtool-1.0.dist-info")) / "RECORD"
    assert record.read_text().count("bin/oldtool,") == 1


# -- archives whose file name does not say what they are (pip install .../main.zip) --------


@pytest.mark.slow
def test_an_archive_named_after_a_branch_is_built_to_find_its_name(
    run_inst, venv: VirtualEnv, tmp_path: Path
) -> None:
    from harness.build_projects import build_find_links
    from harness.dists import make_sdist

    links = build_find_links(tmp_path / "links")
    archive = make_sdist(tmp_path / "dl", "branchy", "2.1").rename(
        tmp_path / "dl" / "main.tar.gz"
    )
    common = ["--no-index", "-f", str(links), "--cache-dir", str(tmp_path / "cache")]
    report_path = tmp_path / "report.json"
    run = run_inst(
        "install",
        "--python",
        str(venv.python),
        *common,
        "--report",
        str(report_path),
        str(archive),
    )
    assert_ok(run)
    assert f"Processing {archive}" in run.out
    assert "Successfully installed branchy-2.1" in run.out
    (item,) = json.loads(report_path.read_text())["install"]
    assert item["download_info"]["url"] == archive.as_uri()
    assert item["metadata"]["name"] == "branchy"
    direct_url = venv.site_packages / "branchy-2.1.dist-info" / "direct_url.json"
    assert json.loads(direct_url.read_text())["url"] == archive.as_uri()

    run = run_inst("install", "--dry-run", *common, f"other @ {archive.as_uri()}")
    assert_one_error(run, "is a distribution of branchy, not of other")


# -- a build environment cache that cannot be written ----------------------------------


@pytest.mark.parametrize("code", ["ENOSPC", "EROFS", "EACCES"])
def test_an_unwritable_build_environment_cache_falls_back_to_a_temporary_one(
    cli_home, tmp_path: Path, code: str
) -> None:
    """As pip with a cache it cannot write: a warning, and the build goes on."""
    import shutil
    import subprocess
    import sys

    from harness.build_projects import BACKEND_WHEELS_DIR, BUILD_PROJECTS_DIR

    project = shutil.copytree(BUILD_PROJECTS_DIR / "flit-project", tmp_path / "proj")
    cache, out = tmp_path / "cache", tmp_path / "out"
    faults = Path(__file__).resolve().parents[1] / "harness" / "faults.py"
    run = subprocess.run(
        [
            sys.executable,
            str(faults),
            code,
            str(cache / "build-envs"),
            "--",
            "wheel",
            "--no-index",
            "-f",
            str(BACKEND_WHEELS_DIR),
            "--cache-dir",
            str(cache),
            "-w",
            str(out),
            str(project),
        ],
        env={**cli_home.env, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "error:" not in run.stderr and "Traceback" not in run.stderr
    assert "build environment cache" in run.stderr
    assert "this build gets a temporary environment" in run.stderr
    assert [p.name for p in out.iterdir()] == ["bp_flit_project-1.0-py3-none-any.whl"]
    assert not list((cache / "build-envs").rglob("pyvenv.cfg"))


def test_a_requirement_whose_marker_cannot_be_evaluated_is_invalid_metadata(
    run_inst, tmp_path: Path
) -> None:
    good = make_wheel(tmp_path / "dists", "odd", "1.0")
    bad = make_wheel(tmp_path / "dists", "odd", "2.0")
    rewrite_member(
        bad,
        ".dist-info/METADATA",
        "Metadata-Version: 2.1\nName: odd\nVersion: 2.0\n"
        "Requires-Dist: dep; 'a' == 'a'\n\n",
    )
    index = build_index(tmp_path / "index", [good, bad])
    run = run_inst("install", "--dry-run", "--index-url", index.file_url, "odd")
    assert_ok(run)
    assert "Would install odd-1.0" in run.out
    assert "discarding odd 2.0" in run.err


def test_report_naming_a_directory_is_one_error(run_inst, tmp_path: Path) -> None:
    index = build_index(tmp_path / "index", [make_wheel(tmp_path, "six", "1.17.0")])
    for where in (".", str(tmp_path)):
        run = run_inst(
            "install",
            "--dry-run",
            "--index-url",
            index.file_url,
            "--report",
            where,
            "six",
            cwd=tmp_path,
        )
        assert_one_error(run, "cannot write the report", "Is a directory")
    assert not list(tmp_path.glob(".*.tmp")) and not list(
        tmp_path.parent.glob(".*.tmp")
    )

"""`inst list`, `inst freeze` and `inst show` against a venv whose distributions the test
puts there itself (unpacked wheels, plus INSTALLER, REQUESTED and direct_url.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness import DistFactory, LocalIndex, VirtualEnv
from harness.checks import top_level_imports
from harness.installed import install, wheel

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def inst(run_inst, venv: VirtualEnv):
    """run_inst with --python naming the test venv."""

    def run(command: str, *args: str, **kwargs: object):
        return run_inst(command, "--python", str(venv.python), *args, **kwargs)

    return run


@pytest.fixture
def three(venv: VirtualEnv, tmp_path: Path) -> VirtualEnv:
    """zeta 10.0, alpha 1.0 and Beta_Pkg 2.0.1: sorting and widths."""
    install(venv, wheel(tmp_path, "Zeta", "10.0"))
    install(venv, wheel(tmp_path, "alpha", "1.0"), installer="uv")
    install(venv, wheel(tmp_path, "Beta_Pkg", "2.0.1"))
    return venv


# --- inst list -----------------------------------------------------------------------


def test_list_columns_are_sorted_by_name_and_sized_to_content(inst, three) -> None:
    result = inst("list")
    assert result.code == 0, result.err
    assert result.out == (
        "Package  Version\n"
        "-------- -------\n"
        "alpha    1.0\n"
        "Beta_Pkg 2.0.1\n"
        "Zeta     10.0\n"
    )
    assert result.err == ""


def test_list_of_an_empty_environment_prints_no_table(inst) -> None:
    assert inst("list").out == ""
    assert inst("list", "--format", "json").out == "[]\n"


def test_list_freeze_format(inst, three) -> None:
    result = inst("list", "--format", "freeze")
    assert result.out == "alpha==1.0\nBeta_Pkg==2.0.1\nZeta==10.0\n"


def test_list_json_format(inst, three) -> None:
    result = inst("list", "--format=json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == [
        {"name": "alpha", "version": "1.0"},
        {"name": "Beta_Pkg", "version": "2.0.1"},
        {"name": "Zeta", "version": "10.0"},
    ]
    assert result.out.count("\n") == 1  # one line, as pip's json.dumps


def test_list_verbose_adds_location_and_installer(inst, three) -> None:
    data = json.loads(inst("list", "--format", "json", "-v").out)
    assert data[0] == {
        "name": "alpha",
        "version": "1.0",
        "location": str(three.site_packages),
        "installer": "uv",
    }
    lines = inst("list", "-v").out.splitlines()
    assert lines[0].split() == ["Package", "Version", "Location", "Installer"]
    assert lines[2].split() == ["alpha", "1.0", str(three.site_packages), "uv"]


def test_list_shows_where_editable_projects_are(inst, venv, tmp_path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    install(venv, wheel(tmp_path, "plain", "1.0"))
    install(
        venv,
        wheel(tmp_path, "mine", "0.1"),
        direct_url={"url": project.as_uri(), "dir_info": {"editable": True}},
    )
    result = inst("list")
    assert result.out.splitlines() == [
        "Package Version Editable project location",
        f"------- ------- {'-' * len(str(project))}",
        f"mine    0.1     {project}",
        "plain   1.0",
    ]
    data = json.loads(inst("list", "--format", "json").out)
    assert data == [
        {"name": "mine", "version": "0.1", "editable_project_location": str(project)},
        {"name": "plain", "version": "1.0"},
    ]


def test_list_reads_the_running_interpreter_by_default(run_inst) -> None:
    result = run_inst("list")
    assert result.code == 0, result.err
    assert result.out.startswith("Package ")


def test_list_freeze_and_show_import_no_network_code(cli_home, three) -> None:
    for args in (["list"], ["freeze"], ["show", "alpha"]):
        code, imported, stderr = top_level_imports(
            [*args, "--python", str(three.python)], cli_home.env
        )
        assert code == 0, stderr
        assert not {"requests", "resolvelib", "urllib3"} & imported, args


# --- inst list --outdated ------------------------------------------------------------


def test_list_outdated_against_the_sample_index(
    inst, venv, tmp_path, dist_factory: DistFactory, sample_index: LocalIndex
) -> None:
    install(venv, dist_factory.wheel("simple", "1.0"))
    install(venv, dist_factory.wheel("another", "1.0"))  # 1.1 is yanked: not newer
    install(venv, dist_factory.wheel("withdeps", "1.0"))  # the newest already
    install(venv, wheel(tmp_path, "elsewhere", "0.1"))  # on no index: left out
    index = ["--index-url", sample_index.file_url]
    result = inst("list", "--outdated", *index)
    assert result.code == 0, result.err
    assert result.out == (
        "Package Version Latest Type\n"
        "------- ------- ------ -----\n"
        "simple  1.0     2.0    wheel\n"
    )
    data = json.loads(inst("list", "--outdated", "--format", "json", *index).out)
    assert data == [
        {
            "name": "simple",
            "version": "1.0",
            "latest_version": "2.0",
            "latest_filetype": "wheel",
        }
    ]


def test_list_outdated_skips_pre_releases_unless_pre(
    inst, venv, make_index, dist_factory: DistFactory
) -> None:
    install(venv, dist_factory.wheel("simple", "1.0"))
    index = make_index(
        [dist_factory.sdist("simple", "2.0"), dist_factory.wheel("simple", "3.0rc1")]
    )
    args = ["list", "--outdated", "--format", "json", "--index-url", index.file_url]
    (entry,) = json.loads(inst(*args).out)
    assert (entry["latest_version"], entry["latest_filetype"]) == ("2.0", "sdist")
    (entry,) = json.loads(inst(*args, "--pre").out)
    assert (entry["latest_version"], entry["latest_filetype"]) == ("3.0rc1", "wheel")


def test_list_outdated_with_nothing_newer_prints_nothing(
    inst, venv, dist_factory: DistFactory, sample_index: LocalIndex
) -> None:
    install(venv, dist_factory.wheel("simple", "2.0"))
    result = inst("list", "--outdated", "--index-url", sample_index.file_url)
    assert (result.code, result.out) == (0, "")


def test_list_outdated_cannot_use_the_freeze_format(inst, three) -> None:
    result = inst("list", "--outdated", "--format", "freeze")
    assert result.code == 1
    assert result.err.startswith(
        "error: --format freeze cannot be used with --outdated"
    )
    assert result.out == ""


def test_list_outdated_with_a_dead_index_is_a_clear_error(inst, three) -> None:
    result = inst(
        "list",
        "--outdated",
        "--index-url",
        "http://127.0.0.1:9/simple/",
        "--retries",
        "0",
        "--timeout",
        "2",
    )
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert "127.0.0.1:9" in result.err
    assert "Traceback" not in result.err


# --- inst freeze ---------------------------------------------------------------------


def test_freeze_pins_sorted_names(inst, three) -> None:
    result = inst("freeze")
    assert result.code == 0, result.err
    assert result.out == "alpha==1.0\nBeta_Pkg==2.0.1\nZeta==10.0\n"


def test_freeze_writes_direct_references_from_direct_url_json(
    inst, venv, tmp_path
) -> None:
    source = tmp_path / "src dir"
    source.mkdir()
    archive_url = "https://example.com/files/fromurl-1.0-py3-none-any.whl"
    install(
        venv,
        wheel(tmp_path, "fromurl", "1.0"),
        direct_url={"url": archive_url, "archive_info": {"hash": "sha256=abc"}},
    )
    install(
        venv,
        wheel(tmp_path, "nohash", "1.0"),
        direct_url={"url": "https://example.com/nohash.tar.gz", "archive_info": {}},
    )
    install(
        venv,
        wheel(tmp_path, "fromdir", "2.0"),
        direct_url={"url": source.as_uri(), "dir_info": {}},
    )
    install(
        venv,
        wheel(tmp_path, "fromgit", "3.0"),
        direct_url={
            "url": "https://example.com/repo.git",
            "vcs_info": {"vcs": "git", "commit_id": SHA, "requested_revision": "main"},
            "subdirectory": "pkg",
        },
    )
    install(venv, wheel(tmp_path, "pinned", "0.5"))
    result = inst("freeze")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"fromdir @ {source.as_uri()}",
        f"fromgit @ git+https://example.com/repo.git@{SHA}#subdirectory=pkg",
        f"fromurl @ {archive_url}#sha256=abc",
        "nohash @ https://example.com/nohash.tar.gz",
        "pinned==0.5",
    ]
    assert "%20" in source.as_uri()  # a path with a space stays a valid URL


def test_freeze_editable_without_version_control(inst, venv, tmp_path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    install(
        venv,
        wheel(tmp_path, "mine", "0.1"),
        direct_url={"url": project.as_uri(), "dir_info": {"editable": True}},
    )
    assert inst("freeze").out.splitlines() == [
        "# Editable install with no version control (mine==0.1)",
        f"-e {project}",
    ]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_freeze_editable_in_a_git_checkout(inst, venv, tmp_path) -> None:
    repo = tmp_path / "repo"
    project = repo / "sub"
    project.mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'my-pkg'\n")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "one")
    install(
        venv,
        wheel(tmp_path, "my-pkg", "0.1"),
        direct_url={"url": project.as_uri(), "dir_info": {"editable": True}},
    )
    assert inst("freeze").out.splitlines() == [
        "# Editable Git install with no remote (my-pkg==0.1)",
        f"-e {project}",
    ]
    # scp-like, as pip turns it into ssh:// (without a user: ui.redact would hide it)
    git("remote", "add", "origin", "example.com:me/repo.git")
    commit = git("rev-parse", "HEAD")
    expected = f"git+ssh://example.com/me/repo.git@{commit}#egg=my_pkg"
    assert inst("freeze").out.splitlines() == [f"-e {expected}&subdirectory=sub"]


def test_freeze_leaves_out_what_pip_freeze_leaves_out(inst, venv, tmp_path) -> None:
    for name in ("pip", "setuptools", "wheel", "distribute", "wsgiref", "kept"):
        install(venv, wheel(tmp_path, name, "1.0"))
    out = inst("freeze").out.splitlines()
    if sys.version_info < (3, 12):  # the venv is of the running Python
        assert out == ["kept==1.0"]
    else:
        assert out == ["distribute==1.0", "kept==1.0", "setuptools==1.0", "wheel==1.0"]
    listed = inst("list", "--format", "freeze").out.splitlines()
    assert "pip==1.0" in listed and "wsgiref==1.0" not in listed


# --- inst show -----------------------------------------------------------------------


@pytest.fixture
def related(venv: VirtualEnv, tmp_path: Path, dist_factory: DistFactory) -> VirtualEnv:
    """simple, withdeps (needs simple; [fancy] pulls another) and another, plus app,
    which needs withdeps twice, simple on Python 2 only, and Another."""
    install(
        venv,
        dist_factory.wheel("simple", "1.0"),
        metadata=[
            "Author: Ann Author",
            "Author-email: ann@example.com",
            "Home-page: https://example.com/simple",
            "License: MIT",
            "Classifier: Programming Language :: Python :: 3",
            "Classifier: License :: OSI Approved :: MIT License",
            "Project-URL: Source, https://example.com/src",
        ],
    )
    install(venv, dist_factory.wheel("withdeps", "1.0"), installer=None)
    install(venv, dist_factory.wheel("another", "1.0"))
    install(
        venv,
        wheel(
            tmp_path,
            "App",
            "0.3",
            requires=[
                "withdeps>=1",
                'withdeps; python_version >= "3"',
                'simple; python_version < "3"',
                "Another",
            ],
        ),
    )
    return venv


def test_show_prints_pips_fields(inst, related) -> None:
    result = inst("show", "simple")
    assert result.code == 0, result.err
    assert result.out == (
        "Name: simple\n"
        "Version: 1.0\n"
        "Summary: A tiny project with no dependencies and one console script.\n"
        "Home-page: https://example.com/simple\n"
        "Author: Ann Author\n"
        "Author-email: ann@example.com\n"
        "License: MIT\n"
        f"Location: {related.site_packages}\n"
        "Requires: \n"
        "Required-by: withdeps\n"
    )


def test_show_requires_and_required_by_follow_markers_and_extras(inst, related) -> None:
    result = inst("show", "app", "WITHDEPS", "another")
    assert result.code == 0, result.err
    blocks = [block.splitlines() for block in result.out.split("---\n")]
    assert [block[0] for block in blocks] == [
        "Name: App",
        "Name: withdeps",
        "Name: another",
    ]
    fields = [dict(line.split(": ", 1) for line in block) for block in blocks]
    assert fields[0]["Requires"] == "Another, withdeps"
    assert fields[0]["Required-by"] == ""
    assert fields[1]["Requires"] == "simple"  # not another: only with [fancy]
    assert fields[1]["Required-by"] == "App"
    assert fields[2]["Required-by"] == "App"


def test_show_files_lists_the_record_relative_to_location(inst, related) -> None:
    out = inst("show", "-f", "simple").out
    before, _, files = out.partition("Files:\n")
    assert "Required-by: withdeps\n" in before
    record = (related.site_packages / "simple-1.0.dist-info" / "RECORD").read_text()
    expected = sorted(line.split(",")[0] for line in record.splitlines())
    assert files.splitlines() == [f"  {path}" for path in expected]
    assert "  simple/__init__.py" in files.splitlines()
    assert "  simple-1.0.dist-info/RECORD" in files.splitlines()


def test_show_files_of_a_legacy_egg_info(inst, venv) -> None:
    egg_info = venv.site_packages / "legacy-1.0-py3.11.egg-info"
    egg_info.mkdir(parents=True)
    (egg_info / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: legacy\nVersion: 1.0\n", encoding="utf-8"
    )
    (egg_info / "installed-files.txt").write_text(
        "../legacy/__init__.py\nPKG-INFO\n../../../../bin/legacy\n", encoding="utf-8"
    )
    out = inst("show", "--files", "legacy").out
    assert out.partition("Files:\n")[2].splitlines() == [
        "  ../../../bin/legacy",
        "  legacy-1.0-py3.11.egg-info/PKG-INFO",
        "  legacy/__init__.py",
    ]


def test_show_files_without_a_record(inst, related) -> None:
    (related.site_packages / "another-1.0.dist-info" / "RECORD").unlink()
    out = inst("show", "-f", "another").out
    assert out.endswith("Files:\nCannot locate RECORD or installed-files.txt\n")


def test_show_verbose_adds_metadata_installer_classifiers_entry_points(
    inst, related
) -> None:
    out = inst("show", "-v", "simple").out
    assert out.partition("Required-by: withdeps\n")[2] == (
        "Metadata-Version: 2.1\n"
        "Installer: pip\n"
        "Classifiers:\n"
        "  Programming Language :: Python :: 3\n"
        "  License :: OSI Approved :: MIT License\n"
        "Entry-points:\n"
        "  [console_scripts]\n"
        "  simple = simple.cli:main\n"
        "Project-URLs:\n"
        "  Source, https://example.com/src\n"
    )
    assert "Installer: \n" in inst("show", "-v", "withdeps").out


def test_show_license_expression_and_homepage_project_url(inst, venv, tmp_path) -> None:
    path = install(
        venv,
        wheel(tmp_path, "modern", "1.0"),
        metadata=[
            "License-Expression: MIT OR Apache-2.0",
            "Project-URL: Home Page, https://example.com/home",
        ],
    )
    metadata = (path / "METADATA").read_text(encoding="utf-8")
    (path / "METADATA").write_text(
        metadata.replace("Metadata-Version: 2.1", "Metadata-Version: 2.4"),
        encoding="utf-8",
    )
    out = inst("show", "modern").out.splitlines()
    assert "License-Expression: MIT OR Apache-2.0" in out
    assert "Home-page: https://example.com/home" in out


def test_show_editable_project_location(inst, venv, tmp_path) -> None:
    project = tmp_path / "project"
    install(
        venv,
        wheel(tmp_path, "mine", "0.1"),
        direct_url={"url": project.as_uri(), "dir_info": {"editable": True}},
    )
    out = inst("show", "mine").out.splitlines()
    assert out[7:9] == [
        f"Location: {venv.site_packages}",
        f"Editable project location: {project}",
    ]


def test_show_unknown_package_warns_and_fails(inst, related) -> None:
    result = inst("show", "nope", "also-nope")
    assert result.code == 1
    assert result.out == ""
    assert result.err == "warning: Package(s) not found: also-nope, nope\n"


def test_show_some_unknown_still_shows_the_others(inst, related) -> None:
    result = inst("show", "nope", "simple")
    assert result.code == 0
    assert result.out.startswith("Name: simple\n")
    assert result.err == "warning: Package(s) not found: nope\n"


def test_show_needs_a_name(inst) -> None:
    result = inst("show")
    assert result.code == 1
    assert result.err.startswith("error: `inst show` needs at least one package name")

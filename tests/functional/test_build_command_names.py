"""``inst build`` checks the names of what a backend made: an sdist named otherwise than
PEP 625 asks is kept with a warning, one of another project or version is an error,
and the wheel comes from the sdist. An in-tree backend (``requires = []``, so no
index is needed) names its files as ``-C`` tells it, which also shows that
``-C/--config-settings`` reaches build_sdist."""

from __future__ import annotations

import tarfile
import textwrap
import zipfile
from pathlib import Path

import pytest

from harness.build_projects import assert_ok, assert_one_error

BACKEND = textwrap.dedent(
    '''
    """A backend for My.Project 1.0 whose file names -C chooses."""
    import base64, hashlib, io, os, tarfile, zipfile

    PKG_INFO = b"Metadata-Version: 2.1\\nName: My.Project\\nVersion: 1.0\\n\\n"

    def get_requires_for_build_sdist(config_settings=None):
        return []

    def get_requires_for_build_wheel(config_settings=None):
        return []

    def _add(archive, name, data):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))

    def build_sdist(sdist_directory, config_settings=None):
        settings = config_settings or {}
        filename = settings.get("filename", "my_project-1.0.tar.gz")
        top = settings.get("top", "my_project-1.0")
        with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as archive:
            if top != "-":
                _add(archive, top + "/PKG-INFO", PKG_INFO)
            for name in ("pyproject.toml", "_backend/fake_backend.py"):
                with open(name, "rb") as stream:
                    _add(archive, top + "/" + name, stream.read())
        return filename

    def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
        # An unpacked sdist has PKG-INFO at its root; the tree has none.
        from_sdist = os.path.exists("PKG-INFO")
        files = {
            "my_project/__init__.py": b"FROM_SDIST = %r\\n" % from_sdist,
            "my_project-1.0.dist-info/METADATA": PKG_INFO,
            "my_project-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\n"
            b"Generator: fake\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
        }
        record = []
        for name, data in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
            record.append("%s,sha256=%s,%d" % (name, digest.rstrip(b"=").decode(), len(data)))
        record.append("my_project-1.0.dist-info/RECORD,,")
        files["my_project-1.0.dist-info/RECORD"] = ("\\n".join(record) + "\\n").encode()
        filename = "my_project-1.0-py3-none-any.whl"
        with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as wheel:
            for name, data in files.items():
                wheel.writestr(name, data)
        return filename
    '''
)

PYPROJECT = """\
[build-system]
requires = []
build-backend = "fake_backend"
backend-path = ["_backend"]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    tree = tmp_path / "my-project"
    (tree / "_backend").mkdir(parents=True)
    (tree / "_backend" / "fake_backend.py").write_text(BACKEND, encoding="utf-8")
    (tree / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return tree


@pytest.fixture
def inst(run_inst, tmp_path: Path):
    def run(*args: str):
        return run_inst(*args, "--no-index", env={"TMPDIR": str(tmp_path)})

    return run


def from_sdist(wheel: Path) -> bool:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read("my_project/__init__.py") == b"FROM_SDIST = True\n"


def test_the_wheel_is_built_from_the_sdist(inst, project: Path) -> None:
    run = inst("build", str(project))
    assert_ok(run)
    dist = project / "dist"
    assert sorted(p.name for p in dist.iterdir()) == [
        "my_project-1.0-py3-none-any.whl",
        "my_project-1.0.tar.gz",
    ]
    assert from_sdist(dist / "my_project-1.0-py3-none-any.whl")
    assert (
        "Successfully built my_project-1.0.tar.gz and my_project-1.0-py3-none-any.whl"
        in run.out
    )
    assert "warning" not in run.err


def test_wheel_alone_is_built_from_the_tree(inst, project: Path) -> None:
    assert_ok(inst("build", str(project), "-w"))
    assert [p.name for p in (project / "dist").iterdir()] == [
        "my_project-1.0-py3-none-any.whl"
    ]
    assert not from_sdist(project / "dist" / "my_project-1.0-py3-none-any.whl")


def test_sdist_and_wheel_named_are_both_built_from_the_tree(
    inst, project: Path
) -> None:
    """As python -m build --sdist --wheel: "distributions independently of each
    other"."""
    run = inst("build", str(project), "--sdist", "--wheel")
    assert_ok(run)
    dist = project / "dist"
    assert sorted(p.name for p in dist.iterdir()) == [
        "my_project-1.0-py3-none-any.whl",
        "my_project-1.0.tar.gz",
    ]
    assert not from_sdist(dist / "my_project-1.0-py3-none-any.whl")


def test_an_sdist_name_unlike_pep_625_is_kept_with_a_warning(
    inst, project: Path
) -> None:
    run = inst("build", str(project), "--sdist", "-C", "filename=My.Project-1.0.tar.gz")
    assert_ok(run)
    assert [p.name for p in (project / "dist").iterdir()] == ["My.Project-1.0.tar.gz"]
    assert (
        "warning: the sdist of My.Project is named My.Project-1.0.tar.gz, not "
        "my_project-1.0.tar.gz as PEP 625 asks" in " ".join(run.err.split())
    )
    assert "Successfully built My.Project-1.0.tar.gz" in run.out


@pytest.mark.parametrize(
    ("setting", "fragment"),
    [
        ("filename=other_project-1.0.tar.gz", "which is not named for My.Project 1.0"),
        ("filename=my_project-2.0.tar.gz", "which is not named for My.Project 1.0"),
        ("top=-", "has no PKG-INFO in its top directory"),
    ],
)
def test_an_sdist_of_another_project_or_version_is_an_error(
    inst, project: Path, setting: str, fragment: str
) -> None:
    run = inst("build", str(project), "-C", setting)
    assert_one_error(run, fragment)
    assert not (project / "dist").exists()
    assert "Building wheel" not in run.out


def test_outdir_from_an_inst_variable(inst, run_inst, project: Path, tmp_path) -> None:
    out = tmp_path / "elsewhere"
    run = run_inst(
        "build",
        str(project),
        "--sdist",
        "--no-index",
        env={"TMPDIR": str(tmp_path), "INST_OUTDIR": str(out)},
    )
    assert_ok(run)
    assert [p.name for p in out.iterdir()] == ["my_project-1.0.tar.gz"]


def test_a_directory_that_is_no_project(inst, tmp_path: Path) -> None:
    run = inst("build", str(tmp_path / "missing"))
    assert_one_error(run, "is not a directory")
    (tmp_path / "empty").mkdir()
    run = inst("build", str(tmp_path / "empty"))
    assert_one_error(run, "does not appear to be a Python project")
    assert not (tmp_path / "empty" / "dist").exists()


def test_an_sdist_is_a_gzipped_tar_with_the_project_files(inst, project: Path) -> None:
    assert_ok(inst("build", str(project), "--sdist"))
    with tarfile.open(project / "dist" / "my_project-1.0.tar.gz", "r:gz") as archive:
        assert "my_project-1.0/PKG-INFO" in archive.getnames()

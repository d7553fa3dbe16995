"""plan_removal(): which files uninstalling removes, from crafted RECORDs and
installed-files.txt in temporary directories (nothing is removed here)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from inst.environment import InstalledDist
from inst.errors import InstError
from inst.install.uninstall import (
    compress_listing,
    develop_link,
    plan_removal,
)

needs_symlinks = pytest.mark.skipif(
    os.name == "nt", reason="symlinks need a privilege on Windows"
)


class Venv:
    """A venv-like tree: root/bin and root/lib/python3.X/site-packages."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.site = root / "lib" / "python3.11" / "site-packages"
        self.bin.mkdir(parents=True)
        self.site.mkdir(parents=True)

    @property
    def roots(self) -> list[str]:
        return [str(self.root)]


@pytest.fixture
def venv(tmp_path: Path) -> Venv:
    return Venv(tmp_path / "venv")


def write(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def dist_info(
    site: Path,
    name: str,
    version: str,
    record: Iterable[str],
    *,
    extra_info_files: Iterable[str] = (),
) -> InstalledDist:
    """A .dist-info whose RECORD lists record (plus its own METADATA and RECORD)."""
    info = site / f"{name}-{version}.dist-info"
    write(
        info / "METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    )
    for extra in extra_info_files:
        write(info / extra, "x")
    rows = [*record, f"{info.name}/METADATA", f"{info.name}/RECORD"]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for row in rows:
        writer.writerow([row, "", ""])
    write(info / "RECORD", text.getvalue())
    return InstalledDist(canonicalize_name(name), Version(version), info, site)


def names(paths: Iterable[Path], base: Path) -> list[str]:
    return sorted(p.relative_to(base).as_posix() for p in paths)


# --- .dist-info ----------------------------------------------------------------------


def test_record_files_scripts_and_the_whole_dist_info(venv: Venv) -> None:
    write(venv.site / "pkg" / "__init__.py")
    write(venv.site / "pkg" / "data.txt")
    write(venv.bin / "tool")
    write(venv.site / "other" / "__init__.py")  # another distribution's
    dist = dist_info(
        venv.site,
        "pkg",
        "1.0",
        ["pkg/__init__.py", "pkg/data.txt", "../../../bin/tool", "pkg/gone.py"],
        extra_info_files=["INSTALLER", "REQUESTED", "licenses/LICENSE"],
    )

    plan = plan_removal(dist, venv.roots)

    assert plan.dist is dist
    assert names(plan.files, venv.root) == [
        "bin/tool",
        "lib/python3.11/site-packages/pkg-1.0.dist-info/INSTALLER",
        "lib/python3.11/site-packages/pkg-1.0.dist-info/METADATA",
        "lib/python3.11/site-packages/pkg-1.0.dist-info/RECORD",
        "lib/python3.11/site-packages/pkg-1.0.dist-info/REQUESTED",
        "lib/python3.11/site-packages/pkg-1.0.dist-info/licenses/LICENSE",
        "lib/python3.11/site-packages/pkg/__init__.py",
        "lib/python3.11/site-packages/pkg/data.txt",
    ]
    assert list(plan.files) == sorted(plan.files)
    assert plan.outside == ()
    assert plan.missing == 1  # pkg/gone.py
    assert all(path.is_absolute() for path in plan.files)


def test_paths_outside_the_roots_are_reported_never_planned(
    venv: Venv, tmp_path: Path
) -> None:
    secret = write(tmp_path / "etc" / "passwd", "root:x:0:0")
    absolute = write(tmp_path / "elsewhere" / "file.txt", "keep me")
    write(venv.site / "pkg" / "__init__.py")
    climbing = "../../../../etc/passwd"  # site-packages -> venv -> tmp_path
    dist = dist_info(
        venv.site,
        "pkg",
        "1.0",
        ["pkg/__init__.py", climbing, str(absolute), "../../../../venv2/x.py"],
    )

    plan = plan_removal(dist, venv.roots)

    assert plan.outside == tuple(
        sorted([str(secret), str(absolute), str(tmp_path / "venv2" / "x.py")])
    )
    assert secret not in plan.files and absolute not in plan.files
    assert all(venv.root in path.parents for path in plan.files)
    assert names(plan.files, venv.site)[-1] == "pkg/__init__.py"


def test_a_sibling_directory_with_a_common_prefix_is_outside(
    venv: Venv, tmp_path: Path
) -> None:
    # "/x/venv-other" starts with the string "/x/venv" but is not inside it.
    sibling = write(tmp_path / "venv-other" / "f.py")
    dist = dist_info(venv.site, "pkg", "1.0", ["../../../../venv-other/f.py"])
    plan = plan_removal(dist, venv.roots)
    assert plan.outside == (str(sibling),)


def test_directories_listed_in_record_are_never_planned(venv: Venv) -> None:
    write(venv.site / "pkg" / "__init__.py")
    write(venv.site / "pkg" / "sub" / "keep.txt")
    dist = dist_info(venv.site, "pkg", "1.0", ["pkg/__init__.py", "pkg/sub", "pkg"])
    plan = plan_removal(dist, venv.roots)
    assert "pkg/__init__.py" in names(plan.files, venv.site)
    assert not any(path.is_dir() for path in plan.files)
    assert plan.missing == 0


def test_compiled_files_of_listed_sources_for_any_python(venv: Venv) -> None:
    write(venv.site / "pkg" / "__init__.py")
    write(venv.site / "pkg" / "mod.py")
    write(venv.site / "single.py")
    cache = venv.site / "pkg" / "__pycache__"
    ours = [
        "mod.cpython-311.pyc",
        "mod.cpython-311.opt-1.pyc",
        "mod.cpython-311.opt-2.pyc",
        "mod.cpython-38.pyc",
        "mod.pypy39.opt-1.pyc",
        "__init__.cpython-312.pyc",
    ]
    theirs = ["other.cpython-311.pyc", "mod.extra.cpython-311.pyc", "mod.txt"]
    for name in ours + theirs:
        write(cache / name)
    write(venv.site / "__pycache__" / "single.cpython-311.pyc")
    write(venv.site / "__pycache__" / "neighbour.cpython-311.pyc")
    write(venv.site / "pkg" / "mod.pyc")  # Python 2 style, beside the source
    dist = dist_info(
        venv.site, "pkg", "1.0", ["pkg/__init__.py", "pkg/mod.py", "single.py"]
    )

    planned = names(plan_removal(dist, venv.roots).files, venv.site)

    for name in ours:
        assert f"pkg/__pycache__/{name}" in planned
    for name in theirs:
        assert f"pkg/__pycache__/{name}" not in planned
    assert "__pycache__/single.cpython-311.pyc" in planned
    assert "__pycache__/neighbour.cpython-311.pyc" not in planned
    assert "pkg/mod.pyc" in planned


def test_a_compiled_file_also_in_record_is_planned_once(venv: Venv) -> None:
    write(venv.site / "mod.py")
    write(venv.site / "__pycache__" / "mod.cpython-311.pyc")
    dist = dist_info(
        venv.site, "mod", "1.0", ["mod.py", "__pycache__/mod.cpython-311.pyc"]
    )
    planned = names(plan_removal(dist, venv.roots).files, venv.site)
    assert planned.count("__pycache__/mod.cpython-311.pyc") == 1


def test_files_the_record_forgot_in_the_dist_info_are_planned(venv: Venv) -> None:
    dist = dist_info(venv.site, "pkg", "1.0", [])
    write(dist.path / "direct_url.json", "{}")  # written after RECORD
    planned = names(plan_removal(dist, venv.roots).files, venv.site)
    assert "pkg-1.0.dist-info/direct_url.json" in planned


@needs_symlinks
def test_a_symlinked_root_matches_either_spelling(tmp_path: Path) -> None:
    real = Venv(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real.root, target_is_directory=True)
    write(real.site / "pkg" / "__init__.py")
    write(real.bin / "tool")
    record = ["pkg/__init__.py", "../../../bin/tool"]
    linked_site = link / "lib" / "python3.11" / "site-packages"
    dist = dist_info(real.site, "pkg", "1.0", record)
    # Found through the link, with the root given by its real path, and the reverse.
    via_link = InstalledDist(
        dist.name, dist.version, linked_site / dist.path.name, linked_site
    )

    for candidate, roots in ((via_link, [str(real.root)]), (dist, [str(link)])):
        plan = plan_removal(candidate, roots)
        assert plan.outside == ()
        assert len(plan.files) == 4  # two files, METADATA, RECORD
        # The path as found, not the target of the link.
        assert all(
            str(path).startswith(str(candidate.location.parents[2]))
            for path in plan.files
        )


@needs_symlinks
def test_a_symlinked_directory_leading_out_of_the_root_is_outside(
    venv: Venv, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    victim = write(elsewhere / "important.py", "keep")
    (venv.site / "pkg").symlink_to(elsewhere, target_is_directory=True)
    dist = dist_info(venv.site, "pkg", "1.0", ["pkg/important.py"])
    plan = plan_removal(dist, venv.roots)
    assert plan.outside == (str(venv.site / "pkg" / "important.py"),)
    assert victim.exists()
    assert all("important" not in path.name for path in plan.files)


@needs_symlinks
def test_a_symlink_is_planned_itself_not_its_target(venv: Venv, tmp_path: Path) -> None:
    target = write(tmp_path / "elsewhere" / "real.so", "binary")
    (venv.site / "pkg").mkdir()
    (venv.site / "pkg" / "lib.so").symlink_to(target)
    (venv.site / "pkg" / "dangling").symlink_to(tmp_path / "nothing")
    dist = dist_info(venv.site, "pkg", "1.0", ["pkg/lib.so", "pkg/dangling"])
    plan = plan_removal(dist, venv.roots)
    planned = names(plan.files, venv.site)
    assert "pkg/lib.so" in planned and "pkg/dangling" in planned
    assert plan.outside == () and plan.missing == 0


# --- .egg-info and what cannot be planned ---------------------------------------------


def test_egg_info_with_installed_files_txt(venv: Venv) -> None:
    write(venv.site / "legacy" / "__init__.py")
    write(venv.site / "legacy" / "__pycache__" / "__init__.cpython-311.pyc")
    write(venv.bin / "legacy-tool")
    info = venv.site / "legacy-2.0-py3.11.egg-info"
    write(info / "PKG-INFO", "Metadata-Version: 1.1\nName: legacy\nVersion: 2.0\n")
    write(info / "top_level.txt", "legacy\n")
    write(
        info / "installed-files.txt",
        "../legacy/__init__.py\n../../../../bin/legacy-tool\nPKG-INFO\n"
        "../../../../../outside.txt\n\n",
    )
    dist = InstalledDist(canonicalize_name("legacy"), Version("2.0"), info, venv.site)

    plan = plan_removal(dist, venv.roots)

    assert names(plan.files, venv.root) == [
        "bin/legacy-tool",
        "lib/python3.11/site-packages/legacy-2.0-py3.11.egg-info/PKG-INFO",
        "lib/python3.11/site-packages/legacy-2.0-py3.11.egg-info/installed-files.txt",
        "lib/python3.11/site-packages/legacy-2.0-py3.11.egg-info/top_level.txt",
        "lib/python3.11/site-packages/legacy/__init__.py",
        "lib/python3.11/site-packages/legacy/__pycache__/__init__.cpython-311.pyc",
    ]
    assert plan.outside == (str(venv.root.parent / "outside.txt"),)


def test_no_record_is_an_error_naming_the_directory(venv: Venv) -> None:
    dist = dist_info(venv.site, "pkg", "1.0", [])
    (dist.path / "RECORD").unlink()
    with pytest.raises(InstError) as raised:
        plan_removal(dist, venv.roots)
    message = raised.value.paragraph()
    assert "cannot uninstall pkg 1.0" in message
    assert "has no RECORD" in message
    assert "cannot know which files" in message
    assert f"by hand: {dist.path}" in message


def test_egg_info_without_installed_files_txt_is_an_error(venv: Venv) -> None:
    info = write(venv.site / "old-1.0.egg-info" / "PKG-INFO", "Name: old\n").parent
    dist = InstalledDist(canonicalize_name("old"), Version("1.0"), info, venv.site)
    with pytest.raises(InstError, match="installed-files.txt"):
        plan_removal(dist, venv.roots)


def test_a_distutils_egg_info_file_is_an_error(venv: Venv) -> None:
    info = write(venv.site / "dist_old-1.0.egg-info", "Name: dist_old\nVersion: 1.0\n")
    dist = InstalledDist(canonicalize_name("dist_old"), Version("1.0"), info, venv.site)
    with pytest.raises(InstError, match="distutils") as raised:
        plan_removal(dist, venv.roots)
    assert str(info) in raised.value.paragraph()


def test_an_egg_is_an_error(venv: Venv) -> None:
    egg = venv.site / "eggy-1.0-py3.11.egg"
    info = write(egg / "EGG-INFO" / "PKG-INFO", "Name: eggy\nVersion: 1.0\n").parent
    write(egg / "EGG-INFO" / "installed-files.txt", "")  # still: an egg
    dist = InstalledDist(canonicalize_name("eggy"), Version("1.0"), info, egg)
    with pytest.raises(InstError, match="it is an egg") as raised:
        plan_removal(dist, venv.roots)
    assert f"delete {egg}" in raised.value.paragraph()


def test_an_egg_link_is_an_error(venv: Venv, tmp_path: Path) -> None:
    link = write(venv.site / "devel.egg-link", f"{tmp_path / 'project'}\n.")
    dist = InstalledDist(canonicalize_name("devel"), Version("1.0"), link, venv.site)
    with pytest.raises(InstError, match="develop install"):
        plan_removal(dist, venv.roots)


def test_develop_link_finds_the_egg_link_of_a_develop_install(
    venv: Venv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    info = write(project / "devel.egg-info" / "PKG-INFO", "Name: devel\n").parent
    dist = InstalledDist(canonicalize_name("devel"), Version("1.0"), info, project)
    assert develop_link(dist, [str(venv.site)]) is None
    write(venv.site / "unrelated.egg-link", f"{tmp_path / 'other'}\n.")
    link = write(venv.site / "devel.egg-link", f"{project}\n.\n")
    assert develop_link(dist, [str(venv.site)]) == link
    with pytest.raises(InstError, match="no installed-files.txt"):
        plan_removal(dist, venv.roots)


# --- the listing shown before asking ---------------------------------------------------


def test_compress_listing_collapses_directories_that_go_whole(venv: Venv) -> None:
    site = venv.site
    files = [
        write(site / "pkg" / "__init__.py"),
        write(site / "pkg" / "sub" / "mod.py"),
        write(site / "pkg" / "__pycache__" / "__init__.cpython-311.pyc"),
        write(site / "pkg-1.0.dist-info" / "RECORD"),
        write(site / "shared" / "ours.py"),
        write(site / "single.py"),
        write(site / "__pycache__" / "single.cpython-311.pyc"),
        write(venv.bin / "tool"),
    ]
    write(site / "shared" / "theirs.py")
    write(site / "__pycache__" / "other.cpython-311.pyc")
    keep = [str(venv.root), str(site), str(venv.bin)]

    listing = compress_listing(files, keep)

    assert listing == sorted(
        [
            str(venv.bin / "tool"),
            os.path.join(site / "pkg", "*"),
            os.path.join(site / "pkg-1.0.dist-info", "*"),
            str(site / "shared" / "ours.py"),
            str(site / "single.py"),
        ]
    )

"""Finding build interface plug-ins cheaply: importlib.metadata only when some
distribution on sys.path may declare the entry point group."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from inst.build import plugins


def dist(site: Path, name: str, entry_points: str | None) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    )
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sys.path: this folder alone (and the standard library's)."""
    path = tmp_path / "site"
    path.mkdir()
    stdlib = [p for p in sys.path if "site-packages" not in p and p]
    monkeypatch.setattr(sys, "path", [str(path), *stdlib])
    return path


def test_no_distribution_declares_the_group(site: Path) -> None:
    dist(site, "other", "[console_scripts]\nother = other:main\n")
    dist(site, "plain", None)
    (site / "legacy.egg-info").write_text("Metadata-Version: 1.0\n")
    assert plugins._may_declare(plugins.GROUP) is False
    assert plugins._entry_points() == []


def test_a_distribution_declaring_the_group_is_loaded(site: Path) -> None:
    dist(site, "plug", f"[{plugins.GROUP}]\nplug = plug_module:plugin\n")
    assert plugins._may_declare(plugins.GROUP) is True
    assert [(e.name, e.value) for e in plugins._entry_points()] == [
        ("plug", "plug_module:plugin")
    ]


@pytest.mark.parametrize("kind", ["zip", "egg"])
def test_what_cannot_be_told_cheaply_is_asked_of_importlib_metadata(
    site: Path, tmp_path: Path, kind: str
) -> None:
    if kind == "zip":
        archive = tmp_path / "plugins.zip"
        with zipfile.ZipFile(archive, "w") as zipped:
            zipped.writestr("x.py", "")
        sys.path.append(str(archive))
    else:
        (site / "old-1.0.egg").mkdir()
    assert plugins._may_declare(plugins.GROUP) is True


def test_a_build_run_without_plugins_never_imports_importlib_metadata(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    dist(site, "other", "[console_scripts]\nother = other:main\n")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from inst.build.plugins import PluginRegistry; "
        "assert PluginRegistry().plugins() == []; "
        "print('importlib.metadata' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"

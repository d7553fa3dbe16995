"""What a resolving run loads: only the parts it uses. A dry run of wheels from a
file:// index or a local path never builds, installs or speaks HTTP, so it imports
neither the build layer, nor the installer, nor requests; these imports were most of
the fixed cost every run paid (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import LocalIndex
from harness.checks import top_level_imports
from harness.config_home import ConfigHome

#: Loaded only by a run that builds, installs, reads --group or fetches over HTTP.
NOT_NEEDED = (
    "inst.build.builder",
    "inst.build.environments",
    "inst.build.interfaces",
    "inst.install.installation",
    "inst.install.transaction",
    "tomllib",
    "requests",
    "urllib3",
)


def imported_modules(args: list[str], home: ConfigHome) -> set[str]:
    code, _, stderr = top_level_imports(args, home.env)
    assert code == 0, stderr
    return {
        line.split("|")[-1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.mark.parametrize("how", ["index", "wheel path"])
def test_a_dry_run_of_wheels_loads_no_builder_installer_or_http(
    cli_home: ConfigHome, sample_index: LocalIndex, tmp_path: Path, how: str
) -> None:
    where = (
        ["--index-url", sample_index.file_url, "withdeps"]
        if how == "index"
        else [
            "--no-index",
            "--find-links",
            str(sample_index.find_links_dir),
            str(sample_index.dist_path("simple-2.0-py3-none-any.whl")),
        ]
    )
    modules = imported_modules(
        ["install", "--dry-run", "--ignore-installed", *where], cli_home
    )
    assert "inst.resolution.resolver" in modules  # it did resolve
    assert sorted(set(NOT_NEEDED) & modules) == []

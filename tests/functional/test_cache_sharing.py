"""The cache of unpacked wheels shared: by inst processes running at once, and by the
environments whose files are hard links to it (what it trusts, what it checks).

Every install here runs the real `inst` against one module-wide index of harness
wheels, each test with its own cache directory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness import LocalIndex, build_index, make_wheel
from harness.checks import leftovers
from harness.config_home import ConfigHome

CROWDED = Path(__file__).resolve().parents[1] / "harness" / "crowded.py"
#: Projects the crowd installs: a top one and its dependencies, each its own wheel;
#: no more wheels than inst unpacks at once, so that all of them meet at once.
LEAVES = [f"leaf{number}" for number in range(3)]
#: How many inst processes install them at once.
CROWD = 5


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> LocalIndex:
    built = tmp_path_factory.mktemp("wheels")
    wheels = [
        make_wheel(
            built,
            leaf,
            "1.0",
            files={
                f"{leaf}/__init__.py": f"NAME = {leaf!r}\n",
                **{f"{leaf}/part{n}.py": f"PART = {n}\n" * 50 for n in range(30)},
            },
        )
        for leaf in LEAVES
    ]
    wheels.append(
        make_wheel(
            built,
            "crowd",
            "1.0",
            requires=LEAVES,
            files={"crowd/__init__.py": "", "crowd/tool.sh": "#!/bin/sh\n"},
            entry_points={"console_scripts": {"crowd": "crowd:main"}},
        )
    )
    return build_index(tmp_path_factory.mktemp("index"), wheels)


def entries(cache: Path) -> list[str]:
    """What the cache of unpacked wheels holds below its two-character shards."""
    root = cache / "unpacked"
    return sorted(
        f"{outer.name}/{inner.name}"
        for outer in (root.iterdir() if root.is_dir() else ())
        for inner in outer.iterdir()
    )


# --- inst processes at once ------------------------------------------------------------


def test_installs_running_at_once_share_one_cache(
    index: LocalIndex, venv_factory, cli_home: ConfigHome, tmp_path: Path
) -> None:
    """Each process unpacks the wheels the others are unpacking or linking from:
    tests/harness/crowded.py makes them all unpack every wheel, and move it into the
    cache while the first is linking from it."""
    cache = tmp_path / "cache"
    venvs = [venv_factory(f"venv{number}") for number in range(CROWD)]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(CROWDED),
                str(seed),
                str(CROWD),
                str(tmp_path / "meeting"),
                "--",
                "install",
                "--python",
                str(venv.python),
                "--cache-dir",
                str(cache),
                "-i",
                index.file_url,
                "crowd",
            ],
            env=cli_home.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, venv in enumerate(venvs)
    ]
    results = [(process, *process.communicate(timeout=120)) for process in processes]
    for process, out, err in results:
        assert process.returncode == 0, (out, err)
        assert "warning:" not in err, err
    expected = {"crowd": "1.0", **{leaf: "1.0" for leaf in LEAVES}}
    for venv in venvs:
        assert venv.installed() == expected
        venv.run_code("import crowd, " + ", ".join(f"{leaf}.part29" for leaf in LEAVES))
    # one entry per wheel, nothing moved aside or half made left behind
    assert len(entries(cache)) == len(expected)
    assert not [name for name in entries(cache) if "/." in name]
    assert leftovers(cache) == []

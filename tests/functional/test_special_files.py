"""Paths users name that are not regular files: `--report` onto a FIFO or a link to a
character device, `config set` into INST_CONFIG_FILE naming one. inst writes them as
they are; it must never replace them with a regular file (as a rename over them
would, running as root).

The devices are made in tmp (a copy of the null device where mknod is allowed, else a
link to the real one, of which only its kind is checked afterwards)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import LocalIndex, build_index, make_wheel


@pytest.fixture
def char_device(tmp_path: Path) -> Iterator[Path]:
    node = tmp_path / "null-device"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        target = node
    except (OSError, AttributeError):
        target = Path(os.devnull)
    link = tmp_path / "null-link"
    link.symlink_to(target)
    yield link
    assert link.is_symlink()
    assert stat.S_ISCHR(os.stat(target).st_mode)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    return build_index(
        tmp_path / "index", [make_wheel(tmp_path / "wheels", "alpha", "1.0")]
    )


def test_report_into_a_fifo(cli_home, index: LocalIndex, tmp_path: Path) -> None:
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()

    run = subprocess.run(
        [sys.executable, "-m", "inst", "install", "--dry-run", "--report", str(fifo)]
        + ["--index-url", index.file_url, "alpha"],
        env=cli_home.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    reader.join(30)

    assert run.returncode == 0, run.stderr
    report = json.loads(got[0])
    assert [item["metadata"]["name"] for item in report["install"]] == ["alpha"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)).count("report.pipe") == 1
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_report_into_a_link_to_a_character_device(
    run_inst, index: LocalIndex, char_device: Path
) -> None:
    run = run_inst(
        "install",
        "--dry-run",
        "--report",
        str(char_device),
        "--index-url",
        index.file_url,
        "alpha",
    )
    assert run.code == 0, run.err
    assert not [n for n in os.listdir(char_device.parent) if n.endswith(".tmp")]


def test_config_set_into_a_character_device(run_inst, char_device: Path) -> None:
    run = run_inst(
        "config",
        "set",
        "global.timeout",
        "30",
        env={"INST_CONFIG_FILE": str(char_device)},
    )
    assert run.code == 0, run.err
    assert "Set global.timeout = 30" in run.out

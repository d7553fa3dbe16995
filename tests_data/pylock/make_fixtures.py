"""Rebuild the wheels of tests_data/pylock/wheels and the locks pip and uv write
from them (see README.md next to this file). Run from the repository root with a
Python whose pip is >= 26 and with uv on PATH:

    python tests_data/pylock/make_fixtures.py PIP UV

It serves the wheels from the harness's HTTP index on 127.0.0.1 (a free port), runs
``PIP lock`` and ``UV pip compile --format pylock.toml`` against it, and writes the
locks with the server's address replaced by ``http://INDEX/`` (the tests put their
own server's address back).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests"))

from harness import IndexServer, build_index, make_wheel

PLACEHOLDER = "http://INDEX/"


def wheels(dest: Path) -> list[Path]:
    return [
        make_wheel(
            dest,
            "lockdemo",
            "1.0",
            requires=["helper>=1", "tiny; python_version >= '3'"],
            extras={"fast": ["speedup"]},
        ),
        make_wheel(dest, "lockdemo", "0.9", requires=["helper"]),
        make_wheel(dest, "helper", "1.0"),
        make_wheel(dest, "helper", "2.0"),
        make_wheel(dest, "tiny", "3.1"),
        make_wheel(dest, "speedup", "0.5"),
    ]


def main(pip: str, uv: str) -> None:
    out = HERE / "wheels"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    built = wheels(out)
    with tempfile.TemporaryDirectory() as scratch:
        index = build_index(Path(scratch) / "index", built)
        with IndexServer(index.root) as server:
            url = server.simple_url
            requirements = Path(scratch) / "requirements.in"
            requirements.write_text("lockdemo[fast]\n")
            pip_lock = Path(scratch) / "pip" / "pylock.toml"
            pip_lock.parent.mkdir()
            subprocess.run(
                [
                    pip,
                    "lock",
                    "--no-cache-dir",
                    "--isolated",
                    "--index-url",
                    url,
                    "-r",
                    str(requirements),
                    "-o",
                    str(pip_lock),
                ],
                check=True,
            )
            uv_lock = Path(scratch) / "uv" / "pylock.toml"
            uv_lock.parent.mkdir()
            subprocess.run(
                [
                    uv,
                    "pip",
                    "compile",
                    "--no-cache",
                    "--no-config",
                    "--index-url",
                    url,
                    "--format",
                    "pylock.toml",
                    "--python-version",
                    "3.9",
                    str(requirements),
                    "-o",
                    str(uv_lock),
                ],
                check=True,
            )
            for lock, name in ((pip_lock, "pip"), (uv_lock, "uv")):
                text = lock.read_text(encoding="utf-8").replace(server.url, PLACEHOLDER)
                (HERE / f"pylock.{name}.toml").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

#!/usr/bin/env python3
"""Fetch the pinned wheels of the resolution benchmark (tools/bench resolve-*).

The wheels listed in tools/bench-wheels.txt are downloaded once, by pip from its
own configured index, into the git-ignored tests_data/bench-wheels/ and checked
against their sha256 pins. tools/bench/resolution.py then serves that folder as
a local index, so a benchmark run never reaches the network.

    python tools/fetch_bench_wheels.py            # fetch what is missing or wrong
    python tools/fetch_bench_wheels.py --check    # verify only, never download
    python tools/fetch_bench_wheels.py --dest DIR

If every pinned wheel is already present with the right hash, nothing is
downloaded. Only the standard library is used. The code is that of
tools/fetch_backends.py, run with this benchmark's WheelSet (BENCH_WHEELS).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parent
# Importable whether run as a script or loaded by path from a test.
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))

import fetch_backends
from fetch_backends import PIP_TIMEOUT_SECONDS, FetchError, Pin, WheelSet

__all__ = [
    "BENCH_WHEELS",
    "DEFAULT_DEST",
    "FETCH_HINT",
    "PINS_FILE",
    "PIP_TARGET_ARGS",
    "PIP_TIMEOUT_SECONDS",
    "FetchError",
    "Pin",
    "check",
    "fetch",
    "main",
    "parse_pins",
    "pinned_wheels",
]

PINS_FILE = TOOLS_DIR / "bench-wheels.txt"
DEFAULT_DEST = TOOLS_DIR.parent / "tests_data" / "bench-wheels"

# What the benchmark resolves for: CPython 3.11 on manylinux x86_64, whatever
# interpreter runs this script. Pure wheels match through "any".
PIP_TARGET_ARGS = (
    "--only-binary=:all:",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
    "--abi",
    "cp311",
    "--platform",
    "manylinux2014_x86_64",
    "--platform",
    "manylinux_2_17_x86_64",
    "--platform",
    "manylinux_2_28_x86_64",
    "--platform",
    "any",
)

_MANYLINUX_X86_64_RE = re.compile(r"^manylinux(2014|_2_\d+)_x86_64$")


def _cp311_x86_64_tags(pytags: str, abi: str, plat: str) -> bool:
    """A pure py3 wheel, or a CPython 3.11 manylinux x86_64 one (abi3 wheels built
    for an older CPython 3 included: cp36-abi3 runs on 3.11)."""
    pure = "py3" in pytags.split(".") and abi == "none" and plat == "any"
    pythons = pytags.split(".")
    cpython = (abi == "cp311" and "cp311" in pythons) or (
        abi == "abi3" and any(_abi3_ok(tag) for tag in pythons)
    )
    binary = cpython and any(_MANYLINUX_X86_64_RE.match(p) for p in plat.split("."))
    return pure or binary


def _abi3_ok(tag: str) -> bool:
    """cp3N with N <= 11: a stable-ABI wheel 3.11 can load."""
    found = re.fullmatch(r"cp3(\d+)", tag)
    return found is not None and int(found.group(1)) <= 11


BENCH_WHEELS = WheelSet(
    label="bench wheels",
    script="fetch_bench_wheels",
    pins_file=PINS_FILE,
    dest=DEFAULT_DEST,
    target_args=PIP_TARGET_ARGS,
    description="Fetch the pinned wheels of inst's resolution benchmark.",
    tags_ok=_cp311_x86_64_tags,
    wrong_tags="is neither py3-none-any nor a CPython 3.11 (or abi3) manylinux x86_64 "
    "wheel",
    abbreviate_missing=True,
)
FETCH_HINT = BENCH_WHEELS.fetch_hint


def parse_pins(path: Path | str = PINS_FILE) -> list[Pin]:
    """Parse the pins file; raise ValueError naming the line if one is bad."""
    return fetch_backends.parse_pins(path, BENCH_WHEELS)


def pinned_wheels(path: Path | str = PINS_FILE) -> dict[str, str]:
    """Map each pinned wheel file name to its sha256."""
    return fetch_backends.pinned_wheels(path, BENCH_WHEELS)


def fetch(dest: Path, pins_file: Path = PINS_FILE, *, verbose: bool = False) -> str:
    """Bring dest in line with the pins; return a one-line summary."""
    return fetch_backends.fetch(
        dest, pins_file, verbose=verbose, wheel_set=BENCH_WHEELS
    )


def check(dest: Path = DEFAULT_DEST, pins_file: Path = PINS_FILE) -> tuple[bool, str]:
    """Verify dest against the pins without downloading; (ok, summary)."""
    return fetch_backends.check(dest, pins_file, BENCH_WHEELS)


def main(argv: list[str] | None = None) -> int:
    return fetch_backends.main(argv, BENCH_WHEELS)


if __name__ == "__main__":
    sys.exit(main())

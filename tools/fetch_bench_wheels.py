#!/usr/bin/env python3
"""Fetch the pinned wheels of the resolution benchmark (tools/bench resolve-*).

The wheels listed in tools/bench-wheels.txt are downloaded once, by pip from its
own configured index, into the git-ignored tests_data/bench-wheels/ and checked
against their sha256 pins. tools/bench/resolution.py then serves that folder as
a local index, so a benchmark run never reaches the network.

    python tools/fetch_bench_wheels.py            # fetch what is missing or wrong
    python tools/fetch_bench_wheels.py --check    # verify only, never download
    python tools/fetch_bench_wheels.py --dest DIR
    python tools/fetch_bench_wheels.py --docs     # only the docs examples' wheels

--docs fetches (or, with --check, verifies) only the pins of DOCS_PROJECTS, every
version of them that tools/bench-wheels.txt pins (about 40 wheels, 6 MB), into
tests_data/docs-wheels/: the index of the docs examples (tests/harness/docs_examples.py)
serves those, so CI fetches them and not the whole benchmark (~170 MB).

If every pinned wheel is already present with the right hash, nothing is
downloaded. Only the standard library is used. The code is that of
tools/fetch_backends.py, run with this benchmark's WheelSet (BENCH_WHEELS).
"""

from __future__ import annotations

import re
import sys
import tempfile
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
    "DOCS_DEST",
    "DOCS_PROJECTS",
    "DOCS_WHEELS",
    "FETCH_HINT",
    "PINS_FILE",
    "PIP_TARGET_ARGS",
    "PIP_TIMEOUT_SECONDS",
    "FetchError",
    "Pin",
    "check",
    "docs_pins",
    "fetch",
    "main",
    "parse_pins",
    "pinned_wheels",
]

PINS_FILE = TOOLS_DIR / "bench-wheels.txt"
DEFAULT_DEST = TOOLS_DIR.parent / "tests_data" / "bench-wheels"
DOCS_DEST = TOOLS_DIR.parent / "tests_data" / "docs-wheels"

#: What the docs examples install, download and lock (flask, requests, rich and their
#: dependencies): every pinned version of these projects makes the docs index, so its
#: pages offer older releases too. A page that needs another project adds it here.
DOCS_PROJECTS = frozenset(
    {
        "blinker",
        "certifi",
        "charset-normalizer",
        "click",
        "flask",
        "idna",
        "itsdangerous",
        "jinja2",
        "markdown-it-py",
        "markupsafe",
        "mdurl",
        "pygments",
        "requests",
        "rich",
        "urllib3",
        "werkzeug",
    }
)

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
    description="Fetch the pinned wheels of inst's resolution benchmark "
    "(with --docs, only those of the docs examples, into tests_data/docs-wheels).",
    tags_ok=_cp311_x86_64_tags,
    wrong_tags="is neither py3-none-any nor a CPython 3.11 (or abi3) manylinux x86_64 "
    "wheel",
    abbreviate_missing=True,
)
FETCH_HINT = BENCH_WHEELS.fetch_hint


class _DocsWheelSet(WheelSet):
    @property
    def fetch_hint(self) -> str:
        return "run python tools/fetch_bench_wheels.py --docs"


DOCS_WHEELS = _DocsWheelSet(
    label="docs wheels",
    script="fetch_bench_wheels",
    pins_file=PINS_FILE,
    dest=DOCS_DEST,
    target_args=PIP_TARGET_ARGS,
    description=BENCH_WHEELS.description,
    tags_ok=_cp311_x86_64_tags,
    wrong_tags=BENCH_WHEELS.wrong_tags,
)


def docs_pins(path: Path | str = PINS_FILE) -> list[Pin]:
    """The pins of the docs examples' wheels: those of DOCS_PROJECTS."""
    return [
        pin
        for pin in parse_pins(path)
        if re.sub(r"[-_.]+", "-", pin.name).lower() in DOCS_PROJECTS
    ]


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
    args = list(sys.argv[1:] if argv is None else argv)
    if "--docs" not in args:
        return fetch_backends.main(args, BENCH_WHEELS)
    args.remove("--docs")
    # The shared code reads a pins file: give it the docs' lines of bench-wheels.txt,
    # and a folder of their own, so that fetching them never removes benchmark wheels.
    lines = [
        f"{pin.requirement}  # {pin.filename}"
        for pin in docs_pins(_pins_arg(args) or PINS_FILE)
    ]
    with tempfile.TemporaryDirectory(prefix="docs-pins-") as work:
        pins = Path(work) / PINS_FILE.name
        pins.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return fetch_backends.main(
            [*_without_pins_arg(args), "--pins", str(pins)], DOCS_WHEELS
        )


def _pins_arg(args: list[str]) -> str | None:
    for index, arg in enumerate(args):
        if arg == "--pins" and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith("--pins="):
            return arg.split("=", 1)[1]
    return None


def _without_pins_arg(args: list[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--pins":
            skip = True
        elif not arg.startswith("--pins="):
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main())

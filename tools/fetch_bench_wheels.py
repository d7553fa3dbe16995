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
downloaded. Only the standard library is used. The generic parts (hashing,
comparing a folder with the pins, grouping, cleanup) come from
tools/fetch_backends.py, which works the same way for the build backends.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TOOLS_DIR = Path(__file__).resolve().parent
# Importable whether run as a script or loaded by path from a test.
if str(TOOLS_DIR) not in sys.path:
    sys.path.insert(0, str(TOOLS_DIR))

from fetch_backends import (
    TMP_PREFIX,
    FetchError,
    Pin,
    _pip_error_line,
    check_dest,
    group_pins,
    remove_unpinned,
    sha256_of,
)

PINS_FILE = TOOLS_DIR / "bench-wheels.txt"
DEFAULT_DEST = TOOLS_DIR.parent / "tests_data" / "bench-wheels"
FETCH_HINT = "run python tools/fetch_bench_wheels.py"
PIP_TIMEOUT_SECONDS = 900

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

_LINE_RE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!_-]+)"
    r"(?P<options>(?:\s+--hash=\S+)*)"
    r"\s+#\s*(?P<filename>\S+\.whl)\s*$"
)
_HASH_RE = re.compile(r"--hash=sha256:([0-9a-f]{64})$")
_MANYLINUX_X86_64_RE = re.compile(r"^manylinux(2014|_2_\d+)_x86_64$")


def _normalize(name: str) -> str:
    # Wheel file names use the normalized name with "_" as the separator.
    return re.sub(r"[-_.]+", "_", name).lower()


def _check_wheel_name(filename: str, name: str, version: str) -> str | None:
    """Return why filename is not a CPython 3.11 x86_64 wheel of name==version."""
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        return f"{filename!r} is not a wheel file name"
    dist, ver, pytags, abi, plat = parts[0], parts[1], parts[-3], parts[-2], parts[-1]
    if _normalize(dist) != _normalize(name) or ver != version:
        return f"{filename!r} is not a wheel of {name}=={version}"
    pure = "py3" in pytags.split(".") and abi == "none" and plat == "any"
    binary = (
        "cp311" in pytags.split(".")
        and abi in ("cp311", "abi3")
        and any(_MANYLINUX_X86_64_RE.match(p) for p in plat.split("."))
    )
    if not (pure or binary):
        return (
            f"{filename!r} is neither py3-none-any nor a CPython 3.11 "
            "manylinux x86_64 wheel"
        )
    return None


def parse_pins(path: Path | str = PINS_FILE) -> list[Pin]:
    """Parse the pins file; raise ValueError naming the line if one is bad."""
    path = Path(path)
    pins: list[Pin] = []
    seen: set[str] = set()
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{lineno}"
        match = _LINE_RE.match(line)
        if match is None:
            raise ValueError(
                f"{where}: expected 'NAME==VERSION --hash=sha256:HEX  # FILE.whl', "
                f"got {line!r}"
            )
        hashes = match["options"].split()
        hash_match = _HASH_RE.match(hashes[0]) if len(hashes) == 1 else None
        if hash_match is None:
            raise ValueError(f"{where}: needs exactly one --hash=sha256:<64 hex>")
        problem = _check_wheel_name(match["filename"], match["name"], match["version"])
        if problem:
            raise ValueError(f"{where}: {problem}")
        if match["filename"] in seen:
            raise ValueError(f"{where}: {match['filename']} is pinned twice")
        seen.add(match["filename"])
        pins.append(
            Pin(
                match["name"],
                match["version"],
                hash_match[1],
                match["filename"],
                lineno,
            )
        )
    if not pins:
        raise ValueError(f"{path}: no pinned wheels")
    return pins


def pinned_wheels(path: Path | str = PINS_FILE) -> dict[str, str]:
    """Map each pinned wheel file name to its sha256."""
    return {pin.filename: pin.sha256 for pin in parse_pins(path)}


def _pip_download(pins: list[Pin], workdir: Path, verbose: bool) -> None:
    workdir.mkdir()
    requirements = workdir / "requirements.txt"
    requirements.write_text(
        "".join(pin.requirement + "\n" for pin in pins), encoding="utf-8"
    )
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--require-hashes",
        "--no-input",
        "--disable-pip-version-check",
        *PIP_TARGET_ARGS,
        "-r",
        str(requirements),
        "-d",
        str(workdir / "wheels"),
    ]
    names = ", ".join(f"{p.name}=={p.version}" for p in pins[:3])
    if len(pins) > 3:
        names = f"{len(pins)} wheels ({names}, ...)"
    try:
        proc = subprocess.run(
            cmd,
            check=False,
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise FetchError(
            f"pip download of {names} timed out after {PIP_TIMEOUT_SECONDS}s; "
            "check network access to pip's configured index and rerun"
        ) from None
    if verbose:
        sys.stderr.write(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise FetchError(
            f"pip download of {names} failed: {_pip_error_line(proc.stderr)}; "
            "check pip's index settings ('python -m pip config list') and network "
            "access, or fix the pin in tools/bench-wheels.txt, then rerun "
            "(-v shows pip's output)"
        )


def fetch(dest: Path, pins_file: Path = PINS_FILE, *, verbose: bool = False) -> str:
    """Bring dest in line with the pins; return a one-line summary."""
    start = time.monotonic()
    pins = parse_pins(pins_file)
    expected = {pin.filename: pin.sha256 for pin in pins}
    removed = remove_unpinned(dest, expected)
    status = check_dest(dest, expected)
    if not (status.missing or status.mismatched):
        note = f", removed {len(removed)} unpinned" if removed else ""
        return f"{len(pins)} bench wheels already up to date in {dest}{note}"

    needed = set(status.missing) | set(status.mismatched)
    todo = [pin for pin in pins if pin.filename in needed]
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=dest))
    try:
        # pip refuses two pins of one name per run: one pip per group, side by side.
        groups = group_pins(todo)
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            futures = [
                pool.submit(_pip_download, group, tmp / f"group{i}", verbose)
                for i, group in enumerate(groups)
            ]
            for future in futures:
                future.result()
        # Check every file ourselves before it goes in: don't trust pip alone.
        for i, group in enumerate(groups):
            for pin in group:
                got = tmp / f"group{i}" / "wheels" / pin.filename
                if not got.is_file():
                    raise FetchError(
                        f"pip did not produce {pin.filename}: the index may serve "
                        "a different file name; check the file name in "
                        "tools/bench-wheels.txt"
                    )
                actual = sha256_of(got)
                if actual != pin.sha256:
                    raise FetchError(
                        f"{pin.filename} has sha256 {actual}, pinned "
                        f"{pin.sha256}: the index served a different file; "
                        "check the pin in tools/bench-wheels.txt"
                    )
        for i, group in enumerate(groups):
            for pin in group:
                os.replace(
                    tmp / f"group{i}" / "wheels" / pin.filename, dest / pin.filename
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    final = check_dest(dest, expected)
    if not final.clean:
        raise FetchError(
            f"{dest} still differs from the pins after fetching "
            f"(missing {final.missing}, mismatched {final.mismatched}); "
            "is another process writing to it? rerun"
        )
    for name in sorted(needed):
        verb = "replaced" if name in status.mismatched else "fetched"
        print(f"  {verb:8} {name}")
    elapsed = time.monotonic() - start
    return (
        f"{len(pins)} bench wheels ready in {dest}: fetched {len(status.missing)}, "
        f"replaced {len(status.mismatched)}, kept {len(status.ok)}, "
        f"removed {len(removed)} unpinned, in {elapsed:.1f}s"
    )


def check(dest: Path = DEFAULT_DEST, pins_file: Path = PINS_FILE) -> tuple[bool, str]:
    """Verify dest against the pins without downloading; (ok, summary)."""
    pins = parse_pins(pins_file)
    if not dest.is_dir():
        return False, f"{dest} does not exist; {FETCH_HINT}"
    status = check_dest(dest, {pin.filename: pin.sha256 for pin in pins})
    if status.clean:
        return True, f"{len(pins)} bench wheels match the pins in {dest}"
    problems = []
    if status.missing:
        problems.append(f"missing {len(status.missing)} ({status.missing[0]}, ...)")
    if status.mismatched:
        problems.append(f"wrong sha256 {', '.join(status.mismatched)}")
    if status.extra:
        problems.append(f"unpinned {', '.join(status.extra)}")
    return False, (
        f"{dest} does not match tools/bench-wheels.txt: {'; '.join(problems)}; "
        f"{FETCH_HINT}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fetch the pinned wheels of inst's resolution benchmark."
    )
    parser.add_argument(
        "--dest",
        type=Path,
        default=DEFAULT_DEST,
        help="folder for the wheels (default: tests_data/bench-wheels)",
    )
    parser.add_argument("--pins", type=Path, default=PINS_FILE, help=argparse.SUPPRESS)
    parser.add_argument(
        "--check",
        action="store_true",
        help="only verify the folder against the pins; never download",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show pip's output"
    )
    args = parser.parse_args(argv)
    dest = args.dest.resolve()
    try:
        if args.check:
            ok, summary = check(dest, args.pins)
            print(
                summary if ok else f"fetch_bench_wheels: error: {summary}",
                file=sys.stdout if ok else sys.stderr,
            )
            return 0 if ok else 1
        print(fetch(dest, args.pins, verbose=args.verbose))
        return 0
    except FetchError as exc:
        print(f"fetch_bench_wheels: error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(
            f"fetch_bench_wheels: error: bad pins file: {exc}; fix that line "
            "(format in the file's header)",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        print(
            f"fetch_bench_wheels: error: {exc}; check that {dest} is writable "
            "and rerun",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())

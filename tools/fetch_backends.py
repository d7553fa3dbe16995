#!/usr/bin/env python3
"""Fetch the pinned build-backend wheels used by inst's build-layer tests.

The wheels listed in tools/backend-wheels.txt are downloaded once, by pip from
its own configured index, into the git-ignored tests_data/backend-wheels/ and
checked against their sha256 pins. The tests then serve that folder as a local
index, so the test suite itself never reaches the network.

    python tools/fetch_backends.py            # fetch what is missing or wrong
    python tools/fetch_backends.py --check    # verify only, never download
    python tools/fetch_backends.py --dest DIR

If every pinned wheel is already present with the right hash, nothing is
downloaded. The same run fetches (or, with --check, verifies) the corpus of
real distributions pinned in tools/corpus.txt, through tools/fetch_corpus.py.
Only the standard library is used, so this runs before inst and its
dependencies are installed.

The implementation is shared: a WheelSet names the pins, the folder and the
pip target, and tools/fetch_bench_wheels.py runs the same code with its own.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, NamedTuple

TOOLS_DIR = Path(__file__).resolve().parent
PINS_FILE = TOOLS_DIR / "backend-wheels.txt"
DEFAULT_DEST = TOOLS_DIR.parent / "tests_data" / "backend-wheels"

# Temporary download dirs live inside dest (git-ignored, same filesystem, so
# os.replace() into place is atomic); this prefix marks them for cleanup.
TMP_PREFIX = ".fetch-"
# A leftover temp dir older than this is from a killed run, not a live one.
STALE_TMP_SECONDS = 3600
PIP_TIMEOUT_SECONDS = 900

# Make pip pick the pure-Python wheel whatever interpreter runs this script.
# Requires-Python is ignored because some pins (e.g. setuptools 84) need a
# newer Python than 3.9, and the exact file is fixed by its hash anyway.
PIP_TARGET_ARGS = (
    "--only-binary=:all:",
    "--platform",
    "any",
    "--implementation",
    "py",
    "--python-version",
    "3.9",
    "--abi",
    "none",
    "--ignore-requires-python",
)

_LINE_RE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!_-]+)"
    r"(?P<options>(?:\s+--hash=\S+)*)"
    r"\s+#\s*(?P<filename>\S+\.whl)\s*$"
)
_HASH_RE = re.compile(r"--hash=sha256:([0-9a-f]{64})$")


def _pure_python_tags(pytags: str, abi: str, plat: str) -> bool:
    return "py3" in pytags.split(".") and abi == "none" and plat == "any"


@dataclass(frozen=True)
class WheelSet:
    """One pinned set of wheels: where its pins and wheels live, how to fetch it."""

    label: str  # "backend wheels", in summaries
    script: str  # the tools/ script that fetches it, without ".py"
    pins_file: Path
    dest: Path
    target_args: tuple[str, ...]  # pip download flags choosing the wheel files
    description: str  # the script's --help description
    # Whether a wheel's (python tags, abi, platform) belong in this set, and why not.
    tags_ok: Callable[[str, str, str], bool] = _pure_python_tags
    wrong_tags: str = "is not a pure-Python py3-none-any wheel"
    # Name only the first missing wheel in check()'s summary (for long lists).
    abbreviate_missing: bool = False

    @property
    def fetch_hint(self) -> str:
        return f"run python tools/{self.script}.py"

    @property
    def pins_name(self) -> str:
        return f"tools/{self.pins_file.name}"


BACKENDS = WheelSet(
    label="backend wheels",
    script="fetch_backends",
    pins_file=PINS_FILE,
    dest=DEFAULT_DEST,
    target_args=PIP_TARGET_ARGS,
    description="Fetch the pinned build-backend wheels for inst's tests.",
)


class Pin(NamedTuple):
    """One line of the pins file."""

    name: str
    version: str
    sha256: str
    filename: str
    lineno: int

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version} --hash=sha256:{self.sha256}"


class FetchError(Exception):
    """A failure to report as one line: what, why, what to do."""


def _normalize(name: str) -> str:
    # Wheel file names use the normalized name with "_" as the separator.
    return re.sub(r"[-_.]+", "_", name).lower()


def _check_wheel_name(
    filename: str, name: str, version: str, wheel_set: WheelSet = BACKENDS
) -> str | None:
    """Return why filename is not a wheel of name==version fit for wheel_set."""
    parts = filename[: -len(".whl")].split("-")
    if len(parts) not in (5, 6):
        return f"{filename!r} is not a wheel file name"
    dist, ver, pytags, abi, plat = parts[0], parts[1], parts[-3], parts[-2], parts[-1]
    if _normalize(dist) != _normalize(name) or ver != version:
        return f"{filename!r} is not a wheel of {name}=={version}"
    if not wheel_set.tags_ok(pytags, abi, plat):
        return f"{filename!r} {wheel_set.wrong_tags}"
    return None


def parse_pins(path: Path | str, wheel_set: WheelSet = BACKENDS) -> list[Pin]:
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
        problem = _check_wheel_name(
            match["filename"], match["name"], match["version"], wheel_set
        )
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


def pinned_wheels(
    path: Path | str | None = None, wheel_set: WheelSet = BACKENDS
) -> dict[str, str]:
    """Map each pinned wheel file name to its sha256 (for tests and tools)."""
    pins = parse_pins(wheel_set.pins_file if path is None else path, wheel_set)
    return {pin.filename: pin.sha256 for pin in pins}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Status(NamedTuple):
    ok: list[str]
    missing: list[str]
    mismatched: list[str]
    extra: list[str]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.mismatched or self.extra)


def check_dest(dest: Path, expected: dict[str, str]) -> Status:
    """Compare dest with the pins; extra means an unpinned wheel in dest."""
    ok: list[str] = []
    missing: list[str] = []
    mismatched: list[str] = []
    for filename, sha in sorted(expected.items()):
        path = dest / filename
        if not path.is_file():
            missing.append(filename)
        elif sha256_of(path) != sha:
            mismatched.append(filename)
        else:
            ok.append(filename)
    extra = []
    if dest.is_dir():
        # Only wheels count: the test index serves *.whl, other files are harmless.
        extra = sorted(
            p.name
            for p in dest.iterdir()
            if p.name.endswith(".whl") and p.name not in expected
        )
    return Status(ok, missing, mismatched, extra)


def remove_unpinned(dest: Path, expected: dict[str, str]) -> list[str]:
    """Delete unpinned wheels and stale temp dirs from dest; return what went.

    Only *.whl files are deleted, so a mistaken --dest can't lose other files.
    """
    removed: list[str] = []
    if not dest.is_dir():
        return removed
    now = time.time()
    for entry in sorted(dest.iterdir()):
        if entry.name.endswith(".whl") and entry.name not in expected:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry.name)
        elif (
            entry.name.startswith(TMP_PREFIX)
            and entry.is_dir()
            and now - entry.stat().st_mtime > STALE_TMP_SECONDS
        ):
            shutil.rmtree(entry, ignore_errors=True)
    return removed


def group_pins(pins: list[Pin]) -> list[list[Pin]]:
    """Split pins into groups with each name at most once per group.

    pip refuses two pins of one name in a single run (two setuptools here).
    """
    groups: list[list[Pin]] = []
    for pin in pins:
        for group in groups:
            if all(_normalize(p.name) != _normalize(pin.name) for p in group):
                group.append(pin)
                break
        else:
            groups.append([pin])
    return groups


def _pip_error_line(output: str) -> str:
    """Boil pip's error output down to one line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    error = next(
        (line[len("ERROR:") :].strip() for line in lines if line.startswith("ERROR:")),
        lines[-1] if lines else "no output",
    )
    if "DO NOT MATCH THE HASHES" in error:
        # pip names each offending requirement on a line "NAME==VERSION from URL:".
        culprits = [
            line.split()[0] for line in lines if re.match(r"\S+==\S+ from ", line)
        ]
        return f"sha256 mismatch for {', '.join(culprits) or 'some wheels'}"
    return error


def _pip_download(
    pins: list[Pin], workdir: Path, verbose: bool, wheel_set: WheelSet = BACKENDS
) -> None:
    workdir.mkdir()
    requirements = workdir / "requirements.txt"
    requirements.write_text(
        "".join(pin.requirement + "\n" for pin in pins), encoding="utf-8"
    )
    out_dir = workdir / "wheels"
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--require-hashes",
        "--no-input",
        "--disable-pip-version-check",
        *wheel_set.target_args,
        "-r",
        str(requirements),
        "-d",
        str(out_dir),
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
            f"access, or fix the pin in {wheel_set.pins_name}, then rerun "
            "(-v shows pip's output)"
        )


def fetch(
    dest: Path,
    pins_file: Path | None = None,
    *,
    verbose: bool = False,
    wheel_set: WheelSet = BACKENDS,
) -> str:
    """Bring dest in line with the pins; return a one-line summary."""
    start = time.monotonic()
    pins = parse_pins(
        wheel_set.pins_file if pins_file is None else pins_file, wheel_set
    )
    expected = {pin.filename: pin.sha256 for pin in pins}
    removed = remove_unpinned(dest, expected)
    status = check_dest(dest, expected)
    if not (status.missing or status.mismatched):
        note = f", removed {len(removed)} unpinned" if removed else ""
        return f"{len(pins)} {wheel_set.label} already up to date in {dest}{note}"

    needed = set(status.missing) | set(status.mismatched)
    todo = [pin for pin in pins if pin.filename in needed]
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=dest))
    try:
        groups = group_pins(todo)
        # One pip process per group, run side by side to keep a cold fetch quick.
        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            futures = [
                pool.submit(_pip_download, group, tmp / f"group{i}", verbose, wheel_set)
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
                        f"{wheel_set.pins_name}"
                    )
                actual = sha256_of(got)
                if actual != pin.sha256:
                    raise FetchError(
                        f"{pin.filename} has sha256 {actual}, pinned "
                        f"{pin.sha256}: the index served a different file; "
                        f"check the pin in {wheel_set.pins_name}"
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
        f"{len(pins)} {wheel_set.label} ready in {dest}: "
        f"fetched {len(status.missing)}, "
        f"replaced {len(status.mismatched)}, kept {len(status.ok)}, "
        f"removed {len(removed)} unpinned, in {elapsed:.1f}s"
    )


def check(
    dest: Path, pins_file: Path | None = None, wheel_set: WheelSet = BACKENDS
) -> tuple[bool, str]:
    """Verify dest against the pins without downloading; (ok, summary)."""
    pins = parse_pins(
        wheel_set.pins_file if pins_file is None else pins_file, wheel_set
    )
    if not dest.is_dir():
        return False, f"{dest} does not exist; {wheel_set.fetch_hint}"
    status = check_dest(dest, {pin.filename: pin.sha256 for pin in pins})
    if status.clean:
        return True, f"{len(pins)} {wheel_set.label} match the pins in {dest}"
    problems = []
    if status.missing and wheel_set.abbreviate_missing:
        problems.append(f"missing {len(status.missing)} ({status.missing[0]}, ...)")
    elif status.missing:
        problems.append(f"missing {', '.join(status.missing)}")
    if status.mismatched:
        problems.append(f"wrong sha256 {', '.join(status.mismatched)}")
    if status.extra:
        problems.append(f"unpinned {', '.join(status.extra)}")
    return False, (
        f"{dest} does not match {wheel_set.pins_name}: {'; '.join(problems)}; "
        f"{wheel_set.fetch_hint}"
    )


def main(argv: list[str] | None = None, wheel_set: WheelSet = BACKENDS) -> int:
    parser = argparse.ArgumentParser(description=wheel_set.description)
    parser.add_argument(
        "--dest",
        type=Path,
        default=wheel_set.dest,
        help=f"folder for the wheels (default: tests_data/{wheel_set.dest.name})",
    )
    parser.add_argument(
        "--pins", type=Path, default=wheel_set.pins_file, help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="only verify the folder against the pins; never download",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show pip's output"
    )
    args = parser.parse_args(argv)
    code = _main(args, wheel_set)
    if wheel_set is BACKENDS and args.pins == wheel_set.pins_file:
        # The README's test command runs this script alone: the corpus of real
        # distributions (tools/corpus.txt) comes with the backend wheels.
        code = max(code, _corpus_main(check_only=args.check))
    return code


def _corpus_main(*, check_only: bool) -> int:
    if str(TOOLS_DIR) not in sys.path:
        sys.path.insert(0, str(TOOLS_DIR))
    import fetch_corpus

    return fetch_corpus.run(
        fetch_corpus.DEFAULT_DEST, fetch_corpus.PINS_FILE, check_only=check_only
    )


def _main(args: argparse.Namespace, wheel_set: WheelSet) -> int:
    dest = args.dest.resolve()
    error = f"{wheel_set.script}: error:"
    try:
        if args.check:
            ok, summary = check(dest, args.pins, wheel_set)
            print(
                summary if ok else f"{error} {summary}",
                file=sys.stdout if ok else sys.stderr,
            )
            return 0 if ok else 1
        print(fetch(dest, args.pins, verbose=args.verbose, wheel_set=wheel_set))
        return 0
    except FetchError as exc:
        print(f"{error} {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(
            f"{error} bad pins file: {exc}; fix that line "
            "(format in the file's header)",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        print(
            f"{error} {exc}; check that {dest} is writable and rerun",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Fetch the corpus of real, odd distributions used by tests/functional/test_corpus.py.

tools/corpus.txt pins each file by project, file name and sha256. The file's
URL is not pinned: it is looked up at fetch time on the project page of the
package index that pip is configured with (PEP 691 JSON, or a PEP 503 HTML
page from an index that has no JSON), so that no index address is written in
this repository. Files land in the git-ignored tests_data/corpus/, each
checked against its pin before it is moved into place.

    python tools/fetch_corpus.py            # fetch what is missing or wrong
    python tools/fetch_corpus.py --check    # verify only, never download
    python tools/fetch_corpus.py --dest DIR

tools/fetch_backends.py (the README's test command) runs this too. Only the
standard library is used, and pip is only asked for its configuration.
"""

from __future__ import annotations

import argparse
import hashlib
import html.parser
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

TOOLS_DIR = Path(__file__).resolve().parent
PINS_FILE = TOOLS_DIR / "corpus.txt"
DEFAULT_DEST = TOOLS_DIR.parent / "tests_data" / "corpus"
FETCH_HINT = "run python tools/fetch_backends.py"

TMP_PREFIX = ".fetch-"
HTTP_TIMEOUT_SECONDS = 120
PIP_TIMEOUT_SECONDS = 120
# Each pinned file is small; a body larger than this is not the pinned file.
MAX_FILE_BYTES = 5 * 1024 * 1024
PEP691_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
)

_LINE_RE = re.compile(
    r"^(?P<project>[A-Za-z0-9][A-Za-z0-9._-]*)\s+(?P<filename>\S+)"
    r"\s+sha256:(?P<sha256>[0-9a-f]{64})\s*(?:#.*)?$"
)
_ARCHIVES = (
    ".whl",
    ".tar.gz",
    ".tgz",
    ".zip",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tar.lzma",
    ".tar",
)


class CorpusPin(NamedTuple):
    project: str
    filename: str
    sha256: str
    lineno: int


class FetchError(Exception):
    """A failure to report as one line: what, why, what to do."""


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(path: Path | str = PINS_FILE) -> list[CorpusPin]:
    """Parse corpus.txt; raise ValueError naming the line if one is bad."""
    path = Path(path)
    pins: list[CorpusPin] = []
    seen: set[str] = set()
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{lineno}"
        match = _LINE_RE.match(line)
        if match is None:
            raise ValueError(
                f"{where}: expected 'PROJECT FILENAME sha256:<64 hex>  # why', "
                f"got {line!r}"
            )
        filename = match["filename"]
        if "/" in filename or filename.startswith("."):
            raise ValueError(f"{where}: {filename!r} is not a plain file name")
        if not filename.lower().endswith(_ARCHIVES):
            raise ValueError(f"{where}: {filename!r} is not a distribution archive")
        if filename in seen:
            raise ValueError(f"{where}: {filename} is pinned twice")
        seen.add(filename)
        pins.append(CorpusPin(match["project"], filename, match["sha256"], lineno))
    if not pins:
        raise ValueError(f"{path}: no pinned files")
    return pins


def pinned_files(path: Path | str = PINS_FILE) -> dict[str, CorpusPin]:
    """{file name: pin}, for the tests."""
    return {pin.filename: pin for pin in parse_pins(path)}


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

    @property
    def clean(self) -> bool:
        return not (self.missing or self.mismatched)


def check_dest(dest: Path, pins: Iterable[CorpusPin]) -> Status:
    ok: list[str] = []
    missing: list[str] = []
    mismatched: list[str] = []
    for pin in sorted(pins, key=lambda p: p.filename):
        path = dest / pin.filename
        if not path.is_file():
            missing.append(pin.filename)
        elif sha256_of(path) != pin.sha256:
            mismatched.append(pin.filename)
        else:
            ok.append(pin.filename)
    return Status(ok, missing, mismatched)


def remove_unpinned(dest: Path, pins: Iterable[CorpusPin]) -> list[str]:
    """Delete archives that are no longer pinned (only archives: a wrong --dest
    can't lose other files) and temp dirs of killed runs."""
    wanted = {pin.filename for pin in pins}
    removed: list[str] = []
    if not dest.is_dir():
        return removed
    for entry in sorted(dest.iterdir()):
        if entry.is_file() and entry.name.lower().endswith(_ARCHIVES):
            if entry.name not in wanted:
                entry.unlink()
                removed.append(entry.name)
        elif (
            entry.name.startswith(TMP_PREFIX)
            and entry.is_dir()
            and time.time() - entry.stat().st_mtime > 3600
        ):
            for child in entry.iterdir():
                child.unlink()
            entry.rmdir()
    return removed


# -- where pip looks ------------------------------------------------------------------


def _pip_config() -> dict[str, str]:
    """pip's settings as `pip config list` shows them (files and PIP_* variables)."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    settings: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            settings[key.strip()] = value.strip().strip("'\"")
    return settings


def _pip_default_index() -> str:
    """pip's built-in default index, asked of the installed pip itself."""
    code = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=PIP_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise FetchError(
            f"could not run pip to find its default index: {exc}"
        ) from None
    url = proc.stdout.strip()
    if proc.returncode != 0 or not url:
        raise FetchError(
            "pip has no index URL configured and its default could not be read "
            "(is pip installed for this Python?); set PIP_INDEX_URL and rerun"
        )
    return url


def index_settings() -> tuple[str, str | None]:
    """(index URL, CA bundle or None) as pip would use them for `pip download`."""
    settings = _pip_config()

    def setting(option: str) -> str | None:
        for scope in (":env:", "download", "global"):
            value = settings.get(f"{scope}.{option}")
            if value:
                return value
        return None

    index = setting("index-url") or _pip_default_index()
    # pip takes the first of a whitespace-separated list here too
    return index.split()[0], setting("cert")


# -- the index's project page ---------------------------------------------------------


class _Anchors(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _opener(cafile: str | None) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = []
    if cafile:
        handlers.append(
            urllib.request.HTTPSHandler(
                context=ssl.create_default_context(cafile=cafile)
            )
        )
    return urllib.request.build_opener(*handlers)


def _get(
    opener: urllib.request.OpenerDirector, url: str, accept: str | None = None
) -> tuple[bytes, str]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with opener.open(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
        body = response.read(MAX_FILE_BYTES + 1)
        return body, response.headers.get("Content-Type", "")


def file_urls(
    opener: urllib.request.OpenerDirector, index: str, project: str
) -> dict[str, str]:
    """{file name: absolute URL} of one project's files on the index."""
    page_url = index.rstrip("/") + "/" + normalize(project) + "/"
    try:
        body, content_type = _get(opener, page_url, PEP691_ACCEPT)
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"could not read {page_url}: {exc}") from None
    urls: dict[str, str] = {}
    if "json" in content_type:
        for entry in json.loads(body)["files"]:
            urls[entry["filename"]] = urllib.parse.urljoin(page_url, entry["url"])
        return urls
    parser = _Anchors()
    parser.feed(body.decode("utf-8", "replace"))
    for href in parser.hrefs:
        absolute = urllib.parse.urljoin(page_url, href)
        name = urllib.parse.unquote(
            urllib.parse.urldefrag(absolute).url.rsplit("/", 1)[-1]
        )
        urls[name] = absolute
    return urls


def _download(
    opener: urllib.request.OpenerDirector, pin: CorpusPin, url: str, tmp: Path
) -> Path:
    try:
        data, _ = _get(opener, url)
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"download of {pin.filename} failed: {exc}") from None
    actual = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_FILE_BYTES or actual != pin.sha256:
        raise FetchError(
            f"{pin.filename} from the index has sha256 {actual}, pinned "
            f"{pin.sha256}: the index served a different file; check "
            f"tools/corpus.txt line {pin.lineno}"
        )
    path = tmp / pin.filename
    path.write_bytes(data)
    return path


def fetch(dest: Path = DEFAULT_DEST, pins_file: Path = PINS_FILE) -> str:
    """Bring dest in line with the pins; return a one-line summary."""
    start = time.monotonic()
    pins = parse_pins(pins_file)
    removed = remove_unpinned(dest, pins)
    status = check_dest(dest, pins)
    if status.clean:
        note = f", removed {len(removed)} unpinned" if removed else ""
        return f"{len(pins)} corpus files already up to date in {dest}{note}"
    needed = set(status.missing) | set(status.mismatched)
    todo = [pin for pin in pins if pin.filename in needed]
    index, cafile = index_settings()
    opener = _opener(cafile)
    projects = sorted({pin.project for pin in todo}, key=normalize)
    with ThreadPoolExecutor(max_workers=8) as pool:
        pages = dict(
            zip(projects, pool.map(lambda p: file_urls(opener, index, p), projects))
        )
    dest.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=dest))
    try:
        jobs = []
        for pin in todo:
            url = pages[pin.project].get(pin.filename)
            if url is None:
                raise FetchError(
                    f"the index has no file {pin.filename} for project {pin.project} "
                    f"(tools/corpus.txt line {pin.lineno}); check the pin and pip's "
                    "index settings ('python -m pip config list')"
                )
            jobs.append((pin, url))
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(
                pool.map(lambda job: _download(opener, job[0], job[1], tmp), jobs)
            )
        for path in got:
            os.replace(path, dest / path.name)
    finally:
        for leftover in tmp.iterdir():
            leftover.unlink()
        tmp.rmdir()
    final = check_dest(dest, pins)
    if not final.clean:
        raise FetchError(
            f"{dest} still differs from the pins after fetching (missing "
            f"{final.missing}, mismatched {final.mismatched}); rerun"
        )
    for name in sorted(needed):
        verb = "replaced" if name in status.mismatched else "fetched"
        print(f"  {verb:8} {name}")
    return (
        f"{len(pins)} corpus files ready in {dest}: fetched {len(status.missing)}, "
        f"replaced {len(status.mismatched)}, kept {len(status.ok)}, removed "
        f"{len(removed)} unpinned, in {time.monotonic() - start:.1f}s"
    )


def check(dest: Path = DEFAULT_DEST, pins_file: Path = PINS_FILE) -> tuple[bool, str]:
    """Verify dest against the pins without downloading; (ok, summary)."""
    pins = parse_pins(pins_file)
    status = check_dest(dest, pins)
    if status.clean:
        return True, f"{len(pins)} corpus files match the pins in {dest}"
    problems = []
    if status.missing:
        problems.append(f"missing {len(status.missing)} ({status.missing[0]}, ...)")
    if status.mismatched:
        problems.append(f"wrong sha256 {', '.join(status.mismatched)}")
    return False, (
        f"{dest} does not match tools/corpus.txt: {'; '.join(problems)}; {FETCH_HINT}"
    )


def run(dest: Path, pins_file: Path, *, check_only: bool) -> int:
    """Fetch or check, print the summary or one error line; the exit code."""
    error = "fetch_corpus: error:"
    try:
        if check_only:
            ok, summary = check(dest, pins_file)
            print(
                summary if ok else f"{error} {summary}",
                file=sys.stdout if ok else sys.stderr,
            )
            return 0 if ok else 1
        print(fetch(dest, pins_file))
        return 0
    except FetchError as exc:
        print(f"{error} {exc}", file=sys.stderr)
    except ValueError as exc:
        print(f"{error} bad pins file: {exc}", file=sys.stderr)
    except OSError as exc:
        print(
            f"{error} {exc}; check that {dest} is writable and rerun", file=sys.stderr
        )
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST)
    parser.add_argument("--pins", type=Path, default=PINS_FILE, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help="verify only")
    args = parser.parse_args(argv)
    return run(args.dest.resolve(), args.pins, check_only=args.check)


if __name__ == "__main__":
    sys.exit(main())

"""The corpus of real, odd distributions (tools/corpus.txt, tests_data/corpus/).

tools/fetch_backends.py fetches the files once; the tests serve them from the
harness's local indexes. A missing or altered file is an error that names the
fetch command, never a skip (as for the backend wheels).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS_PINS = REPO / "tools" / "corpus.txt"
CORPUS_DIR = REPO / "tests_data" / "corpus"
FETCH_HINT = "run python tools/fetch_backends.py"

_LINE_RE = re.compile(r"^(\S+)\s+(\S+)\s+sha256:([0-9a-f]{64})\b")


class CorpusMissing(RuntimeError):
    """tests_data/corpus lacks pinned files, or holds other bytes than pinned."""


@dataclass(frozen=True)
class CorpusFile:
    project: str
    filename: str
    sha256: str
    path: Path


def corpus_files(
    pins_file: Path = CORPUS_PINS, corpus_dir: Path = CORPUS_DIR
) -> dict[str, CorpusFile]:
    """{file name: CorpusFile} of every pinned file, each checked against its pin."""
    found: dict[str, CorpusFile] = {}
    for line in pins_file.read_text(encoding="utf-8").splitlines():
        match = _LINE_RE.match(line.strip())
        if match is None:
            continue
        project, filename, sha256 = match.groups()
        found[filename] = CorpusFile(project, filename, sha256, corpus_dir / filename)
    bad = [
        f.filename
        for f in found.values()
        if not f.path.is_file()
        or hashlib.sha256(f.path.read_bytes()).hexdigest() != f.sha256
    ]
    if bad:
        raise CorpusMissing(
            f"{corpus_dir} lacks {len(bad)} pinned file(s) or holds other bytes "
            f"({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}): {FETCH_HINT}"
        )
    return found

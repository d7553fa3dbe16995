"""Write a static package index (PEP 503 HTML + PEP 691 JSON) to a directory.

Layout under root:
    files/<dist>                 the distributions (also a flat --find-links dir)
    files/<wheel>.metadata       PEP 658 core metadata of each wheel
    simple/index.html|json       project list
    simple/<project>/index.html|json

All URLs inside the pages are relative, so the same tree works through
file:// and through harness.server.IndexServer.
"""

from __future__ import annotations

import hashlib
import html
import json
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from packaging.utils import (
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from .dists import DistFactory, parse_metadata, read_metadata

# Fixed so that regenerated pages are byte-identical (PEP 700 format).
UPLOAD_TIME = "2020-01-01T00:00:00.000000Z"
API_VERSION = "1.1"

Yanked = Union[str, bool]


@dataclass(frozen=True)
class IndexFile:
    """One distribution file as the index describes it."""

    filename: str
    project: str  # normalized
    display_name: str
    version: Version
    sha256: str
    size: int
    requires_python: str | None
    yanked: Yanked
    metadata_sha256: str | None  # of the PEP 658 file, when there is one

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _name_version(filename: str) -> tuple[str, Version]:
    if filename.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(filename)
    else:
        name, version = parse_sdist_filename(filename)
    return name, version


def _is_dist(path: Path) -> bool:
    return path.is_file() and path.name.endswith((".whl", ".tar.gz", ".zip"))


def _yank_value(
    yanked: Mapping[str, Yanked], filename: str, project: str, version: Version
) -> Yanked:
    # A key is either a filename or "project==version" (the whole release).
    for key in (filename, f"{project}=={version}"):
        if key in yanked:
            return yanked[key]
    for key, value in yanked.items():
        name, sep, ver = key.partition("==")
        if sep and canonicalize_name(name) == project and Version(ver) == version:
            return value
    return False


def _describe(
    path: Path, yanked: Mapping[str, Yanked], metadata_files: bool
) -> IndexFile:
    project, version = _name_version(path.name)
    data = path.read_bytes()
    metadata_text = read_metadata(path)
    metadata = parse_metadata(metadata_text)
    metadata_sha256 = None
    metadata_path = path.with_name(path.name + ".metadata")
    if path.name.endswith(".whl") and metadata_files:
        metadata_bytes = metadata_text.encode("utf-8")
        metadata_path.write_bytes(metadata_bytes)
        metadata_sha256 = _sha256(metadata_bytes)
    elif metadata_path.exists():
        metadata_path.unlink()  # stale from an earlier build with metadata_files=True
    return IndexFile(
        filename=path.name,
        project=project,
        display_name=metadata.get("Name", project),
        version=version,
        sha256=_sha256(data),
        size=len(data),
        requires_python=metadata.get("Requires-Python"),
        yanked=_yank_value(yanked, path.name, project, version),
        metadata_sha256=metadata_sha256,
    )


def _project_html(display_name: str, files: list[IndexFile]) -> str:
    title = html.escape(f"Links for {display_name}")
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        f"    <title>{title}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>{title}</h1>",
    ]
    for f in files:
        href = html.escape(f"../../files/{f.filename}#sha256={f.sha256}")
        attrs = [f'href="{href}"']
        if f.requires_python:
            attrs.append(f'data-requires-python="{html.escape(f.requires_python)}"')
        if f.yanked is True:
            attrs.append("data-yanked")
        elif f.yanked:
            attrs.append(f'data-yanked="{html.escape(str(f.yanked))}"')
        if f.metadata_sha256:
            # PEP 714 name plus the older PEP 658 name that older clients read.
            attrs.append(f'data-core-metadata="sha256={f.metadata_sha256}"')
            attrs.append(f'data-dist-info-metadata="sha256={f.metadata_sha256}"')
        lines.append(f"    <a {' '.join(attrs)}>{html.escape(f.filename)}</a><br>")
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines)


def _project_json(project: str, files: list[IndexFile]) -> str:
    versions = sorted({f.version for f in files})
    entries = []
    for f in files:
        metadata: object = {"sha256": f.metadata_sha256} if f.metadata_sha256 else False
        entries.append(
            {
                "filename": f.filename,
                "url": f"../../files/{f.filename}",
                "hashes": {"sha256": f.sha256},
                "requires-python": f.requires_python,
                "yanked": f.yanked,
                "core-metadata": metadata,
                "dist-info-metadata": metadata,
                "size": f.size,
                "upload-time": UPLOAD_TIME,
            }
        )
    page = {
        "meta": {"api-version": API_VERSION},
        "name": project,
        "versions": [str(v) for v in versions],
        "files": entries,
    }
    return json.dumps(page, indent=2) + "\n"


def _root_pages(projects: list[str]) -> tuple[str, str]:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        "    <title>Simple index</title>",
        "  </head>",
        "  <body>",
        *(
            f'    <a href="{html.escape(p)}/">{html.escape(p)}</a><br>'
            for p in projects
        ),
        "  </body>",
        "</html>",
        "",
    ]
    page = {
        "meta": {"api-version": API_VERSION},
        "projects": [{"name": p} for p in projects],
    }
    return "\n".join(lines), json.dumps(page, indent=2) + "\n"


@dataclass
class LocalIndex:
    """A package index on disk. Use file_url or serve root with IndexServer."""

    root: Path
    yanked: dict[str, Yanked] = field(default_factory=dict)
    metadata_files: bool = True
    files: list[IndexFile] = field(default_factory=list)

    @property
    def simple_dir(self) -> Path:
        return self.root / "simple"

    @property
    def find_links_dir(self) -> Path:
        """The flat directory of distributions (for --find-links)."""
        return self.root / "files"

    @property
    def file_url(self) -> str:
        """file:// URL of the simple API root, with a trailing slash."""
        return self.simple_dir.resolve().as_uri() + "/"

    def project_dir(self, project: str) -> Path:
        return self.simple_dir / canonicalize_name(project)

    def dist_path(self, filename: str) -> Path:
        return self.find_links_dir / filename

    def add(
        self, dists: Iterable[Path], *, yanked: Mapping[str, Yanked] | None = None
    ) -> LocalIndex:
        """Copy more distributions in and rewrite every page."""
        self.find_links_dir.mkdir(parents=True, exist_ok=True)
        for dist in dists:
            dist = Path(dist)
            target = self.find_links_dir / dist.name
            if dist.resolve() != target.resolve():
                shutil.copyfile(dist, target)
        self.yanked.update(yanked or {})
        self.rebuild()
        return self

    def rebuild(self) -> None:
        """Regenerate all pages from the files currently in find_links_dir."""
        dist_paths = sorted(p for p in self.find_links_dir.iterdir() if _is_dist(p))
        described = [_describe(p, self.yanked, self.metadata_files) for p in dist_paths]
        described.sort(key=lambda f: (f.project, f.version, f.filename))
        self.files = described

        if self.simple_dir.exists():
            shutil.rmtree(self.simple_dir)  # drop pages of projects no longer present
        self.simple_dir.mkdir(parents=True)
        by_project: dict[str, list[IndexFile]] = {}
        for f in described:
            by_project.setdefault(f.project, []).append(f)
        root_html, root_json = _root_pages(sorted(by_project))
        (self.simple_dir / "index.html").write_text(root_html, encoding="utf-8")
        (self.simple_dir / "index.json").write_text(root_json, encoding="utf-8")
        for project, files in by_project.items():
            page_dir = self.simple_dir / project
            page_dir.mkdir()
            display = files[-1].display_name
            (page_dir / "index.html").write_text(
                _project_html(display, files), encoding="utf-8"
            )
            (page_dir / "index.json").write_text(
                _project_json(project, files), encoding="utf-8"
            )


def build_index(
    root: Path,
    dists: Iterable[Path],
    *,
    yanked: Mapping[str, Yanked] | None = None,
    metadata_files: bool = True,
) -> LocalIndex:
    """Create an index in root holding copies of dists.

    yanked maps a filename, or "project==version" for a whole release, to a
    reason string (or True for a yank without reason).
    """
    index = LocalIndex(Path(root), metadata_files=metadata_files)
    return index.add(dists, yanked=yanked)


# What sample_index holds; tests can rely on these facts.
SAMPLE_YANK_REASON = "Broken build, use 1.0"
SAMPLE_RELEASES: list[tuple[str, str]] = [
    ("simple", "1.0"),
    ("simple", "2.0"),
    ("withdeps", "1.0"),
    ("another", "1.0"),
    ("another", "1.1"),  # yanked with SAMPLE_YANK_REASON
    ("needs-py-new", "1.0"),  # Requires-Python >=3.99
    ("withdata", "1.0"),
]


def build_sample_index(root: Path, factory: DistFactory) -> LocalIndex:
    """The standard index of the tests_data projects (wheel + sdist of each)."""
    dists = [
        path
        for project, version in SAMPLE_RELEASES
        for path in factory.both(project, version)
    ]
    return build_index(root, dists, yanked={"another==1.1": SAMPLE_YANK_REASON})

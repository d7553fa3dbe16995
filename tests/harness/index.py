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
    InvalidSdistFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .dists import DistFactory, parse_metadata, read_metadata

# Fixed so that regenerated pages are byte-identical (PEP 700 format).
UPLOAD_TIME = "2020-01-01T00:00:00.000000Z"
API_VERSION = "1.1"

Yanked = Union[str, bool]
#: A release's version: a Version, or the file's own string where that is not
#: PEP 440 (real indexes list such files; installers must skip them).
AnyVersion = Union[Version, str]

#: Archive suffixes an index may list (real projects uploaded all of these).
SDIST_SUFFIXES = (
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


@dataclass(frozen=True)
class IndexFile:
    """One distribution file as the index describes it."""

    filename: str
    project: str  # normalized
    display_name: str
    version: AnyVersion
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


def _sdist_stem(filename: str) -> str:
    lowered = filename.lower()
    for suffix in SDIST_SUFFIXES:
        if lowered.endswith(suffix):
            return filename[: -len(suffix)]
    raise ValueError(f"{filename}: not a wheel or sdist")


def _name_version(filename: str, project: str | None = None) -> tuple[str, AnyVersion]:
    """Project and version a file name says. project names the file's project
    where the sdist's name alone is ambiguous or not PEP 440 (old real uploads:
    "zope.event-3.5.0-1.tar.gz", "pytz-2005k.tar.bz2")."""
    if filename.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(filename)
        return name, version
    try:
        name, version = parse_sdist_filename(filename)
        if project is None or name == canonicalize_name(project):
            return name, version
    except (InvalidSdistFilename, InvalidVersion):
        if project is None:
            raise
    assert project is not None
    # As an index lists it: the version is what follows the project's name.
    stem = _sdist_stem(filename)
    if canonicalize_name(stem[: len(project)]) != canonicalize_name(project):
        raise ValueError(f"{filename} is not a file of project {project}")
    raw = stem[len(project) + 1 :]
    try:
        return canonicalize_name(project), Version(raw)
    except InvalidVersion:
        return canonicalize_name(project), raw


def _version_key(version: AnyVersion) -> tuple[int, Version | str]:
    # PEP 440 versions in order, then the others by their text.
    return (0, version) if isinstance(version, Version) else (1, version)


def _is_dist(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and (name.endswith(".whl") or name.endswith(SDIST_SUFFIXES))


def _yank_value(
    yanked: Mapping[str, Yanked], filename: str, project: str, version: AnyVersion
) -> Yanked:
    # A key is either a filename or "project==version" (the whole release).
    for key in (filename, f"{project}=={version}"):
        if key in yanked:
            return yanked[key]
    for key, value in yanked.items():
        name, sep, ver = key.partition("==")
        if (
            sep
            and canonicalize_name(name) == project
            and isinstance(version, Version)
            and Version(ver) == version
        ):
            return value
    return False


def _describe(
    path: Path,
    yanked: Mapping[str, Yanked],
    metadata_files: bool,
    project_hint: str | None = None,
) -> IndexFile:
    project, version = _name_version(path.name, project_hint)
    data = path.read_bytes()
    try:
        metadata_text: str | None = read_metadata(path)
    except (ValueError, OSError, UnicodeDecodeError):
        metadata_text = None  # an old sdist without a usable PKG-INFO
    metadata = parse_metadata(metadata_text or "")
    metadata_sha256 = None
    metadata_path = path.with_name(path.name + ".metadata")
    if path.name.endswith(".whl") and metadata_files and metadata_text is not None:
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
    versions = sorted({f.version for f in files}, key=_version_key)
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
    #: {file name: project} for files whose name alone does not say it (real,
    #: old uploads: "zope.event-3.5.0-1.tar.gz", "pytz-2005k.tar.bz2").
    projects: dict[str, str] = field(default_factory=dict)

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
        self,
        dists: Iterable[Path],
        *,
        yanked: Mapping[str, Yanked] | None = None,
        projects: Mapping[str, str] | None = None,
    ) -> LocalIndex:
        """Copy more distributions in and rewrite every page."""
        self.find_links_dir.mkdir(parents=True, exist_ok=True)
        for dist in dists:
            dist = Path(dist)
            target = self.find_links_dir / dist.name
            if dist.resolve() != target.resolve():
                shutil.copyfile(dist, target)
        self.yanked.update(yanked or {})
        self.projects.update(projects or {})
        self.rebuild()
        return self

    def rebuild(self) -> None:
        """Regenerate all pages from the files currently in find_links_dir."""
        dist_paths = sorted(p for p in self.find_links_dir.iterdir() if _is_dist(p))
        described = [
            _describe(p, self.yanked, self.metadata_files, self.projects.get(p.name))
            for p in dist_paths
        ]
        described.sort(key=lambda f: (f.project, _version_key(f.version), f.filename))
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
    projects: Mapping[str, str] | None = None,
) -> LocalIndex:
    """Create an index in root holding copies of dists.

    yanked maps a filename, or "project==version" for a whole release, to a
    reason string (or True for a yank without reason). projects maps a file
    name to its project where the name alone does not say (old real uploads).
    """
    index = LocalIndex(Path(root), metadata_files=metadata_files)
    return index.add(dists, yanked=yanked, projects=projects)


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

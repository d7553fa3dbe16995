"""Build wheels and sdists for tests without running any build backend.

Everything written here is deterministic (fixed timestamps, sorted entries) so
that file hashes are stable across runs and machines.
"""

from __future__ import annotations

import base64
import csv
import email.parser
import gzip
import hashlib
import io
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from email.message import Message
from pathlib import Path
from typing import Any, Union

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.tags import parse_tag
from packaging.utils import (
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on old interpreters only
    import tomli as tomllib

FileContents = Union[str, bytes]

# 2020-01-01 00:00:00 UTC; any fixed value keeps archives byte-identical.
FIXED_EPOCH = 1577836800
ZIP_DATE_TIME = (2020, 1, 1, 0, 0, 0)
GENERATOR = "inst-test-harness 1.0"

# Skipped when copying a source tree: build litter from earlier real builds.
_IGNORED_DIRS = {"__pycache__", "build", "dist", ".git"}
_IGNORED_SUFFIXES = (".pyc", ".pyo")


def normalized_name(name: str) -> str:
    """The name as it appears in wheel/sdist filenames (PEP 491, PEP 625)."""
    return canonicalize_name(name).replace("-", "_")


def normalized_version(version: str) -> str:
    return str(Version(version))


def core_metadata(
    name: str,
    version: str,
    *,
    requires: Iterable[str] = (),
    extras: Mapping[str, Iterable[str]] | None = None,
    requires_python: str | None = None,
    summary: str | None = None,
    metadata_version: str = "2.1",
) -> str:
    """Core metadata text (METADATA / PKG-INFO) for the given fields."""
    lines = [
        f"Metadata-Version: {metadata_version}",
        f"Name: {name}",
        f"Version: {version}",
    ]
    if summary:
        lines.append(f"Summary: {summary}")
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {Requirement(req)}" for req in requires)
    for extra, reqs in (extras or {}).items():
        # PEP 685: extras are compared normalized, so write them normalized.
        extra = canonicalize_name(extra)
        lines.append(f"Provides-Extra: {extra}")
        for req_text in reqs:
            req = Requirement(req_text)
            extra_marker = f'extra == "{extra}"'
            req.marker = Marker(
                f"({req.marker}) and {extra_marker}" if req.marker else extra_marker
            )
            lines.append(f"Requires-Dist: {req}")
    return "\n".join(lines) + "\n\n"


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _as_bytes(contents: FileContents) -> bytes:
    return contents.encode("utf-8") if isinstance(contents, str) else contents


def _zip_add(zf: zipfile.ZipFile, arcname: str, data: bytes) -> None:
    info = zipfile.ZipInfo(arcname, date_time=ZIP_DATE_TIME)
    info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def _entry_points_text(entry_points: Mapping[str, Mapping[str, str]]) -> str:
    sections = []
    for group in sorted(entry_points):
        body = "".join(
            f"{key} = {value}\n" for key, value in sorted(entry_points[group].items())
        )
        sections.append(f"[{group}]\n{body}")
    return "\n".join(sections)


def make_wheel(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires: Iterable[str] = (),
    extras: Mapping[str, Iterable[str]] | None = None,
    requires_python: str | None = None,
    files: Mapping[str, FileContents] | None = None,
    entry_points: Mapping[str, Mapping[str, str]] | None = None,
    tag: str = "py3-none-any",
    build: str | None = None,
    summary: str | None = None,
) -> Path:
    """Write a valid wheel into dest_dir and return its path.

    files maps archive paths to contents; by default the wheel holds one
    package named after the project with a __version__ attribute.
    entry_points maps a group (e.g. "console_scripts") to {name: target}.
    """
    dist_name = normalized_name(name)
    version = normalized_version(version)
    if files is None:
        files = {f"{dist_name}/__init__.py": f'__version__ = "{version}"\n'}
    tags = sorted(str(t) for t in parse_tag(tag))
    purelib = all(t.endswith("-any") for t in tags)

    dist_info = f"{dist_name}-{version}.dist-info"
    contents: dict[str, bytes] = {
        path: _as_bytes(data) for path, data in sorted(files.items())
    }
    contents[f"{dist_info}/METADATA"] = core_metadata(
        name,
        version,
        requires=requires,
        extras=extras,
        requires_python=requires_python,
        summary=summary,
    ).encode("utf-8")
    wheel_lines = [
        "Wheel-Version: 1.0",
        f"Generator: {GENERATOR}",
        f"Root-Is-Purelib: {'true' if purelib else 'false'}",
        *(f"Tag: {t}" for t in tags),
    ]
    if build:
        wheel_lines.append(f"Build: {build}")
    contents[f"{dist_info}/WHEEL"] = ("\n".join(wheel_lines) + "\n").encode("utf-8")
    if entry_points:
        contents[f"{dist_info}/entry_points.txt"] = _entry_points_text(
            entry_points
        ).encode("utf-8")

    record_path = f"{dist_info}/RECORD"
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in contents.items():
        writer.writerow([path, _record_hash(data), str(len(data))])
    writer.writerow([record_path, "", ""])  # RECORD cannot hash itself
    contents[record_path] = record.getvalue().encode("utf-8")

    build_part = f"-{build}" if build else ""
    wheel_path = Path(dest_dir) / f"{dist_name}-{version}{build_part}-{tag}.whl"
    wheel_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel_path, "w") as zf:
        for path, data in contents.items():
            _zip_add(zf, path, data)
    return wheel_path


def read_pyproject(tree: Path) -> dict[str, Any]:
    with open(Path(tree) / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _tree_files(root: Path) -> dict[str, bytes]:
    """Files under root as {posix relative path: bytes}, build litter excluded."""
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(
            part in _IGNORED_DIRS or part.endswith(".egg-info") for part in rel.parts
        ):
            continue
        if path.is_file() and not path.name.endswith(_IGNORED_SUFFIXES):
            files[rel.as_posix()] = path.read_bytes()
    return files


def _project_fields(project: Mapping[str, Any]) -> dict[str, Any]:
    """The make_wheel/core_metadata keyword arguments held in a [project] table."""
    return {
        "requires": project.get("dependencies", []),
        "extras": project.get("optional-dependencies") or None,
        "requires_python": project.get("requires-python"),
        "summary": project.get("description"),
    }


def wheel_from_tree(
    tree: Path, dest_dir: Path, *, version: str | None = None, tag: str = "py3-none-any"
) -> Path:
    """A wheel of a tests_data project tree (static [project] table, code in src/)."""
    tree = Path(tree)
    project = read_pyproject(tree)["project"]
    entry_points: dict[str, dict[str, str]] = {
        group: dict(values) for group, values in project.get("entry-points", {}).items()
    }
    if project.get("scripts"):
        entry_points["console_scripts"] = dict(project["scripts"])
    if project.get("gui-scripts"):
        entry_points["gui_scripts"] = dict(project["gui-scripts"])
    return make_wheel(
        dest_dir,
        project["name"],
        version or project["version"],
        files=_tree_files(tree / "src"),
        entry_points=entry_points or None,
        tag=tag,
        **_project_fields(project),
    )


def _with_project_version(pyproject: str, version: str) -> str:
    """pyproject.toml text with the [project] version replaced (line based)."""
    out = []
    table = ""
    for line in pyproject.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped
        elif table == "[project]" and stripped.split("=")[0].strip() == "version":
            line = f'version = "{version}"\n'
        out.append(line)
    return "".join(out)


def _write_sdist(
    dest_dir: Path, name: str, version: str, files: Mapping[str, bytes], pkg_info: str
) -> Path:
    base = f"{normalized_name(name)}-{version}"
    entries = dict(files)
    entries["PKG-INFO"] = pkg_info.encode("utf-8")
    dirs = {
        "/".join(p.split("/")[:i]) for p in entries for i in range(1, p.count("/") + 1)
    }

    sdist_path = Path(dest_dir) / f"{base}.tar.gz"
    sdist_path.parent.mkdir(parents=True, exist_ok=True)
    # gzip mtime=0 and an empty embedded filename keep the bytes reproducible.
    with (
        open(sdist_path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for member in sorted({"", *dirs} | set(entries)):
            info = tarfile.TarInfo(f"{base}/{member}".rstrip("/"))
            info.mtime = FIXED_EPOCH
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            if member in entries:
                data = entries[member]
                info.size = len(data)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
            else:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
    return sdist_path


def sdist_from_tree(tree: Path, dest_dir: Path, *, version: str | None = None) -> Path:
    """A PEP 625 sdist of a project tree, with a generated PKG-INFO."""
    tree = Path(tree)
    project = read_pyproject(tree)["project"]
    files = _tree_files(tree)
    if version is not None:
        version = normalized_version(version)
        # Keep pyproject.toml consistent so a real build yields the same version.
        pyproject = files["pyproject.toml"].decode("utf-8")
        files["pyproject.toml"] = _with_project_version(pyproject, version).encode(
            "utf-8"
        )
    else:
        version = normalized_version(project["version"])
    pkg_info = core_metadata(project["name"], version, **_project_fields(project))
    return _write_sdist(dest_dir, project["name"], version, files, pkg_info)


def _toml_str(value: str) -> str:
    # A JSON string (ASCII-escaped) is also a valid TOML basic string.
    import json

    return json.dumps(value)


def make_sdist(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires: Iterable[str] = (),
    extras: Mapping[str, Iterable[str]] | None = None,
    requires_python: str | None = None,
    files: Mapping[str, FileContents] | None = None,
) -> Path:
    """A buildable setuptools sdist from arguments (src layout, static metadata).

    files maps paths relative to the project root (e.g. "src/pkg/__init__.py")
    to contents; by default one package named after the project.
    """
    version = normalized_version(version)
    requires = list(requires)
    dist_name = normalized_name(name)
    if files is None:
        files = {f"src/{dist_name}/__init__.py": f'__version__ = "{version}"\n'}
    lines = [
        "[build-system]",
        'requires = ["setuptools>=61"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f"name = {_toml_str(name)}",
        f"version = {_toml_str(version)}",
        f"dependencies = [{', '.join(_toml_str(r) for r in requires)}]",
    ]
    if requires_python:
        lines.append(f"requires-python = {_toml_str(requires_python)}")
    if extras:
        lines += ["", "[project.optional-dependencies]"]
        for extra, reqs in extras.items():
            lines.append(
                f"{_toml_str(extra)} = [{', '.join(_toml_str(r) for r in reqs)}]"
            )
    all_files = {path: _as_bytes(data) for path, data in files.items()}
    all_files.setdefault("pyproject.toml", ("\n".join(lines) + "\n").encode("utf-8"))
    pkg_info = core_metadata(
        name, version, requires=requires, extras=extras, requires_python=requires_python
    )
    return _write_sdist(dest_dir, name, version, all_files, pkg_info)


def read_metadata(dist_path: Path) -> str:
    """Core metadata text of a wheel (METADATA) or sdist (PKG-INFO)."""
    dist_path = Path(dist_path)
    filename = dist_path.name
    if filename.endswith(".whl"):
        name, _, _, _ = parse_wheel_filename(filename)
        with zipfile.ZipFile(dist_path) as zf:
            candidates = [
                n
                for n in zf.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(candidates) > 1:
                # Only the .dist-info directory naming this project counts.
                candidates = [
                    n for n in candidates if canonicalize_name(n.split("-")[0]) == name
                ]
            if len(candidates) != 1:
                raise ValueError(
                    f"{filename}: expected one .dist-info/METADATA, found {candidates}"
                )
            return zf.read(candidates[0]).decode("utf-8")
    if filename.endswith((".tar.gz", ".zip")):
        parse_sdist_filename(filename)  # rejects names that are not sdists
    if filename.endswith(".zip"):
        with zipfile.ZipFile(dist_path) as zf:
            pkg_infos = sorted(
                n
                for n in zf.namelist()
                if n.count("/") == 1 and n.endswith("/PKG-INFO")
            )
            if not pkg_infos:
                raise ValueError(f"{filename}: no PKG-INFO")
            return zf.read(pkg_infos[0]).decode("utf-8")
    # .tar.gz, and the .tgz/.tar.bz2/.tar.xz sdists of old real projects
    with tarfile.open(dist_path, "r:*") as tar:
        for member in tar.getmembers():
            if (
                member.isfile()
                and member.name.count("/") == 1
                and member.name.endswith("/PKG-INFO")
            ):
                extracted = tar.extractfile(member)
                assert extracted is not None
                return extracted.read().decode("utf-8")
    raise ValueError(f"{filename}: no PKG-INFO")


def parse_metadata(text: str) -> Message:
    """Core metadata as an email Message (use get/get_all on field names)."""
    return email.parser.Parser().parsestr(text)


class DistFactory:
    """Builds wheels/sdists of tests_data projects once and caches them.

    Meant to be session-scoped: tests get paths into a shared cache directory
    and must copy (not modify) the files, which build_index already does.
    """

    def __init__(self, projects_dir: Path, cache_dir: Path) -> None:
        self.projects_dir = Path(projects_dir)
        self.cache_dir = Path(cache_dir)
        self._built: dict[tuple[str, str, str | None, str], Path] = {}

    def tree(self, project: str) -> Path:
        tree = self.projects_dir / project
        if not (tree / "pyproject.toml").is_file():
            raise ValueError(f"no project tree {project!r} in {self.projects_dir}")
        return tree

    def wheel(
        self, project: str, version: str | None = None, *, tag: str = "py3-none-any"
    ) -> Path:
        key = ("wheel", project, version, tag)
        if key not in self._built:
            dest = self.cache_dir / "wheels"
            self._built[key] = wheel_from_tree(
                self.tree(project), dest, version=version, tag=tag
            )
        return self._built[key]

    def sdist(self, project: str, version: str | None = None) -> Path:
        key = ("sdist", project, version, "")
        if key not in self._built:
            dest = self.cache_dir / "sdists"
            self._built[key] = sdist_from_tree(
                self.tree(project), dest, version=version
            )
        return self._built[key]

    def both(self, project: str, version: str | None = None) -> list[Path]:
        """The wheel and the sdist of one project release."""
        return [self.wheel(project, version), self.sdist(project, version)]

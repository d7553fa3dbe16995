"""What ``inst list``, ``inst freeze`` and ``inst show`` share: facts about installed
distributions, worked out as pip works them out.

Nothing here touches the network or imports requests: listing an environment must
start fast.
"""

from __future__ import annotations

import csv
import os
import pathlib
import re
import string
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from inst.fileurls import file_url, path_from_file_url

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from packaging.utils import NormalizedName

    from inst.environment import Environment, InstalledDist

#: Never listed, as in pip (its ``stdlib_pkgs``): what old Pythons registered for parts
#: of their standard library.
STDLIB_NAMES: frozenset[str] = frozenset({"python", "wsgiref", "argparse"})

#: Left out of ``inst freeze`` as pip leaves them out: the installer itself, and on
#: Pythons before 3.12 (whose venvs came with them) the build tools.
_INSTALLER_NAMES = frozenset({"pip"})
_BUILD_TOOL_NAMES = frozenset({"setuptools", "distribute", "wheel"})


def listed(environment: Environment) -> list[InstalledDist]:
    """The target's distributions as ``pip list`` shows them: by canonical name."""
    installed = environment.installed()
    return [installed[name] for name in sorted(installed) if name not in STDLIB_NAMES]


def freeze_skipped(environment: Environment) -> frozenset[str]:
    """Names ``inst freeze`` leaves out, as ``pip freeze`` without ``--all``.

    pip decides by the Python it runs on, which is the target's (``pip --python``
    re-runs pip there), so the target's version decides here.
    """
    skipped = STDLIB_NAMES | _INSTALLER_NAMES
    if tuple(environment.version_info[:2]) < (3, 12):
        skipped |= _BUILD_TOOL_NAMES
    return skipped


def installer(dist: InstalledDist) -> str:
    """The first line of INSTALLER, "" when there is none (pip's rule)."""
    for line in (dist.installer or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


# --- editable installs ---------------------------------------------------------------


def editable_location(dist: InstalledDist, environment: Environment) -> str | None:
    """Where an editable install's project lives; None when it is not editable.

    As pip: PEP 610's ``dir_info.editable`` when there is a direct_url.json, else a
    legacy ``.egg-link`` file on the target's sys.path (then the distribution's own
    location is the project).
    """
    direct = dist.direct_url
    if direct is not None:
        info = direct.get("dir_info")
        url = direct.get("url")
        if isinstance(info, dict) and info.get("editable") and isinstance(url, str):
            return file_url_path(url)
        return None
    link_name = re.sub("[^A-Za-z0-9.]+", "-", dist.display_name) + ".egg-link"
    for entry in environment.interpreter.sys_path:
        if entry and os.path.isfile(os.path.join(entry, link_name)):
            return str(dist.location)
    return None


def file_url_path(url: str) -> str:
    """The local path of a file:// URL as a string; any other URL as it is."""
    from urllib.parse import urlsplit

    if urlsplit(url).scheme != "file":
        return url
    return str(path_from_file_url(url))


# --- freeze --------------------------------------------------------------------------


def freeze_lines(
    dist: InstalledDist,
    environment: Environment,
    warn: Callable[[str], None] | None = None,
) -> list[str]:
    """The lines ``pip freeze`` writes for one distribution (comments first); warn
    hears, in words, why an editable project's location could not be told."""
    name = dist.display_name
    pinned = f"{name}=={dist.version}"
    editable = editable_location(dist, environment)
    if editable is not None:
        location = os.path.normcase(os.path.abspath(editable))
        found = _git_requirement(location, name, pinned, warn or (lambda text: None))
        if found is None:
            return [
                f"# Editable install with no version control ({pinned})",
                f"-e {location}",
            ]
        requirement, comments = found
        return [*comments, f"-e {requirement}"]
    reference = direct_reference(dist.direct_url, name)
    return [reference if reference is not None else pinned]


_SCP_URL = re.compile(r"^(\w+@)?([^/:]+):(\w[^:]*)$")


def _git_requirement(
    location: str, name: str, pinned: str, warn: Callable[[str], None]
) -> tuple[str, list[str]] | None:
    """pip's ``-e git+URL@COMMIT#egg=NAME`` (and its comments) for an editable project in
    a git work tree; None when it is in none. Only git, of pip's four VCSs."""
    import shutil
    import subprocess

    has_dot_git = os.path.exists(os.path.join(location, ".git"))
    git = shutil.which("git")
    if git is None:
        if not has_dot_git:
            return None
        warn(
            f"cannot determine the version of the editable source in {location} "
            "(git command not found in path)"
        )
        return location, []
    # As pip: the user's GIT_DIR / GIT_WORK_TREE must not point git elsewhere.
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("GIT_DIR", "GIT_WORK_TREE")
    }

    def git_output(*args: str) -> str | None:
        try:
            done = subprocess.run(
                [git, *args],
                cwd=location,
                env=environ,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:
            return None
        return done.stdout if done.returncode == 0 else None

    root = location if has_dot_git else None
    if root is None:
        top = git_output("rev-parse", "--show-toplevel")
        if not top:
            return None
        root = os.path.normpath(top.rstrip("\r\n"))
    remotes = (git_output("config", "--get-regexp", r"remote\..*\.url") or "").split(
        "\n"
    )
    remotes = [line for line in remotes if line.strip()]
    if not remotes:
        return location, [f"# Editable Git install with no remote ({pinned})"]
    chosen = next(
        (r for r in remotes if r.startswith("remote.origin.url ")), remotes[0]
    )
    remote = chosen.split(" ")[1].strip()
    url = _git_remote_url(remote)
    if url is None:
        return location, [
            (
                f"# Editable Git install ({pinned}) with either a deleted local "
                "remote or invalid URI:"
            ),
            f"# '{remote}'",
        ]
    revision = (git_output("rev-parse", "HEAD") or "").strip()
    if not revision:
        warn(f"Could not determine repository location of {location}")
        return location, ["## !! Could not determine repository location"]
    requirement = f"git+{url}@{revision}#egg={name.replace('-', '_')}"
    subdirectory = _project_subdirectory(location, root)
    if subdirectory:
        requirement += f"&subdirectory={subdirectory}"
    return requirement, []


def _git_remote_url(url: str) -> str | None:
    """A git remote as a URL pip accepts: URLs as they are, local paths as file://,
    scp-like ``user@host:path`` as ``ssh://user@host/path``; None for anything else."""
    if re.match(r"\w+://", url):
        return url
    if os.path.exists(url):
        return file_url(os.path.abspath(url))
    scp = _SCP_URL.match(url)
    if scp:
        return scp.expand(r"ssh://\1\2/\3")
    return None


def _project_subdirectory(location: str, root: str) -> str | None:
    """The project's directory relative to the repository root; None at the root."""
    project = location
    while not any(
        os.path.isfile(os.path.join(project, marker))
        for marker in ("pyproject.toml", "setup.py")
    ):
        parent = os.path.dirname(project)
        if parent == project:
            return None
        project = parent
    try:
        if os.path.samefile(root, project):
            return None
    except OSError:
        return None
    return os.path.relpath(project, root)


def direct_reference(direct: Mapping[str, object] | None, name: str) -> str | None:
    """``name @ URL`` from a PEP 610 direct_url.json; None if it has no usable one.

    VCS: ``name @ git+URL@COMMIT``; archive: ``name @ URL#sha256=...`` when the file had
    a hash; directory: ``name @ file:///...``; ``subdirectory=`` goes into the fragment.
    """
    if direct is None:
        return None
    url = direct.get("url")
    if not isinstance(url, str) or not url:
        return None
    fragments: list[str] = []
    vcs = direct.get("vcs_info")
    archive = direct.get("archive_info")
    if isinstance(vcs, dict):
        kind, commit = vcs.get("vcs"), vcs.get("commit_id")
        if not isinstance(kind, str) or not isinstance(commit, str):
            return None
        reference = f"{name} @ {kind}+{url}@{commit}"
    elif isinstance(archive, dict):
        reference = f"{name} @ {url}"
        digest = archive.get("hash")
        if isinstance(digest, str) and "=" in digest:
            fragments.append(digest)
    elif isinstance(direct.get("dir_info"), dict):
        reference = f"{name} @ {url}"
    else:
        return None  # none of PEP 610's three kinds: pip would not trust it either
    subdirectory = direct.get("subdirectory")
    if isinstance(subdirectory, str) and subdirectory:
        fragments.append(f"subdirectory={subdirectory}")
    if fragments:
        reference += "#" + "&".join(fragments)
    return reference


# --- show ----------------------------------------------------------------------------


def requirement_names(dist: InstalledDist, environment: Environment) -> list[str]:
    """What it depends on without extras, on the target: names as written, sorted
    case-insensitively, each once (pip show's Requires)."""
    names = {
        requirement.name
        for requirement in dist.requires
        if environment.evaluate(requirement.marker)
    }
    return sorted(names, key=str.lower)


def required_by(
    dist: InstalledDist,
    installed: Mapping[NormalizedName, InstalledDist],
    environment: Environment,
) -> list[str]:
    """The installed distributions that depend on it without extras (Required-by)."""
    names = [
        other.display_name or "UNKNOWN"
        for other in installed.values()
        if dist.name
        in {
            canonicalize_name(requirement.name)
            for requirement in other.requires
            if environment.evaluate(requirement.marker)
        }
    ]
    return sorted(names, key=str.lower)


def home_page(dist: InstalledDist) -> str:
    """Home-page, or else the Project-URL labelled homepage (as pip show)."""
    metadata = dist.metadata()
    value = str(metadata.get("Home-page", "") or "")
    if value:
        return value
    for entry in project_urls(dist):
        label, _, url = entry.partition(",")
        if _url_label(label) == "homepage":
            return url.strip()
    return ""


def _url_label(label: str) -> str:
    """PEP 753's normalisation of a Project-URL label."""
    removed = str.maketrans("", "", string.punctuation + string.whitespace)
    return label.translate(removed).lower()


def project_urls(dist: InstalledDist) -> list[str]:
    return [str(value) for value in dist.metadata().get_all("Project-URL") or []]


def license_field(dist: InstalledDist) -> tuple[str, str]:
    """("License-Expression", SPDX) for metadata 2.4+ that has one, else ("License", …)."""
    metadata = dist.metadata()
    expression = str(metadata.get("License-Expression", "") or "").strip()
    if expression and _metadata_version(dist) >= (2, 4):
        return "License-Expression", expression
    return "License", str(metadata.get("License", "") or "")


def _metadata_version(dist: InstalledDist) -> tuple[int, ...]:
    text = str(dist.metadata().get("Metadata-Version", "") or "")
    try:
        return tuple(int(part) for part in text.strip().split("."))
    except ValueError:
        return ()


def entry_point_lines(dist: InstalledDist) -> list[str]:
    if not dist.path.is_dir():
        return []
    try:
        text = (dist.path / "entry_points.txt").read_text(
            encoding="utf-8", errors="replace"
        )
    except OSError:
        return []
    return text.splitlines()


def declared_files(dist: InstalledDist) -> list[str] | None:
    """The files it installed, relative to its location, sorted; None if unknown.

    From RECORD, or a legacy egg-info's installed-files.txt (whose paths are relative to
    the egg-info directory and are made relative to the location, as pip does).
    """
    record = _read(dist, "RECORD")
    if record is not None:
        rows = csv.reader(record.splitlines())
        return sorted(str(pathlib.PurePath(row[0])) for row in rows if row and row[0])
    legacy = _read(dist, "installed-files.txt")
    if legacy is None:
        return None
    paths = [line for line in legacy.splitlines() if line]
    try:
        info = dist.path.relative_to(dist.location).parts
    except ValueError:
        return sorted(paths)
    if not info:
        return sorted(paths)
    return sorted(_from_info_dir(pathlib.PurePath(p).parts, info) for p in paths)


def _from_info_dir(entry: tuple[str, ...], info: tuple[str, ...]) -> str:
    """An installed-files.txt entry made relative to the location, by path parts only
    (no abspath: symlinks stay as they are)."""
    while entry and entry[0] == "..":
        if not info or info[-1] == "..":
            info += ("..",)
        else:
            info = info[:-1]
        entry = entry[1:]
    return str(pathlib.PurePath(*info, *entry))


def _read(dist: InstalledDist, name: str) -> str | None:
    if not dist.path.is_dir():
        return None
    try:
        return (dist.path / name).read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None

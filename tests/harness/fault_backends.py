"""Tiny in-tree build backends that misbehave on purpose, for the build layer's fault
tests: no build requirement (``requires = []``, ``backend-path = ["."]``), so nothing
needs an index, and builds take well under a second.

A tree's ``fault_backend.json`` says what its backend does:

* ``name``, ``version``: the project (its wheel holds ``<module>.py`` with hello()).
* ``record``: ``"sha256"`` (default, a valid RECORD) or ``"no-hashes"`` (a RECORD
  without hashes or sizes, which installers refuse and ``inst wheel`` must keep).
* ``stall``: hook names that stall: write ``"<own pid> <child pid>"`` to the file named
  by the environment variable ``FAULT_BACKEND_PID_FILE`` (written whole, by rename),
  after starting a child process that sleeps too (the backend's process group has
  two members), then sleep for ten minutes.

fault_tree() writes such a tree; archive_sdist() packs one as an sdist in any of the
archive formats pip accepts.
"""

from __future__ import annotations

import io
import json
import os
import tarfile
import time
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from .dists import core_metadata, normalized_name

PID_FILE_VARIABLE = "FAULT_BACKEND_PID_FILE"

BACKEND_SOURCE = '''\
"""inst test backend (tests/harness/fault_backends.py): misbehaves on request."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import zipfile


def _config():
    with open("fault_backend.json", encoding="utf-8") as stream:
        return json.load(stream)


def _stall(hook):
    config = _config()
    if hook not in config.get("stall", ()):
        return
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    target = os.environ["FAULT_BACKEND_PID_FILE"]
    with open(target + ".tmp", "w", encoding="utf-8") as stream:
        stream.write(f"{os.getpid()} {child.pid}\\n")
    os.replace(target + ".tmp", target)
    time.sleep(600)


def _names():
    config = _config()
    name = config["name"]
    module = name.replace("-", "_").replace(".", "_").lower()
    return name, config["version"], module


def _metadata():
    name, version, _ = _names()
    return f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n"


def get_requires_for_build_wheel(config_settings=None):
    _stall("get_requires_for_build_wheel")
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _stall("prepare_metadata_for_build_wheel")
    _, version, module = _names()
    dist_info = f"{module}-{version}.dist-info"
    os.makedirs(os.path.join(metadata_directory, dist_info))
    with open(os.path.join(metadata_directory, dist_info, "METADATA"), "w") as out:
        out.write(_metadata())
    return dist_info


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _stall("build_wheel")
    config = _config()
    _, version, module = _names()
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}.py": f"def hello():\\n    return {module!r}\\n",
        f"{dist_info}/METADATA": _metadata(),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\\nGenerator: fault-backend\\n"
            "Root-Is-Purelib: true\\nTag: py3-none-any\\n"
        ),
    }
    rows = []
    for member, text in files.items():
        data = text.encode()
        if config.get("record", "sha256") == "no-hashes":
            rows.append(f"{member},,")
        else:
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
            rows.append(f"{member},sha256={digest.decode().rstrip('=')},{len(data)}")
    rows.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\\n".join(rows) + "\\n"
    filename = f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return filename
'''


def fault_tree(
    root: Path,
    name: str,
    version: str = "1.0",
    *,
    requires: Sequence[str] = (),
    record: str = "sha256",
    stall: Iterable[str] = (),
) -> Path:
    """root/<name>: a project built by the fault backend (see the module docstring)."""
    tree = Path(root) / name
    tree.mkdir(parents=True)
    listed = ", ".join(json.dumps(r) for r in requires)
    (tree / "pyproject.toml").write_text(
        "[build-system]\n"
        f"requires = [{listed}]\n"
        'build-backend = "fault_backend"\n'
        'backend-path = ["."]\n',
        encoding="utf-8",
    )
    (tree / "fault_backend.py").write_text(BACKEND_SOURCE, encoding="utf-8")
    config = {"name": name, "version": version, "record": record, "stall": list(stall)}
    (tree / "fault_backend.json").write_text(json.dumps(config), encoding="utf-8")
    return tree


#: Archive suffix -> tarfile write mode ("zip": a ZIP archive).
ARCHIVE_MODES: Mapping[str, str] = {
    ".tar.gz": "w:gz",
    ".tgz": "w:gz",
    ".tar.bz2": "w:bz2",
    ".tbz": "w:bz2",
    ".tar.xz": "w:xz",
    ".txz": "w:xz",
    ".tar.lzma": "lzma",
    ".tlz": "lzma",
    ".tar": "w",
    ".zip": "zip",
}


def archive_sdist(tree: Path, dest_dir: Path, suffix: str) -> Path:
    """An sdist of a fault tree (name-version/ + PKG-INFO) as <name>-<version><suffix>."""
    config = json.loads((tree / "fault_backend.json").read_text(encoding="utf-8"))
    base = f"{normalized_name(config['name'])}-{config['version']}"
    entries = {
        f"{base}/{path.name}": path.read_bytes()
        for path in sorted(tree.iterdir())
        if path.is_file()
    }
    entries[f"{base}/PKG-INFO"] = core_metadata(
        config["name"], config["version"]
    ).encode()
    target = Path(dest_dir) / f"{base}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = ARCHIVE_MODES[suffix]
    if mode == "zip":
        with zipfile.ZipFile(target, "w") as archive:
            for member, data in entries.items():
                archive.writestr(member, data)
        return target
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for member, data in entries.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = int(time.time())
            tar.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    if mode == "lzma":  # the legacy .lzma ("alone") format, not .xz
        import lzma

        target.write_bytes(lzma.compress(raw, format=lzma.FORMAT_ALONE))
    elif mode == "w":
        target.write_bytes(raw)
    else:
        with (
            tarfile.open(target, mode) as out,
            tarfile.open(fileobj=io.BytesIO(raw)) as source,
        ):
            for info in source.getmembers():
                out.addfile(info, source.extractfile(info))
    return target


def read_pids(pid_file: Path) -> list[int]:
    return [int(word) for word in pid_file.read_text(encoding="utf-8").split()]


def command_lines() -> list[str]:
    """The command line of every process (Linux /proc; elsewhere, none)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            raw = entry.read_bytes()
        except OSError:
            continue
        found.append(raw.replace(b"\0", b" ").decode(errors="replace"))
    return found


def alive(pid: int) -> bool:
    """Whether pid runs (a zombie, waiting for a reaper, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process now
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"

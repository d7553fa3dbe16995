"""stage_wheel() drives installer's parts from the manifest instead of calling
installer.install(): what it leaves on disk must be what installer.install() leaves,
byte for byte (RECORD included), for wheels with every kind of member."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

from harness.dists import make_wheel
from inst.cache import Cache
from inst.install.staging import INSTALLER_NAME, stage_wheel
from inst.install.transaction import Transaction
from inst.install.unpacked import UnpackedWheels

INTERPRETER = "/opt/test-python/bin/python3"
DIRECT_URL = {"url": "file:///somewhere/demo", "dir_info": {}}


def scheme(root: Path, name: str) -> dict[str, str]:
    return {
        "purelib": str(root / "lib" / "site-packages"),
        "platlib": str(root / "lib64" / "site-packages"),
        "scripts": str(root / "bin"),
        "data": str(root),
        "headers": str(root / "include" / name),
    }


def tree(root: Path) -> dict[str, tuple[bytes, bool]]:
    """Each file's bytes and whether it is executable, by relative POSIX path."""
    found = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = os.path.join(directory, name)
            relative = Path(os.path.relpath(path, root)).as_posix()
            executable = bool(os.stat(path).st_mode & stat.S_IXUSR)
            with open(path, "rb") as stream:
                found[relative] = (stream.read(), executable)
    return found


def with_executable_member(wheel: Path, member: str) -> None:
    """Mark one member executable in the archive (make_wheel sets no modes)."""
    with zipfile.ZipFile(wheel) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(wheel, "w") as archive:
        for info, data in members:
            if info.filename == member:
                info.external_attr = (0o100755 & 0xFFFF) << 16
            archive.writestr(info, data)


WHEELS = {
    "plain": {"demo/__init__.py": "x = 1\n", "demo/sub/mod.py": "y = 2\n"},
    "every-scheme": {
        "demo/__init__.py": "x = 1\n",
        "demo-1.0.data/scripts/tool": "#!python\nprint('tool')\n",
        "demo-1.0.data/scripts/plain.sh": "#!/bin/sh\necho plain\n",
        "demo-1.0.data/headers/demo.h": "#define DEMO 1\n",
        "demo-1.0.data/data/share/demo/thing.txt": "thing\n",
        "demo-1.0.data/purelib/extra_pure.py": "z = 3\n",
        "demo-1.0.data/platlib/extra_plat.py": "w = 4\n",
        "demo/__pycache__/stale.cpython-311.pyc": b"\x00stale",
        "demo,odd name.txt": "commas and spaces in a RECORD path\n",
    },
}


@pytest.mark.parametrize("kind", sorted(WHEELS))
@pytest.mark.parametrize("requested", [True, False])
def test_the_same_files_as_installer_install(
    tmp_path: Path, kind: str, requested: bool
) -> None:
    wheel = make_wheel(
        tmp_path / "wheels",
        "demo",
        "1.0",
        files=WHEELS[kind],
        entry_points={
            "console_scripts": {"demo-cli": "demo:main"},
            "gui_scripts": {"demo-gui": "demo.sub.mod:run"},
        },
    )
    if kind == "every-scheme":
        with_executable_member(wheel, "demo-1.0.data/scripts/plain.sh")

    generated = {"INSTALLER": INSTALLER_NAME}
    if requested:
        generated["REQUESTED"] = b""
    generated["direct_url.json"] = json.dumps(
        DIRECT_URL, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    theirs = tmp_path / "installer"
    with (
        WheelFile.open(wheel) as source,
        pytest.warns(RuntimeWarning)
        if (kind == "every-scheme")
        else contextlib.nullcontext(),
    ):
        install(
            source,
            SchemeDictionaryDestination(scheme(theirs, "demo"), INTERPRETER, "posix"),
            generated,
        )

    ours = tmp_path / "inst"
    state = tmp_path / "state"
    state.mkdir()
    unpacked = UnpackedWheels(
        Cache(tmp_path / "cache").unpacked, tmp_path / "work"
    ).get(wheel)
    changes = Transaction(state)
    staged = stage_wheel(
        unpacked,
        scheme(ours, "demo"),
        INTERPRETER,
        changes,
        slot="w0",
        link=True,
        requested=requested,
        direct_url=DIRECT_URL,
    )
    changes.commit()

    assert tree(ours) == tree(theirs)
    assert staged.record_base == scheme(ours, "demo")["purelib"]

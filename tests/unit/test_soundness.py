"""inst.install.soundness.unchanged(): the one stat per file every install from the
cache makes, and what it must notice (as root too, where read-only files can be
edited)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.dists import make_wheel
from inst.cache import Cache
from inst.install import soundness
from inst.install.unpacked import UnpackedWheel, UnpackedWheels


@pytest.fixture
def entry(tmp_path: Path) -> UnpackedWheel:
    wheel = make_wheel(
        tmp_path / "wheels",
        "stamped",
        "1.0",
        files={"stamped/__init__.py": "x = 1\n", "stamped/data.txt": "data\n"},
    )
    unpacked = UnpackedWheels(Cache(tmp_path / "cache").unpacked, tmp_path / "work")
    found = unpacked.get(wheel)
    assert soundness.unchanged(found)
    return found


def _module(entry: UnpackedWheel) -> Path:
    return Path(entry.member_path("stamped/__init__.py"))


def test_stamps_are_listed_in_the_manifests_order(entry: UnpackedWheel) -> None:
    recorded = json.loads((entry.directory / soundness.STAMPS).read_text())
    assert len(recorded) == len(entry.manifest.files)
    for file, (size, _, mode) in zip(entry.manifest.files, recorded):
        info = os.stat(entry.member_path(file.member))
        assert (size, mode) == (info.st_size, info.st_mode & 0o7777)


def test_an_edit_is_noticed_by_its_time_or_size(entry: UnpackedWheel) -> None:
    module = _module(entry)
    info = module.stat()
    os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    assert not soundness.unchanged(entry)
    os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert soundness.unchanged(entry)

    module.chmod(0o644)
    module.write_text("x = 22\n")  # one byte more, the time put back
    module.chmod(info.st_mode & 0o7777)
    os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert not soundness.unchanged(entry)


def test_a_mode_change_or_a_missing_file_is_noticed(entry: UnpackedWheel) -> None:
    module = _module(entry)
    mode = module.stat().st_mode & 0o7777
    module.chmod(mode | 0o200)
    assert not soundness.unchanged(entry)
    module.chmod(mode)
    assert soundness.unchanged(entry)
    module.unlink()
    assert not soundness.unchanged(entry)


@pytest.mark.parametrize(
    "stamps", ["", "not json", "{}", "[]", "[[1, 2, 3]]", '{"a": [1, 2, 3]}', "3"]
)
def test_stamps_that_do_not_fit_mean_unpack_again(
    entry: UnpackedWheel, stamps: str
) -> None:
    (entry.directory / soundness.STAMPS).write_text(stamps)
    assert not soundness.unchanged(entry)


def test_stamps_by_name_of_an_earlier_inst_are_still_read(entry: UnpackedWheel) -> None:
    by_name = dict(
        zip(
            (file.member for file in entry.manifest.files),
            soundness.stamps(entry),
        )
    )
    (entry.directory / soundness.STAMPS).write_text(json.dumps(by_name))
    assert soundness.unchanged(entry)
    module = _module(entry)
    module.chmod((module.stat().st_mode & 0o7777) | 0o200)
    assert not soundness.unchanged(entry)


def test_an_unpack_asked_to_stop_ends_between_members_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    """Ctrl-C during a parallel unpack: each wheel being unpacked stops at its next
    member (a wheel of tens of thousands of files kept inst waiting for seconds)."""
    from inst.wheel.checks import Stopped, inspect_wheel

    files = {f"many/m{i}.py": f"x = {i}\n" for i in range(50)}
    wheel = make_wheel(tmp_path / "wheels", "many", "1.0", files=files)
    asked = []

    def third_time() -> bool:
        asked.append(1)
        return len(asked) > 3

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(Stopped):
        inspect_wheel(wheel, extract_to=out, stopped=third_time)
    assert len([p for p in out.rglob("*") if p.is_file()]) == 3

    cache = Cache(tmp_path / "cache")
    unpacked = UnpackedWheels(cache.unpacked, tmp_path / "work")
    unpacked.stop()
    with pytest.raises(Stopped):
        unpacked.get(wheel)
    assert cache.unpacked.directory is not None
    assert not [p for p in cache.unpacked.directory.rglob("*") if p.is_file()]
    unpacked.resume()
    assert soundness.unchanged(unpacked.get(wheel))


def test_a_file_replaced_by_a_symlink_to_a_copy_is_noticed(
    entry: UnpackedWheel, tmp_path: Path
) -> None:
    module = _module(entry)
    copy = tmp_path / "copy.py"
    copy.write_bytes(module.read_bytes())
    info = module.stat()
    os.chmod(copy, info.st_mode & 0o7777)
    os.utime(copy, ns=(info.st_atime_ns, info.st_mtime_ns))
    module.unlink()
    module.symlink_to(copy)
    assert not soundness.unchanged(entry)

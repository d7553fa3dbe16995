"""`inst install` refuses each kind of bad wheel through the command line: exit 1, one
``error:`` paragraph naming the wheel and the rule it breaks, no traceback, the venv
untouched and nothing left in the cache of unpacked wheels.

The wheels are written member by member with zipfile (make_wheel writes good ones
only), as tests/unit/test_wheel_validation.py does; here they go through the CLI, by
path and once through a local index.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import pytest

from harness import VirtualEnv, build_index, make_venv, make_wheel, trees

WHEEL_FILE = (
    "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)
GOOD_METADATA = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
STATE_DIR = ".inst"
# What a refusal must never show: a traceback or the exception classes behind it.
RAW_ERRORS = (
    "Traceback",
    "BadZipFile",
    "zlib.error",
    "EOFError",
    "OSError",
    "ValueError",
    "KeyError",
    "internal error",
)


# --- crafting wheels -----------------------------------------------------------------


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def zip_info(
    name: str,
    mode: int = stat.S_IFREG | 0o644,
    compress_type: int = zipfile.ZIP_DEFLATED,
) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = mode << 16
    info.compress_type = compress_type
    return info


Member = tuple["str | zipfile.ZipInfo", bytes]


def craft(
    directory: Path,
    *,
    filename: str = "demo-1.0-py3-none-any.whl",
    dist_info: str = "demo-1.0.dist-info",
    metadata: str = GOOD_METADATA,
    entry_points: str | None = None,
    members: Iterable[Member] = (),
    unlisted: Iterable[str] = (),
    listed_only: Iterable[str] = (),
    record_hashes: Mapping[str, str] | None = None,
    record_sizes: Mapping[str, int] | None = None,
) -> Path:
    """A wheel of demo 1.0 (demo/__init__.py and the metadata), with a RECORD that
    fits unless told otherwise.

    members: extra (name or ZipInfo, data), listed in RECORD; unlisted: members left
    out of RECORD; listed_only: RECORD rows for files the archive lacks;
    record_hashes / record_sizes: values that replace the right ones in RECORD.
    """
    entries: list[Member] = [("demo/__init__.py", b"x = 1\n"), *members]
    entries.append((f"{dist_info}/METADATA", metadata.encode()))
    entries.append((f"{dist_info}/WHEEL", WHEEL_FILE.encode()))
    if entry_points is not None:
        entries.append((f"{dist_info}/entry_points.txt", entry_points.encode()))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    skip = set(unlisted)
    for member, data in entries:
        name = member if isinstance(member, str) else member.filename
        if name not in skip:
            hash_text = (record_hashes or {}).get(name, record_hash(data))
            size = (record_sizes or {}).get(name, len(data))
            writer.writerow([name, hash_text, size])
    for name in listed_only:
        writer.writerow([name, record_hash(b""), 0])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    entries.append((f"{dist_info}/RECORD", record.getvalue().encode()))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / filename
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w") as zf:
            for member, data in entries:
                zf.writestr(
                    zip_info(member) if isinstance(member, str) else member, data
                )
    return path


def central_entry(raw: bytes, wheel: Path, member: str) -> int:
    """Offset of member's central directory header in the wheel's bytes."""
    with zipfile.ZipFile(wheel) as zf:
        start = zf.start_dir
    entry = raw.index(member.encode(), start) - 46
    assert raw[entry : entry + 4] == b"PK\x01\x02"
    return entry


def data_span(wheel: Path, member: str) -> tuple[int, int]:
    """Where a member's (compressed) data lies in the file, and its length."""
    with zipfile.ZipFile(wheel) as zf:
        info = zf.getinfo(member)
    raw = wheel.read_bytes()
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + 30 + name_length + extra_length, info.compress_size


def bad_filename(directory: Path) -> Path:
    return craft(directory, filename="demo-1.0.whl")


def dist_info_mismatch(directory: Path) -> Path:
    # METADATA itself says demo 1.0, as the file name does: only the directory's
    # name disagrees (a METADATA saying 2.0 is refused sooner, when it is read for
    # resolving, as "holds metadata for demo 2.0").
    return craft(directory, dist_info="demo-2.0.dist-info")


def two_dist_infos(directory: Path) -> Path:
    # The second one holds no METADATA: with two, reading the metadata for resolving
    # refuses the wheel sooner ("it has 2 .dist-info/METADATA files").
    return craft(directory, members=[("other-1.0.dist-info/WHEEL", b"")])


def record_missing_a_file(directory: Path) -> Path:
    return craft(
        directory, members=[("demo/extra.py", b"")], unlisted=["demo/extra.py"]
    )


def record_lists_a_ghost(directory: Path) -> Path:
    return craft(directory, listed_only=["demo/ghost.py"])


def record_hash_mismatch(directory: Path) -> Path:
    return craft(
        directory, record_hashes={"demo/__init__.py": record_hash(b"something else")}
    )


def evil_member(name: str) -> Callable[[Path], Path]:
    def build(directory: Path) -> Path:
        return craft(directory, members=[(name, b"evil = True\n")])

    return build


def empty_name_member(directory: Path) -> Path:
    # zipfile's own check for a directory indexes the name's last character.
    info = zip_info("demo/x.py")
    info.filename = ""
    return craft(directory, members=[(info, b"evil = True\n")])


def symlink_member(directory: Path) -> Path:
    link = zip_info("demo/passwd", stat.S_IFLNK | 0o777)
    return craft(directory, members=[(link, b"/etc/passwd")])


def duplicate_members(directory: Path) -> Path:
    return craft(
        directory, members=[("demo/twice.py", b"a = 1\n"), ("demo/twice.py", b"b\n")]
    )


def bad_entry_point(directory: Path) -> Path:
    return craft(directory, entry_points="[console_scripts]\n../evil = demo:main\n")


def crc_mismatch(directory: Path) -> Path:
    """A stored member with one byte changed: the CRC-32 no longer fits."""
    payload = b"UNIQUE-PAYLOAD-0123456789"
    stored = zip_info("demo/payload.txt", compress_type=zipfile.ZIP_STORED)
    wheel = craft(directory, members=[(stored, payload)])
    data = wheel.read_bytes()
    assert data.count(payload) == 1
    wheel.write_bytes(data.replace(payload, payload[:-1] + b"0"))
    return wheel


def corrupt_deflate(directory: Path) -> Path:
    """A deflated member with one byte of its compressed data flipped."""
    wheel = craft(directory, members=[("demo/data.bin", bytes(range(256)) * 64)])
    start, length = data_span(wheel, "demo/data.bin")
    raw = bytearray(wheel.read_bytes())
    raw[start + length // 2] ^= 0xFF
    wheel.write_bytes(bytes(raw))
    return wheel


def corrupt_lzma(directory: Path) -> Path:
    """An LZMA member with bytes of its compressed data overwritten: LZMAError, which
    was an internal error."""
    packed = zip_info("demo/data.bin", compress_type=zipfile.ZIP_LZMA)
    wheel = craft(directory, members=[(packed, b"x = 1\n" * 2000)])
    start, _ = data_span(wheel, "demo/data.bin")
    raw = bytearray(wheel.read_bytes())
    raw[start + 12 : start + 20] = b"\xff" * 8  # past the LZMA properties header
    wheel.write_bytes(bytes(raw))
    return wheel


def size_mismatch(directory: Path) -> Path:
    """The archive (and RECORD) declare 101 bytes for a stored member that has 100."""
    stored = zip_info("demo/sized.txt", compress_type=zipfile.ZIP_STORED)
    wheel = craft(
        directory,
        members=[(stored, b"A" * 100)],
        record_sizes={"demo/sized.txt": 101},
    )
    raw = bytearray(wheel.read_bytes())
    entry = central_entry(bytes(raw), wheel, "demo/sized.txt")
    assert struct.unpack_from("<I", raw, entry + 24) == (100,)
    struct.pack_into("<I", raw, entry + 24, 101)  # uncompressed size
    wheel.write_bytes(bytes(raw))
    return wheel


def zip_bomb(directory: Path) -> Path:
    bomb = zip_info("demo/zeros.bin", compress_type=zipfile.ZIP_BZIP2)
    return craft(directory, members=[(bomb, bytes(4 * 1024 * 1024))])


def requires_python(directory: Path) -> Path:
    return craft(directory, metadata=GOOD_METADATA + "Requires-Python: <3\n")


def replaces_python(directory: Path) -> Path:
    return craft(directory, members=[("demo-1.0.data/scripts/python", b"#!/bin/sh\n")])


def writes_inst_state(directory: Path) -> Path:
    # A journal there would lock every later inst out of the environment.
    member = f"demo-1.0.data/purelib/{STATE_DIR}/journal-evil.json"
    return craft(directory, members=[(member, b"{}")])


def replaces_pyvenv_cfg(directory: Path) -> Path:
    return craft(directory, members=[("demo-1.0.data/data/pyvenv.cfg", b"home = /\n")])


# (id, builder, the phrase the refusal must hold); the refusal names the wheel's file.
RULES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("bad-filename", bad_filename, "is not a valid wheel filename"),
    (
        "dist-info-mismatch",
        dist_info_mismatch,
        "its metadata directory demo-2.0.dist-info does not match the file name",
    ),
    ("two-dist-infos", two_dist_infos, "it has 2 .dist-info directories"),
    (
        "record-missing-file",
        record_missing_a_file,
        "member 'demo/extra.py' is not listed in its RECORD",
    ),
    (
        "record-lists-ghost",
        record_lists_a_ghost,
        "its RECORD lists 'demo/ghost.py', which the archive does not contain",
    ),
    (
        "record-hash-mismatch",
        record_hash_mismatch,
        "member 'demo/__init__.py' does not match its RECORD sha256 hash",
    ),
    (
        "absolute-path",
        evil_member("/tmp/evil.py"),
        "member '/tmp/evil.py' is an absolute path",
    ),
    (
        "dotdot",
        evil_member("demo/../../evil.py"),
        "member 'demo/../../evil.py' has a '..' component",
    ),
    (
        "backslash",
        evil_member("demo\\evil.py"),
        "member 'demo\\\\evil.py' contains a backslash",
    ),
    ("drive-letter", evil_member("C:/x"), "member 'C:/x' names a drive"),
    ("empty-name", empty_name_member, "member '' has an empty name"),
    ("symlink", symlink_member, "member 'demo/passwd' is a symbolic link"),
    (
        "duplicate-member",
        duplicate_members,
        "member 'demo/twice.py' appears twice in the archive",
    ),
    (
        "data-escape",
        evil_member("demo-1.0.data/purelib/../../../x"),
        "member 'demo-1.0.data/purelib/../../../x' has a '..' component",
    ),
    (
        "data-unknown-scheme",
        evil_member("demo-1.0.data/unknown/x.py"),
        "'unknown' is not one of purelib, platlib, headers, scripts, data",
    ),
    (
        "entry-point-separator",
        bad_entry_point,
        "its console_scripts entry point '../evil' has a slash in its name",
    ),
    (
        "crc-mismatch",
        crc_mismatch,
        (
            "member 'demo/payload.txt' is corrupt: its data does not match the "
            "archive's CRC-32 checksum"
        ),
    ),
    ("corrupt-deflate", corrupt_deflate, "member 'demo/data.bin' is corrupt"),
    (
        "corrupt-lzma",
        corrupt_lzma,
        "member 'demo/data.bin' is corrupt: its LZMA data cannot be decompressed",
    ),
    (
        "declared-size-mismatch",
        size_mismatch,
        "member 'demo/sized.txt' holds 100 bytes, not the 101 the archive declares",
    ),
    ("zip-bomb", zip_bomb, "beyond the 1000:1 inst accepts (a ZIP bomb?)"),
    (
        "replaces-python",
        replaces_python,
        (
            "member 'demo-1.0.data/scripts/python' would write python into the "
            "scripts directory, a name reserved for the environment's own Python"
        ),
    ),
    (
        "writes-inst-state",
        writes_inst_state,
        "would write {state}, inside inst's own directory of the environment",
    ),
    (
        "replaces-pyvenv-cfg",
        replaces_pyvenv_cfg,
        (
            "member 'demo-1.0.data/data/pyvenv.cfg' would overwrite {cfg}, the "
            "virtual environment's own configuration"
        ),
    ),
]
# Refused for where the files would go, not for what the archive holds: the wheel
# itself is sound, so its unpacked copy stays in the cache (reused by an install
# elsewhere or with --force-reinstall).
PLACEMENT_RULES = {"replaces-python", "writes-inst-state", "replaces-pyvenv-cfg"}


# --- the environment -----------------------------------------------------------------


def without_state(tree: Mapping[str, tuple[object, ...]], venv: VirtualEnv) -> dict:
    """The tree without inst's lock file (and its directory), which may appear."""
    state = venv.site_packages.joinpath(STATE_DIR).relative_to(venv.root).as_posix()
    return {
        key: value for key, value in tree.items() if key not in (state, f"{state}/lock")
    }


def unpacked_entries(cache: Path) -> list[str]:
    """What the cache of unpacked wheels holds: files, or directories below the
    two-character shards (``unpacked/<h[:2]>/<h[2:]>``, or a ``.tmp-*`` one)."""
    root = cache / "unpacked"
    found = []
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).relative_to(root).parts)
        found += [Path(folder, name) for name in files]
        if depth >= 1:
            found += [Path(folder, name) for name in dirs]
    return sorted(path.relative_to(root).as_posix() for path in found)


@pytest.fixture(scope="module")
def shared_venv(tmp_path_factory: pytest.TempPathFactory) -> VirtualEnv:
    """One venv for the refusals: each test checks that it stays as it was."""
    return make_venv(tmp_path_factory.mktemp("bad-wheels") / "venv")


@pytest.fixture
def refuse(run_inst, tmp_path: Path):
    """refuse(venv, *args, wheel=NAME, reason=PHRASE): run inst install, expect one
    clean refusal, and check that the venv and the unpacked cache are untouched."""

    def check(
        venv: VirtualEnv,
        *args: str,
        wheel: str,
        reason: str,
        cache: Path | None = None,
        cached: bool = False,
    ) -> str:
        cache = cache or tmp_path / "cache"
        before = trees.snapshot(venv.root)
        result = run_inst(
            "install",
            "--python",
            str(venv.python),
            "--cache-dir",
            str(cache),
            *args,
        )
        output = result.out + result.err
        assert result.code == 1, output
        errors = [line for line in result.err.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, output
        (error,) = errors
        # One paragraph: nothing but the error after its line.
        assert result.err.rstrip("\n").endswith(error), output
        assert wheel in error, output
        assert reason.lower() in error.lower(), output
        for raw in RAW_ERRORS:
            assert raw not in output, output
        assert without_state(trees.snapshot(venv.root), venv) == without_state(
            before, venv
        )
        state = venv.site_packages / STATE_DIR
        assert (sorted(os.listdir(state)) if state.exists() else []) in ([], ["lock"])
        entries = unpacked_entries(cache)
        if cached:  # one complete entry (its manifest is written last), no temporary
            (entry,) = [e for e in entries if e.count("/") == 1]
            assert f"{entry}/manifest.json" in entries, entries
            assert not [e for e in entries if ".tmp" in e], entries
        else:
            assert entries == []
        return error

    return check


# --- one wheel per rule --------------------------------------------------------------


@pytest.mark.parametrize(
    ("builder", "reason"),
    [pytest.param(builder, reason, id=rule) for rule, builder, reason in RULES],
)
def test_a_bad_wheel_is_refused_by_path(
    refuse,
    shared_venv: VirtualEnv,
    tmp_path: Path,
    builder: Callable[[Path], Path],
    reason: str,
    request: pytest.FixtureRequest,
) -> None:
    wheel = builder(tmp_path / "wheels")
    refuse(
        shared_venv,
        "--no-index",
        str(wheel),
        wheel=wheel.name,
        reason=reason.format(
            python=shared_venv.python,
            state=os.path.realpath(
                shared_venv.site_packages / STATE_DIR / "journal-evil.json"
            ),
            cfg=os.path.realpath(shared_venv.root / "pyvenv.cfg"),
        ),
        cached=request.node.callspec.id in PLACEMENT_RULES,
    )


def test_an_unsupported_requires_python_is_refused(
    refuse, shared_venv: VirtualEnv, tmp_path: Path
) -> None:
    # The resolver refuses it (from the METADATA it reads for resolving) before the
    # wheel is unpacked; its message names the release rather than the file.
    wheel = requires_python(tmp_path / "wheels")
    refuse(
        shared_venv,
        "--no-index",
        str(wheel),
        wheel="demo 1.0",
        reason="demo 1.0 requires Python <3, and the target is Python 3.",
    )


def test_a_bad_wheel_from_an_index_is_refused(
    refuse, shared_venv: VirtualEnv, tmp_path: Path
) -> None:
    wheel = record_hash_mismatch(tmp_path / "wheels")
    index = build_index(tmp_path / "index", [wheel])
    refuse(
        shared_venv,
        "--index-url",
        index.file_url,
        "demo",
        wheel=wheel.name,
        reason="member 'demo/__init__.py' does not match its RECORD sha256 hash",
    )


def with_x_installed(run_inst, tmp_path: Path) -> tuple[VirtualEnv, tuple[str, ...]]:
    """A venv where x 1.0 owns site-packages/shared.py, and the options that
    installed it (its venv, its cache)."""
    venv = make_venv(tmp_path / "venv")
    x = make_wheel(
        tmp_path / "wheels", "x", "1.0", files={"shared.py": "OWNER = 'x'\n"}
    )
    cache = tmp_path / "cache"
    common = ("--python", str(venv.python), "--cache-dir", str(cache), "--no-index")
    installed = run_inst("install", *common, str(x))
    assert installed.code == 0, installed.err
    assert (venv.site_packages / "shared.py").read_text() == "OWNER = 'x'\n"
    return venv, common


def refused_over_x(
    refuse, venv: VirtualEnv, wheel: Path, overwrite: str, tmp_path: Path
) -> str:
    """The wheel refused for overwriting x's file (what refuse() checks besides),
    installed with a cache of its own: x's entry in the first one is no leftover of
    the refusal. Its error line."""
    error: str = refuse(
        venv,
        "--no-index",
        str(wheel),
        wheel=wheel.name,
        reason=f"{overwrite}, a file of x 1.0",
        cache=tmp_path / "cache-y",
        cached=True,  # refused for where it goes: the wheel itself is sound
    )
    return error


def test_a_file_of_another_distribution_is_not_overwritten(
    refuse, run_inst, tmp_path: Path
) -> None:
    venv, common = with_x_installed(run_inst, tmp_path)
    y = make_wheel(
        tmp_path / "wheels", "y", "1.0", files={"shared.py": "OWNER = 'y'\n"}
    )
    shared = venv.site_packages / "shared.py"

    error = refused_over_x(
        refuse, venv, y, f"member 'shared.py' would overwrite {shared}", tmp_path
    )
    assert "--force-reinstall" in error

    forced = run_inst("install", *common, "--force-reinstall", str(y))
    assert forced.code == 0, forced.err
    assert "Successfully installed y-1.0" in forced.out
    assert shared.read_text() == "OWNER = 'y'\n"
    assert venv.installed() == {"x": "1.0", "y": "1.0"}


@pytest.mark.skipif(os.name != "posix", reason="a venv's lib64 link is POSIX")
def test_a_file_of_another_distribution_is_not_overwritten_through_a_symlink(
    refuse, run_inst, tmp_path: Path
) -> None:
    """A venv's lib64 is a link to lib: a data file below lib64 is the other
    distribution's file all the same."""
    venv, _ = with_x_installed(run_inst, tmp_path)
    relative = venv.site_packages.relative_to(venv.root)
    linked = venv.root / "lib64"
    if not linked.exists():
        linked.symlink_to("lib")
    through_link = Path("lib64", *relative.parts[1:], "shared.py")
    y = craft(
        tmp_path / "crafted",
        members=[(f"demo-1.0.data/data/{through_link.as_posix()}", b"OWNER = 'y'\n")],
    )
    shared = venv.site_packages / "shared.py"
    refused_over_x(
        refuse, venv, y, f"would overwrite {os.path.realpath(shared)}", tmp_path
    )
    assert shared.read_text() == "OWNER = 'x'\n"

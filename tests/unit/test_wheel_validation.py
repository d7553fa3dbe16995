"""inst.wheel.checks and inst.install.placement: a good wheel passes and says where each
file goes; each rule a wheel can break is refused with one InvalidWheel naming the wheel
and the reason. The wheels go through inspect_wheel() then place_wheel(), as installing
does (install/installation.py).

Malformed wheels are written with zipfile directly (make_wheel only writes good ones).
Most tests install into a fake environment whose scheme directories are in tmp_path; the
interpreter rules also run against a real venv.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import errno
import hashlib
import io
import stat
import struct
import warnings
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pytest
from packaging.version import Version

from harness import VirtualEnv, make_venv, make_wheel
from harness.dists import DistFactory
from inst.cache import NULL_CACHE
from inst.environment import (
    Environment,
    InstalledDist,
    current_environment,
    find_environment,
)
from inst.install.placement import ValidWheel, place_wheel
from inst.wheel import archive
from inst.wheel.checks import inspect_wheel
from inst.wheel.manifest import ManifestEntry, WheelManifest
from inst.wheel.problems import InvalidWheel

WHEEL_FILE = (
    "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)
# What a refusal must never show: a traceback or the exception classes behind it.
RAW_ERRORS = (
    "Traceback",
    "BadZipFile",
    "BadZipfile",
    "zlib.error",
    "EOFError",
    "OSError",
    "ValueError",
    "KeyError",
    "UnicodeDecodeError",
    "struct.error",
)


# --- helpers -------------------------------------------------------------------------


def record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def zip_info(name: str, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_zip(
    path: Path,
    members: Iterable[tuple[str | zipfile.ZipInfo, bytes]],
    finish: Callable[[zipfile.ZipFile], None] | None = None,
) -> Path:
    """A ZIP of members; finish(zf) may tamper with it before the directory is written."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w") as zf:
            for member, data in members:
                zf.writestr(
                    zip_info(member) if isinstance(member, str) else member, data
                )
            if finish is not None:
                finish(zf)
    return path


def craft(
    directory: Path,
    files: Mapping[str, bytes] | None = None,
    *,
    filename: str = "demo-1.0-py3-none-any.whl",
    dist_info: str = "demo-1.0.dist-info",
    metadata: str = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n",
    wheel: str = WHEEL_FILE,
    entry_points: str | None = None,
    members: Iterable[tuple[str | zipfile.ZipInfo, bytes]] = (),
    unlisted: Iterable[str] = (),
    listed_only: Iterable[str] = (),
    record_hashes: Mapping[str, str] | None = None,
    finish: Callable[[zipfile.ZipFile], None] | None = None,
) -> Path:
    """A wheel written member by member, with a RECORD that fits unless told otherwise.

    members: extra (name or ZipInfo, data), listed in RECORD; unlisted: members left
    out of RECORD; listed_only: RECORD rows for files the archive lacks;
    record_hashes: hash texts that replace the right ones.
    """
    entries: list[tuple[str | zipfile.ZipInfo, bytes]] = list(
        (files if files is not None else {"demo/__init__.py": b"x = 1\n"}).items()
    )
    entries += list(members)
    entries.append((f"{dist_info}/METADATA", metadata.encode()))
    entries.append((f"{dist_info}/WHEEL", wheel.encode()))
    if entry_points is not None:
        entries.append((f"{dist_info}/entry_points.txt", entry_points.encode()))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    skip = set(unlisted)
    for member, data in entries:
        name = member if isinstance(member, str) else member.filename
        if name not in skip:
            hash_text = (record_hashes or {}).get(name, record_hash(data))
            writer.writerow([name, hash_text, len(data)])
    for name in listed_only:
        writer.writerow([name, record_hash(b""), 0])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    entries.append((f"{dist_info}/RECORD", record.getvalue().encode()))
    return write_zip(directory / filename, entries, finish)


@pytest.fixture
def env(tmp_path: Path) -> Environment:
    """The running interpreter, installing into (and looking for dists in) tmp_path."""
    root = tmp_path / "env"
    site = root / "lib" / "site-packages"
    scheme = {
        "purelib": site,
        "platlib": root / "lib64" / "site-packages",
        "scripts": root / "bin",
        "data": root,
        "headers": root / "include" / "demo",
        "include": root / "include",
    }
    for directory in (site, root / "bin"):
        directory.mkdir(parents=True)
    python = root / "bin" / "python"
    python.write_text("#!/bin/sh\n")
    (root / "bin" / "activate").write_text("# the venv's own\n")
    current = current_environment()
    interpreter = dataclasses.replace(
        current.interpreter,
        python=python,
        prefix=root,
        scheme={key: str(path) for key, path in scheme.items()},
        sys_path=(str(site),),
        is_current=False,
    )
    return Environment.of(interpreter, current.platform)


def with_scheme(env: Environment, **paths: str) -> Environment:
    """env, with these paths of its scheme changed."""
    scheme = {**env.scheme, **paths}
    interpreter = dataclasses.replace(env.interpreter, scheme=scheme)
    return Environment.of(interpreter, env.platform)


def install_fake(
    env: Environment, name: str, version: str, files: Mapping[str, str]
) -> None:
    """A distribution "installed" in env: its files, and a RECORD listing them.

    files: paths relative to purelib ("../../bin/tool" reaches the scripts directory).
    """
    site = Path(env.scheme["purelib"])
    dist_info = site / f"{name}-{version}.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    )
    rows = [f"{name}-{version}.dist-info/METADATA,,"]
    for relative, text in files.items():
        target = site / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        rows.append(f"{relative},{record_hash(text.encode())},{len(text)}")
    (dist_info / "RECORD").write_text("\n".join(rows) + "\n")


def check_for_install(
    path: Path,
    environment: Environment,
    *,
    installing_over: Mapping[str, InstalledDist] | None = None,
    force_reinstall: bool = False,
    ignore_requires_python: bool = False,
) -> ValidWheel:
    """The wheel checked as installing it into environment checks it: the archive,
    then where its files go (the options as install_wheels() passes them)."""
    manifest = inspect_wheel(path)
    return place_wheel(
        manifest,
        environment.scheme,
        python=environment.python,
        installed=environment.installed,
        installing_over=installing_over,  # type: ignore[arg-type]
        force_reinstall=force_reinstall,
        requires_python_ok=(
            None if ignore_requires_python else environment.python_supported
        ),
        python_version=".".join(map(str, environment.version_info)),
        path=path,
    )


def refusal(wheel: Path, environment: Environment, **options: object) -> str:
    """Why and hint of the InvalidWheel raised for wheel, after checking its shape."""
    with pytest.raises(InvalidWheel) as caught:
        check_for_install(wheel, environment, **options)  # type: ignore[arg-type]
    error = caught.value
    assert error.what == f"{wheel.name} cannot be installed"
    assert error.why and error.hint
    text = error.paragraph()
    assert text.startswith(f"{wheel.name} cannot be installed.")
    for raw in RAW_ERRORS:
        assert raw not in text, text
    return f"{error.why} {error.hint}"


# --- good wheels ---------------------------------------------------------------------


def test_a_good_wheel_validates_with_its_schemes_and_entry_points(
    dist_factory: DistFactory, env: Environment
) -> None:
    wheel = dist_factory.wheel("simple")
    valid = check_for_install(wheel, env)
    assert isinstance(valid, ValidWheel)
    assert valid.path == wheel
    assert valid.name == "simple"
    assert valid.version == Version("1.0")
    assert valid.dist_info == "simple-1.0.dist-info"
    assert valid.metadata["Name"] == "simple"
    assert "simple/cli.py" in valid.members
    assert "simple-1.0.dist-info/RECORD" in valid.members
    assert valid.root_scheme == "purelib"
    assert valid.data_dir is None
    assert dict(valid.scheme_paths) == {"purelib": valid.members}
    assert {k: dict(v) for k, v in valid.entry_points.items()} == {
        "console_scripts": {"simple": "simple.cli:main"}
    }


def test_the_running_interpreter_accepts_a_good_wheel(
    dist_factory: DistFactory,
) -> None:
    valid = check_for_install(dist_factory.wheel("another"), current_environment())
    assert valid.name == "another"


def test_data_directories_and_a_platlib_root_are_routed(
    tmp_path: Path, env: Environment
) -> None:
    wheel = make_wheel(
        tmp_path,
        "Demo.Pkg",
        "2.0",
        tag="cp311-cp311-linux_x86_64",
        files={
            "demo_pkg/__init__.py": "",
            "demo_pkg-2.0.data/scripts/tool": "#!python\n",
            "demo_pkg-2.0.data/data/share/demo/readme.txt": "hi",
            "demo_pkg-2.0.data/headers/demo.h": "int x;",
            "demo_pkg-2.0.data/purelib/demo_pure/__init__.py": "",
            "demo_pkg-2.0.data/platlib/demo_plat/__init__.py": "",
        },
        entry_points={"gui_scripts": {"demo-gui": "demo_pkg:gui"}},
    )
    valid = check_for_install(wheel, env)
    assert valid.name == "demo-pkg"
    assert valid.root_scheme == "platlib"
    assert valid.data_dir == "demo_pkg-2.0.data"
    paths = dict(valid.scheme_paths)
    assert paths.pop("platlib") == (
        "demo_pkg-2.0.data/platlib/demo_plat/__init__.py",
        "demo_pkg/__init__.py",
        "demo_pkg-2.0.dist-info/METADATA",
        "demo_pkg-2.0.dist-info/WHEEL",
        "demo_pkg-2.0.dist-info/entry_points.txt",
        "demo_pkg-2.0.dist-info/RECORD",
    )
    assert paths == {
        "data": ("demo_pkg-2.0.data/data/share/demo/readme.txt",),
        "headers": ("demo_pkg-2.0.data/headers/demo.h",),
        "purelib": ("demo_pkg-2.0.data/purelib/demo_pure/__init__.py",),
        "scripts": ("demo_pkg-2.0.data/scripts/tool",),
    }
    assert dict(valid.entry_points["gui_scripts"]) == {"demo-gui": "demo_pkg:gui"}


def test_stronger_hashes_other_compressions_and_signatures_are_accepted(
    tmp_path: Path, env: Environment
) -> None:
    data = b"payload " * 1000
    big = zip_info("demo/big.bin")
    big.compress_type = zipfile.ZIP_BZIP2
    stored = zip_info("demo/stored.bin")
    stored.compress_type = zipfile.ZIP_STORED
    sha512 = base64.urlsafe_b64encode(hashlib.sha512(data).digest()).rstrip(b"=")
    wheel = craft(
        tmp_path,
        members=[
            (big, data),
            (stored, data),
            ("demo-1.0.dist-info/RECORD.jws", b"{}"),
        ],
        unlisted=["demo-1.0.dist-info/RECORD.jws"],
        record_hashes={"demo/big.bin": "sha512=" + sha512.decode()},
    )
    assert "demo/big.bin" in check_for_install(wheel, env).members


def test_a_big_wheel_is_hashed_in_chunks(tmp_path: Path, env: Environment) -> None:
    # Incompressible and larger than one read, stored and deflated.
    blob = hashlib.sha256(b"seed").digest() * (3 * 1024 * 1024 // 32 + 7)
    stored = zip_info("demo/stored.bin")
    stored.compress_type = zipfile.ZIP_STORED
    wheel = craft(tmp_path, members=[("demo/blob.bin", blob), (stored, blob)])
    assert check_for_install(wheel, env).members[1:3] == (
        "demo/blob.bin",
        "demo/stored.bin",
    )


# --- rules 1 and 2: names, the .dist-info directory, WHEEL and METADATA -----------------


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (
            {"filename": "other-1.0-py3-none-any.whl"},
            (
                "metadata directory demo-1.0.dist-info does not match the file name, "
                "which says other 1.0"
            ),
        ),
        (
            {"dist_info": "demo-1.1.dist-info"},
            "demo-1.1.dist-info does not match the file name",
        ),
        (
            {"metadata": "Metadata-Version: 2.1\nName: impostor\nVersion: 1.0\n"},
            "its METADATA names the project 'impostor', but the file name says demo",
        ),
        (
            {"metadata": "Metadata-Version: 2.1\nName: demo\nVersion: 1.1\n"},
            "its METADATA gives version '1.1', but the file name says 1.0",
        ),
        (
            {"metadata": "Metadata-Version: 2.1\nName: demo\n"},
            "METADATA has no Version",
        ),
        (
            {"wheel": WHEEL_FILE.replace("1.0", "2.0", 1)},
            "its Wheel-Version is 2.0; inst installs wheels of version 1.x and older",
        ),
        ({"wheel": "Root-Is-Purelib: true\n"}, "its WHEEL file has no Wheel-Version"),
        (
            {"members": [("other-1.0.dist-info/METADATA", b"")]},
            (
                "it has 2 .dist-info directories (demo-1.0.dist-info, "
                "other-1.0.dist-info); a wheel has exactly one"
            ),
        ),
        (
            {"members": [("demo-2.0.data/purelib/x.py", b"")]},
            "its directory demo-2.0.data does not match the file name",
        ),
    ],
)
def test_names_and_metadata_must_agree(
    tmp_path: Path, env: Environment, options: dict[str, object], reason: str
) -> None:
    wheel = craft(tmp_path, **options)  # type: ignore[arg-type]
    assert reason in refusal(wheel, env)


def test_normalised_spellings_of_name_and_version_agree(
    tmp_path: Path, env: Environment
) -> None:
    wheel = craft(
        tmp_path,
        filename="My_Project-1.0.0-py3-none-any.whl",
        dist_info="my.project-1.0.dist-info",
        metadata="Metadata-Version: 2.1\nName: My-Project\nVersion: 1.0\n",
    )
    assert check_for_install(wheel, env).dist_info == "my.project-1.0.dist-info"


def test_a_wheel_without_record_or_dist_info_is_refused(
    tmp_path: Path, env: Environment
) -> None:
    no_record = write_zip(
        tmp_path / "demo-1.0-py3-none-any.whl",
        [
            ("demo-1.0.dist-info/METADATA", b"Name: demo\nVersion: 1.0\n"),
            ("demo-1.0.dist-info/WHEEL", WHEEL_FILE.encode()),
        ],
    )
    assert "its demo-1.0.dist-info directory has no RECORD file" in refusal(
        no_record, env
    )
    no_dist_info = write_zip(tmp_path / "bare-1.0-py3-none-any.whl", [("bare.py", b"")])
    assert "it has no .dist-info directory" in refusal(no_dist_info, env)


def test_files_that_are_not_wheels_are_refused_in_words(
    tmp_path: Path, env: Environment
) -> None:
    bad_name = craft(tmp_path, filename="demo-1.0.whl")
    assert "its file name is not a valid wheel file name" in refusal(bad_name, env)
    not_zip = tmp_path / "demo-1.0-py3-none-any.whl"
    not_zip.write_bytes(b"<html>Not Found</html>")
    assert "it is not a ZIP archive, or the archive is truncated" in refusal(
        not_zip, env
    )
    missing = tmp_path / "gone-1.0-py3-none-any.whl"
    assert "it cannot be read: " in refusal(missing, env)


def test_a_zip_needing_a_newer_zip_version_is_refused_in_words(
    tmp_path: Path, env: Environment
) -> None:
    wheel = craft(tmp_path)
    data = bytearray(wheel.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central directory entry
    struct.pack_into("<H", data, entry + 6, 64)  # version needed to extract: 6.4
    wheel.write_bytes(bytes(data))
    assert "its ZIP directory asks for a feature inst cannot read" in refusal(
        wheel, env
    )


def local_data_offset(wheel: Path, member: str) -> tuple[int, int]:
    """Where a member's (compressed) data lies in the file, and its length."""
    with zipfile.ZipFile(wheel) as zf:
        info = zf.getinfo(member)
    raw = wheel.read_bytes()
    name_length, extra_length = struct.unpack_from("<HH", raw, info.header_offset + 26)
    return info.header_offset + 30 + name_length + extra_length, info.compress_size


def test_damaged_compressed_data_is_refused(tmp_path: Path, env: Environment) -> None:
    wheel = craft(tmp_path, members=[("demo/data.bin", bytes(range(256)) * 400)])
    start, length = local_data_offset(wheel, "demo/data.bin")
    raw = bytearray(wheel.read_bytes())
    raw[start : start + length] = bytes(length)  # zeros: not a deflate stream
    wheel.write_bytes(bytes(raw))
    assert (
        "member 'demo/data.bin' is corrupt: its compressed data cannot be inflated"
        in refusal(wheel, env)
    )


# --- rule 3: RECORD ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (
            {"record_hashes": {"demo/__init__.py": record_hash(b"something else")}},
            "member 'demo/__init__.py' does not match its RECORD sha256 hash",
        ),
        (
            {"members": [("demo/extra.py", b"")], "unlisted": ["demo/extra.py"]},
            "member 'demo/extra.py' is not listed in its RECORD",
        ),
        (
            {"listed_only": ["demo/ghost.py"]},
            "its RECORD lists 'demo/ghost.py', which the archive does not contain",
        ),
        (
            {"record_hashes": {"demo/__init__.py": "md5=" + "A" * 22}},
            "its RECORD hashes 'demo/__init__.py' with md5, a hash weaker than sha256",
        ),
        (
            {"record_hashes": {"demo/__init__.py": "crc99=AAAA"}},
            "with crc99, an unknown hash",
        ),
        (
            {"record_hashes": {"demo/__init__.py": ""}},
            "its RECORD gives no hash for 'demo/__init__.py'",
        ),
    ],
)
def test_record_must_describe_the_archive_exactly(
    tmp_path: Path, env: Environment, options: dict[str, object], reason: str
) -> None:
    wheel = craft(tmp_path, **options)  # type: ignore[arg-type]
    assert reason in refusal(wheel, env)


def test_record_sizes_and_rows_are_checked(tmp_path: Path, env: Environment) -> None:
    wheel = craft(tmp_path)
    with zipfile.ZipFile(wheel) as zf:
        entries = [(i, zf.read(i)) for i in zf.infolist()]
    record = entries[-1][1].decode().replace(",6\n", ",7\n", 1)  # x = 1\n has 6 bytes
    wheel.unlink()
    write_zip(wheel, [*entries[:-1], (entries[-1][0], record.encode())])
    assert (
        "its RECORD gives 'demo/__init__.py' a size of 7 bytes, but the archive "
        in (refusal(wheel, env))
    )

    wheel.unlink()
    write_zip(wheel, [*entries[:-1], (entries[-1][0], b"demo/__init__.py,only-two\n")])
    assert "line 1 of its RECORD has 2 fields instead of 3" in refusal(wheel, env)


def test_padded_hashes_are_accepted(tmp_path: Path, env: Environment) -> None:
    padded = record_hash(b"x = 1\n") + "="
    wheel = craft(tmp_path, record_hashes={"demo/__init__.py": padded})
    check_for_install(wheel, env)


# --- rules 4 and 5: paths ------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("/etc/evil.py", "member '/etc/evil.py' is an absolute path"),
        ("../evil.py", "member '../evil.py' has a '..' component"),
        ("demo/../../evil.py", "has a '..' component"),
        ("demo\\evil.py", "member 'demo\\\\evil.py' contains a backslash"),
        ("C:/evil.py", "member 'C:/evil.py' names a drive"),
        (
            "demo-1.0.data/unknown/x.py",
            (
                "member 'demo-1.0.data/unknown/x.py' is in demo-1.0.data/unknown, and "
                "'unknown' is not one of purelib, platlib, headers, scripts, data"
            ),
        ),
        ("demo-1.0.data/purelib/../../x.py", "has a '..' component"),
        ("demo-1.0.data/README", "is not inside a scheme directory"),
        ("demo/.", "member 'demo/.' does not name a file"),
    ],
)
def test_member_paths_stay_inside_their_scheme(
    tmp_path: Path, env: Environment, member: str, reason: str
) -> None:
    wheel = craft(tmp_path, members=[(member, b"evil")])
    assert reason in refusal(wheel, env)


def test_a_scheme_the_environment_lacks_is_refused(
    tmp_path: Path, env: Environment
) -> None:
    lacking = with_scheme(env, scripts="")
    wheel = craft(tmp_path, members=[("demo-1.0.data/scripts/tool", b"")])
    assert "which the target environment does not define" in refusal(wheel, lacking)


def test_two_members_cannot_write_one_file(tmp_path: Path, env: Environment) -> None:
    same_dir = with_scheme(env, platlib=env.scheme["purelib"])
    wheel = craft(tmp_path, members=[("demo-1.0.data/platlib/demo/__init__.py", b"")])
    assert (
        "member 'demo/__init__.py' and member 'demo-1.0.data/platlib/demo/__init__.py' "
        "would both be written to"
    ) in refusal(wheel, same_dir)


# --- rule 6: entry points ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("../evil = demo:main", "entry point '../evil' has a slash in its name"),
        ("sub/evil = demo:main", "has a slash in its name"),
        ("evil\\x = demo:main", "has a backslash in its name"),
        (".. = demo:main", "entry point '..' is not a file name"),
        ("C:evil = demo:main", "has a colon in its name"),
        ("tool = not a target", "points at 'not a target', not at module:function"),
    ],
)
def test_entry_points_stay_inside_the_scripts_directory(
    tmp_path: Path, env: Environment, line: str, reason: str
) -> None:
    wheel = craft(tmp_path, entry_points=f"[console_scripts]\n{line}\n")
    text = refusal(wheel, env)
    assert "console_scripts entry point" in text
    assert reason in text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("tool = demo:main\n", "line 1 comes before any [section]"),
        (
            "[console_scripts]\n= demo:main\n",
            "line 2 is not 'name = value': '= demo:main'",
        ),
        (
            "[console_scripts]\ntool = a:b\ntool = c:d\n",
            "'tool' appears twice in [console_scripts]",
        ),
        ("[console_scripts]\n[console_scripts]\n", "[console_scripts] appears twice"),
    ],
)
def test_an_unparsable_entry_points_file_is_refused(
    tmp_path: Path, env: Environment, text: str, reason: str
) -> None:
    wheel = craft(tmp_path, entry_points=text)
    assert f"its entry_points.txt cannot be parsed: {reason}" in refusal(wheel, env)


def test_other_entry_point_groups_are_not_scripts(
    tmp_path: Path, env: Environment
) -> None:
    wheel = craft(
        tmp_path,
        entry_points="[demo.plugins]\nodd/name = demo:plugin\n"
        "[console_scripts]\nDemo-Tool = demo:main [extra]\n",
    )
    valid = check_for_install(wheel, env)
    assert {k: dict(v) for k, v in valid.entry_points.items()} == {
        "console_scripts": {"Demo-Tool": "demo:main [extra]"}
    }


# --- rules 7 and 8: the archive itself -----------------------------------------------


def test_a_symlink_member_is_refused(tmp_path: Path, env: Environment) -> None:
    link = zip_info("demo/passwd", stat.S_IFLNK | 0o777)
    wheel = craft(tmp_path, members=[(link, b"/etc/passwd")])
    assert "member 'demo/passwd' is a symbolic link" in refusal(wheel, env)


def test_a_duplicate_member_is_refused(tmp_path: Path, env: Environment) -> None:
    wheel = craft(
        tmp_path, members=[("demo/twice.py", b"a = 1\n"), ("demo/twice.py", b"b")]
    )
    assert "member 'demo/twice.py' appears twice in the archive" in refusal(wheel, env)


def test_a_corrupt_crc_is_refused(tmp_path: Path, env: Environment) -> None:
    payload = b"UNIQUE-PAYLOAD-0123456789"
    stored = zip_info("demo/payload.txt")
    stored.compress_type = zipfile.ZIP_STORED
    wheel = craft(tmp_path, members=[(stored, payload)])
    data = wheel.read_bytes()
    assert data.count(payload) == 1
    wheel.write_bytes(data.replace(payload, payload[:-1] + b"0"))
    reason = refusal(wheel, env)
    assert (
        "member 'demo/payload.txt' is corrupt: its data does not match the archive's "
        "CRC-32 checksum"
    ) in reason


def test_a_compression_bomb_is_refused(tmp_path: Path, env: Environment) -> None:
    bomb = zip_info("demo/zeros.bin")
    bomb.compress_type = zipfile.ZIP_BZIP2  # bzip2 squeezes zeros far past 1000:1
    wheel = craft(tmp_path, members=[(bomb, bytes(4 * 1024 * 1024))])
    reason = refusal(wheel, env)
    assert "member 'demo/zeros.bin' expands" in reason
    assert "beyond the 1000:1 inst accepts (a ZIP bomb?)" in reason


def test_overlapping_members_are_refused(tmp_path: Path, env: Environment) -> None:
    # The trick of overlapping ZIP bombs: one entry's data holds another whole entry.
    inner = zip_info("demo/inner.txt")
    inner.compress_type = zipfile.ZIP_STORED
    inner.file_size = inner.compress_size = inner.CRC = 0
    outer = zip_info("demo/outer.bin")
    outer.compress_type = zipfile.ZIP_STORED

    def add_inner(zf: zipfile.ZipFile) -> None:
        outer_offset = zf.getinfo("demo/outer.bin").header_offset
        inner.header_offset = outer_offset + 30 + len(outer.filename)
        zf.filelist.append(inner)

    wheel = craft(
        tmp_path,
        members=[(outer, inner.FileHeader())],
        listed_only=["demo/inner.txt"],
        finish=add_inner,
    )
    assert (
        "member 'demo/inner.txt' overlaps member 'demo/outer.bin' in the archive"
        in refusal(wheel, env)
    )


def test_an_absurd_declared_size_is_refused(
    tmp_path: Path, env: Environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBER_SIZE", 100)
    wheel = craft(tmp_path, members=[("demo/big.txt", bytes(range(256)))])
    reason = refusal(wheel, env)
    assert "member 'demo/big.txt' declares 256 bytes uncompressed" in reason


def test_an_encrypted_member_is_refused(tmp_path: Path, env: Environment) -> None:
    wheel = craft(tmp_path, members=[("demo/secret.txt", b"secret")])
    with zipfile.ZipFile(wheel) as zf:
        central_directory = zf.start_dir
    raw = bytearray(wheel.read_bytes())
    # The flags of the member's central directory entry: 8 bytes into it.
    entry = raw.index(b"demo/secret.txt", central_directory) - 46
    raw[entry + 8] |= 0x1
    wheel.write_bytes(bytes(raw))
    assert "member 'demo/secret.txt' is encrypted" in refusal(wheel, env)


# --- rule 9: Requires-Python ---------------------------------------------------------


def test_requires_python_must_include_the_target(
    tmp_path: Path, env: Environment
) -> None:
    wheel = make_wheel(tmp_path, "old", "1.0", requires_python="<3")
    reason = refusal(wheel, env)
    running = ".".join(map(str, env.version_info))
    assert (
        f"it requires Python <3, and the target environment has Python {running}"
        in (reason)
    )
    assert "--ignore-requires-python" in reason
    assert check_for_install(wheel, env, ignore_requires_python=True).name == "old"


# --- rule 10: overwriting ------------------------------------------------------------


def test_a_file_of_another_distribution_is_not_overwritten(
    tmp_path: Path, env: Environment
) -> None:
    install_fake(env, "other", "1.0", {"shared/mod.py": "x = 0\n"})
    wheel = craft(tmp_path, members=[("shared/mod.py", b"x = 1\n")])
    reason = refusal(wheel, env)
    purelib = Path(env.scheme["purelib"]).resolve()
    assert (
        f"member 'shared/mod.py' would overwrite {purelib / 'shared' / 'mod.py'}, "
        "a file of other 1.0"
    ) in reason
    assert "--force-reinstall" in reason
    # Explicitly the same as the default: what is installed stays.
    assert "a file of other 1.0" in refusal(wheel, env, installing_over=env.installed())
    assert check_for_install(wheel, env, force_reinstall=True).name == "demo"
    # other is being removed in the same transaction: its file may go.
    assert check_for_install(wheel, env, installing_over={}).name == "demo"


def test_a_script_of_another_distribution_is_not_overwritten(
    tmp_path: Path, env: Environment
) -> None:
    install_fake(env, "other", "1.0", {"../../bin/tool": "#!python\n"})
    wheel = craft(tmp_path, entry_points="[console_scripts]\ntool = demo:main\n")
    assert "the console_scripts entry point 'tool' would overwrite" in refusal(
        wheel, env
    )


def test_an_upgrade_replaces_its_own_files(tmp_path: Path, env: Environment) -> None:
    install_fake(
        env, "demo", "0.9", {"demo/__init__.py": "x = 0\n", "../../bin/tool": "#!\n"}
    )
    wheel = craft(tmp_path, entry_points="[console_scripts]\ntool = demo:main\n")
    assert check_for_install(wheel, env).version == Version("1.0")
    # A file that exists but that no distribution owns may be replaced too.
    (Path(env.scheme["purelib"]) / "stray.py").write_text("")
    wheel = craft(tmp_path, members=[("stray.py", b"")])
    check_for_install(wheel, env)


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (
            {"members": [("demo-1.0.data/scripts/python", b"")]},
            # Refused by name, wherever it goes (as uv does).
            (
                "member 'demo-1.0.data/scripts/python' would write python into the "
                "scripts directory, a name reserved for the environment's own Python and activation scripts"
            ),
        ),
        (
            {"entry_points": "[console_scripts]\npython = demo:main\n"},
            (
                "the console_scripts entry point 'python' would write python into the "
                "scripts directory, a name reserved for the environment's own Python and activation scripts"
            ),
        ),
        (
            {"members": [("demo-1.0.data/data/bin/python", b"")]},
            "the environment's Python interpreter",
        ),
        (
            {"members": [("demo-1.0.data/scripts/activate", b"")]},
            (
                "member 'demo-1.0.data/scripts/activate' would write activate into the "
                "scripts directory, a name reserved for the environment's own Python and activation scripts"
            ),
        ),
    ],
)
def test_the_interpreter_and_its_files_are_not_overwritten(
    tmp_path: Path, env: Environment, options: dict[str, object], reason: str
) -> None:
    wheel = craft(tmp_path, **options)  # type: ignore[arg-type]
    bin_dir = Path(env.scheme["scripts"]).resolve()
    assert reason.format(bin=bin_dir) in refusal(wheel, env)


@pytest.fixture(scope="module")
def real_venv(tmp_path_factory: pytest.TempPathFactory) -> VirtualEnv:
    return make_venv(tmp_path_factory.mktemp("validate") / "venv")


def test_a_real_venv_s_interpreter_and_activate_are_protected(
    tmp_path: Path, real_venv: VirtualEnv
) -> None:
    venv_env = find_environment(real_venv.root, cache=NULL_CACHE.interpreters)
    for script in ("python", "python3", "activate"):
        wheel = craft(
            tmp_path, entry_points=f"[console_scripts]\n{script} = demo:main\n"
        )
        reason = refusal(wheel, venv_env)
        assert f"entry point '{script}' would write {script} into the scripts" in reason
    wheel = craft(tmp_path, entry_points="[console_scripts]\ndemo = demo:main\n")
    assert check_for_install(wheel, venv_env).name == "demo"


# --- inspect_wheel and place_wheel: the two halves -----------------------------------


def files_below(directory: Path) -> dict[str, bytes]:
    """Every file under directory, by "/"-separated relative path, with its bytes."""
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in directory.rglob("*")
        if path.is_file()
    }


def comparable(valid: ValidWheel) -> dict[str, object]:
    """A ValidWheel's fields as values (a Message compares by identity)."""
    fields = {
        field.name: getattr(valid, field.name) for field in dataclasses.fields(valid)
    }
    fields["metadata"] = valid.metadata.items()
    return fields


def test_inspect_wheel_extracts_each_member_once_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = hashlib.sha256(b"seed").digest() * (3 * 1024 * 1024 // 32 + 7)
    stored = zip_info("demo/stored.bin")
    stored.compress_type = zipfile.ZIP_STORED
    bzipped = zip_info("demo/bzipped.txt")
    bzipped.compress_type = zipfile.ZIP_BZIP2
    wheel = craft(
        tmp_path,
        members=[
            ("demo/blob.bin", blob),
            (stored, b"stored"),
            (bzipped, b"bzip2 " * 100),
            ("demo/empty.txt", b""),
            (zip_info("demo-1.0.data/scripts/tool", stat.S_IFREG | 0o755), b"#!sh\n"),
            (zip_info("demo/run.sh", stat.S_IFREG | 0o744), b"#!/bin/sh\n"),
            ("demo-1.0.data/data/share/demo/readme.txt", b"hi"),
            ("demo-1.0.dist-info/RECORD.jws", b"{}"),
        ],
        unlisted=["demo-1.0.dist-info/RECORD.jws"],
        entry_points="[console_scripts]\ndemo = demo:main\n",
    )
    consumed: list[str] = []
    consume = archive.Archive.consume

    def counting(
        self: Any, info: zipfile.ZipInfo, start: int, sink: Callable[[bytes], object]
    ) -> None:
        consumed.append(info.filename)
        consume(self, info, start, sink)

    monkeypatch.setattr(archive.Archive, "consume", counting)
    out = tmp_path / "out"
    out.mkdir()

    manifest = inspect_wheel(wheel, extract_to=out)

    with zipfile.ZipFile(wheel) as zf:
        infos = zf.infolist()
        archived = {info.filename: zf.read(info) for info in infos}
    assert sorted(consumed) == sorted(archived)  # every member decompressed once
    assert files_below(out) == archived
    for info in infos:
        executable = bool((info.external_attr >> 16) & 0o111)
        mode = (out / info.filename).stat().st_mode
        assert bool(mode & 0o111) == executable, info.filename
        if executable:
            assert stat.S_IMODE(mode) == 0o755
    assert [entry.member for entry in manifest.files] == [i.filename for i in infos]

    by_member = {entry.member: entry for entry in manifest.files}
    assert by_member["demo-1.0.data/scripts/tool"] == ManifestEntry(
        "demo-1.0.data/scripts/tool", "scripts", "tool", record_hash(b"#!sh\n"), 5, True
    )
    assert by_member["demo/run.sh"].executable
    assert not by_member["demo/blob.bin"].executable
    assert by_member["demo/blob.bin"].hash == record_hash(blob)
    assert by_member["demo/blob.bin"].size == len(blob)
    assert by_member["demo-1.0.data/data/share/demo/readme.txt"].relative == (
        "share/demo/readme.txt"
    )
    assert by_member["demo-1.0.dist-info/RECORD"].hash is None
    assert by_member["demo-1.0.dist-info/RECORD.jws"].hash is None
    assert (manifest.name, manifest.version) == ("demo", Version("1.0"))
    assert manifest.data_dir == "demo-1.0.data"
    assert manifest.root_scheme == "purelib"
    assert {k: dict(v) for k, v in manifest.entry_points.items()} == {
        "console_scripts": {"demo": "demo:main"}
    }
    assert WheelManifest.loads(manifest.dumps()) == manifest
    # Without extract_to: the same manifest, nothing written.
    assert inspect_wheel(wheel) == manifest


def test_inspect_wheel_refuses_what_no_scheme_directory_can_hold(
    tmp_path: Path,
) -> None:
    # An empty path component: the rest would be joined as an absolute path.
    wheel = craft(tmp_path, members=[("demo-1.0.data/purelib//etc/evil.py", b"")])
    with pytest.raises(InvalidWheel) as caught:
        inspect_wheel(wheel)
    assert caught.value.why == (
        "member 'demo-1.0.data/purelib//etc/evil.py' would leave the purelib directory"
    )


@pytest.mark.parametrize(
    ("options", "reason", "writes"),
    [
        (
            {
                "members": [("demo/late.py", b"late = 1\n")],
                "record_hashes": {"demo/late.py": record_hash(b"other")},
            },
            "member 'demo/late.py' does not match its RECORD sha256 hash",
            True,  # found by the pass that writes: earlier members are out already
        ),
        (
            {"members": [("demo/a", b"file"), ("demo/a/b", b"in a directory a")]},
            (
                "member 'demo/a/b' cannot be unpacked: its path collides with "
                "another member's"
            ),
            True,
        ),
        (
            {"members": [("demo-1.0.data/purelib/../../../evil.py", b"")]},
            "has a '..' component, which leaves its directory",
            False,  # refused before the pass that writes
        ),
        (
            # Absolute once joined: it would land in tmp_path itself.
            {"members": [("demo-1.0.data/purelib/{tmp}/evil.py", b"")]},
            "would leave the purelib directory",
            False,
        ),
    ],
)
def test_a_refused_wheel_writes_nothing_outside_extract_to(
    tmp_path: Path, options: dict[str, object], reason: str, writes: bool
) -> None:
    members = options.pop("members")
    assert isinstance(members, list)
    members = [(m.format(tmp=tmp_path.as_posix()), data) for m, data in members]
    wheel = craft(tmp_path, members=members, **options)  # type: ignore[arg-type]
    out = tmp_path / "deep" / "out"
    out.mkdir(parents=True)
    before = files_below(tmp_path)
    with pytest.raises(InvalidWheel) as caught:
        inspect_wheel(wheel, extract_to=out)
    assert reason in caught.value.why
    written = files_below(out)
    assert bool(written) == writes  # the caller deletes out; inspect_wheel does not
    assert {
        path: data
        for path, data in files_below(tmp_path).items()
        if not path.startswith("deep/out/")
    } == before


def test_inspect_wheel_wants_an_empty_directory_and_reports_write_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = craft(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "stale").write_text("")
    with pytest.raises(ValueError, match="not an empty directory"):
        inspect_wheel(wheel, extract_to=out)

    # A full disk is not the wheel's fault: the OSError comes through, not a refusal.
    class FullDisk(io.BytesIO):
        def write(self, data: Any, /) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    real_open = open

    def full_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> IO[Any]:
        return FullDisk() if mode == "xb" else real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(archive, "open", full_open, raising=False)
    (out / "stale").unlink()
    with pytest.raises(OSError, match="No space left") as caught:
        inspect_wheel(wheel, extract_to=out)
    assert not isinstance(caught.value, InvalidWheel)


@pytest.fixture
def target_scheme(tmp_path: Path) -> dict[str, str]:
    """A --target-like layout: both libs in one directory, scripts in its bin."""
    target = tmp_path / "target"
    return {
        "purelib": str(target),
        "platlib": str(target),
        "scripts": str(target / "bin"),
        "data": str(target),
        "headers": str(target / "include"),
    }


def test_place_wheel_routes_into_any_scheme_directories(
    tmp_path: Path, target_scheme: dict[str, str]
) -> None:
    wheel = make_wheel(
        tmp_path,
        "demo",
        "1.0",
        files={
            "demo/__init__.py": "",
            "demo-1.0.data/scripts/tool": "#!python\n",
            "demo-1.0.data/data/share/demo/readme.txt": "hi",
        },
        entry_points={"console_scripts": {"demo": "demo:main"}},
    )
    manifest = inspect_wheel(wheel)
    wheel.unlink()  # placing never opens the archive
    asked: list[str] = []

    def installed() -> dict[str, Any]:
        asked.append("installed")
        return {}

    valid = place_wheel(manifest, target_scheme, python=None, installed=installed)
    assert valid.path == Path(wheel.name)
    assert valid.manifest is manifest
    assert valid.scheme_paths["scripts"] == ("demo-1.0.data/scripts/tool",)
    assert valid.scheme_paths["data"] == ("demo-1.0.data/data/share/demo/readme.txt",)
    assert "demo/__init__.py" in valid.scheme_paths["purelib"]
    assert not asked  # nothing there yet: the installed distributions are not listed

    # A file in the layout's bin that no distribution installed is not replaced.
    (tmp_path / "target" / "bin").mkdir(parents=True)
    (tmp_path / "target" / "bin" / "tool").write_text("")
    with pytest.raises(InvalidWheel) as caught:
        place_wheel(manifest, target_scheme, python=None, installed=installed)
    assert (
        "member 'demo-1.0.data/scripts/tool' would overwrite "
        f"{(tmp_path / 'target' / 'bin').resolve() / 'tool'}, a file of the Python "
        "environment itself"
    ) in caught.value.why
    assert asked
    assert place_wheel(
        manifest, target_scheme, python=None, installed=installed, force_reinstall=True
    ).name == ("demo")

    # A manifest that lets a file escape (say, a tampered JSON file) is refused.
    escaping = dataclasses.replace(
        manifest,
        files=(
            *manifest.files,
            ManifestEntry("demo/x.py", "purelib", "../escape.py", None, 0, False),
        ),
    )
    with pytest.raises(InvalidWheel) as caught:
        place_wheel(escaping, target_scheme, python=None, installed=installed)
    assert caught.value.why == (
        f"member 'demo/x.py' would be written to {tmp_path.resolve() / 'escape.py'}, "
        f"outside the purelib directory {(tmp_path / 'target').resolve()}"
    )
    # So is a layout without a directory the wheel needs.
    lacking = {k: v for k, v in target_scheme.items() if k != "data"}
    with pytest.raises(InvalidWheel) as caught:
        place_wheel(manifest, lacking, python=None, installed=installed)
    assert caught.value.why == (
        "it has files for the data directory, which the target environment does not "
        "define"
    )


def test_place_wheel_checks_requires_python_only_when_asked(
    tmp_path: Path, target_scheme: dict[str, str]
) -> None:
    manifest = inspect_wheel(make_wheel(tmp_path, "old", "1.0", requires_python="<3"))
    assert place_wheel(manifest, target_scheme, python=None, installed=dict).name == (
        "old"
    )
    seen: list[str] = []

    def never(requires_python: str) -> bool:
        seen.append(requires_python)
        return False

    with pytest.raises(InvalidWheel) as caught:
        place_wheel(
            manifest,
            target_scheme,
            python=None,
            installed=dict,
            requires_python_ok=never,
            python_version="3.11.4",
        )
    assert seen == ["<3"]
    assert caught.value.why == (
        "it requires Python <3, and the target environment has Python 3.11.4"
    )
    with pytest.raises(InvalidWheel) as caught:
        place_wheel(
            manifest,
            target_scheme,
            python=None,
            installed=dict,
            requires_python_ok=never,
        )
    assert caught.value.why == (
        "it requires Python <3, which the target environment's Python does not satisfy"
    )


def test_place_wheel_on_a_stored_manifest_equals_check_for_install(
    tmp_path: Path, env: Environment
) -> None:
    install_fake(env, "demo", "0.9", {"demo/__init__.py": "x = 0\n"})
    wheel = make_wheel(
        tmp_path,
        "demo",
        "1.0",
        requires_python=">=3",
        files={
            "demo/__init__.py": "",
            "demo-1.0.data/scripts/tool": "#!python\n",
            "demo-1.0.data/headers/demo.h": "int x;",
        },
        entry_points={"gui_scripts": {"demo-gui": "demo:gui"}},
    )
    valid = check_for_install(wheel, env)
    assert valid.manifest is not None
    assert valid.manifest == inspect_wheel(wheel)
    stored = WheelManifest.loads(valid.manifest.dumps())
    wheel.unlink()  # placing never opens the archive
    placed = place_wheel(
        stored,
        env.scheme,
        python=env.python,
        installed=env.installed,
        requires_python_ok=env.python_supported,
        python_version=".".join(map(str, env.version_info)),
        path=wheel,
    )
    assert comparable(placed) == comparable(valid)
    # The interpreter stays protected when the manifest comes from a file.
    python_entry = ManifestEntry(
        "demo-1.0.data/scripts/python", "scripts", "python", None, 0, True
    )
    clobbering = dataclasses.replace(stored, files=(*stored.files, python_entry))
    with pytest.raises(InvalidWheel) as caught:
        place_wheel(clobbering, env.scheme, python=env.python, installed=env.installed)
    assert (
        "a name reserved for the environment's own Python and activation scripts"
        in caught.value.why
    )

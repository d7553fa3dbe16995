"""Sdists in every archive format pip takes (.tar.gz, .zip, .tar.bz2, .tar.xz,
.tar.lzma, .tgz, .tbz, .txz, .tlz, .tar): names parsed, files listed by find-links and
index pages, requirements recognised, and archives unpacked with the same safety
checks whatever the compression. lzip (.tar.lz), which Python cannot read, is refused
with that reason."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.utils import InvalidSdistFilename
from packaging.version import Version

from harness.fault_backends import ARCHIVE_MODES, archive_sdist, fault_tree
from inst.build.sources import SourceArchiveError, unpack_sdist
from inst.cache_layout import project_part
from inst.errors import InstError
from inst.index.simple import parse_html_page
from inst.index.sources import FindLinksSource
from inst.models import (
    SDIST_SUFFIXES,
    DistFile,
    is_dist_filename,
    parse_dist_file,
    parse_sdist_name,
)
from inst.requirements import SourceKind, parse_requirement
from inst.resolution.direct import direct_file

SUFFIXES = sorted(ARCHIVE_MODES)


def test_the_harness_makes_every_format_inst_takes() -> None:
    assert set(SUFFIXES) == set(SDIST_SUFFIXES)


# --- names -------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_sdist_names_parse_whatever_the_archive(suffix: str) -> None:
    assert parse_sdist_name(f"Foo_Bar-1.0.post1{suffix}") == (
        "foo-bar",
        Version("1.0.post1"),
    )
    assert is_dist_filename(f"foo-1.0{suffix}")
    file = DistFile(f"foo-2.0{suffix}", f"https://files.invalid/foo-2.0{suffix}")
    assert parse_dist_file(file) is file
    assert (file.project, file.version, file.is_wheel) == ("foo", Version("2.0"), False)


@pytest.mark.parametrize(
    "filename",
    [
        "foo-1.0.tar.lz",
        "foo-1.0.rar",
        "foo-1.0.tar.zst",
        "foo.tar.bz2",
        "foo-x!y.tar.xz",
    ],
)
def test_other_names_are_not_sdists(filename: str) -> None:
    with pytest.raises(InvalidSdistFilename):
        parse_sdist_name(filename)
    assert (
        parse_dist_file(DistFile(filename, "https://files.invalid/" + filename)) is None
    )


def test_a_legacy_name_with_dashes_splits_at_the_last_one() -> None:
    assert parse_sdist_name("python-dateutil-2.8.2.tar.bz2") == (
        "python-dateutil",
        Version("2.8.2"),
    )


@pytest.mark.parametrize("suffix", [".tar.lzma", ".tlz", ".txz", ".tbz"])
def test_the_cache_listing_knows_the_project_of_every_sdist(suffix: str) -> None:
    assert project_part(f"foo_bar-1.0{suffix}") == "foo_bar"


# --- where sdists are found ----------------------------------------------------------


def test_find_links_directories_list_every_format(tmp_path: Path) -> None:
    for suffix in SUFFIXES:
        (tmp_path / f"demo-1.{SUFFIXES.index(suffix)}{suffix}").write_bytes(b"")
    (tmp_path / "demo-9.0.tar.lz").write_bytes(b"")  # lzip: not listed
    (tmp_path / "demo-9.1.rar").write_bytes(b"")

    files = FindLinksSource(str(tmp_path)).project_files(None, "demo")  # type: ignore[arg-type]

    assert sorted(f.filename for f in files) == sorted(
        f"demo-1.{i}{suffix}" for i, suffix in enumerate(SUFFIXES)
    )


def test_index_pages_offer_every_format() -> None:
    links = "".join(
        f'<a href="/files/demo-1.{i}{suffix}">x</a>'
        for i, suffix in enumerate(SUFFIXES)
    )
    page = f"<html><body>{links}</body></html>"

    files = parse_html_page(page, "https://index.invalid/simple/demo/", "index")

    assert [f.version for f in files] == [
        Version(f"1.{i}") for i in range(len(SUFFIXES))
    ]


@pytest.mark.parametrize("suffix", [".tar.bz2", ".tar.xz", ".tar.lzma", ".tgz", ".tbz"])
def test_paths_and_urls_of_other_formats_are_sdist_requirements(
    tmp_path: Path, suffix: str
) -> None:
    archive = tmp_path / f"demo-1.0{suffix}"
    archive.write_bytes(b"")

    spec = parse_requirement(str(archive))
    assert (spec.kind, spec.name) == (SourceKind.SDIST_FILE, "demo")
    url = f"https://files.invalid/demo-1.0{suffix}"
    spec = parse_requirement(url)
    assert (spec.kind, spec.name) == (SourceKind.URL, "demo")
    file = direct_file(url, "demo")
    assert (file.project, file.version) == ("demo", Version("1.0"))


def test_an_lzip_url_is_refused_for_what_it_is() -> None:
    with pytest.raises(InstError) as info:
        direct_file("https://files.invalid/demo-1.0.tar.lz")
    assert "lzip" in info.value.what
    assert "does not parse" not in info.value.paragraph()


def test_a_misnamed_archive_says_which_shape_its_name_lacks() -> None:
    with pytest.raises(InstError) as info:
        direct_file("https://files.invalid/demo.tar.bz2")
    assert "NAME-VERSION.tar.bz2" in info.value.why


# --- unpacking -----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_every_format_unpacks_to_the_project_directory(
    tmp_path: Path, suffix: str
) -> None:
    tree = fault_tree(tmp_path / "src", "demo")
    archive = archive_sdist(tree, tmp_path / "dists", suffix)

    root = unpack_sdist(archive, tmp_path / "out")

    assert root == tmp_path / "out" / "demo-1.0"
    assert sorted(os.listdir(root)) == sorted(
        ["PKG-INFO", "fault_backend.json", "fault_backend.py", "pyproject.toml"]
    )
    assert (root / "pyproject.toml").read_bytes() == (
        tree / "pyproject.toml"
    ).read_bytes()


def test_the_compression_is_read_from_the_content_not_the_suffix(
    tmp_path: Path,
) -> None:
    """A .tar.bz2 that is really gzip-compressed still unpacks (as tar itself does)."""
    tree = fault_tree(tmp_path / "src", "demo")
    gz = archive_sdist(tree, tmp_path / "dists", ".tar.gz")
    misnamed = gz.rename(gz.with_name("demo-1.0.tar.bz2"))

    assert unpack_sdist(misnamed, tmp_path / "out").name == "demo-1.0"


def evil_tar(path: Path, suffix: str, *members: tarfile.TarInfo) -> Path:
    """A tar archive (compressed per suffix) of the given members, data 'x'."""
    target = path / f"evil-1.0{suffix}"
    mode = ARCHIVE_MODES[suffix]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        ok = tarfile.TarInfo("evil-1.0/PKG-INFO")
        ok.size = 1
        tar.addfile(ok, io.BytesIO(b"x"))
        for member in members:
            tar.addfile(member, io.BytesIO(b"x") if member.isfile() else None)
    if mode == "lzma":
        import lzma

        target.write_bytes(lzma.compress(buffer.getvalue(), format=lzma.FORMAT_ALONE))
    else:
        with (
            tarfile.open(target, mode) as out,
            tarfile.open(fileobj=io.BytesIO(buffer.getvalue())) as source,
        ):
            for info in source.getmembers():
                out.addfile(info, source.extractfile(info) if info.isfile() else None)
    return target


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    info.size = 1 if kind == tarfile.REGTYPE else 0
    return info


EVIL = {
    "absolute": (member("/tmp/inst-evil-absolute"), "outside its directory"),
    "dotdot": (member("evil-1.0/../../escaped"), "outside its directory"),
    "symlink out": (
        member("evil-1.0/link", tarfile.SYMTYPE, "../../outside"),
        "outside its directory",
    ),
    "hard link out": (
        member("evil-1.0/hard", tarfile.LNKTYPE, "../outside"),
        "outside its directory",
    ),
    "device": (member("evil-1.0/dev", tarfile.CHRTYPE), "special file"),
    "fifo": (member("evil-1.0/fifo", tarfile.FIFOTYPE), "special file"),
    "empty name": (member(""), "has a member with an empty name"),
}


@pytest.mark.parametrize("suffix", [".tar.bz2", ".tar.xz", ".tar.lzma", ".tar"])
@pytest.mark.parametrize("case", sorted(EVIL))
def test_safety_checks_hold_for_every_compression(
    tmp_path: Path, suffix: str, case: str
) -> None:
    bad, expected = EVIL[case]
    archive = evil_tar(tmp_path, suffix, bad)
    out = tmp_path / "deep" / "out"

    with pytest.raises(SourceArchiveError) as info:
        unpack_sdist(archive, out)

    assert expected in info.value.what
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deep", archive.name]
    assert not any(out.iterdir())  # checked before anything is written


def test_a_zip_member_with_an_empty_name_is_refused(tmp_path: Path) -> None:
    # zipfile itself writes no such member, and raises IndexError extracting one.
    archive = tmp_path / "evil-1.0.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("evil-1.0/PKG-INFO", b"x")
        nameless = zipfile.ZipInfo("evil-1.0/x")
        nameless.filename = ""
        zipped.writestr(nameless, b"x")
    out = tmp_path / "out"

    with pytest.raises(SourceArchiveError) as info:
        unpack_sdist(archive, out)

    assert "evil-1.0.zip has a member with an empty name" in info.value.what
    assert not out.exists() or not any(out.iterdir())


def _damaged(archive: Path, offset: int) -> Path:
    data = bytearray(archive.read_bytes())
    data[offset : offset + 16] = b"\xff" * 16  # no valid deflate or xz block
    archive.write_bytes(bytes(data))
    return archive


def test_damaged_compressed_data_is_a_broken_archive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # zlib.error and LZMAError, which zipfile and tarfile let through, were internal
    # errors.
    tree = fault_tree(tmp_path / "src", "demo")
    (tree / "big.py").write_text("x = 1\n" * 20000)
    deflated = tmp_path / "demo-1.0.zip"
    with zipfile.ZipFile(deflated, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(tree / "big.py", "demo-1.0/big.py")
        info = zipped.getinfo("demo-1.0/big.py")
    big_data = info.header_offset + 30 + len(info.filename) + len(info.extra)
    _damaged(deflated, big_data)  # no valid deflate block: always zlib.error

    with pytest.raises(SourceArchiveError) as raised:
        unpack_sdist(deflated, tmp_path / "out-zip")

    assert "is not a valid source distribution" in raised.value.what
    # Damaged xz data is noticed only where the decoder happens to trip over it, so
    # the error it raises there is injected.
    lzma = pytest.importorskip("lzma")

    def corrupt(self: tarfile.TarFile) -> list[tarfile.TarInfo]:
        raise lzma.LZMAError("Corrupt input data")

    xz = archive_sdist(tree, tmp_path / "dists", ".tar.xz")
    monkeypatch.setattr(tarfile.TarFile, "getmembers", corrupt)
    with pytest.raises(SourceArchiveError) as raised:
        unpack_sdist(xz, tmp_path / "out-xz")

    assert raised.value.why == "the archive is broken: Corrupt input data"


def test_an_lzip_archive_is_refused_with_the_reason(tmp_path: Path) -> None:
    archive = tmp_path / "demo-1.0.tar.lz"
    archive.write_bytes(b"LZIP\x01")

    with pytest.raises(SourceArchiveError) as info:
        unpack_sdist(archive, tmp_path / "out")

    assert "lzip" in info.value.why


def test_a_broken_archive_is_an_error_not_a_crash(tmp_path: Path) -> None:
    archive = tmp_path / "demo-1.0.tar.xz"
    archive.write_bytes(b"\xfd7zXZ\x00 truncated")

    with pytest.raises(SourceArchiveError) as info:
        unpack_sdist(archive, tmp_path / "out")

    assert "is not a valid source distribution" in info.value.what


def test_a_python_without_the_compression_module_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = fault_tree(tmp_path / "src", "demo")
    archive = archive_sdist(tree, tmp_path / "dists", ".tar.bz2")

    def no_bz2(*args: object, **kwargs: object) -> tarfile.TarFile:
        raise tarfile.CompressionError("bz2 module is not available")

    monkeypatch.setattr(tarfile, "open", no_bz2)
    with pytest.raises(SourceArchiveError) as info:
        unpack_sdist(archive, tmp_path / "out")

    assert "cannot be unpacked by this Python" in info.value.what
    assert "bz2 module is not available" in info.value.why


def test_of_one_version_the_standard_formats_are_preferred() -> None:
    """.tar.gz, then .zip, then the legacy formats in SDIST_SUFFIXES' order, whatever
    the names sort to (.tar.bz2 before .tar.gz) and the sources' order."""
    from inst.index.finder import _best_first

    names = [f"foo-1.0{suffix}" for suffix in reversed(SDIST_SUFFIXES)]
    ranked = [((1, 0), DistFile(n, f"https://h/{n}")) for n in names]

    ordered = [f.filename for f in _best_first(ranked)]

    assert ordered == [f"foo-1.0{suffix}" for suffix in SDIST_SUFFIXES]

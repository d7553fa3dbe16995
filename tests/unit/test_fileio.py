"""inst.fileio: files written whole, special files written as they are.

The special files are made in tmp: a FIFO, and a character device (a copy of the null
device, made with mknod where the test may; else a symbolic link to the real one,
which the tests then only check is still a character device)."""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from inst import fileio
from inst.errors import InstError


@pytest.fixture
def char_device(tmp_path: Path) -> Iterator[Path]:
    """A symbolic link, in tmp, to a character device that discards what it is given."""
    node = tmp_path / "null-device"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # Linux's /dev/null
        target = node
    except (OSError, AttributeError):  # not allowed here: the system's own
        target = Path(os.devnull)
    link = tmp_path / "null-link"
    link.symlink_to(target)
    yield link
    assert stat.S_ISCHR(os.stat(target).st_mode)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def read_fifo(path: Path) -> tuple[threading.Thread, list[bytes]]:
    """Start a reader of the FIFO (a writer blocks until one is there)."""
    got: list[bytes] = []

    def read() -> None:
        with open(path, "rb") as stream:
            got.append(stream.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


def temporaries(directory: Path) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


# -- write_bytes / write_text -----------------------------------------------------------


def test_a_new_file_is_written(tmp_path: Path) -> None:
    fileio.write_text(tmp_path / "new.json", "{}\n")
    assert (tmp_path / "new.json").read_text() == "{}\n"
    assert temporaries(tmp_path) == []


def test_a_regular_file_is_replaced_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("old")
    path.chmod(0o600)
    inode = path.stat().st_ino

    fileio.write_bytes(path, b"new")

    assert path.read_bytes() == b"new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_ino != inode  # a new file renamed over the old one


def test_a_failed_write_leaves_the_old_content_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text("old")
    with pytest.raises(RuntimeError), fileio.atomic_writer(path) as stream:
        stream.write(b"half of it")
        raise RuntimeError("disk full, say")
    assert path.read_text() == "old"
    assert temporaries(tmp_path) == []


def test_a_fifo_is_written_and_stays_a_fifo(fifo: Path) -> None:
    thread, got = read_fifo(fifo)
    fileio.write_text(fifo, "through the pipe\n")
    thread.join(10)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert temporaries(fifo.parent) == []


def test_a_link_to_a_character_device_stays_a_link_to_it(char_device: Path) -> None:
    target = os.readlink(char_device)
    fileio.write_text(char_device, "discarded\n")
    assert char_device.is_symlink() and os.readlink(char_device) == target
    assert stat.S_ISCHR(os.stat(char_device).st_mode)
    assert temporaries(char_device.parent) == []


def test_a_link_to_a_regular_file_stays_and_its_target_is_replaced(
    tmp_path: Path,
) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)

    fileio.write_text(link, "new")

    assert link.is_symlink() and real.read_text() == "new"


def test_dash_is_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    fileio.write_text("-", "to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"


def test_a_directory_in_the_way_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError) as caught:
        fileio.write_text(tmp_path, "x")
    assert caught.value.errno == errno.EISDIR
    assert temporaries(tmp_path) == []


# -- move_into_place / copy_file ----------------------------------------------------------


def test_copy_file_is_whole_or_nothing_and_links_when_asked(tmp_path: Path) -> None:
    source = tmp_path / "a.whl"
    source.write_bytes(b"wheel")
    fileio.copy_file(source, tmp_path / "copy.whl")
    fileio.copy_file(source, tmp_path / "link.whl", link=True)
    assert (tmp_path / "copy.whl").read_bytes() == b"wheel"
    assert (tmp_path / "link.whl").stat().st_ino == source.stat().st_ino
    assert temporaries(tmp_path) == []


def test_copy_file_into_special_files(
    tmp_path: Path, fifo: Path, char_device: Path
) -> None:
    source = tmp_path / "a.whl"
    source.write_bytes(b"wheel")
    thread, got = read_fifo(fifo)
    fileio.copy_file(source, fifo, link=True)
    thread.join(10)
    fileio.copy_file(source, char_device)
    assert got == [b"wheel"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert stat.S_ISCHR(os.stat(char_device).st_mode)


def test_move_into_place_over_a_special_file_copies(
    tmp_path: Path, char_device: Path
) -> None:
    temporary = tmp_path / ".x.tmp"
    temporary.write_bytes(b"data")
    fileio.move_into_place(temporary, char_device)
    assert not temporary.exists()
    assert char_device.is_symlink()


def test_is_special(tmp_path: Path, fifo: Path, char_device: Path) -> None:
    (tmp_path / "regular").write_text("")
    assert fileio.is_special(fifo) and fileio.is_special(char_device)
    assert not fileio.is_special(tmp_path / "regular")
    assert not fileio.is_special(tmp_path)
    assert not fileio.is_special(tmp_path / "missing")
    assert not fileio.is_special(tmp_path / ("x" * 300))  # ENAMETOOLONG: not special


# -- directories and errors -----------------------------------------------------------------


def test_make_dirs_reports_what_it_made_and_remove_dirs_undoes_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "kept").mkdir()
    made = fileio.make_dirs(tmp_path / "kept" / "a" / "b", "save things")
    assert made == [tmp_path / "kept" / "a", tmp_path / "kept" / "a" / "b"]
    fileio.remove_dirs(made)
    assert os.listdir(tmp_path / "kept") == []
    assert fileio.make_dirs(tmp_path / "kept", "save things") == []


def test_remove_dirs_leaves_directories_that_are_no_longer_empty(
    tmp_path: Path,
) -> None:
    made = fileio.make_dirs(tmp_path / "a" / "b", "save things")
    (tmp_path / "a" / "b" / "file").write_text("")
    fileio.remove_dirs(made)
    assert (tmp_path / "a" / "b" / "file").exists()


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("afile", "afile is a file, not a directory"),
        ("afile/sub", "A part of that path is a file, not a directory"),
        ("x" * 300, "The path, or a name in it, is too long"),
    ],
)
def test_make_dirs_errors_are_one_paragraph(
    tmp_path: Path, where: str, expected: str
) -> None:
    (tmp_path / "afile").write_text("")
    with pytest.raises(InstError) as caught:
        fileio.make_dirs(tmp_path / where, "save the downloads")
    paragraph = caught.value.paragraph()
    assert paragraph.startswith("cannot save the downloads")
    assert expected in paragraph
    assert sorted(os.listdir(tmp_path)) == ["afile"]


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        (errno.ENOSPC, "Free some space"),
        (errno.EROFS, "mounted read-only"),
        (errno.EACCES, "Check its permissions"),
        (errno.ENOTDIR, "is a file, not a directory"),
        (errno.ENAMETOOLONG, "too long"),
        (errno.EIO, "The caller's hint"),
    ],
)
def test_os_error_words_the_usual_causes(code: int, hint: str) -> None:
    error = fileio.os_error(
        OSError(code, os.strerror(code), "/some/path"),
        "cannot write the report to r.json",
        hint="the caller's hint",
    )
    paragraph = error.paragraph()
    assert paragraph.startswith("cannot write the report to r.json.")
    assert os.strerror(code) in paragraph
    assert hint in paragraph

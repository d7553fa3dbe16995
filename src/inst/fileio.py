"""Writing files whole: the one place inst writes a file by temp file and rename.

A file is written into a temporary file beside it and renamed over it, so that a reader
(or the next run after a crash or a full disk) sees the old content or the new, never
half of one. That is right for regular files and new paths only. Users also name
``/dev/null``, ``/dev/stdout`` or a FIFO (``--report /dev/null``, ``-d`` onto a named
pipe): renaming over those replaces the device or the pipe with a regular file, and as
root (as in most containers) the rename succeeds. So a target that exists and is not
a regular file is written directly, and only regular files and new paths are replaced.

Symbolic links are followed: the link stays and the file it points to gets the content,
as an ``open(path, "w")`` would do.

Failures come back as ``OSError``; ``os_error()`` words one as the InstError that
names the path the user gave, with a hint for the usual causes (full disk, read-only
file system, permissions, a file where a directory should be, a name too long).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Union

from inst.errors import InstError

PathLike = Union[str, "os.PathLike[str]"]

_COPY_CHUNK = 1024 * 1024

#: Hints by errno for the file system conditions a user meets and can act on.
_HINTS = {
    errno.ENOSPC: "free some space on that file system, or choose another place",
    errno.EROFS: "that file system is mounted read-only; choose another place",
    errno.EACCES: "check its permissions, or choose another place",
    errno.EPERM: "check its permissions, or choose another place",
    errno.ENOTDIR: "a part of that path is a file, not a directory",
    errno.ENAMETOOLONG: "the path, or a name in it, is too long; choose a shorter one",
    errno.EISDIR: "it is a directory; name a file inside it",
    errno.ENOENT: "a directory on that path does not exist",
    errno.ELOOP: "the path goes round a loop of symbolic links",
}
if hasattr(errno, "EDQUOT"):  # not on Windows
    _HINTS[errno.EDQUOT] = "your disk quota is used up; free some space"

#: errnos that say something about the machine, never about inst's own logic.
ENVIRONMENT_ERRNOS = frozenset(_HINTS) - {errno.ENOENT, errno.EISDIR}


def os_error(error: OSError, what: str, hint: str = "") -> InstError:
    """``error`` as one paragraph: ``what`` failed, the system's reason, and the hint
    for that reason (``hint`` where there is none)."""
    why = error.strerror or str(error)
    return InstError(what, why, hint_for(error, hint))


def hint_for(error: OSError, default: str = "", *, machine_only: bool = False) -> str:
    """What to do about ``error``'s reason, if it is a usual one; else ``default``.
    machine_only: only for the reasons in ENVIRONMENT_ERRNOS (a path inst made itself
    that is missing is not the user's to fix)."""
    if machine_only and error.errno not in ENVIRONMENT_ERRNOS:
        return default
    return _HINTS.get(error.errno or 0, default)


def is_special(path: PathLike) -> bool:
    """Whether ``path`` (links followed) exists and is neither a regular file nor a
    directory: a character or block device, a FIFO, a socket."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def real_target(path: PathLike) -> Path:
    """Where writing ``path`` lands: the file at the end of its symbolic links."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def temporary_beside(path: PathLike) -> Path:
    """A fresh name in ``path``'s directory (same file system, so a rename is atomic;
    random, so parallel writers never collide). Starts with ``.`` to stay out of sight."""
    path = Path(os.path.abspath(path))  # "." and ".." have a name only this way
    name = path.name[:64] or "root"
    return path.parent / f".{name}.{os.urandom(6).hex()}.tmp"


@contextlib.contextmanager
def atomic_writer(path: PathLike) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` when the block ends cleanly.

    If the block raises, ``path`` is as it was and no temporary file is left. A special
    file is opened and written directly (nothing to replace, and nothing to undo).
    An existing regular file keeps its permission bits."""
    target = real_target(path)
    if is_special(target):
        with open(target, "wb") as stream:
            yield stream
        return
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    temporary = temporary_beside(target)
    try:
        with open(temporary, "xb") as stream:  # "x": a new file, mode from the umask
            yield stream
            stream.flush()
        _keep_mode(target, temporary)
        move_into_place(temporary, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # already gone after the rename


def write_bytes(path: PathLike, data: bytes) -> None:
    """Replace ``path``'s content with ``data`` (see the module docstring)."""
    with atomic_writer(path) as stream:
        stream.write(data)


def write_text(path: PathLike, text: str, *, encoding: str = "utf-8") -> None:
    """Replace ``path``'s content with ``text``; ``-`` is standard output."""
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_bytes(path, text.encode(encoding))


def move_into_place(temporary: PathLike, final: PathLike) -> None:
    """Rename a finished temporary file over ``final``; when ``final`` is a special
    file its content is copied into it instead and the temporary file removed."""
    if is_special(final):
        with open(temporary, "rb") as source, open(final, "wb") as out:
            shutil.copyfileobj(source, out, _COPY_CHUNK)
        os.unlink(temporary)
        return
    os.replace(temporary, final)


def copy_file(source: PathLike, dest: PathLike, *, link: bool = False) -> None:
    """Put a copy of ``source`` at ``dest``, whole or not at all.

    ``link``: a hard link when the file system allows it (for files that are never
    changed in place, such as verified downloads), else a copy."""
    target = real_target(dest)
    if is_special(target):
        with open(source, "rb") as stream, open(target, "wb") as out:
            shutil.copyfileobj(stream, out, _COPY_CHUNK)
        return
    temporary = temporary_beside(target)
    try:
        linked = False
        if link:
            try:
                os.link(source, temporary)
                linked = True
            except OSError:  # another file system, or links not allowed there
                pass
        if not linked:
            shutil.copyfile(source, temporary)
        move_into_place(temporary, target)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def make_dirs(path: PathLike, what: str) -> list[Path]:
    """``mkdir -p path``, or an InstError saying why ``what`` cannot go there.

    Returns the directories it made, outermost first (for ``remove_dirs`` after a
    failure, so that a failed command leaves no new empty directories)."""
    path = Path(path)
    missing = []
    for directory in (path, *path.parents):
        if os.path.lexists(directory):
            break
        missing.append(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InstError(
            f"cannot {what}: {path} is a file, not a directory",
            hint="name a directory, or a path that does not exist yet",
        ) from None
    except OSError as error:
        remove_dirs(reversed(missing))
        raise os_error(error, f"cannot {what}: cannot create {path}") from None
    return list(reversed(missing))


def remove_dirs(directories: Iterable[Path]) -> None:
    """Remove directories ``make_dirs`` made, innermost first, as long as they are
    empty (something else may have been put there meanwhile: then they stay)."""
    for directory in reversed(list(directories)):
        try:
            directory.rmdir()
        except OSError:
            return


def _keep_mode(target: Path, temporary: Path) -> None:
    # A report or config file someone made private (0600) stays private.
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return  # a new file: the umask decides, as for any new file
    with contextlib.suppress(OSError):
        os.chmod(temporary, mode)

"""Run inst with a file system fault injected under one directory.

    python tests/harness/faults.py ERRNO DIRECTORY [--except PATH]... [--writes-only]
        -- inst-arguments...

Every way inst writes below DIRECTORY (but not below an --except PATH, or a path
an --except glob matches) fails with
ERRNO (a name such as ENOSPC):
opening a file for writing, making a directory, renaming or linking into it,
changing modes. ENOSPC is injected as a full disk behaves: files still open, and
their writes fail, so half-written temporary files are there to be cleaned up.
With --writes-only, only writing files' data fails (directories are made, files
renamed, linked and their modes changed): a disk with room left for names but not
for data, which fills while inst writes. Reading, and removing files (cleaning up),
keep working. Subprocesses (builds, the --python probe, bytecode compilation) run
unchanged.

Real conditions are better where they can be made (a file where a directory should
be, a name too long); this covers the rest without root mounts: EACCES (root passes
permission checks), EROFS and ENOSPC. Prints nothing itself: the output is inst's.

    python tests/harness/faults.py --batch < cases.json > results.json

runs many cases in one process: inst is imported once, and each case runs in a child
forked from it (so each starts from a fresh state, as a new process would, without
paying for the imports again). A case is {"args": [...], "env": {...}, "cwd": DIR,
"errno": NAME or null, "directory": DIR, "except": [PATH...], "writes_only": BOOL};
a result is
{"code": N, "out": TEXT, "err": TEXT}.
"""

from __future__ import annotations

import builtins
import errno
import fnmatch
import io
import json
import os
import sys
import tempfile
from typing import Any

_O_WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class _Injector:
    def __init__(
        self, code: int, directory: str, exempt: list[str], *, writes_only: bool = False
    ) -> None:
        self.code = code
        self.writes_only = writes_only
        self.directory = os.path.abspath(directory)
        self.exempt = [os.path.abspath(path) for path in exempt]
        self.fds: set[int] = set()  # descriptors of files opened under directory
        self.real_open = io.open
        self.real_os_open = os.open
        self.real_write = os.write
        self.real_sendfile = getattr(os, "sendfile", None)

    def fault(self, path: object) -> OSError:
        return OSError(self.code, os.strerror(self.code), str(path))

    def under(self, path: Any) -> bool:
        if isinstance(path, int):
            return path in self.fds
        try:
            text = os.fsdecode(os.fspath(path))
        except TypeError:
            return False
        full = os.path.abspath(text)
        return _below(full, self.directory) and not any(
            _below(full, exempt) or fnmatch.fnmatchcase(full, exempt)
            for exempt in self.exempt
        )

    @property
    def full_disk(self) -> bool:
        return self.code == errno.ENOSPC

    # -- the patched functions ----------------------------------------------------

    def open(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        writing = any(flag in mode for flag in "wax+")
        if writing and self.under(file) and not self.full_disk:
            raise self.fault(file)
        stream = self.real_open(file, mode, *args, **kwargs)
        if writing and self.under(file):
            self.fds.add(stream.fileno())
            return _FullDisk(stream, self)
        return stream

    def os_open(self, path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        writing = bool(flags & _O_WRITING)
        if writing and self.under(path) and not self.full_disk:
            raise self.fault(path)
        descriptor = self.real_os_open(path, flags, *args, **kwargs)
        if writing and self.under(path):
            self.fds.add(descriptor)
        return descriptor

    def os_write(self, descriptor: int, data: Any) -> int:
        if descriptor in self.fds:
            raise self.fault(f"<fd {descriptor}>")
        return self.real_write(descriptor, data)

    def sendfile(self, out_fd: int, in_fd: int, *args: Any) -> int:
        if out_fd in self.fds:
            raise self.fault(f"<fd {out_fd}>")
        assert self.real_sendfile is not None
        return int(self.real_sendfile(out_fd, in_fd, *args))

    def guard(self, real: Any, *positions: int) -> Any:
        """``real`` failing when the path argument at one of ``positions`` is below
        the directory."""

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if any(i < len(args) and self.under(args[i]) for i in positions):
                raise self.fault(args[positions[-1]])
            return real(*args, **kwargs)

        return guarded

    def install(self) -> None:
        builtins.open = self.open
        io.open = self.open
        os.open = self.os_open
        os.write = self.os_write
        if self.real_sendfile is not None:
            os.sendfile = self.sendfile
        if self.writes_only:
            return
        os.mkdir = self.guard(os.mkdir, 0)
        # A rename into the directory, or out of it (a rename changes both ends).
        os.replace = self.guard(os.replace, 0, 1)
        os.rename = self.guard(os.rename, 0, 1)
        os.link = self.guard(os.link, 1)
        os.symlink = self.guard(os.symlink, 1)
        os.chmod = self.guard(os.chmod, 0)
        os.utime = self.guard(os.utime, 0)


def _below(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory + os.sep)


class _FullDisk:
    """A file opened for writing on a full disk: every write fails."""

    def __init__(self, stream: Any, injector: _Injector) -> None:
        self._stream = stream
        self._injector = injector

    def write(self, data: Any) -> int:
        raise self._injector.fault(getattr(self._stream, "name", "?"))

    def writelines(self, lines: Any) -> None:
        raise self._injector.fault(getattr(self._stream, "name", "?"))

    def __enter__(self) -> _FullDisk:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()

    def __iter__(self) -> Any:
        return iter(self._stream)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: list[str]) -> int:
    if argv == ["--batch"]:
        json.dump(run_batch(json.load(sys.stdin)), sys.stdout)
        return 0
    if len(argv) < 3 or "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    code, directory, options = argv[0], argv[1], argv[2:split]
    exempt = [options[i + 1] for i, word in enumerate(options) if word == "--except"]
    writes_only = "--writes-only" in options
    _Injector(
        getattr(errno, code), directory, exempt, writes_only=writes_only
    ).install()
    from inst.cli.main import main as inst_main

    return inst_main(argv[split + 1 :])


def run_batch(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    _warm_up()
    with tempfile.TemporaryDirectory(prefix="inst-faults-") as scratch:
        return [_run_forked(case, scratch) for case in cases]


def _warm_up() -> None:
    """Import what the commands import, once, before forking."""
    import importlib

    for name in (
        "inst.cli.main",
        "inst.cli.run",
        "inst.cli.parser",
        "inst.settings.resolve",
        "inst.session",
        "inst.session.building",
        "inst.prepare",
        "inst.cli.commands.install",
        "inst.cli.commands.download",
        "inst.cli.commands.wheel",
        "inst.cli.commands.config",
        "inst.download",
        "inst.index.finder",
        "inst.index.http",
        "inst.resolution.resolver",
        "inst.resolution.provider",
        "inst.resolution.report",
        "inst.install.installation",
        "inst.install.transaction",
        "requests",
        "urllib3",
        "resolvelib",
        "installer",
        "tomlkit",
    ):
        importlib.import_module(name)


def _run_forked(case: dict[str, Any], scratch: str) -> dict[str, Any]:
    out_path = os.path.join(scratch, "out")
    err_path = os.path.join(scratch, "err")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: one inst run, as if started anew
        code = 70
        try:
            with open(out_path, "wb") as out, open(err_path, "wb") as err:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
            os.environ.clear()
            os.environ.update(case["env"])
            os.chdir(case.get("cwd") or os.getcwd())
            if case.get("errno"):
                _Injector(
                    getattr(errno, case["errno"]),
                    case["directory"],
                    case.get("except", []),
                    writes_only=bool(case.get("writes_only")),
                ).install()
            from inst.cli.main import main as inst_main

            code = inst_main(list(case["args"]))
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:  # noqa: BLE001 - the harness failed: show why
            import traceback

            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    with open(out_path, encoding="utf-8", errors="replace") as out:
        stdout = out.read()
    with open(err_path, encoding="utf-8", errors="replace") as err:
        stderr = err.read()
    return {"code": os.waitstatus_to_exitcode(status), "out": stdout, "err": stderr}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

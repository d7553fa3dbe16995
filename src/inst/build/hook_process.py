"""One backend process for all the hooks of a build.

pyproject-hooks starts a subprocess per hook, and each imports the backend again (a
setuptools build: three interpreters, three imports of setuptools). ``HookProcess``
takes pyproject-hooks' place as its runner: the first hook starts inst's hook server
(``_hook_server/serve.py``) in the build environment, and every later hook of the same
build is a request to that process. The server calls the hooks through pyproject-hooks'
own in-process code, so what a hook gets and returns is what it would in a subprocess
of its own; the process keeps what a subprocess does: a session of its own (ended
whole, with whatever the backend started, when inst is interrupted), the output of
each hook kept for errors and streamed with -v, a failure as a non-zero exit.

A hook that fails ends the server (a fresh process serves the next call), and so does
the end of its requests: closing them, or inst going away.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from inst.build.runner import (
    GRACE,
    StepOutput,
    StepRunner,
    end_process_group,
    read_output,
)
from inst.errors import InstError

SERVER = Path(__file__).parent / "_hook_server" / "serve.py"


def available() -> bool:
    """Whether hooks can share a process here: POSIX (the requests come on an extra
    file descriptor), and the server script is a file."""
    return os.name == "posix" and SERVER.is_file()


class HookProcess:
    """pyproject-hooks' runner protocol, served by one long-lived backend process;
    ``last`` is the output of the last hook. Call ``close()`` when the build is done."""

    def __init__(
        self,
        steps: StepRunner,
        *,
        own_environment: bool = False,
        precompile: bool = False,
    ) -> None:
        self.steps = steps
        #: An isolated environment of inst's: the server may write its bytecode.
        self.own_environment = own_environment
        #: A new one of those: the server compiles its modules on another core
        #: while the backend imports them (see _hook_server/precompile.py).
        self.precompile = precompile and own_environment
        self.last = StepOutput()
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: IO[str] | None = None
        self._token = b""
        #: What the process was started with: another interpreter, folder or
        #: environment needs another process.
        self._started_for: tuple[str, str, tuple[tuple[str, str], ...]] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        python, script, hook, control_dir = cmd
        cwd = cwd or os.getcwd()
        environ = dict(extra_environ or {})
        key = (python, cwd, tuple(sorted(environ.items())))
        if self._started_for != key:
            self.close()
        request = json.dumps(
            {
                "script": script,
                "hook": hook,
                "control_dir": control_dir,
                "cwd": cwd,
                "environ": environ,
            }
        )
        try:
            if not self._send(request):
                self.close()  # it went away while idle (killed, or an old failure)
                self._start(python, cwd, environ)
                self._started_for = key
                if not self._send(request):
                    self._fail(cmd, StepOutput())
            self._read(cmd)
        except subprocess.CalledProcessError:
            raise
        except BaseException:
            # Ctrl-C, SIGTERM (Interrupted), an output error: from the moment the
            # request is sent (the hook may already run: a warm process starts it at
            # once), the whole process group is ended.
            self._end()
            raise

    def _start(self, python: str, cwd: str, environ: Mapping[str, str]) -> None:
        self._token = secrets.token_hex(16).encode()
        requests_fd, self_fd = os.pipe()
        try:
            self._process = subprocess.Popen(
                [
                    python,
                    str(SERVER),
                    str(requests_fd),
                    self._token.decode(),
                    "1" if self.own_environment else "0",
                    "1" if self.precompile else "0",
                ],
                cwd=cwd,
                env={**self.steps.environ, **environ},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(requests_fd,),
                # As StepRunner's: a session of its own, ended whole on an interrupt.
                start_new_session=True,
            )
        except OSError as exc:
            os.close(self_fd)
            raise InstError(
                f"cannot run {python}", why=exc.strerror or str(exc)
            ) from None
        finally:
            os.close(requests_fd)
        self._requests = os.fdopen(self_fd, "w", encoding="utf-8")

    def _send(self, request: str) -> bool:
        if self._requests is None:
            return False
        try:
            self._requests.write(request + "\n")
            self._requests.flush()
        except OSError:  # BrokenPipeError: the server is gone
            return False
        return True

    def _read(self, cmd: Sequence[str]) -> None:
        process = self._process
        assert process is not None
        lines, status = read_output(process, self.steps.verbose, until=self._token)
        if status is None:  # the process ended in the hook: a crash, os._exit
            process.wait()
        self.last = StepOutput(lines)
        if status == 0:
            return
        self.close()
        self._fail(cmd, self.last, status if status is not None else process.returncode)

    def _fail(self, cmd: Sequence[str], output: StepOutput, status: int = 1) -> None:
        error = subprocess.CalledProcessError(status or 1, list(cmd))
        error.output = output
        raise error

    def close(self) -> None:
        """End the process: its requests end, so it exits; ended whole if it has not
        after the grace time."""
        process, requests = self._process, self._requests
        self._process = self._requests = None
        self._started_for = None
        if requests is not None:
            try:
                requests.close()
            except OSError:
                pass
        if process is not None:
            # Waited for aside: the build goes on while the backend exits.
            reaper = threading.Thread(target=_reap, args=(process,), daemon=True)
            reaper.start()
            _reapers.append(reaper)

    def _end(self) -> None:
        """Interrupted: the whole process group ended now."""
        process, requests = self._process, self._requests
        self._process = self._requests = None
        self._started_for = None
        if process is not None:
            end_process_group(process)
            if process.stdout is not None:
                process.stdout.close()
        if requests is not None:
            try:
                requests.close()
            except OSError:
                pass


#: The threads waiting for backend processes whose requests ended (see close()).
_reapers: list[threading.Thread] = []


def wait_for_ended() -> None:
    """Wait until every backend process closed so far has exited (one that lingers
    is ended whole after GRACE): at the end of a run, so that none outlives inst."""
    while _reapers:
        _reapers.pop().join()


def _reap(process: subprocess.Popen[bytes]) -> None:
    """Wait for a process whose requests ended; end it whole if it lingers."""
    try:
        process.wait(timeout=GRACE)
    except subprocess.TimeoutExpired:
        end_process_group(process)
    finally:
        if process.stdout is not None:
            process.stdout.close()

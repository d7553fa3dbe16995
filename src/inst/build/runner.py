"""Running a build step in a subprocess: output kept (its tail shown on failure),
streamed with -v, and a failure turned into one clear error."""

from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import field

from inst._records import dataclass
from inst.errors import InstError

TAIL_LINES = 25
#: Seconds a build subprocess has to end after SIGTERM before it gets SIGKILL.
GRACE = 3.0

_MISSING_MODULE = re.compile(r"No module named '([\w.]+)'")
# The last line of a Python traceback: "ImportError: ...", "pkg.errors.BuildError: ...".
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b")
_INVALID_COMMAND = re.compile(r"invalid command '([\w-]+)'")
# pyproject-hooks calls a mandatory hook the backend lacks: an AttributeError.
_NO_SDIST_HOOK = re.compile(
    r"^AttributeError: module '[\w.]+' has no attribute 'build_sdist'"
)


class BuildFailed(InstError):
    """A build failed; ``details`` holds the last lines its step printed."""


class StepFailed(BuildFailed):
    """A build step exited with an error. The step, interface and backend are kept as
    data, so the builder can name the project the step was for."""

    def __init__(
        self, step: str, interface: str, backend: str, *, why: str, hint: str
    ) -> None:
        self.step = step
        self.circumstances = f"{interface} interface, backend {backend}"
        self.project: str | None = None
        super().__init__(self._what(), why=why, hint=hint)

    def _what(self) -> str:
        of = f" of {self.project}" if self.project else ""
        return f"{self.step}{of} failed ({self.circumstances})"

    def of_project(self, label: str) -> StepFailed:
        """The same failure, naming the project: "building a wheel of demo failed"."""
        if self.project is None and f" of {label} " not in self.what:
            self.project = label
            self.what = self._what()
        return self


@dataclass
class StepOutput:
    """What one build step printed (all of it, and the tail for errors)."""

    lines: list[str] = field(default_factory=list)

    def tail(self, count: int = TAIL_LINES) -> list[str]:
        return [line for line in self.lines if line.strip()][-count:]


@dataclass(frozen=True)
class StepRunner:
    """Runs commands for one build: environment variables, and -v streaming."""

    environ: Mapping[str, str]
    verbose: bool = False

    def run(self, command: Sequence[str], cwd: str) -> StepOutput:
        """Run command; raise subprocess.CalledProcessError (carrying the output as
        ``.output``) when it fails."""
        output = StepOutput()
        try:
            process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=dict(self.environ),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                # A session (and process group) of its own: what the backend starts
                # (compilers, its own subprocesses) can be ended with it, and the
                # terminal's Ctrl-C reaches inst alone, which then ends them all.
                start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise InstError(
                f"cannot run {command[0]}", why=exc.strerror or str(exc)
            ) from None
        assert process.stdout is not None
        try:
            with process.stdout:
                lines, _ = read_output(process, self.verbose)
            returncode = process.wait()
        except BaseException:  # Ctrl-C, SIGTERM (Interrupted), an output error
            end_process_group(process)
            raise
        output.lines = lines
        if returncode != 0:
            error = subprocess.CalledProcessError(process.returncode, list(command))
            error.output = output
            raise error
        return output

    def hook_runner(self) -> HookRunner:
        return HookRunner(self)


def read_output(
    process: subprocess.Popen[bytes], verbose: bool, until: bytes | None = None
) -> tuple[list[str], int | None]:
    """The last lines process prints (shown as they come with verbose), up to the end
    of its output or, with until, a line "<until> <status>": then also that status."""
    assert process.stdout is not None
    recent: collections.deque[str] = collections.deque(maxlen=2000)
    blank = False  # an empty line not shown yet: it may be the end line's own
    for raw in process.stdout:
        if until is not None and raw.startswith(until + b" "):
            if recent and not recent[-1]:
                recent.pop()  # the newline the end line starts with
            return list(recent), int(raw.split()[1])
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        recent.append(line)
        if verbose:
            if blank:
                print("  ", file=sys.stderr, flush=True)
            blank = not line and until is not None
            if not blank:
                print(f"  {line}", file=sys.stderr, flush=True)
    process.stdout.close()
    return list(recent), None


def end_process_group(process: subprocess.Popen[bytes], grace: float = GRACE) -> None:
    """End process and its whole process group (it leads one: start_new_session):
    SIGTERM first, SIGKILL for whatever is left after grace seconds or once the leader
    is gone. The leader is reaped last, so its group id cannot be reused meanwhile."""
    if process.returncode is not None:
        return  # reaped already: its pid, and so its group id, may be reused
    if os.name != "posix":
        process.kill()
        process.wait()
        return
    import signal

    pid = process.pid
    _signal_group(pid, signal.SIGTERM)
    try:
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and not _exited(process):
            time.sleep(0.02)
    finally:  # a second Ctrl-C only cuts the grace short
        _signal_group(pid, signal.SIGKILL)
        process.wait()


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already


def _exited(process: subprocess.Popen[bytes]) -> bool:
    """Whether the leader exited, without reaping it (a zombie keeps its group id)."""
    waitid = getattr(os, "waitid", None)
    if waitid is None:  # pragma: no cover - macOS before Python 3.13
        return process.poll() is not None
    try:
        found = waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return found is not None


class HookRunner:
    """pyproject-hooks' runner protocol, remembering the output of the last call."""

    def __init__(self, steps: StepRunner) -> None:
        self._steps = steps
        self.last = StepOutput()

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        runner = StepRunner(
            {**self._steps.environ, **(extra_environ or {})}, self._steps.verbose
        )
        try:
            self.last = runner.run(cmd, cwd or os.getcwd())
        except subprocess.CalledProcessError as error:
            self.last = error.output
            raise


def failure(
    what: str, interface: str, backend: str, output: StepOutput, *, isolated: bool
) -> StepFailed:
    """The error for a failed step: interface, backend, the tail, one thing to try."""
    tail = output.tail()
    text = "\n".join(output.lines)
    final = _final_exception(output.lines)
    # Only the exception that ended the build counts: a ModuleNotFoundError caught and
    # followed by another (pytz's "from UserDict import ..." fallback) is not the cause.
    missing = _MISSING_MODULE.findall(final if final is not None else text)
    invalid = _INVALID_COMMAND.findall(text)
    if missing:
        module = missing[-1].split(".")[0]
        why = f"the build imports {module}, which its build environment does not have"
        hint = (
            f"if {module} is a build requirement, add it to [build-system] requires in "
            "pyproject.toml (or setup_requires); to build against one you installed "
            "yourself, install it in the target environment and use --no-build-isolation"
            if isolated
            else f"install {module} in the target environment, or drop "
            "--no-build-isolation so inst installs the build requirements"
        )
    elif final is not None and _NO_SDIST_HOOK.match(final):
        why = "the build backend has no build_sdist hook: it builds wheels only"
        hint = "build the wheel alone (inst build --wheel)"
    elif "bdist_wheel" in invalid:
        why = "setuptools in the build environment has no bdist_wheel command"
        hint = "add wheel to the build requirements, or require setuptools>=70.1"
    else:
        last = tail[-1].strip() if tail else "it printed nothing"
        why = f"the last line it printed: {last}"
        hint = "run inst with -v to see the whole build output"
    error = StepFailed(what, interface, backend, why=why, hint=hint)
    error.details = tail
    return error


def _final_exception(lines: list[str]) -> str | None:
    """The last line that names an exception (a traceback's last line), if any."""
    for line in reversed(lines):
        if _EXCEPTION_LINE.match(line.strip()):
            return line.strip()
    return None

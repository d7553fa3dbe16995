"""The probed interpreter: the Python an environment's installs are for.

``running_probe()`` asks the interpreter running inst, in-process;
``probe_interpreter()`` asks another one (``--python``): it runs ``inst/_probe.py`` in
that interpreter once and caches the answer as JSON, keyed by the executable and its
stat, so later runs start no subprocess. ``locate()`` finds the executable that
``--python`` names (a file, a venv directory or a command on PATH).
``Interpreter.from_probe()`` reads the installation facts of an answer; the same
answer describes the interpreter's platform (version, markers, tags), which
``inst.environment.platform`` reads.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from inst import __version__, _probe
from inst._records import dataclass
from inst.errors import InstError

if TYPE_CHECKING:
    from inst.cache import Interpreters

#: Seconds a target interpreter gets to answer the probe (a cold start on a slow disk).
PROBE_TIMEOUT = 60.0

# Variables that change what the target's sys.path or scheme is, so they are part of
# the probe cache key.
_PATH_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONNOUSERSITE",
    "PYTHONUSERBASE",
    "PYTHONSAFEPATH",
    "PYTHONPLATLIBDIR",
    "_PYTHON_HOST_PLATFORM",
    "_PYTHON_SYSCONFIGDATA_NAME",
)
_SEPARATORS = os.sep + (os.altsep or "")


@dataclass(frozen=True)
class Interpreter:
    """A Python interpreter's installation facts: where it is, its install scheme, the
    directories it imports from, its user site and the schemes of --user and --prefix.
    """

    python: Path
    prefix: Path
    base_prefix: Path
    is_venv: bool
    scheme: Mapping[str, str]
    sys_path: tuple[str, ...]
    stdlib: str
    user_site: str | None
    user_site_enabled: bool
    #: The interpreter running inst (so messages need no --python to name it).
    is_current: bool
    #: Install paths of ``--user`` (purelib, platlib, scripts, data, include, headers);
    #: None when the interpreter has no user scheme.
    user_scheme: Mapping[str, str] | None = None
    #: The same keys for ``--prefix``, with ``_probe.PREFIX_PLACEHOLDER`` where the
    #: prefix goes: use ``prefix_scheme_for()``.
    prefix_scheme: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __hash__(self) -> int:
        # Mappings are unhashable; these fields identify an interpreter well enough.
        return hash((self.python, self.prefix))

    @classmethod
    def from_probe(
        cls, data: Mapping[str, Any], executable: Path | None, *, is_current: bool
    ) -> Interpreter:
        """An Interpreter from a probe's answer; KeyError/TypeError/ValueError if
        malformed."""
        reported = str(data["executable"])
        if executable is None or (not is_current and os.path.isabs(reported)):
            # The interpreter's own sys.executable: for a launcher script (a pyenv shim)
            # it names the real binary, which scripts' shebangs need.
            executable = Path(reported)
        user_site = data["user_site"]
        user_scheme = data["user_scheme"]
        return cls(
            python=executable,
            prefix=Path(data["prefix"]),
            base_prefix=Path(data["base_prefix"]),
            is_venv=bool(data["is_venv"]),
            scheme=_string_map(data["scheme"]),
            sys_path=tuple(str(entry) for entry in data["sys_path"]),
            stdlib=str(data["stdlib"]),
            user_site=None if user_site is None else str(user_site),
            user_site_enabled=bool(data["user_site_enabled"]),
            is_current=is_current,
            user_scheme=None if user_scheme is None else _string_map(user_scheme),
            prefix_scheme=_string_map(data["prefix_scheme"]),
        )

    def prefix_scheme_for(self, prefix: Path) -> Mapping[str, str]:
        """The install paths of ``--prefix prefix`` (made absolute) for this target."""
        if not self.prefix_scheme:
            raise ValueError("this Interpreter was built without a prefix scheme")
        base = os.path.abspath(prefix)
        placeholder = _probe.PREFIX_PLACEHOLDER
        result: dict[str, str] = {}
        for key, value in self.prefix_scheme.items():
            if value.startswith(placeholder):
                # Joined, not concatenated: prefix "/" must not give "//lib/...".
                rest = value[len(placeholder) :].lstrip(_SEPARATORS)
                value = os.path.join(base, rest) if rest else base
            result[key] = value
        return MappingProxyType(result)

    def for_venv(self, prefix: Path, python: Path) -> Interpreter:
        """The interpreter of a venv made from this one at prefix (a build
        environment): its prefix scheme, no user site, nothing else on its path."""
        scheme = self.prefix_scheme_for(prefix)
        return dataclasses.replace(
            self,
            python=python,
            prefix=prefix,
            is_venv=True,
            scheme=scheme,
            sys_path=(scheme["purelib"], scheme["platlib"]),
            user_site=None,
            user_site_enabled=False,
            is_current=False,
        )


def running_probe() -> dict[str, Any]:
    """The probe's answer for the interpreter running inst, without its tags."""
    return _probe.probe(tags=False, drop_script_entry=True)


def _string_map(data: Mapping[str, Any]) -> Mapping[str, str]:
    return MappingProxyType({str(k): str(v) for k, v in data.items()})


def locate(text: str) -> Path:
    """The executable that ``--python text`` names (absolute, symlinks kept)."""
    try:
        return _find_executable(text)
    except PermissionError as error:
        raise _not_permitted(text, error) from None


def _not_permitted(text: str, error: PermissionError) -> InstError:
    where = error.filename or text
    return InstError(
        f"--python {text}: permission denied",
        why=f"this user may not look into or run {where} (a directory above it, or what "
        "it links to)",
        hint="run inst as a user who may run that interpreter, or give another "
        "--python",
    )


def _find_executable(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.exists():
        separators = [os.sep] + ([os.altsep] if os.altsep else [])
        if not any(sep in text for sep in separators):
            import shutil

            found = shutil.which(text)
            if found:
                return Path(os.path.abspath(found))
            raise InstError(
                f"--python {text}: no such file, directory or command on PATH"
            )
        raise InstError(f"--python {text}: no such file or directory")
    if path.is_dir():
        # The last: a conda environment on Windows keeps python.exe in its prefix.
        for relative in (
            "bin/python",
            "Scripts/python.exe",
            "bin/python3",
            "python.exe",
        ):
            candidate = path / relative
            if candidate.is_file():
                return Path(os.path.abspath(candidate))
        raise InstError(
            f"--python {text}: not a virtual environment",
            why="the directory has no bin/python or Scripts/python.exe",
            hint="give the path of a Python executable or of a virtual environment",
        )
    return Path(os.path.abspath(path))


def _pyvenv_cfg(executable: Path) -> Path | None:
    for directory in (executable.parent, executable.parent.parent):
        candidate = directory / "pyvenv.cfg"
        if candidate.is_file():
            return candidate
    return None


def is_running_interpreter(executable: Path) -> bool:
    """Same binary and the same prefix as the running interpreter."""
    if not sys.executable or os.path.realpath(executable) != os.path.realpath(
        sys.executable
    ):
        return False
    # A venv's python is a link to its base's binary; pyvenv.cfg tells them apart.
    cfg = _pyvenv_cfg(executable)
    prefix = str(cfg.parent) if cfg is not None else sys.base_prefix
    return _same_path(prefix, sys.prefix)


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(
        os.path.realpath(b)
    )


def probe_interpreter(
    executable: Path,
    text: str,
    cache: Interpreters,
    meanwhile: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The probe's answer for the executable ``--python text`` named: from the cache
    when it is fresh, else by running the probe (and caching its answer). meanwhile:
    called while the probe runs, if it does (work that needs no answer from it)."""
    if not cache.keeps:
        return _run_probe(executable, text, meanwhile)
    try:
        stat = executable.stat()
    except PermissionError as error:
        raise _not_permitted(text, error) from None
    except OSError:
        raise InstError(f"--python {text}: no such file or directory") from None
    variables = {
        name: os.environ[name] for name in _PATH_VARIABLES if name in os.environ
    }
    # The probe's format: an answer cached by an older inst lacks newer keys.
    key = json.dumps([str(executable), __version__, _probe.FORMAT, variables])
    import hashlib

    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    cache_file = cache.probe(digest)
    if cache_file is None:
        return _run_probe(executable, text, meanwhile)
    stamp = [stat.st_mtime_ns, stat.st_size]
    cached = _read_cache(cache_file, key, stamp, executable)
    if cached is not None:
        return cached
    data = _run_probe(executable, text, meanwhile)
    entry = {
        "key": key,
        "stamp": stamp,
        "validators": _validators(executable, data),
        "probe": data,
    }
    _write_atomically(cache_file, json.dumps(entry))
    return data


def _read_cache(
    cache_file: Path, key: str, stamp: list[int], executable: Path
) -> dict[str, Any] | None:
    try:
        entry = json.loads(cache_file.read_text(encoding="utf-8"))
        data = entry["probe"]
        fresh = (
            entry["key"] == key
            and entry["stamp"] == stamp
            and entry["validators"] == _validators(executable, data)
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # a missing, unreadable or foreign entry is just a miss
    return data if fresh and isinstance(data, dict) else None


def _validators(executable: Path, data: Mapping[str, Any]) -> dict[str, Any]:
    """What else decides the target's sys.path: pyvenv.cfg and .pth files.

    An editable install adds a .pth file without touching the executable, so the
    cached sys.path is stale once the set of .pth files (or their mtimes) changes.
    """
    cfg = _pyvenv_cfg(executable)
    # Its text, not its mtime: a venv made again at the same path (as CI jobs do) is
    # the same interpreter, and needs no new probe.
    result: dict[str, Any] = {"pyvenv.cfg": _text(cfg) if cfg is not None else None}
    scheme = data["scheme"]
    user_site = data.get("user_site") or ""
    # site.py adds the user site to sys.path only if it exists: a first --user
    # install, which makes it, changes sys.path.
    result["user_site"] = bool(user_site) and os.path.isdir(user_site)
    directories = [scheme["purelib"], scheme["platlib"], user_site]
    pth: dict[str, int | None] = {}
    for directory in dict.fromkeys(d for d in directories if d):
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if name.endswith(".pth"):
                path = os.path.join(directory, name)
                pth[path] = _mtime(Path(path))
    result["pth"] = pth
    return result


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _write_atomically(path: Path, text: str) -> None:
    """Write path whole (inst.fileio); a cache that fails is no error."""
    from inst import fileio

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fileio.write_text(path, text)
    except OSError:
        return


def _run_probe(
    executable: Path, text: str, meanwhile: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Run _probe.py in the executable; its answer, or an InstError saying why not.
    meanwhile is called while it runs."""
    import packaging

    package_dir = os.path.dirname(os.path.abspath(packaging.__file__))
    environ = dict(os.environ)
    # macOS sets this for a venv's python; it would point the target at inst's venv.
    environ.pop("__PYVENV_LAUNCHER__", None)
    not_python = f"--python {text} is not a Python interpreter"
    try:
        proc = _run_bounded(
            [str(executable), "-c", _probe.BOOTSTRAP, _probe.__file__, package_dir],
            environ,
            PROBE_TIMEOUT,
            meanwhile,
        )
    except FileNotFoundError:
        raise InstError(f"--python {text}: no such file or directory") from None
    except PermissionError:
        raise InstError(not_python, why="it is not executable") from None
    except subprocess.TimeoutExpired:
        raise InstError(
            f"--python {text} did not answer",
            why=f"inst's probe was still running after {PROBE_TIMEOUT:g} seconds, "
            "so inst stopped it",
            hint="check that it is a Python interpreter that starts on its own "
            "(a wrapper script may wait for input or hang)",
        ) from None
    except OSError as error:  # e.g. "Exec format error"
        raise InstError(not_python, why=error.strerror or str(error)) from None
    data = _answer(proc.stdout.decode("utf-8", errors="replace"))
    if data is None:
        raise InstError(not_python, why=_failure_reason(proc))
    if "too_old" in data:
        version = ".".join(str(part) for part in data["too_old"][:2])
        minimum = ".".join(map(str, _probe.MIN_VERSION))
        raise InstError(
            f"--python {text} is Python {version}, inst needs a target of "
            f"Python {minimum} or newer"
        )
    if "error" in data:
        version = ".".join(str(part) for part in data.get("version_info", [])[:3])
        raise InstError(
            f"--python {text}: inst could not inspect this Python {version}",
            why=str(data["error"]),
        )
    return data


def _run_bounded(
    argv: list[str],
    environ: dict[str, str],
    timeout: float,
    meanwhile: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """subprocess.run with a timeout that ends the child's whole process group, and
    meanwhile called once the child runs (a cold probe takes about 50 ms: time for
    the imports the command needs next).

    subprocess.run kills only the child: a wrapper script's own children (a `sleep`,
    the real interpreter) would live on, and, holding the output pipes, make the wait
    for their end last as long as they do."""
    own_group = os.name == "posix"
    with subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
        start_new_session=own_group,
    ) as process:
        deadline = time.monotonic() + timeout
        try:
            if meanwhile is not None:
                meanwhile()
            remaining = max(deadline - time.monotonic(), 0.01)
            stdout, stderr = process.communicate(timeout=remaining)
        except BaseException:  # the timeout, Ctrl-C, SIGTERM: the probe must end too
            _kill_group(process, own_group)
            process.wait()
            raise
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen[bytes], own_group: bool) -> None:
    if own_group:
        try:
            os.killpg(process.pid, signal.SIGKILL)
            return
        except OSError:  # gone already, or not allowed: kill what we can
            pass
    process.kill()


def _answer(stdout: str) -> dict[str, Any] | None:
    # The last marker line: sitecustomize or .pth files may print before it.
    for line in reversed(stdout.splitlines()):
        if line.startswith(_probe.MARKER):
            try:
                data = json.loads(line[len(_probe.MARKER) :])
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def _failure_reason(proc: subprocess.CompletedProcess[bytes]) -> str:
    lines = [
        line.strip()
        for line in proc.stderr.decode("utf-8", errors="replace").splitlines()
        if line.strip()
    ]
    if lines:
        # A traceback's first line says nothing; its last line says what went wrong.
        return lines[-1] if lines[0].startswith("Traceback") else lines[0]
    if proc.returncode != 0:
        return f"running inst's probe with it failed with exit code {proc.returncode}"
    return "it ran inst's probe without answering"

"""inst's hook server: runs in a build environment's interpreter and calls the build
backend's hooks one after another in this one process, so a build imports its backend
once instead of once per hook.

Standalone (the standard library only, Python 3.8+): inst is not importable here.

Arguments: the file descriptor requests come on, a token, "1" when the environment
is one of inst's isolated build environments (its bytecode may be written), and "1"
when that environment is new (none of its modules is compiled: precompile.py compiles
them beside the imports). Each request is one JSON
line: {"script": pyproject-hooks' _in_process.py, "hook": name, "control_dir": dir,
"cwd": dir, "environ": {name: value}}. The hook is called through pyproject-hooks' own
in-process code (loaded once), so inputs, results, fallbacks and errors are exactly
those of a hook run in a subprocess of its own. What the hook prints goes to stdout
and stderr as usual; then a line "<token> <exit status>" on stdout ends the hook's
output. A hook that fails (an exception, or sys.exit) ends the process with that
status, as its own subprocess would have; the end of the requests ends it with 0
(quickly: see _end_now).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from types import ModuleType
from typing import Any


def _exit_status(exit: SystemExit) -> int:
    code = exit.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _load(script: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location("_in_process", script)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {script}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_bytecode(done: set[str]) -> None:
    """Byte-compile the build environment's modules this process imported, once.

    inst does not compile build environments when it makes them: only part of what
    they hold is ever imported. Python writes the bytecode of those modules itself,
    except under PYTHONDONTWRITEBYTECODE=1, which then would make every build compile
    its backend afresh; so the environment's modules are compiled here (and only
    those: the project's tree, and a target environment built in with
    --no-build-isolation, are left as the user's setting says)."""
    if not sys.dont_write_bytecode:
        return
    import py_compile

    prefix = os.path.join(os.path.abspath(sys.prefix), "")
    for name, module in list(sys.modules.items()):
        if name in done:
            continue
        done.add(name)
        source = getattr(module, "__file__", None)
        cached = getattr(module, "__cached__", None)
        if not source or not cached or not source.endswith(".py"):
            continue
        if not os.path.abspath(source).startswith(prefix) or os.path.exists(cached):
            continue
        try:
            py_compile.compile(source, cfile=cached, doraise=True)
        except Exception:  # noqa: BLE001, S110 - a build goes on without bytecode
            pass


def _bytecode_as_imported(prefix: str) -> None:
    """Under PYTHONDONTWRITEBYTECODE=1, the environment's modules get their bytecode
    written as they are imported, from the compilation the import does anyway (then
    ``_write_bytecode`` only has the few left that were imported before this, which
    it would otherwise compile a second time, every module of the backend)."""
    from importlib.machinery import SourceFileLoader

    original = SourceFileLoader.get_code

    def get_code(self: SourceFileLoader, fullname: str) -> Any:
        if not sys.dont_write_bytecode or not os.path.abspath(self.path).startswith(
            prefix
        ):
            return original(self, fullname)
        # Only while this module of the environment compiles: nothing runs meanwhile
        # (compiling imports nothing), and the backend sees the user's setting.
        sys.dont_write_bytecode = False
        try:
            return original(self, fullname)
        finally:
            sys.dont_write_bytecode = True

    SourceFileLoader.get_code = get_code  # type: ignore[method-assign,assignment]


def _start_precompile() -> int | None:
    """Start precompile.py on the environment's modules when another core is there
    to run it; its pid, or None."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        cores = os.cpu_count() or 1
    if cores < 2:
        return None
    import sysconfig

    paths = sysconfig.get_paths()
    folders = list(dict.fromkeys(paths[key] for key in ("purelib", "platlib")))
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "precompile.py")
    # posix_spawn, not subprocess: its import would delay the backend's. Output to
    # /dev/null: what this process prints would mix with the hook's, which inst reads.
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    argv = [sys.executable, "-I", "-S", "-W", "ignore", script, *folders]
    try:
        return os.posix_spawn(sys.executable, argv, os.environ, file_actions=quiet)
    except OSError:
        return None


def _stop_precompile(pid: int | None) -> None:
    """End precompile.py (after the file it is at) and reap it; killed if it has
    not ended soon (at its low priority a busy machine may not run it at once)."""
    if pid is None:
        return
    import signal
    import time

    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 0.3
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.005)
    except OSError:
        pass


def _call(request: dict[str, Any], loaded: dict[str, ModuleType]) -> int:
    script = request["script"]
    if script not in loaded:
        loaded[script] = _load(script)
    os.chdir(request["cwd"])
    os.environ.update(request["environ"])
    sys.argv = [script, request["hook"], request["control_dir"]]
    try:
        loaded[script].main()
    except SystemExit as exit:
        return _exit_status(exit)
    except BaseException:  # noqa: BLE001 - what the hook raised ends it, as a process
        traceback.print_exc()
        return 1
    return 0


def main() -> int:
    requests_fd = int(sys.argv[1])
    token = sys.argv[2]
    own_environment = sys.argv[3:4] == ["1"]
    # What the backend starts must not hold the requests open.
    os.set_inheritable(requests_fd, False)
    # Like _in_process.py: this script's folder must not shadow the backend's imports.
    here = os.path.normcase(os.path.realpath(os.path.dirname(__file__)))
    sys.path[:] = [p for p in sys.path if os.path.normcase(os.path.realpath(p)) != here]
    loaded: dict[str, ModuleType] = {}
    compiled: set[str] = set()
    if own_environment and sys.dont_write_bytecode:
        _bytecode_as_imported(os.path.join(os.path.abspath(sys.prefix), ""))
    new_environment = sys.argv[4:5] == ["1"]
    precompiling = _start_precompile() if own_environment and new_environment else None
    try:
        with os.fdopen(requests_fd, "r", encoding="utf-8") as requests:
            for line in requests:
                status = _call(json.loads(line), loaded)
                if status == 0 and own_environment:
                    _write_bytecode(compiled)
                sys.stdout.flush()
                sys.stderr.flush()
                os.write(1, f"\n{token} {status}\n".encode())
                if status != 0:
                    return status
    finally:
        _stop_precompile(precompiling)
    _end_now()
    return 0


def _end_now() -> None:
    """Every hook served: exit without tearing down the backend's modules one by one
    (with setuptools loaded that takes 15-25 ms, which inst waits for at the end of
    its run). What a normal exit does that a backend may count on is done first: its
    atexit functions (weakref finalizers and logging's flush among them) run and the
    output is flushed. A backend that left a thread running gets the normal exit,
    which waits for it."""
    import atexit
    import threading

    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_functions is None or threading.active_count() > 1:
        return
    run_exit_functions()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())

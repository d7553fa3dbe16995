"""Compiling installed modules to bytecode, by the target interpreter itself.

A .pyc is specific to one Python version, so it is always written by the interpreter
the files are installed for, in worker processes running in parallel. The staged
sources are compiled before commit, with the path they will have once installed
recorded in the bytecode (tracebacks name the real file), so the .pyc files move into
place in the same transaction as the modules.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from inst.errors import InstError

#: Modules per worker at least: a process costs about as much as compiling ten.
_MIN_BATCH = 50

# Runs in the target interpreter: [[staged, pyc, final], ...] on stdin (pyc: where
# to write the bytecode), the compiled [[staged, pyc, final pyc], ...] on stdout. A module that does not compile (Python 2
# test files, templates named .py) is skipped, as pip and compileall do.
_WORKER = """
import importlib.util, json, py_compile, sys
done = []
for staged, cfile, final in json.load(sys.stdin):
    try:
        py_compile.compile(staged, cfile=cfile, dfile=final, doraise=True)
    except (py_compile.PyCompileError, SyntaxError, UnicodeDecodeError, OSError, ValueError):
        continue
    done.append([staged, cfile, importlib.util.cache_from_source(final)])
json.dump(done, sys.stdout)
"""


def compile_modules(
    modules: Sequence[tuple[str, str, str]], python: Path
) -> list[tuple[str, str, str]]:
    """Compile (staged, pyc, final) .py files, each's bytecode written to pyc with
    final as its source's name; return (staged .py, pyc, final .pyc) for each that
    compiled."""
    if not modules:
        return []
    workers = max(1, min(os.cpu_count() or 1, 8, len(modules) // _MIN_BATCH))
    batches = [list(modules[i::workers]) for i in range(workers)]
    processes = [
        subprocess.Popen(
            [os.fspath(python), "-I", "-c", _WORKER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in batches
    ]
    # One thread per worker feeds it and reads its answer, so they all run at once.
    pool = ThreadPoolExecutor(len(processes))
    try:
        answers = list(
            pool.map(
                lambda pair: pair[0].communicate(json.dumps(pair[1]).encode("utf-8")),
                zip(processes, batches),
            )
        )
    except BaseException:
        # Ctrl-C, SIGTERM, an error: the install is being undone, so its bytecode is
        # of no use. A signal sent to inst alone (kill PID, docker stop) does not
        # reach the workers: without this they would compile on for a minute.
        for process in processes:
            process.kill()
        raise
    finally:
        pool.shutdown(wait=True)  # quick once the workers are gone
    compiled: list[tuple[str, str, str]] = []
    problems: list[str] = []
    for process, (out, err) in zip(processes, answers):
        if process.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            problems.append(lines[-1] if lines else f"exit status {process.returncode}")
            continue
        compiled.extend((str(a), str(b), str(c)) for a, b, c in json.loads(out))
    if problems:
        raise InstError(
            "cannot compile the installed modules to bytecode",
            why=f"{python} failed: {problems[0]}",
            hint="install without --compile (Python compiles modules on first import)",
        )
    return compiled

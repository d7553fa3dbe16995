"""Byte-compile a new build environment's modules while its backend imports them.

Run by the hook server (serve.py) beside itself, in the environment's interpreter,
when the environment has no bytecode yet: importing a backend from source compiles
every module it imports (setuptools: about 140, a third of a second), one after
another. This process compiles the others' way round, in reverse order of their
paths, on another core, so the import finds many of them compiled. At the lowest
priority: on a busy machine it takes no time from anything else.

Standalone (the standard library only, Python 3.8+). Arguments: the folders to
compile. SIGTERM ends it after the file it is at (no half-written bytecode).
"""

from __future__ import annotations

import os
import py_compile
import signal
import sys
from importlib.util import cache_from_source

_stop: list[bool] = []


def _sources(folders: list[str]) -> list[str]:
    found = []
    for folder in folders:
        for root, dirs, names in os.walk(folder):
            dirs[:] = [name for name in dirs if name != "__pycache__"]
            found += [
                os.path.join(root, name) for name in names if name.endswith(".py")
            ]
    found.sort(reverse=True)
    return found


def main() -> int:
    signal.signal(signal.SIGTERM, lambda signum, frame: _stop.append(True))
    try:
        os.nice(19)
    except OSError:
        pass
    for source in _sources(sys.argv[1:]):
        if _stop:
            break
        try:
            if os.path.exists(cache_from_source(source)):
                continue  # compiled already (by the import, most likely)
            py_compile.compile(source, doraise=True)
        except Exception:  # noqa: BLE001, S112 - the import compiles it then
            continue
    return 0


if __name__ == "__main__":
    sys.exit(main())

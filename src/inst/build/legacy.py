"""The legacy setup.py interface's helpers: the shim that runs setup.py, and egg-info
metadata turned into core metadata."""

from __future__ import annotations

import email.parser
from pathlib import Path

#: Runs ``setup.py`` as setuptools expects (setuptools imported first, so distutils-only
#: scripts get its commands), with fetching taken away from setuptools: in "requires"
#: mode the setup_requires it would fetch are written to a file instead; in "run" mode a
#: fetch attempt is an error, as inst installs setup_requires itself beforehand.
SHIM = r"""
import json, os, sys
setup_py, mode, out = sys.argv[1:4]
sys.argv = [setup_py, *sys.argv[4:]]
sys.path.insert(0, os.path.dirname(os.path.abspath(setup_py)))
import setuptools, setuptools.dist

class _Captured(Exception):
    pass

if mode == "requires":
    def fetch_build_eggs(self, requires):
        with open(out, "w", encoding="utf-8") as stream:
            json.dump([str(r) for r in requires], stream)
        raise _Captured
    setuptools.dist.Distribution.fetch_build_eggs = fetch_build_eggs
else:
    import re
    from importlib.metadata import PackageNotFoundError, distribution

    def _refuse(requirements):
        raise SystemExit(
            "inst: setuptools would fetch %s itself; inst installs setup_requires "
            "before building and lets setuptools download nothing"
            % ", ".join(map(str, requirements))
        )

    def fetch_build_eggs(self, requires):
        if isinstance(requires, str):
            requires = [requires]
        missing = []
        for requirement in requires:
            name = re.split(r"[\s;<>=!~\[(@]", str(requirement).strip(), 1)[0]
            try:
                distribution(name)
            except PackageNotFoundError:
                missing.append(requirement)
        if missing:
            _refuse(missing)
        return []

    setuptools.dist.Distribution.fetch_build_eggs = fetch_build_eggs
    setuptools.dist.Distribution.fetch_build_egg = lambda self, req: _refuse([req])

with open(setup_py, "rb") as stream:
    code = compile(stream.read(), setup_py, "exec")
try:
    exec(code, {"__name__": "__main__", "__file__": setup_py})
except _Captured:
    pass

# An isolated build environment of inst's is not compiled when made: under
# PYTHONDONTWRITEBYTECODE=1 the bytecode of its modules imported here is written now,
# once (Python writes it itself otherwise), and the project's own files get none.
if sys.dont_write_bytecode and os.environ.get("_INST_BUILD_ENV_BYTECODE") == "1":
    import py_compile
    prefix = os.path.join(os.path.abspath(sys.prefix), "")
    for module in list(sys.modules.values()):
        source = getattr(module, "__file__", None)
        cached = getattr(module, "__cached__", None)
        if (
            source and cached and source.endswith(".py")
            and os.path.abspath(source).startswith(prefix)
            and not os.path.exists(cached)
        ):
            try:
                py_compile.compile(source, cfile=cached, doraise=True)
            except Exception:
                pass
"""

#: Set for the shim in inst's isolated build environments (see SHIM's end).
BYTECODE_VARIABLE = "_INST_BUILD_ENV_BYTECODE"


def shim_command(python: str, mode: str, out: str, *args: str) -> list[str]:
    return [python, "-c", SHIM, "setup.py", mode, out, *args]


def egg_info_metadata(egg_info: Path) -> bytes:
    """Core metadata from an .egg-info directory: PKG-INFO, plus Requires-Dist and
    Provides-Extra from requires.txt when PKG-INFO lacks them (older setuptools)."""
    text = (egg_info / "PKG-INFO").read_text(encoding="utf-8", errors="replace")
    headers, _, body = text.partition("\n\n")
    message = email.parser.Parser().parsestr(headers + "\n\n")
    requires_file = egg_info / "requires.txt"
    if message.get_all("Requires-Dist") or not requires_file.is_file():
        return text.encode("utf-8")
    extras: list[str] = []
    lines: list[str] = []
    for requirement, extra in requires_txt(requires_file.read_text(encoding="utf-8")):
        if extra and extra not in extras:
            extras.append(extra)
        lines.append(f"Requires-Dist: {requirement}")
    added = "".join(f"Provides-Extra: {e}\n" for e in extras) + "".join(
        f"{line}\n" for line in lines
    )
    return (headers.rstrip("\n") + "\n" + added + "\n" + body).encode("utf-8")


def requires_txt(text: str) -> list[tuple[str, str]]:
    """(requirement with marker, extra or "") for each line of requires.txt, whose
    ``[extra:marker]`` sections pkg_resources defined."""
    result: list[tuple[str, str]] = []
    extra, marker = "", ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, marker = line[1:-1].partition(":")
            extra, marker = extra.strip(), marker.strip()
            continue
        conditions = [f"({marker})"] if marker else []
        if extra:
            conditions.append(f'extra == "{extra}"')
        result.append(
            (f"{line}; {' and '.join(conditions)}" if conditions else line, extra)
        )
    return result

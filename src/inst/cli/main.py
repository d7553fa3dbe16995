"""The ``inst`` entry point (the console script and ``python -m inst``).

``inst --version`` alone is answered here, importing nothing but ``os`` and ``sys``:
building the parsers of every command and the settings machinery took several times
Python's own start-up. Everything else is one run of inst.cli.run.
"""

from __future__ import annotations

import os
import sys

EXIT_OK = 0
EXIT_FAILURE = 1


def main(argv: list[str] | None = None, *, discover: bool | None = None) -> int:
    """Run inst; argv None: as the program (sys.argv). See inst.cli.run.main."""
    words = sys.argv[1:] if argv is None else argv
    if list(words) == ["--version"] and not _inst_variables():
        return _print_version()
    from inst.cli.run import main as run

    return run(argv, discover=discover)


def _inst_variables() -> bool:
    """Whether any INST_* variable is set: then the full run answers --version, as it
    warns about those that match no option (knowing them needs the option table)."""
    return any(name.startswith("INST_") for name in os.environ)


def _print_version() -> int:
    tolerant_stdout()
    try:
        print(version_text())
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error worth a message.
        sys.stderr.close()
        return EXIT_FAILURE
    return EXIT_OK


def version_text() -> str:
    import inst

    location = os.path.dirname(os.path.abspath(inst.__file__))
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"inst {inst.__version__} from {location} (python {python})"


def tolerant_stdout() -> None:
    """A path or name that is not valid UTF-8 reaches inst as text with surrogates
    (from argv, the environment, a directory listing). Printed to a strict stdout it
    would raise; escaped, it stays readable (stderr already does this)."""
    stream = sys.stdout
    if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
        stream.reconfigure(errors="backslashreplace")

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
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["--version"] and not _inst_variables():
        return _print_version()
    if _asks_help(words):
        code = _print_help("" if len(words) == 1 else words[0])
        if code is not None:
            return code
    if argv is None:
        _collect_less_often()
    from inst.cli.run import main as run

    return run(argv, discover=discover)


#: Python's default is a young-generation pass every 700 new container objects.
_GC_THRESHOLDS = (20_000, 50, 100)


def _collect_less_often() -> None:
    """Most of what a run allocates lives until it ends (modules, the option table,
    the files of index pages, candidates), and the cycle collector's default pace
    re-scans it over and over: about a tenth of a resolve's CPU. Passes come less
    often; cycles are still collected (peak memory measured the same). Only for inst
    run as a program: a caller's process keeps its own settings."""
    import gc

    gc.set_threshold(*_GC_THRESHOLDS)


def _inst_variables() -> bool:
    """Whether any INST_* variable is set: then the full run answers --version, as it
    warns about those that match no option (knowing them needs the option table)."""
    return any(name.startswith("INST_") for name in os.environ)


_HELP = ("-h", "--help")


def _asks_help(words: list[str]) -> bool:
    """`inst --help` or `inst WORD --help` alone. Help is printed while parsing,
    before settings are loaded, so INST_* variables change nothing of it."""
    if len(words) == 1:
        return words[0] in _HELP
    return len(words) == 2 and words[1] in _HELP


def _print_help(name: str) -> int | None:
    """Print inst's help ("") or a command's: the stored text, else the one parser
    needed; None when name is no command (the full run says so)."""
    tolerant_stdout()
    try:
        text = stored_help(name)
        if text is not None:
            sys.stdout.write(text)
            return EXIT_OK
        from inst.cli import parser
        from inst.cli.commands import COMMANDS

        if not name:
            parser.build_parser().print_help()
        elif name in COMMANDS:
            parser.build_command_parser(name).print_help()
        else:
            return None
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_FAILURE
    return EXIT_OK


def stored_help(name: str) -> str | None:
    """The help text the parser would print, as stored in cli/help_texts.py when it
    was rendered for this Python and this width; else None (build the parser)."""
    from inst.cli import help_texts

    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    if help_texts.PYTHON != python or _help_columns() != help_texts.COLUMNS:
        return None
    return help_texts.TEXTS.get(name)


def _help_columns() -> int:
    """The width argparse wraps help to: shutil.get_terminal_size()'s columns,
    worked out as it does (importing shutil would cost more than the rest)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        stdout = sys.__stdout__
        if stdout is None:
            return 80
        return os.get_terminal_size(stdout.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80  # not a terminal: shutil's fallback


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

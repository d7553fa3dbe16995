"""One inst run: parse, load settings, run one command, report errors.

Errors a user can act on are one paragraph on stderr starting ``error:`` and exit code 1;
with -v the traceback is shown too. The entry point is inst.cli.main, which answers a
lone ``--version`` before importing this. Nothing heavy is imported here either:
``inst --help`` must start fast.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import TYPE_CHECKING

from inst import interrupts, ui
from inst.cli.main import tolerant_stdout, version_text
from inst.errors import InstError, Interrupted, SettingsError, UsageError
from inst.settings.values import TRUE_WORDS

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from types import ModuleType

    from inst.settings.resolve import Settings

EXIT_OK = 0
EXIT_FAILURE = 1


def main(argv: list[str] | None = None, *, discover: bool | None = None) -> int:
    """Run inst; argv None: as the program (sys.argv), which handles Ctrl-C and
    SIGTERM until it exits, and ends at once after one instead of waiting for worker
    threads stuck on a stalled server.

    ``discover``: with no --python, work on the active environment (VIRTUAL_ENV,
    CONDA_PREFIX, a .venv here or above; settings/active.py). None means "as the
    program": the ``inst`` console script calls ``main()`` and discovers;
    ``python -m inst`` passes False and keeps pip's meaning, the interpreter running
    it; in-process calls with an argv do not discover unless asked."""
    program = argv is None
    discover = program if discover is None else discover
    argv = sys.argv[1:] if argv is None else list(argv)
    tolerant_stdout()
    interrupts.new_run()
    if program:
        interrupts.handle_signals()
    # `the_run.ending = True` is written out, never a call, first thing once the
    # outcome is decided: a call would run a signal's handler before its body.
    try:
        code = _run(argv, discover=discover)
        interrupts.the_run.ending = True
    except InstError as exc:
        interrupts.the_run.ending = True
        _show_traceback()
        for line in exc.details:
            print(f"  | {line}", file=sys.stderr)
        ui.error(exc.paragraph())
        code = EXIT_FAILURE
    except (KeyboardInterrupt, Interrupted) as stop:
        interrupts.the_run.ending = True
        ui.close()  # first: a worker's message must not come after the error
        ui.error(_interrupted(stop))
        if program:
            _leave_now(EXIT_FAILURE)
        code = EXIT_FAILURE
    except BrokenPipeError:
        interrupts.the_run.ending = True
        # Output piped into `head` and the like: not an error worth a message.
        sys.stderr.close()
        code = EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - an inst bug: say so briefly, -v for details
        interrupts.the_run.ending = True
        _show_traceback()
        ui.error(
            f"inst hit an internal error ({type(exc).__name__}: {exc}). This is a bug in "
            "inst, not in your input. Run the command again with -v to see the traceback, "
            "and report it."
        )
        code = EXIT_FAILURE
    if program:
        code = _last_word(code)
    return code


def _interrupted(stop: BaseException) -> str:
    signum = signal.SIGINT if isinstance(stop, KeyboardInterrupt) else signal.SIGTERM
    return interrupts.interrupted_message(signum)


def _last_word(code: int) -> int:
    """A signal that came once the outcome was decided (printing it, tidying up):
    a success becomes a failure that says so; then signals are ignored to the end."""
    noted = interrupts.the_run.noted
    if noted and code == EXIT_OK:
        with contextlib.suppress(OSError, ValueError):  # stderr gone: the code says it
            ui.error(interrupts.interrupted_message(noted[0]))
        code = EXIT_FAILURE
    interrupts.ignore_signals()
    return code


#: How long an interrupted run waits for its worker threads before leaving anyway.
_EXIT_GRACE = 0.5


def _join(thread: threading.Thread, deadline: float) -> None:
    """thread.join() until deadline; a thread whose start() the signal cut short
    (a pool starting a worker) is waited for until it has started."""
    import time

    while True:
        try:
            thread.join(max(0.0, deadline - time.monotonic()))
            return
        except RuntimeError:  # "cannot join thread before it is started"
            if time.monotonic() >= deadline:
                return
            time.sleep(0.005)


def _leave_now(code: int) -> None:
    """Exit with code once the main thread has unwound (work directories removed,
    builds ended). Worker threads get a moment to finish; one still blocked (a read from
    a stalled server, up to --timeout per retry) would keep the interpreter from
    exiting, since it joins every worker thread first: then leave without it."""
    import threading
    import time

    deadline = time.monotonic() + _EXIT_GRACE
    # (A second Ctrl-C or SIGTERM is only noted now: this wait is short.)
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            _join(thread, deadline)
    if not any(
        t.is_alive() and not t.daemon and t is not threading.current_thread()
        for t in threading.enumerate()
    ):
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _run(argv: list[str], *, discover: bool) -> int:
    from inst.cli.commands import COMMANDS
    from inst.cli.parser import arrange, build_parser, cli_values, named_command

    _configure_ui_from_argv(argv)
    argv = arrange(argv)

    parser = build_parser(named_command(argv))
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        where = f"inst {args.command}" if args.command else "inst"
        raise UsageError(
            f"unrecognized arguments: {' '.join(unknown)}",
            hint=f"run `{where} --help` to see what it takes",
        )
    given = cli_values(args)

    if args.version:
        _warn_unknown_variables(given)
        print(version_text())
        return EXIT_OK
    if args.command is None:
        _warn_unknown_variables(given)
        parser.print_help()
        return EXIT_OK

    from inst.settings.resolve import load_settings

    command = COMMANDS[args.command].load()
    tolerates = getattr(command, "tolerates_bad_config", None)
    lenient = bool(tolerates and tolerates(args))
    settings = load_settings(
        args.command, given, lenient_files=lenient, discover=discover
    )
    target_prefix = _target_prefix(settings, args.command, _preload(command))
    if target_prefix is not None:
        # --python names another environment: its site config file applies, not ours.
        settings = load_settings(
            args.command,
            given,
            prefix=target_prefix[0],
            base_prefix=target_prefix[1],
            lenient_files=lenient,
            discover=discover,
        )
    try:
        ui.configure(verbosity=settings.verbosity, no_color=settings.no_color)
    except SettingsError:
        if not lenient:
            raise
        # A bad -v/-q/--no-color value in a file: keep the early setup, let config fix it.
    for message in settings.warnings:
        ui.warning(message)
    _announce_found_environment(settings)
    return int(command.run(settings, args))


def _announce_found_environment(settings: Settings) -> None:
    """An environment inst found by itself (not --python, not the interpreter running
    inst) is named in one line on stderr, hidden by -q: the user did not name it."""
    from inst.settings.layers import Layer

    python = settings.setting("python")
    found = not python.is_default and python.origin.layer is Layer.DEFAULT
    if found and ui.verbosity() >= 0:
        message = f"Using environment {python.value} ({python.origin})"
        print(ui.redact(message), file=sys.stderr)


def _preload(command: ModuleType) -> Callable[[], None] | None:
    """The imports of the command's PRELOAD, as one call (None when it has none)."""
    names: tuple[str, ...] = getattr(command, "PRELOAD", ())
    if not names:
        return None
    from inst.cli.commands import preload_modules

    return lambda: preload_modules(*names)


def _target_prefix(
    settings: Settings, command: str, preload: Callable[[], None] | None
) -> tuple[str, str] | None:
    """--python's prefix and base prefix, unless it is the interpreter running inst.
    preload: the command's imports, done while the interpreter is probed (if it
    must be: a first run, or a changed environment)."""
    from inst.settings.options import ENVIRONMENT

    if command not in ENVIRONMENT or not settings.python:
        return None
    from inst.session import target_environment

    interpreter = target_environment(settings, preload).interpreter
    if os.path.realpath(interpreter.prefix) == os.path.realpath(sys.prefix):
        return None
    return str(interpreter.prefix), str(interpreter.base_prefix)


def _configure_ui_from_argv(argv: list[str]) -> None:
    """Until settings are loaded (and for errors while loading them), -v, -q and
    --no-color on the command line, or INST_VERBOSE and INST_NO_COLOR, already count."""
    verbose = sum(_count(token, "v") for token in argv)
    quiet = sum(_count(token, "q") for token in argv)
    env_verbose = os.environ.get("INST_VERBOSE", "").strip()
    if not verbose and env_verbose.isdigit():
        verbose = int(env_verbose)
    no_color = "--no-color" in argv or (
        os.environ.get("INST_NO_COLOR", "").strip().lower() in TRUE_WORDS
    )
    ui.configure(verbosity=verbose - quiet, no_color=no_color)


def _count(token: str, letter: str) -> int:
    names = {"v": "--verbose", "q": "--quiet"}
    if token == names[letter]:
        return 1
    if (
        token.startswith("-")
        and not token.startswith("--")
        and set(token[1:]) == {letter}
    ):
        return len(token) - 1
    return 0


def _warn_unknown_variables(given: dict[str, object]) -> None:
    from inst.settings.resolve import unknown_variable_warnings

    if given.get("isolated"):
        return
    for message in unknown_variable_warnings(os.environ):
        ui.warning(message)


def _show_traceback() -> None:
    if ui.verbosity() >= 1:
        import traceback

        traceback.print_exc()

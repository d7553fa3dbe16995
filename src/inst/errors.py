"""Errors that inst reports to the user as one short paragraph, never a traceback."""

from __future__ import annotations


class InstError(Exception):
    """A failure the user can act on: what happened, why, and what to do."""

    def __init__(self, what: str, why: str = "", hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.why = why
        self.hint = hint
        #: Lines shown before the paragraph (the tail of a failed build's output).
        self.details: list[str] = []
        #: What the failure happened within, outermost first ("cannot provide the
        #: build requirements of demo 1.0"); the paragraph opens with it.
        self.context: list[str] = []

    def within(self, context: str) -> InstError:
        """The same error, seen from one level further out."""
        self.context.insert(0, context)
        return self

    @property
    def message(self) -> str:
        """What happened, with the context it happened within."""
        return ": ".join([*self.context, self.what])

    def __str__(self) -> str:
        return self.message

    def paragraph(self) -> str:
        # `what` may open with a name (a key, a file): it is never capitalised.
        parts = [_sentence(self.message)]
        parts += [
            _sentence(_capitalised(text)) for text in (self.why, self.hint) if text
        ]
        return " ".join(parts)


class UsageError(InstError):
    """The command line itself is wrong (unknown option, missing argument)."""


class SettingsError(InstError):
    """A value from the command line, an INST_* variable or a config file is unusable."""


def _capitalised(text: str) -> str:
    first_word = text.split(" ", 1)[0]
    if first_word.isalpha() and first_word.islower() and first_word != "inst":
        return text[0].upper() + text[1:]
    return text


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text


class Interrupted(BaseException):
    """SIGTERM arrived: unwind like Ctrl-C (finally blocks clean up, builds are ended).

    What the run then says depends on what it had done (inst.interrupts.the_run)."""

    def __init__(self) -> None:
        super().__init__("terminated")


def decompression_errors() -> tuple[type[Exception], ...]:
    """What reading damaged compressed data raises beyond an archive format's own
    errors: zlib's and lzma's, an unknown compression method, a bad offset, a password
    needed (zipfile's RuntimeError). Shared by every reader of ZIP members and sdists."""
    import zlib

    try:
        from lzma import LZMAError
    except ImportError:  # a Python built without lzma reads no such data
        return (zlib.error, NotImplementedError, ValueError, RuntimeError)
    return (zlib.error, LZMAError, NotImplementedError, ValueError, RuntimeError)

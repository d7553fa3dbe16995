"""Errors that inst reports to the user as one short paragraph, never a traceback."""

from __future__ import annotations


class InstError(Exception):
    """A failure the user can act on: what happened, why, and what to do."""

    def __init__(self, what: str, why: str = "", hint: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.why = why
        self.hint = hint

    def paragraph(self) -> str:
        parts = [_sentence(self.what)]
        if self.why:
            parts.append(_sentence(self.why))
        if self.hint:
            parts.append(_sentence(self.hint))
        return " ".join(parts)


class UsageError(InstError):
    """The command line itself is wrong (unknown option, missing argument)."""


class SettingsError(InstError):
    """A value from the command line, an INST_* variable or a config file is unusable."""


def _sentence(text: str) -> str:
    text = text.strip()
    first_word = text.split(" ", 1)[0]
    if first_word.isalpha() and first_word.islower() and first_word != "inst":
        text = text[0].upper() + text[1:]
    if text and text[-1] not in ".!?":
        text += "."
    return text

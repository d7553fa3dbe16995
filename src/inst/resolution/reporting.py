"""What the resolver tells while it works, as events that carry data (the requirement
collected, the file skipped and why); the words are the caller's (the CLI writes
pip's). A ``ResolveReporter`` is resolvelib's ``BaseReporter``: the resolver hands the
same object to resolvelib, so one reporter hears both. This base says nothing: it is
what a resolution gets when no reporter is given (tests, quiet callers)."""

from __future__ import annotations

from typing import Any

from resolvelib import BaseReporter


class ResolveReporter(BaseReporter[Any, Any, Any]):
    def collecting(self, requirement: str, parent: tuple[str, str] | None) -> None:
        """A requirement is looked up for the first time; parent is the (name,
        version) of the distribution that asks for it, None for a root."""

    def already_satisfied(
        self,
        requirement: str,
        location: str,
        parent: tuple[str, str] | None,
        version: str,
    ) -> None:
        """A requirement met for the first time is kept as the distribution installed
        in location (its first choice: it may still be replaced on backtracking)."""

    def unknown_extra(self, name: str, version: str, extra: str) -> None:
        """A requirement asks for an extra the chosen release does not declare;
        the extra brings nothing."""

    def hidden_by_index_strategy(
        self, name: str, used: str, newer: str, indexes: tuple[str, ...]
    ) -> None:
        """--index-strategy first-index took a project from the first index that has
        it, whose newest version is ``used``; ``indexes``, left out, have ``newer``."""

    def ignoring(self, requirement: str, marker: str) -> None:
        """A root requirement whose marker does not match the target environment."""

    def processing(self, location: str) -> None:
        """A root requirement given as a path or URL whose metadata comes from a
        build (a project directory, an archive whose name does not say what it is)."""

    def discarded(self, name: str, version: str, filename: str, reason: str) -> None:
        """A release whose metadata is invalid is skipped; reason is a paragraph."""

    def yanked_pick(self, filename: str, reason: str | None) -> None:
        """A yanked file was picked because a requirement pins it exactly."""

    def warning(self, text: str) -> None:
        """A problem met on the way that did not stop the resolution, in words."""

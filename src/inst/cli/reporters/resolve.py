"""pip's words for what the resolver reports (``Collecting demo``)."""

from __future__ import annotations

from inst import ui
from inst.resolution.reporting import ResolveReporter


class TextResolveReporter(ResolveReporter):
    def collecting(self, requirement: str, parent: tuple[str, str] | None) -> None:
        suffix = f" (from {parent[0]}=={parent[1]})" if parent is not None else ""
        ui.info(f"Collecting {requirement}{suffix}")

    def already_satisfied(
        self,
        requirement: str,
        location: str,
        parent: tuple[str, str] | None,
        version: str,
    ) -> None:
        asker = f" (from {parent[0]}=={parent[1]})" if parent is not None else ""
        ui.info(
            f"Requirement already satisfied: {requirement} in {location}{asker} "
            f"({version})"
        )

    def unknown_extra(self, name: str, version: str, extra: str) -> None:
        ui.warning(f"{name} {version} does not provide the extra '{extra}'")

    def hidden_by_index_strategy(
        self, name: str, used: str, newer: str, indexes: tuple[str, ...]
    ) -> None:
        ui.warning(
            f"{name} {newer} is on {', '.join(indexes)}, but {name} comes from the "
            f"first index that has it, whose newest version is {used} "
            "(--index-strategy first-index, the default); --index-strategy "
            "best-match considers every index, as pip does"
        )

    def ignoring(self, requirement: str, marker: str) -> None:
        ui.info(
            f"Ignoring {requirement}: markers '{marker}' don't match the target "
            "environment"
        )

    def processing(self, location: str) -> None:
        ui.info(f"Processing {location}")  # pip's word: metadata comes from a build

    def discarded(self, name: str, version: str, filename: str, reason: str) -> None:
        ui.warning(
            f"discarding {name} {version} ({filename}): {reason} Trying other versions."
        )

    def yanked_pick(self, filename: str, reason: str | None) -> None:
        ui.warning(
            f"{filename} is yanked, and was picked because it is pinned exactly "
            f"(reason: {reason or 'no reason given'})"
        )

    def warning(self, text: str) -> None:
        ui.warning(text)

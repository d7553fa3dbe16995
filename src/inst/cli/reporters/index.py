"""pip's words for what the index sources report."""

from __future__ import annotations

from inst import ui
from inst.index.reporting import IndexReporter


class TextIndexReporter(IndexReporter):
    def cached_page_dropped(self, url: str) -> None:
        ui.warning(
            f"the cached copy of {url} does not parse; it is dropped and fetched again"
        )

    def warning(self, text: str) -> None:
        ui.warning(text)

"""What the index sources tell while they read (a cached page dropped, a find-links
location ignored), as events for the caller to put in words (the CLI writes them).
This base says nothing: it is what a source gets when no reporter is given."""

from __future__ import annotations


class IndexReporter:
    def cached_page_dropped(self, url: str) -> None:
        """A page from the HTTP cache did not parse: dropped, and asked for again
        (url with its credentials hidden)."""

    def warning(self, text: str) -> None:
        """A location that is ignored, or another problem that did not stop the run,
        in words."""

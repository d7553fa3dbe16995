"""pip's words for what downloads report, kept clear of the progress bars."""

from __future__ import annotations

from pathlib import Path

from inst import ui
from inst.download import DownloadReporter, ProgressBar
from inst.ui.progress import Bar, Progress, format_size


class _TextBar(ProgressBar):
    def __init__(self, bar: Bar) -> None:
        self._bar = bar

    def advance(self, size: int) -> None:
        self._bar.update(size)

    def finish(self) -> None:
        self._bar.close()


class TextDownloadReporter(DownloadReporter):
    """Status lines kept clear of the progress bars (``ui.progress``); progress:
    whether bars may be drawn at all (--progress-bar)."""

    def __init__(self, progress: bool = True) -> None:
        self._progress = Progress(progress)

    def already_downloaded(self, path: Path) -> None:
        self._progress.message(f"File was already downloaded {path}")

    def using_cached(self, filename: str, size: int) -> None:
        self._progress.message(f"Using cached {filename} ({format_size(size)})")

    def downloading(self, filename: str, size: int | None) -> None:
        shown = f" ({format_size(size)})" if size is not None else ""
        self._progress.message(f"Downloading {filename}{shown}")

    def progress(self, filename: str, size: int | None) -> ProgressBar:
        return _TextBar(self._progress.bar(filename, size))

    def cached_copy_dropped(self, filename: str, problem: str) -> None:
        ui.warning(
            f"the cached copy of {filename} is damaged ({problem}); it is dropped and "
            "downloaded again"
        )

    def warning(self, text: str) -> None:
        ui.warning(text)

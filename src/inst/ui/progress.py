"""Progress bars for downloads (over tqdm), and status lines that do not garble them.

One bar per file, each on its own line (tqdm picks a free ``position``), shown only when
bars are wanted, stderr is a terminal, output is not silenced by -q, and the download
outlasts ``DELAY_SECONDS``: quick downloads stay quiet. Finished bars vanish
(``leave=False``), so what remains on screen are the ``Downloading ...`` lines.

tqdm is imported inside functions only: ``inst --version`` must not load it.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from inst import ui

if TYPE_CHECKING:
    from tqdm import tqdm
    from typing_extensions import Self  # typing.Self needs Python 3.11

#: A bar appears only once a download has taken this long.
DELAY_SECONDS = 0.5
_LABEL_WIDTH = 32
# Like pip: name, bar, "1.2MB/3.4MB 5.6MB/s eta 00:01"; without a size, no bar.
_FORMAT = "{desc} {bar} {n_fmt}B/{total_fmt}B {rate_fmt} eta {remaining}"
_FORMAT_NO_TOTAL = "{desc} {n_fmt}B {rate_fmt}"

# Serialises status lines from worker threads (tqdm's own lock when bars are on).
_print_lock = threading.Lock()


def format_size(size: float) -> str:
    """A size as pip prints it: ``512 bytes``, ``1.5 kB``, ``101 kB``, ``12.3 MB``."""
    if size > 1000 * 1000:
        return f"{size / 1000 / 1000:.1f} MB"
    if size > 10 * 1000:
        return f"{int(size / 1000)} kB"
    if size > 1000:
        return f"{size / 1000:.1f} kB"
    return f"{int(size)} bytes"


def _is_terminal(stream: TextIO | None) -> bool:
    return bool(stream is not None and getattr(stream, "isatty", lambda: False)())


def _label(text: str) -> str:
    if len(text) <= _LABEL_WIDTH:
        return text
    return text[: _LABEL_WIDTH - 1] + "…"


def _displayed(bar: tqdm[Any]) -> bool:
    # With delay=, tqdm draws nothing until the delay has passed; only bars already
    # drawn may be cleared and redrawn around a status line, or they would show early.
    return bool(bar.last_print_t >= bar.start_t + (bar.delay or 0))


class Bar:
    """One file's bar; does nothing when bars are off. Use as a context manager."""

    def __init__(self, owner: Progress, label: str, total: int | None) -> None:
        self._owner = owner
        self._bar: tqdm[Any] | None = None
        if owner.enabled:
            from tqdm import tqdm  # lazily: see module docstring

            bar: tqdm[Any] = tqdm(
                total=total,
                desc=_label(label),
                unit="B",
                unit_scale=True,
                unit_divisor=1000,  # kB/MB as in the status lines, like pip
                leave=False,
                delay=DELAY_SECONDS,
                file=sys.stderr,
                dynamic_ncols=True,
                bar_format=_FORMAT if total else _FORMAT_NO_TOTAL,
                mininterval=0.1,
            )
            owner._add(bar)
            self._bar = bar

    def update(self, size: int) -> None:
        if self._bar is not None:
            self._bar.update(size)

    def close(self) -> None:
        if self._bar is not None:
            self._owner._remove(self._bar)
            self._bar.close()
            self._bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Progress:
    """Bars and status lines for one batch of downloads; safe to use from threads."""

    def __init__(self, enabled: bool = True) -> None:
        # Decided once: -q, a pipe or --progress-bar off turn bars off for the batch.
        self.enabled = enabled and ui.verbosity() >= 0 and _is_terminal(sys.stderr)
        self._bars: list[tqdm[Any]] = []
        self._bars_lock = threading.Lock()

    def bar(self, label: str, total: int | None) -> Bar:
        return Bar(self, label, total)

    def message(self, text: str) -> None:
        """``ui.info(text)``, with any drawn bars cleared around it and redrawn after."""
        if not self.enabled:
            with _print_lock:
                ui.info(text)
            return
        from tqdm import tqdm

        # The lock tqdm draws under; its stub leaves get_lock untyped.
        with tqdm.get_lock():  # type: ignore[no-untyped-call]
            with self._bars_lock:
                shown = [bar for bar in self._bars if _displayed(bar)]
            for bar in shown:
                bar.clear(nolock=True)
            ui.info(text)
            sys.stdout.flush()  # stdout may be a buffered pipe while bars go to a tty
            for bar in shown:
                bar.refresh(nolock=True)

    def _add(self, bar: tqdm[Any]) -> None:
        with self._bars_lock:
            self._bars.append(bar)

    def _remove(self, bar: tqdm[Any]) -> None:
        with self._bars_lock:
            if bar in self._bars:
                self._bars.remove(bar)

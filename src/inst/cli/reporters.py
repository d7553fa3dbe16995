"""pip's words for what the stages report: each stage's reporter written with ``ui``
(levels, -q/-v, colour, redaction), and ``text_reporters()``, the bundle a command
hands to its session. Imported when a command runs, never at start-up (it loads
resolvelib)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inst import ui
from inst.build.reporting import BuildReporter, BuildStep, Outcome
from inst.download import DownloadReporter, ProgressBar
from inst.index.reporting import IndexReporter
from inst.install.reporting import InstallReporter
from inst.resolution.reporting import ResolveReporter
from inst.session.reporting import Reporters
from inst.ui.progress import Bar, Progress, format_size

if TYPE_CHECKING:
    from inst.settings.resolve import Settings


class TextIndexReporter(IndexReporter):
    def cached_page_dropped(self, url: str) -> None:
        ui.warning(
            f"the cached copy of {url} does not parse; it is dropped and fetched again"
        )

    def warning(self, text: str) -> None:
        ui.warning(text)


class TextResolveReporter(ResolveReporter):
    def collecting(self, requirement: str, parent: tuple[str, str] | None) -> None:
        suffix = f" (from {parent[0]}=={parent[1]})" if parent is not None else ""
        ui.info(f"Collecting {requirement}{suffix}")

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


def waiting_for_lock(label: str) -> None:
    ui.info(f"Waiting for another inst to finish with {label} ...")


def step_text(step: BuildStep) -> str:
    """``Preparing metadata (pyproject.toml)``, ``Building wheel for demo (setup.py)``."""
    if step.action == "metadata":
        editable = "editable " if step.editable else ""
        return f"Preparing {editable}metadata ({step.interface})"
    kind = "editable" if step.editable else "wheel"
    return f"Building {kind} for {step.project} ({step.interface})"


class TextBuildReporter(BuildReporter):
    def shows_output(self) -> bool:
        return ui.verbosity() >= 1

    def step_started(self, step: BuildStep) -> None:
        if ui.verbosity() >= 1:  # else the step is said once, with its outcome
            ui.info(f"{step_text(step)} ...")

    def step_finished(self, step: BuildStep, outcome: Outcome) -> None:
        ui.info(f"{step_text(step)} ... {outcome}")

    def using_cached_wheel(
        self, project: str, source: Path, wheel: Path, built_by: str | None
    ) -> None:
        how = f" (built through {built_by})" if built_by else ""
        ui.info(f"Using cached wheel for {project}{how}")
        ui.detail(f"The cached wheel of {source.name}: {wheel}")

    def build_dir_kept(self, project: str, path: Path) -> None:
        ui.info(f"Build directory of {project} (kept, --no-clean): {path}")

    def built(self, project: str, wheel: Path, editable: bool) -> None:
        kind = "editable" if editable else "wheel"
        ui.detail(f"Created {kind} for {project}: {wheel.name}")

    def installing_requirements(self, pins: Sequence[str]) -> None:
        ui.info(f"Installing build dependencies: {', '.join(pins)}")

    def waiting_for_lock(self, label: str) -> None:
        waiting_for_lock(label)

    def using_cached_environment(self, pins: Sequence[str]) -> None:
        ui.detail(f"Using cached build environment: {', '.join(pins) or 'nothing'}")

    def warning(self, text: str) -> None:
        ui.warning(text)


class TextInstallReporter(InstallReporter):
    def installing(self, names: Sequence[str]) -> None:
        ui.info(f"Installing collected packages: {', '.join(names)}")

    def kept_in_target(self, label: str, name: str, version: str) -> None:
        ui.warning(
            f"{label} holds {name} {version} already; pass --upgrade to replace it"
        )

    def waiting_for_lock(self, label: str) -> None:
        waiting_for_lock(label)

    def recovered(self, label: str, line: str) -> None:
        ui.warning(f"{label}: {line}")

    def warning(self, text: str) -> None:
        ui.warning(text)


def text_reporters(settings: Settings) -> Reporters:
    """The reporters of a command's run, in pip's words."""
    return Reporters(
        index=TextIndexReporter(),
        resolve=TextResolveReporter(),
        download=TextDownloadReporter(settings.progress_bar == "on"),
        build=TextBuildReporter(),
        install=TextInstallReporter(),
    )

"""pip's words for what builds report (``Building wheel for demo (pyproject.toml)
... done``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from inst import ui
from inst.build.reporting import BuildReporter, BuildStep, Outcome
from inst.cli.reporters.install import waiting_for_lock


def step_text(step: BuildStep) -> str:
    """``Preparing metadata (pyproject.toml)``, ``Building wheel for demo (setup.py)``."""
    if step.action == "metadata":
        editable = "editable " if step.editable else ""
        return f"Preparing {editable}metadata ({step.interface})"
    if step.action == "sdist":
        return f"Building sdist for {step.project} ({step.interface})"
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

    def built_sdist(self, project: str, sdist: Path) -> None:
        ui.detail(f"Created sdist for {project}: {sdist.name}")

    def installing_requirements(self, pins: Sequence[str]) -> None:
        ui.info(f"Installing build dependencies: {', '.join(pins)}")

    def waiting_for_lock(self, label: str) -> None:
        waiting_for_lock(label)

    def using_cached_environment(self, pins: Sequence[str]) -> None:
        ui.detail(f"Using cached build environment: {', '.join(pins) or 'nothing'}")

    def warning(self, text: str) -> None:
        ui.warning(text)

"""What the build layer tells while it works, as events that carry data (the step, the
project, the wheel, the build requirements); the words are the caller's (the CLI writes
pip's ``Building wheel for demo (pyproject.toml) ... done``). This base says nothing: it
is what a builder or environment store gets when no reporter is given."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from inst._records import dataclass

#: How a step ended: as it should, with an error, or stopped (Ctrl-C, SIGTERM).
Outcome = Literal["done", "error", "interrupted"]


@dataclass(frozen=True)
class BuildStep:
    """One step run by a backend: preparing metadata, building a wheel or an sdist."""

    action: Literal["metadata", "wheel", "sdist"]
    project: str  # the name, or the file or directory name until the metadata is read
    interface: str  # "pyproject.toml" or "setup.py"
    editable: bool = False


class BuildReporter:
    def shows_output(self) -> bool:
        """Whether the backends' own output is wanted as they print it (-v)."""
        return False

    def step_started(self, step: BuildStep) -> None:
        """A backend step starts."""

    def step_finished(self, step: BuildStep, outcome: Outcome) -> None:
        """A backend step ended."""

    def using_cached_wheel(
        self, project: str, source: Path, wheel: Path, built_by: str | None
    ) -> None:
        """An earlier run's wheel of this sdist is used (built_by: its interface)."""

    def build_dir_kept(self, project: str, path: Path) -> None:
        """--no-clean: where the project is unpacked and built, left afterwards."""

    def built(self, project: str, wheel: Path, editable: bool) -> None:
        """A wheel was built (and checked against the metadata)."""

    def built_sdist(self, project: str, sdist: Path) -> None:
        """An sdist was built (and its name checked against its PKG-INFO)."""

    def installing_requirements(self, pins: Sequence[str]) -> None:
        """A build environment is made with these build requirements (never empty)."""

    def using_cached_environment(self, pins: Sequence[str]) -> None:
        """A cached build environment with these build requirements is used."""

    def waiting_for_lock(self, label: str) -> None:
        """Another inst is making the build environment label: this one waits."""

    def warning(self, text: str) -> None:
        """A problem that did not stop the build, in words."""

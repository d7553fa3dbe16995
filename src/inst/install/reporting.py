"""What installing tells, as events that carry data (the distributions, the target,
what a recovery did); the words are the caller's (the CLI writes pip's ``Installing
collected packages: ...``). This base says nothing: it is what the install steps get
when no reporter is given (tests, and build environments' installs say nothing of it
but their recoveries, through the run's reporter)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inst.environment import InstalledDist
    from inst.install.uninstall import RemovalPlan


class InstallReporter:
    def installing(self, names: Sequence[str]) -> None:
        """The wheels checked and placed are about to be staged and committed (their
        projects' display names, in install order)."""

    def kept_in_target(self, label: str, name: str, version: str) -> None:
        """--target without --upgrade: a distribution already there stays."""

    def waiting_for_lock(self, label: str) -> None:
        """Another inst is changing label: this one waits for its lock."""

    def recovered(self, label: str, line: str) -> None:
        """What a killed inst left in label was finished or undone (one journal)."""

    def warning(self, text: str) -> None:
        """A problem that did not stop the change, in words."""


class UninstallReporter:
    """What uninstalling tells (the CLI writes pip's words)."""

    def not_installed(self, name: str) -> None:
        """A name given is not installed (as written by the user)."""

    def not_owned(self, dist: InstalledDist, label: str) -> None:
        """dist is installed, but outside the target (a user site, the system)."""

    def found(self, plan: RemovalPlan, label: str) -> None:
        """An installed distribution, planned for removal: what will and will not be
        removed (paths outside the target, the target's Python)."""

"""pip's words for what installing reports; light (list, freeze and show use it
before they read an environment)."""

from __future__ import annotations

from collections.abc import Sequence

from inst import ui
from inst.install.reporting import InstallReporter


def waiting_for_lock(label: str) -> None:
    ui.info(f"Waiting for another inst to finish with {label} ...")


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

"""pip's words for what the stages report: one module per stage, each writing its
stage's reporter with ``ui`` (levels, -q/-v, colour, redaction), and
``text_reporters()``, the bundle a command hands to its session. Each module imports
its stage's reporter, so a command imports only those it uses (``install`` is light:
list, freeze and show use it before they read an environment)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inst.session.reporting import Reporters
    from inst.settings.resolve import Settings


def text_reporters(settings: Settings) -> Reporters:
    """The reporters of a command's run, in pip's words."""
    from inst.cli.reporters.build import TextBuildReporter
    from inst.cli.reporters.download import TextDownloadReporter
    from inst.cli.reporters.index import TextIndexReporter
    from inst.cli.reporters.install import TextInstallReporter
    from inst.cli.reporters.resolve import TextResolveReporter
    from inst.session.reporting import Reporters

    return Reporters(
        index=TextIndexReporter(),
        resolve=TextResolveReporter(),
        download=TextDownloadReporter(settings.progress_bar == "on"),
        build=TextBuildReporter(),
        install=TextInstallReporter(),
    )

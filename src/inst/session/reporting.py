"""The reporters of one run, one per stage, handed by the caller (the CLI, which
writes pip's words) to the session, which gives each part its own. Left out, a
stage's reporter is its base class, which says nothing."""

from __future__ import annotations

from dataclasses import field

from inst._records import dataclass
from inst.build.reporting import BuildReporter
from inst.download import DownloadReporter
from inst.index.reporting import IndexReporter
from inst.install.reporting import InstallReporter
from inst.resolution.reporting import ResolveReporter


@dataclass(frozen=True)
class Reporters:
    """The reporter of each stage of one run."""

    index: IndexReporter = field(default_factory=IndexReporter)
    resolve: ResolveReporter = field(default_factory=ResolveReporter)
    #: Downloads, and cached copies dropped by the metadata source and the preparer.
    download: DownloadReporter = field(default_factory=DownloadReporter)
    build: BuildReporter = field(default_factory=BuildReporter)
    install: InstallReporter = field(default_factory=InstallReporter)

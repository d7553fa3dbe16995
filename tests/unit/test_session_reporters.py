"""The session hands each part the reporter of its stage: a run's events reach the
bundle the caller gave to open_session()."""

from __future__ import annotations

from pathlib import Path

from harness import LocalIndex
from harness.config_home import ConfigHome
from harness.reporting import recording_reporters
from inst.environment import current_environment
from inst.requirements.inputs import Inputs
from inst.requirements.specs import parse_requirement
from inst.resolution.provider import ProviderOptions
from inst.session import open_session
from inst.settings.resolve import load_settings


def test_a_sessions_parts_report_to_the_bundle_it_was_given(
    config_home: ConfigHome, sample_index: LocalIndex, tmp_path: Path
) -> None:
    settings = load_settings(
        "download",
        {"index-url": sample_index.file_url, "cache-dir": str(tmp_path / "cache")},
    )
    spec = parse_requirement("withdeps", origin="the command line")
    inputs = Inputs(requirements=[spec])
    reporters = recording_reporters()

    with open_session(settings, inputs, current_environment(), reporters) as session:
        resolution = session.resolve(inputs, ProviderOptions(ignore_installed=True))
        session.preparer.download(resolution.to_fetch, tmp_path / "dest")

    assert reporters.resolve.of("collecting") == [
        ("withdeps", None),
        ("simple>=1.0", ("withdeps", "1.0")),
    ]
    # A file:// index: the files are used where they are, copied into -d, unsaid.
    assert reporters.download.names() == []
    # Wheels only: the builder is never made, so it never asks anything.
    assert reporters.build.names() == []
    # Asked once, as the builder is made: whether backends' output is shown (-v).
    assert session.builder is session.builder
    assert reporters.build.names() == ["shows_output"]

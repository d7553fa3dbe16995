"""The session makes its builder when a build needs it, unless the run configures
builds: then at once, so that a setting the build layer refuses is an error before
anything is resolved (as when the builder was always made)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import LocalIndex
from harness.config_home import ConfigHome
from harness.reporting import recording_reporters
from inst.environment import current_environment
from inst.errors import InstError
from inst.requirements.inputs import Inputs
from inst.requirements.specs import parse_requirement
from inst.session import open_session
from inst.settings.resolve import load_settings


def _inputs() -> Inputs:
    return Inputs(requirements=[parse_requirement("simple", origin="the command line")])


def test_a_run_without_builds_never_makes_the_builder(
    config_home: ConfigHome, sample_index: LocalIndex
) -> None:
    settings = load_settings("install", {"index-url": sample_index.file_url})
    reporters = recording_reporters()
    with open_session(settings, _inputs(), current_environment(), reporters) as session:
        assert session._builder is None
        session.builder.options_for(Path("."), None)  # made when asked for
        assert session._builder is not None
    assert reporters.build.names() == ["shows_output"]


def test_a_build_setting_is_checked_when_the_session_opens(
    config_home: ConfigHome, sample_index: LocalIndex
) -> None:
    settings = load_settings(
        "install",
        {"index-url": sample_index.file_url, "build-interface": ["no-such-rule"]},
    )
    reporters = recording_reporters()
    with (
        pytest.raises(InstError),
        open_session(settings, _inputs(), current_environment(), reporters),
    ):
        pytest.fail("the session opened")

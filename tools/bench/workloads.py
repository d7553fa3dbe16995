"""What tools/bench measures: pairs of equivalent inst and pip commands."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Callable


def _same_environment() -> dict[str, str]:
    # pip would otherwise ask the network whether it is outdated.
    return {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    inst: list[str]
    pip: list[str]
    env: Callable[[], dict[str, str]] = field(default=_same_environment)


def _inst(*args: str) -> list[str]:
    return [sys.executable, "-m", "inst", *args]


def _pip(*args: str) -> list[str]:
    return [sys.executable, "-m", "pip", *args]


WORKLOADS: dict[str, Workload] = {
    workload.name: workload
    for workload in (
        Workload(
            "version", "start-up: --version", _inst("--version"), _pip("--version")
        ),
        Workload("help", "start-up: --help", _inst("--help"), _pip("--help")),
        Workload(
            "config-debug",
            "read every config layer and show the effective values",
            _inst("config", "debug"),
            _pip("config", "debug"),
        ),
    )
}

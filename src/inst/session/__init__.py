"""The floor below the CLI: a run's session (its connected parts) and where it works.

The CLI parses and prints; everything a resolving command does between its settings
and its outcome is wired here (``core``: the session; ``building``: the build layer's
wiring and the provisioning of build environments; ``targets``: the cache, the target
environment and the install target)."""

from inst.session.core import Session, gather_inputs, open_session
from inst.session.targets import (
    cache_location,
    chosen_install_target,
    run_cache,
    settled_environment,
    target_environment,
)

__all__ = [
    "Session",
    "cache_location",
    "chosen_install_target",
    "gather_inputs",
    "open_session",
    "run_cache",
    "settled_environment",
    "target_environment",
]

"""Where a run works: the cache it may use, the environment --python names, and the
place an install writes to (the environment, --user, --target, --prefix or --root)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from inst.cache import Cache
    from inst.environment import Environment
    from inst.install.reporting import InstallReporter
    from inst.install.target import InstallTarget
    from inst.settings.resolve import Settings


def cache_location(settings: Settings) -> Path | None:
    """Where the cache is (None with --no-cache-dir), whether or not it can be used."""
    if settings.no_cache_dir:
        return None
    if settings.cache_dir:
        # Absolute: builds run their environment's interpreter from the project dir.
        return Path(os.path.abspath(Path(settings.cache_dir).expanduser()))
    import platformdirs

    return Path(platformdirs.user_cache_dir("inst", appauthor=False))


def run_cache(settings: Settings) -> Cache:
    """The cache of this run: the null cache with --no-cache-dir, and when it cannot
    be written (a file in its place, a read-only disk, no permission); then, as pip,
    the run goes on without a cache after a warning."""
    from inst.cache import NULL_CACHE, Cache
    from inst.cache_layout import usable

    location = cache_location(settings)
    if location is None or not usable(location):
        return NULL_CACHE
    # One object per directory, whoever asks (the probe of --python, the session).
    return _caches.setdefault(str(location), Cache(location))


_caches: dict[str, Cache] = {}
_environments: dict[tuple[str, str], Environment] = {}


def target_environment(
    settings: Settings, meanwhile: Callable[[], None] | None = None
) -> Environment:
    """The environment --python names (probed once per process); meanwhile is called
    while a probe runs, if one must."""
    from inst.environment import find_environment

    cache = run_cache(settings)
    key = (settings.python or "", str(cache.directory))
    if key not in _environments:
        _environments[key] = find_environment(
            settings.python, cache=cache.interpreters, meanwhile=meanwhile
        )
    return _environments[key]


def chosen_install_target(
    settings: Settings, environment: Environment
) -> InstallTarget:
    """Where install (and repair) work: the environment, or --user, --target,
    --prefix or --root."""
    from inst.install.target import install_target

    def path(value: object) -> Path | None:
        return None if value in (None, "") else Path(str(value)).expanduser()

    return install_target(
        environment,
        user=settings.user,
        target=path(settings.target),
        prefix=path(settings.prefix),
        root=path(settings.root),
    )


def settled_environment(
    settings: Settings, reporter: InstallReporter | None = None
) -> Environment:
    """The target environment, once no inst is changing it and nothing a killed inst
    left half done remains (for the commands that read it; reporter hears what was
    recovered, or could not be)."""
    from inst.install.state import STATE_DIR_NAME, has_journal

    environment = target_environment(settings)
    if environment.installed_set is not None and environment.scheme.get("purelib"):
        state_dir = Path(environment.scheme["purelib"]) / STATE_DIR_NAME
        if has_journal(state_dir):
            from inst.install.transaction import settle

            settle(
                state_dir,
                label=f"the environment of {environment.python}",
                repair_options=()
                if environment.is_current
                else ("--python", str(environment.python)),
                reporter=reporter,
            )
    return environment

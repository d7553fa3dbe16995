"""A throwaway home for configuration: every place inst and pip look for config files
points into a temporary directory, and no INST_*/PIP_* variable of the developer's
machine, nor the environment their shell has activated, leaks into a test."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: Variables that would let the machine's own configuration into a test.
_LEAKY_PREFIXES = ("INST_", "PIP_")
_LEAKY_NAMES = (
    "NO_COLOR",
    "FORCE_COLOR",
    "XDG_CONFIG_HOME",
    "XDG_CONFIG_DIRS",
    "XDG_CACHE_HOME",
    # An activated environment of the developer's shell: the `inst` program would work
    # on it (a test that wants one sets it).
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
)


@dataclass(frozen=True)
class ConfigHome:
    root: Path
    env: dict[
        str, str
    ]  # a complete environment for a subprocess, or for monkeypatching

    @property
    def inst_user_file(self) -> Path:
        return self.root / "xdg-config" / "inst" / "inst.toml"

    @property
    def inst_global_file(self) -> Path:
        return self.root / "xdg-dirs" / "inst" / "inst.toml"

    @property
    def pip_user_file(self) -> Path:
        return self.root / "xdg-config" / "pip" / "pip.conf"

    @property
    def pip_legacy_user_file(self) -> Path:
        return self.root / "home" / ".pip" / "pip.conf"

    @property
    def pip_global_file(self) -> Path:
        return self.root / "xdg-dirs" / "pip" / "pip.conf"

    def write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def with_pip_files(self) -> ConfigHome:
        """The same home, with pip's own files turned back on (PIP_CONFIG_FILE unset).
        pip's /etc/pip.conf of the machine may then be read, at the lowest priority."""
        env = dict(self.env)
        env.pop("PIP_CONFIG_FILE", None)
        return ConfigHome(self.root, env)


def make_config_home(root: Path, base: Mapping[str, str] | None = None) -> ConfigHome:
    """Point HOME and the XDG directories into ``root``; pip's files start turned off
    (PIP_CONFIG_FILE=os.devnull) so the machine's /etc/pip.conf cannot leak in."""
    if sys.platform in ("win32", "darwin"):  # platformdirs ignores XDG_* there
        raise RuntimeError("ConfigHome supports Linux and other XDG platforms only")
    base = os.environ if base is None else base
    env = {
        key: value
        for key, value in base.items()
        if not key.startswith(_LEAKY_PREFIXES) and key not in _LEAKY_NAMES
    }
    for name in ("home", "xdg-config", "xdg-dirs", "cache", "tmp"):
        (root / name).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(root / "home"),
        # What a killed inst leaves in its temporary directory stays with the test.
        TMPDIR=str(root / "tmp"),
        XDG_CONFIG_HOME=str(root / "xdg-config"),
        XDG_CONFIG_DIRS=str(root / "xdg-dirs"),
        XDG_CACHE_HOME=str(root / "cache"),
        PIP_CONFIG_FILE=os.devnull,
    )
    return ConfigHome(root, env)


@contextmanager
def patched_environ(env: Mapping[str, str]) -> Iterator[None]:
    """Replace os.environ wholesale for in-process tests, and put it back."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)

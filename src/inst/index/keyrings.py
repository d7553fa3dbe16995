"""Credentials from the user's keyring, found the way pip's --keyring-provider finds them.

``import`` asks the keyring package in inst's own environment (``pip install
'inst[keyring]'``); ``subprocess`` runs the ``keyring`` command found on PATH, which
needs the user name (``keyring get SERVICE USER`` prints the password); ``auto`` takes
the first of those that is there; ``disabled`` never looks. Nothing here is imported
or run before an index answers 401.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from inst.errors import InstError

Credentials = tuple[str, str]
PROVIDERS = ("auto", "disabled", "import", "subprocess")


class KeyringFailed(Exception):
    """A keyring lookup that broke (not one that found nothing)."""


class Keyring:
    """No keyring: every lookup finds nothing."""

    name = "disabled"

    def lookup(self, service: str, username: str | None) -> Credentials | None:
        return None


class ModuleKeyring(Keyring):
    """The keyring package, imported into inst's process."""

    name = "import"

    def __init__(self, module: Any) -> None:
        self._module = module

    def lookup(self, service: str, username: str | None) -> Credentials | None:
        try:
            # get_credential (keyring >= 15.2) also works without a user name.
            if hasattr(self._module, "get_credential"):
                found = self._module.get_credential(service, username)
                if found is None:
                    return None
                return str(found.username), str(found.password)
            if username is None:
                return None
            password = self._module.get_password(service, username)
        except Exception as error:  # noqa: BLE001 - a backend may fail in any way
            raise KeyringFailed(f"{type(error).__name__}: {error}") from None
        return (username, str(password)) if password else None


class CommandKeyring(Keyring):
    """The keyring command: it can only be asked for the password of a known user."""

    name = "subprocess"

    def __init__(self, command: str) -> None:
        self.command = command

    def lookup(self, service: str, username: str | None) -> Credentials | None:
        if username is None:
            return None
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        try:
            done = subprocess.run(
                [self.command, "get", service, username],
                stdin=subprocess.DEVNULL,  # a backend that prompts must not hang us
                capture_output=True,
                env=env,
                check=False,
            )
        except OSError as error:
            raise KeyringFailed(f"could not run {self.command}: {error}") from None
        if done.returncode != 0:
            return None  # keyring's way of saying "no such password"
        password = done.stdout.decode("utf-8", "replace").rstrip("\r\n")
        return (username, password) if password else None


def choose(provider: str) -> Keyring:
    """The keyring for --keyring-provider ``provider``. An explicit ``import`` or
    ``subprocess`` that is not available is an error; ``auto`` then falls back."""
    if provider == "disabled":
        return Keyring()
    problem = ""
    if provider in ("import", "auto"):
        try:
            # import_module: keyring is optional and mypy need not know it.
            return ModuleKeyring(importlib.import_module("keyring"))
        except ImportError:
            problem = "the keyring package is not installed in inst's environment"
        except Exception as error:  # noqa: BLE001 - a broken plugin, any way
            problem = f"importing the keyring package failed: {error}"
        if provider == "import":
            raise InstError(
                "--keyring-provider import cannot be used",
                problem,
                "install it with inst: pip install 'inst[keyring]', or use "
                "--keyring-provider subprocess with a keyring command on PATH",
            )
    if provider in ("subprocess", "auto"):
        # auto: a keyring command beside inst's own Python would be the package the
        # import just failed to load, so only look elsewhere on PATH (as pip does).
        command = _which_keyring(skip_own_scripts=provider == "auto")
        if command:
            return CommandKeyring(command)
        if provider == "subprocess":
            raise InstError(
                "--keyring-provider subprocess cannot be used",
                "there is no keyring command on PATH",
                "install keyring as a command (e.g. pipx install keyring) or put "
                "its directory on PATH",
            )
    return Keyring()


def describe(provider: str) -> str:
    """What ``provider`` would use, for ``inst config debug``: found without
    importing keyring or running anything."""
    if provider == "disabled":
        return "disabled"
    module = importlib.util.find_spec("keyring") is not None
    if provider == "import":
        return "import" + ("" if module else " (the keyring package is not installed)")
    command = _which_keyring(skip_own_scripts=provider == "auto")
    if provider == "subprocess":
        return (
            f"subprocess ({command})" if command else "subprocess (no keyring on PATH)"
        )
    if module:
        return "auto: import (the keyring package is installed)"
    if command:
        return f"auto: subprocess ({command})"
    return "auto: none found (no keyring package, no keyring command on PATH)"


def _which_keyring(*, skip_own_scripts: bool) -> str | None:
    path = os.environ.get("PATH", os.defpath)
    if skip_own_scripts:
        own = Path(sysconfig.get_path("scripts"))
        kept = []
        for entry in path.split(os.pathsep):
            try:
                if Path(entry).samefile(own):
                    continue
            except OSError:
                pass  # a PATH entry that does not exist
            kept.append(entry)
        path = os.pathsep.join(kept)
    return shutil.which("keyring", path=path)

"""The target environment: what inst resolves for and installs into.

An ``Environment`` composes three things, each with a module of its own:

- ``interpreter``: the probed ``Interpreter`` (its executable, install scheme,
  ``sys.path``, user site, and the schemes of ``--user`` and ``--prefix``);
- ``platform``: the ``TargetPlatform`` distributions are matched against (markers,
  wheel tags, Requires-Python);
- ``installed``: the ``InstalledSet``, the distributions on the interpreter's
  ``sys.path``, scanned afresh each time.

``current_environment()`` describes the interpreter running inst, in-process;
``find_environment(python)`` another one (``--python``), probed once and cached.
``Environment.described()`` is the environment of ``inst download --platform & co.``:
the interpreter still runs builds, but distributions are matched against the
described platform, and nothing is installed there (its ``installed_set`` is None).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName

from inst._records import dataclass
from inst.environment.installed import InstalledDist, InstalledSet
from inst.environment.interpreter import (
    Interpreter,
    is_running_interpreter,
    locate,
    probe_interpreter,
    running_probe,
)
from inst.environment.platform import TargetPlatform
from inst.errors import InstError

if TYPE_CHECKING:
    from inst.cache import Interpreters

__all__ = [
    "Environment",
    "InstalledDist",
    "InstalledSet",
    "Interpreter",
    "TargetPlatform",
    "current_environment",
    "find_environment",
]


@dataclass(frozen=True)
class Environment:
    """An interpreter, the platform it resolves for, and what is installed in it.

    The attributes most code asks for (``python``, ``scheme``, ``markers``, ``tags``,
    ``evaluate()``, ``installed()``, ...) are answered by the part that knows them.
    """

    interpreter: Interpreter
    platform: TargetPlatform
    #: None when nothing can be installed or found there: a described platform.
    installed_set: InstalledSet | None

    @classmethod
    def of(cls, interpreter: Interpreter, platform: TargetPlatform) -> Environment:
        """The environment of an interpreter: what is on its sys.path is installed."""
        return cls(interpreter, platform, InstalledSet(interpreter.sys_path))

    def described(
        self,
        *,
        platforms: Sequence[str] = (),
        python_version: str | None = None,
        implementation: str | None = None,
        abis: Sequence[str] = (),
    ) -> Environment:
        """This interpreter, resolving for what ``--platform/--python-version/
        --implementation/--abi`` describe (see ``TargetPlatform.described()``);
        nothing given: this environment itself."""
        platform = self.platform.described(
            platforms=platforms,
            python_version=python_version,
            implementation=implementation,
            abis=abis,
        )
        if platform is self.platform:
            return self
        return Environment(self.interpreter, platform, installed_set=None)

    def for_venv(self, prefix: Path, python: Path) -> Environment:
        """A venv made from this environment's interpreter at prefix (a build
        environment), for the same platform."""
        interpreter = self.interpreter.for_venv(prefix, python)
        return Environment.of(interpreter, self.platform)

    def installed(self) -> dict[NormalizedName, InstalledDist]:
        """Distributions on the target's sys.path; the first found per name wins."""
        if self.installed_set is None:
            return {}
        return self.installed_set.distributions()

    # --- the interpreter's facts ---

    @property
    def python(self) -> Path:
        return self.interpreter.python

    @property
    def prefix(self) -> Path:
        return self.interpreter.prefix

    @property
    def scheme(self) -> Mapping[str, str]:
        return self.interpreter.scheme

    @property
    def is_current(self) -> bool:
        return self.interpreter.is_current

    # --- the platform's facts and answers ---

    @property
    def version_info(self) -> tuple[int, int, int]:
        return self.platform.version_info

    @property
    def markers(self) -> Mapping[str, str]:
        return self.platform.markers

    @property
    def tags(self) -> tuple[Tag, ...]:
        return self.platform.tags

    def tag_rank(self, tags: Iterable[Tag]) -> int | None:
        return self.platform.tag_rank(tags)

    def python_supported(self, requires_python: str | SpecifierSet | None) -> bool:
        return self.platform.python_supported(requires_python)

    def evaluate(self, marker: Marker | None, extras: Iterable[str] = ()) -> bool:
        return self.platform.evaluate(marker, extras)


def current_environment() -> Environment:
    """The interpreter running inst, probed in-process once per process."""
    # Keyed on what identifies the interpreter, so a test that patches sys.prefix for a
    # while cannot leave a wrong environment cached for the rest of the process.
    return _current_environment(sys.executable, sys.prefix, sys.base_prefix)


@functools.cache
def _current_environment(executable: str, prefix: str, base_prefix: str) -> Environment:
    data = running_probe()
    path = Path(os.path.abspath(executable)) if executable else None
    return Environment.of(
        Interpreter.from_probe(data, path, is_current=True),
        TargetPlatform.from_probe(data, running=True),
    )


def find_environment(
    python: str | os.PathLike[str] | None,
    *,
    cache: Interpreters,
    meanwhile: Callable[[], None] | None = None,
) -> Environment:
    """The environment of ``--python``: an executable, a venv directory or a name on PATH.
    meanwhile: called while the interpreter's probe runs, if one must.

    Raises InstError when it is missing, not a Python interpreter, or too old.
    """
    if python is None:
        return current_environment()
    text = os.fspath(python)
    executable = locate(text)
    if is_running_interpreter(executable):
        return current_environment()
    data = probe_interpreter(executable, text, cache, meanwhile)
    try:
        return Environment.of(
            Interpreter.from_probe(data, executable, is_current=False),
            TargetPlatform.from_probe(data, running=False),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InstError(
            f"--python {text}: its answer to inst's probe is not understood",
            why=f"{type(error).__name__}: {error}",
        ) from None

"""Wheels built from index sdists, kept so the next run installs without building.

The key is the sdist's sha256, the interpreter, and the build options (-C and legacy
options: pip leaves -C out of its key, which hands back a wheel built differently).
Local trees are never cached: their content changes without a new name.

Beside each wheel, ``built-by.json`` names the build interface that made it, so that a
run taking the wheel from here can say how it was built."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from inst import fileio
from inst.cache import BuiltWheels

#: Beside a cached wheel: {"interface": name of the build interface that made it}.
BUILT_BY = "built-by.json"


class WheelCache:
    """The built wheels of the cache's bucket; over the null cache's, none are kept."""

    def __init__(self, bucket: BuiltWheels, interpreter: Mapping[str, object]) -> None:
        self._bucket = bucket
        self._interpreter = dict(interpreter)

    def _dir(self, sdist_sha256: str, options: Mapping[str, object]) -> Path | None:
        facts = {"sdist": sdist_sha256, "interpreter": self._interpreter, **options}
        key = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()
        return self._bucket.entry(key)

    def get(self, sdist_sha256: str, options: Mapping[str, object]) -> Path | None:
        directory = self._dir(sdist_sha256, options)
        if directory is None:
            return None
        try:
            wheels = [p for p in directory.iterdir() if p.name.endswith(".whl")]
        except OSError:
            return None
        return wheels[0] if len(wheels) == 1 else None

    @staticmethod
    def built_by(wheel: Path) -> str | None:
        """The build interface that made a cached wheel; None when not recorded."""
        try:
            data = json.loads((wheel.parent / BUILT_BY).read_text(encoding="utf-8"))
            interface = data["interface"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return interface if isinstance(interface, str) else None

    @staticmethod
    def forget(wheel: Path) -> None:
        """Remove a wheel (a cached one, or one the cache could not take) and what
        the cache keeps beside it."""
        for path in (wheel, wheel.parent / BUILT_BY):
            with contextlib.suppress(OSError):
                path.unlink()

    def put(
        self,
        sdist_sha256: str,
        options: Mapping[str, object],
        wheel: Path,
        *,
        interface: str,
    ) -> Path:
        """Store a copy of wheel (checked already), made through interface; the cached
        path. A cache that cannot be written costs speed only: then the wheel itself
        is returned."""
        directory = self._dir(sdist_sha256, options)
        if directory is None:
            return wheel
        try:
            directory.mkdir(parents=True, exist_ok=True)
            # Before the wheel: a wheel in the cache always has its origin beside it.
            fileio.write_text(
                directory / BUILT_BY, json.dumps({"interface": interface})
            )
            final = directory / wheel.name
            fileio.copy_file(wheel, final)  # whole or not at all
            return final
        except OSError:
            return wheel

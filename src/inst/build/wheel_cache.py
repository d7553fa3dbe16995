"""Wheels built from index sdists, kept so the next run installs without building.

The key is the sdist's sha256, the interpreter, and the build options (-C and legacy
options: pip leaves -C out of its key, which hands back a wheel built differently).
Local trees are never cached: their content changes without a new name."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


class WheelCache:
    def __init__(self, root: Path, interpreter: Mapping[str, object]) -> None:
        self._root = root
        self._interpreter = dict(interpreter)

    def _dir(self, sdist_sha256: str, options: Mapping[str, object]) -> Path:
        facts = {"sdist": sdist_sha256, "interpreter": self._interpreter, **options}
        key = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()
        return self._root / key[:2] / key[2:]

    def get(self, sdist_sha256: str, options: Mapping[str, object]) -> Path | None:
        directory = self._dir(sdist_sha256, options)
        try:
            wheels = [p for p in directory.iterdir() if p.name.endswith(".whl")]
        except OSError:
            return None
        return wheels[0] if len(wheels) == 1 else None

    def put(
        self, sdist_sha256: str, options: Mapping[str, object], wheel: Path
    ) -> Path:
        """Store a copy of wheel (checked already); the cached path. A cache that
        cannot be written costs speed only: then the wheel itself is returned."""
        directory = self._dir(sdist_sha256, options)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            with (
                tempfile.NamedTemporaryFile(
                    dir=directory, suffix=".part", delete=False
                ) as out,
                open(wheel, "rb") as source,
            ):
                shutil.copyfileobj(source, out)
            final = directory / wheel.name
            os.replace(out.name, final)  # whole or not at all
            return final
        except OSError:
            return wheel

"""Checks several test files make: what `python -m inst` imports, what is left on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

#: Modules that fast commands must not import (see docs/architecture.md).
HEAVY = ("requests", "resolvelib", "installer", "pyproject_hooks", "urllib3")


def top_level_imports(
    args: Sequence[str], env: Mapping[str, str]
) -> tuple[int, set[str], str]:
    """Run ``python -X importtime -m inst ARGS``: (exit code, top-level modules, stderr).

    ``env`` is required (a ConfigHome's): the machine's own would let inst write to the
    real ~/.cache/inst, shared by every test process and every run."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "inst", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    imported = {
        line.split("|")[-1].strip().split(".")[0]
        for line in result.stderr.splitlines()
        if line.startswith("import time:")
    }
    return result.returncode, imported, result.stderr


def names(directory: Path) -> list[str]:
    return sorted(os.listdir(directory)) if directory.exists() else []


def leftovers(*roots: Path) -> list[str]:
    """Temporary or partial files anywhere under the roots."""
    found = []
    for root in roots:
        for folder, _, files in os.walk(root):
            found += [
                os.path.join(folder, name)
                for name in files
                # .part: older downloads; .NAME.HEX.tmp: inst.fileio's temporaries
                if name.endswith((".part", ".tmp")) or name.startswith((".tmp", "tmp"))
            ]
    return found

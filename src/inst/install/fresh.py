"""Which paths a wheel writes that do not exist yet: those it may create in place.

A new distribution's files go straight to their final place (one hard link each),
not through the staging area, when the directory or file they are in did not exist
before the transaction: the transaction names those new paths in its journal first
(``Transaction.claim_new``), and undoing them is removing them. A file that would
replace one that exists is staged and moved as ever.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from inst.wheel.manifest import WheelManifest

#: _outermost_missing(): a non-directory is where a directory would go.
_BLOCKED = ""


class NewPaths:
    """The new paths of the wheels of one install, worked out before any is written.

    Each is the outermost path that does not exist: for a file in a directory that
    does not exist, that directory's outermost missing ancestor (one entry for a
    whole package); for a new file in a directory that exists (a script, a top-level
    module), the file itself."""

    def __init__(self) -> None:
        self.paths: dict[str, None] = {}
        self._missing: dict[str, str | None] = {}  # directory -> outermost missing

    def add_wheel(self, manifest: WheelManifest, scheme: Mapping[str, str]) -> None:
        suffix = ".exe" if os.name == "nt" else ""
        # Files by directory: each directory is looked at once, not once per file.
        directories = manifest.directories
        scripts = [
            script + suffix
            for group in manifest.entry_points.values()
            for script in group
        ]
        if scripts and ("scripts", "") not in directories:
            directories = {**directories, ("scripts", ""): []}
        for (scheme_name, directory), files in directories.items():
            if scheme_name not in scheme:
                continue
            base = os.path.abspath(os.path.join(scheme[scheme_name], directory))
            top = self._outermost_missing(base)
            if top == _BLOCKED:
                continue  # staged
            if top is not None:
                self.paths[top] = None
                continue
            names = [name for name, _ in files]
            if (scheme_name, directory) == ("scripts", ""):
                names += scripts
            for name in names:
                final = os.path.join(base, name)
                if not os.path.lexists(final):
                    self.paths[final] = None

    def _outermost_missing(self, directory: str) -> str | None:
        """The outermost missing ancestor of directory (itself included); None when
        it is a directory; _BLOCKED when it or an ancestor is something else (a file
        where the new version has a directory): nothing below it is new, its files
        are staged, and the commit puts the directory where the file was."""
        if directory in self._missing:
            return self._missing[directory]
        found: str | None
        if os.path.isdir(directory):
            found = None
        elif os.path.lexists(directory):
            found = _BLOCKED
        else:
            parent = os.path.dirname(directory)
            above = None if parent == directory else self._outermost_missing(parent)
            found = _BLOCKED if above == _BLOCKED else (above or directory)
        self._missing[directory] = found
        return found

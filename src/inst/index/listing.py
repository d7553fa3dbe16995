"""What one page (or find-links location) lists for a project: file names at once,
each file's DistFile made only when someone asks for it.

PyPI's page of botocore lists 5,000 files and a backtracking resolve looks at a few
hundred of them: the finder groups the files by the version their names give and
makes the DistFiles (URL checks, hashes, Requires-Python, yanking) of the versions
it reaches, not the others. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inst.models import DistFile


class Listing:
    """The files a source lists, in its order: ``filenames[i]`` is the name of the
    i-th entry, ``file(i)`` its DistFile, or None when the entry is no usable file
    (a link that is no URL), as parsing the whole page would have left it out."""

    def __init__(
        self, filenames: Sequence[str], make: Callable[[int], DistFile | None]
    ) -> None:
        self.filenames = filenames
        self._make = make
        self._made: dict[int, DistFile | None] = {}

    @classmethod
    def of(cls, files: Sequence[DistFile]) -> Listing:
        """A listing of files already made."""
        return cls([file.filename for file in files], files.__getitem__)

    def __len__(self) -> int:
        return len(self.filenames)

    def file(self, position: int) -> DistFile | None:
        try:
            return self._made[position]
        except KeyError:
            # Two threads may make the same file: both make equal ones, one is kept.
            return self._made.setdefault(position, self._make(position))

    def files(self) -> list[DistFile]:
        """Every usable file, in order (all made)."""
        made = (self.file(position) for position in range(len(self.filenames)))
        return [file for file in made if file is not None]

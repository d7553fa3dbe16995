"""Whether a path lies inside a directory: by path components, never string prefixes."""

from __future__ import annotations

import os


def is_below(path: str, directory: str) -> bool:
    """path lies strictly inside directory (compare absolute, normcased spellings)."""
    try:
        return path != directory and os.path.commonpath([path, directory]) == directory
    except ValueError:  # another drive, or one relative and one absolute
        return False

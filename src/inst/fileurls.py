"""file: URLs and local paths, converted in one place.

``path_from_file_url()`` decodes percent-escapes once (``url2pathname``, which also
turns ``/C:/x`` into ``C:\\x`` on Windows). An empty host or ``localhost`` (in any case)
is this machine; another host names a UNC share (``file://server/share/x.whl`` is
``//server/share/x.whl``). Callers that refuse other hosts (requirements and their
files) check the host first and then call this.

``file_url()`` is ``Path.as_uri()``: it percent-encodes and needs an absolute path, so
each caller decides how it makes one (``resolve()`` to follow links, ``absolute()`` to
keep them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath
from typing import Union

PathLike = Union[str, "os.PathLike[str]"]


def is_file_url(url: str) -> bool:
    return url[:5].lower() == "file:"


def path_from_file_url(url: str) -> Path:
    """The local path a ``file:`` URL names (the scheme is not checked)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = _url2pathname(parts.path)
    if parts.netloc and parts.netloc.lower() != "localhost":
        path = f"//{parts.netloc}{path}"  # a UNC share
    return Path(path)


def _url2pathname(path: str) -> str:
    """The path of a URL's (escaped) path part. urllib.request has this too, but
    importing it loads http.client, ssl and email (15 ms at every start)."""
    if os.name == "nt":
        from nturl2path import url2pathname

        return url2pathname(path)
    from urllib.parse import unquote

    # Escaped bytes that are no UTF-8 stay the bytes they were, as in os.fsdecode.
    return unquote(
        path,
        encoding=sys.getfilesystemencoding(),
        errors=sys.getfilesystemencodeerrors(),
    )


def file_url(path: PathLike) -> str:
    """The ``file:`` URL of an absolute path (ValueError for a relative one)."""
    return PurePath(path).as_uri()

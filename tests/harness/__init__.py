"""Test harness for inst: distributions, local indexes, an HTTP server, venvs.

Nothing here touches the network: indexes live on disk and are served on
127.0.0.1. See tests/conftest.py for the fixtures built on this package.
"""

from .dists import (
    DistFactory,
    core_metadata,
    make_sdist,
    make_wheel,
    normalized_name,
    parse_metadata,
    read_metadata,
    sdist_from_tree,
    wheel_from_tree,
)
from .index import (
    SAMPLE_RELEASES,
    SAMPLE_YANK_REASON,
    IndexFile,
    LocalIndex,
    build_index,
    build_sample_index,
)
from .server import IndexServer, RequestRecord
from .venvs import Interpreter, VirtualEnv, make_venv, other_pythons

__all__ = [
    "SAMPLE_RELEASES",
    "SAMPLE_YANK_REASON",
    "DistFactory",
    "IndexFile",
    "IndexServer",
    "Interpreter",
    "LocalIndex",
    "RequestRecord",
    "VirtualEnv",
    "build_index",
    "build_sample_index",
    "core_metadata",
    "make_sdist",
    "make_venv",
    "make_wheel",
    "normalized_name",
    "other_pythons",
    "parse_metadata",
    "read_metadata",
    "sdist_from_tree",
    "wheel_from_tree",
]

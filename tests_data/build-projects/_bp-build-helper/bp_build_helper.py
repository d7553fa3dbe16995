"""bp-build-helper 1.0: a build-time-only helper for inst's build-layer test trees.

It is never on any index: the test harness (tests/harness/build_projects.py)
wraps this file into bp_build_helper-1.0-py3-none-any.whl. Trees that need it
at build time (setup_requires or a dynamic build requirement) call stamp()
so that the installed package proves the helper really ran.
"""

import os

VERSION = "1.0"
STAMP = f"bp-build-helper {VERSION}"
STAMP_FILENAME = "_stamp.py"


def stamp(package_dir):
    """Write ``<package_dir>/_stamp.py`` holding ``STAMP = "bp-build-helper 1.0"``.

    package_dir (str or path-like) is a package directory, created if missing;
    an existing _stamp.py is overwritten. Returns the written file's path (str).
    """
    package_dir = os.fspath(package_dir)
    os.makedirs(package_dir, exist_ok=True)
    path = os.path.join(package_dir, STAMP_FILENAME)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'STAMP = "{STAMP}"\n')
    return path

"""An in-tree backend whose build and metadata hooks print to stdout and stderr,
then raise RuntimeError("bp backend failed on purpose")."""

import sys

MESSAGE = "bp backend failed on purpose"


def _fail(hook):
    print(f"bp-backend-raises: {hook} starting")
    print("bp-backend-raises: doing some work")
    print("bp-backend-raises: about to fail")
    sys.stdout.flush()
    print(f"bp-backend-raises: {hook} on stderr", file=sys.stderr)
    raise RuntimeError(MESSAGE)


def get_requires_for_build_wheel(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _fail("prepare_metadata_for_build_wheel")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _fail("build_wheel")


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    _fail("prepare_metadata_for_build_editable")


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _fail("build_editable")


def build_sdist(sdist_directory, config_settings=None):
    _fail("build_sdist")

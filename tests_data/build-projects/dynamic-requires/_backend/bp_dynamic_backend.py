"""In-tree backend wrapping setuptools.build_meta.

get_requires_for_build_wheel adds "bp-build-helper" to what setuptools asks
for, and build_wheel imports bp_build_helper (so the build fails unless the
frontend installed that dynamic requirement) and stamps the package with it
before delegating: the installed bp_dynamic_requires._stamp proves it ran.
"""

import os

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403

HELPER_REQUIREMENT = "bp-build-helper"


def get_requires_for_build_wheel(config_settings=None):
    requires = _setuptools.get_requires_for_build_wheel(config_settings)
    return [*requires, HELPER_REQUIREMENT]


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    import bp_build_helper

    bp_build_helper.stamp(os.path.join(os.getcwd(), "bp_dynamic_requires"))
    return _setuptools.build_wheel(
        wheel_directory, config_settings, metadata_directory
    )

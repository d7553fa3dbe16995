"""The hint of a failed build step names a missing module only when the exception
that ended the build is about it."""

from __future__ import annotations

from inst.build.runner import StepOutput, failure

PYTZ_2016 = """\
Traceback (most recent call last):
  File "pytz/lazy.py", line 3, in <module>
    from UserDict import DictMixin
ModuleNotFoundError: No module named 'UserDict'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "setup.py", line 5, in <module>
    import pytz, sys, os, os.path
  File "pytz/lazy.py", line 5, in <module>
    from collections import Mapping as DictMixin
ImportError: cannot import name 'Mapping' from 'collections' (/usr/lib/python3.11/collections/__init__.py)
"""

NUMPY_MISSING = """\
Traceback (most recent call last):
  File "setup.py", line 1, in <module>
    import numpy
ModuleNotFoundError: No module named 'numpy'
"""


def hint_for(text: str) -> tuple[str, str]:
    error = failure(
        "building a wheel",
        "setup.py",
        "setuptools (setup.py)",
        StepOutput(text.splitlines()),
        isolated=True,
    )
    return error.why, error.hint


def test_a_module_missing_at_the_end_is_named() -> None:
    why, hint = hint_for(NUMPY_MISSING)
    assert "imports numpy" in why
    assert "--no-build-isolation" in hint


def test_a_missing_module_caught_and_followed_by_another_error_is_not_blamed() -> None:
    why, _ = hint_for(PYTZ_2016)
    assert "UserDict" not in why
    assert "cannot import name 'Mapping' from 'collections'" in why


def test_output_without_a_traceback_still_finds_the_module() -> None:
    why, _ = hint_for("error: No module named 'cython'\nbuild failed\n")
    assert "imports cython" in why

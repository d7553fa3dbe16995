"""inst.pylock.read: a lock validated by packaging.pylock and selected for a target;
whatever a lock file holds, the answer is packages or a LockError, never another
exception (an internal error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inst.environment import current_environment
from inst.pylock.names import is_lock_path
from inst.pylock.read import (
    LockError,
    Selection,
    read_lock,
    select_packages,
)

SHA = "ab" * 32
TARGET = Selection(current_environment().markers, current_environment().tags)


def wheel(name: str = "a-1.0-py3-none-any.whl", **keys: Any) -> dict[str, Any]:
    return {
        "name": name,
        "url": f"https://files.test/{name}",
        "hashes": {"sha256": SHA},
        **keys,
    }


def write(tmp_path: Path, packages: list[dict[str, Any]], **top: Any) -> Path:
    document = {
        "lock-version": "1.0",
        "created-by": "tests",
        **top,
        "packages": packages,
    }
    path = tmp_path / "pylock.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def select(path: Path, target: Selection = TARGET) -> list[Any]:
    return select_packages(read_lock(path), target)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pylock.toml", True),
        ("pylock.dev.toml", True),
        ("dir/pylock.toml", True),
        ("pylock.a.b.toml", False),
        ("requirements.txt", False),
        ("mylock.toml", False),
    ],
)
def test_lock_files_are_known_by_their_name(name: str, expected: bool) -> None:
    assert is_lock_path(name) is expected


def test_the_best_wheel_is_chosen_and_version_comes_from_the_file(
    tmp_path: Path,
) -> None:
    lock = write(
        tmp_path,
        [
            {
                "name": "a",
                "wheels": [
                    wheel("a-1.0-py3-none-win_amd64.whl"),
                    wheel("a-1.0-py3-none-any.whl"),
                ],
                "sdist": {
                    "url": "https://files.test/a-1.0.tar.gz",
                    "hashes": {"sha256": SHA},
                },
            }
        ],
    )
    (package,) = select(lock)
    assert package.file.filename == "a-1.0-py3-none-any.whl"
    assert str(package.version) == "1.0"
    assert package.file.hashes == {"sha256": SHA}


def test_a_path_is_relative_to_the_lock(tmp_path: Path) -> None:
    entry = wheel()
    del entry["url"]
    entry["path"] = "wheels/a-1.0-py3-none-any.whl"
    (package,) = select(
        write(tmp_path, [{"name": "a", "version": "1.0", "wheels": [entry]}])
    )
    assert package.file.url == (tmp_path / "wheels" / "a-1.0-py3-none-any.whl").as_uri()


def test_build_packages_are_selected_for_the_build_interpreter(tmp_path: Path) -> None:
    build = [
        {
            "name": "setuptools",
            "version": "81.0.0",
            "wheels": [wheel("setuptools-81.0.0-py3-none-any.whl")],
        },
        {
            "name": "winhelper",
            "version": "1.0",
            "marker": "sys_platform == 'win32' and sys_platform == 'linux'",
            "wheels": [wheel("winhelper-1.0-py3-none-any.whl")],
        },
    ]
    sdist = {
        "name": "s",
        "version": "1.0",
        "sdist": {"url": "https://files.test/s-1.0.tar.gz", "hashes": {"sha256": SHA}},
        "tool": {"inst": {"build-interface": "pyproject", "build-packages": build}},
    }
    (package,) = select(write(tmp_path, [sdist]))
    assert package.build.interface == "pyproject"
    assert [p.name for p in package.build.packages] == ["setuptools"]


def test_a_plugins_build_interface_is_read_for_the_build_policy(tmp_path: Path) -> None:
    sdist = {
        "name": "s",
        "version": "1.0",
        "sdist": {"url": "https://files.test/s-1.0.tar.gz", "hashes": {"sha256": SHA}},
        "tool": {"inst": {"build-interface": "setup-cfg"}},
    }
    (package,) = select(write(tmp_path, [sdist]))
    # Whether this run has the plug-in is the build policy's to say.
    assert package.build.interface == "setup-cfg"


@pytest.mark.parametrize(
    ("packages", "fragment"),
    [
        ([{"name": "a", "vcs": {"type": "git", "url": "u", "commit-id": "c"}}], "VCS"),
        (
            [{"name": "a", "version": "1.0", "wheels": [wheel(hashes={"md5": "00"})]}],
            "no hash inst can check",
        ),
        (
            [
                {
                    "name": "a",
                    "archive": {
                        "url": "https://files.test/x",
                        "hashes": {"sha256": SHA},
                    },
                }
            ],
            "not a wheel or sdist file name",
        ),
        (
            [
                {
                    "name": "a",
                    "version": "1.0",
                    "wheels": [wheel()],
                    "marker": "extra == 'x'",
                }
            ],
            "marker",
        ),
        (
            [
                {
                    "name": "s",
                    "version": "1.0",
                    "sdist": {
                        "url": "https://files.test/s-1.0.tar.gz",
                        "hashes": {"sha256": SHA},
                    },
                    "tool": {"inst": {"build-interface": 3}},
                }
            ],
            "build interface 3",
        ),
    ],
)
def test_what_inst_cannot_install_is_a_lock_error(
    tmp_path: Path, packages: list[dict[str, Any]], fragment: str
) -> None:
    with pytest.raises(LockError) as caught:
        select(write(tmp_path, packages))
    assert fragment in caught.value.paragraph()


def test_unreadable_and_invalid_files_are_lock_errors(tmp_path: Path) -> None:
    for content in (b"\xff\xfe", b"lock-version = ", b'lock-version = "2.0"\n'):
        path = tmp_path / "pylock.toml"
        path.write_bytes(content)
        with pytest.raises(LockError):
            read_lock(path)
    with pytest.raises(LockError, match="cannot read"):
        read_lock(tmp_path / "missing" / "pylock.toml")
    with pytest.raises(LockError, match="cannot read"):
        read_lock(tmp_path)


_scalars = st.one_of(
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from(
        [
            "",
            "1.0",
            "a",
            "a-1.0-py3-none-any.whl",
            "a-1.0.tar.gz",
            "https://files.test/a-1.0-py3-none-any.whl",
            ">=3",
            "sys_platform == 'linux'",
            "extra == 'x'",
            "'x' in extras",
            SHA,
            "pyproject",
        ]
    ),
)
_keys = st.sampled_from(
    [
        "name",
        "version",
        "marker",
        "requires-python",
        "wheels",
        "sdist",
        "archive",
        "directory",
        "vcs",
        "url",
        "path",
        "hashes",
        "sha256",
        "tool",
        "inst",
        "build-packages",
        "build-interface",
        "environments",
        "extras",
        "dependency-groups",
        "default-groups",
    ]
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    packages=st.lists(st.dictionaries(_keys, _values, max_size=6), max_size=3),
    top=st.dictionaries(_keys, _values, max_size=2),
    extras=st.lists(st.sampled_from(["x", "fast"]), max_size=1),
)
def test_any_lock_gives_packages_or_a_lock_error(
    tmp_path: Path, packages: list[Any], top: dict[str, Any], extras: list[str]
) -> None:
    document = {
        "lock-version": "1.0",
        "created-by": "tests",
        **top,
        "packages": packages,
    }
    path = tmp_path / "pylock.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    target = Selection(TARGET.markers, TARGET.tags, extras=extras)
    try:
        select(path, target)
    except LockError:
        pass

"""The finder's order over the files of a project is total and deterministic.

Real projects offer several files of one version that rank the same for a target (a
``.tar.gz`` and a ``.zip`` sdist, wheels that differ only in a build tag); comparing
those once crashed the finder. The properties: any order of the same files gives the
same result, ranks never go down within a release, and a higher build tag wins.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from inst.environment import current_environment
from inst.index.finder import Finder, FinderPolicy
from inst.models import DistFile

ENVIRONMENT = current_environment()
SUPPORTED = str(ENVIRONMENT.tags[0])  # the best tag of the running interpreter
TAGS = ["py3-none-any", "py2.py3-none-any", SUPPORTED, "cp27-cp27m-win32"]
SDIST_SUFFIXES = [".tar.gz", ".zip"]


class ListSource:
    display = "list"

    def __init__(self, files: list[DistFile]) -> None:
        self.files = files

    def project_files(self, client: object, project: str) -> list[DistFile]:
        return list(self.files)


def finder(files: list[DistFile]) -> Finder:
    return Finder(
        None,  # type: ignore[arg-type]
        [ListSource(files)],  # type: ignore[list-item]
        [],
        ENVIRONMENT,
        FinderPolicy(),
    )


def filenames() -> st.SearchStrategy[str]:
    version = st.sampled_from(["1.0", "1.0.0", "2.0", "2.0.post1"])
    wheel = st.builds(
        lambda v, build, tag: f"a-{v}{build}-{tag}.whl",
        version,
        st.sampled_from(["", "-1", "-2", "-10", "-1abc", "-2x"]),
        st.sampled_from(TAGS),
    )
    sdist = st.builds(
        lambda v, suffix: f"a-{v}{suffix}", version, st.sampled_from(SDIST_SUFFIXES)
    )
    return st.one_of(wheel, sdist)


def order(files: list[DistFile]) -> list[list[str]]:
    found = finder(files).find("a")
    return [[file.filename for file in release.files] for release in found.releases]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(filenames(), min_size=1, max_size=12, unique=True), st.randoms())
def test_any_listing_order_gives_the_same_order(
    names: list[str], rnd: random.Random
) -> None:
    files = [DistFile(name, f"https://h/{name}") for name in names]
    shuffled = files[:]
    rnd.shuffle(shuffled)
    assert order(files) == order(shuffled)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(filenames(), min_size=1, max_size=12, unique=True))
def test_wheels_first_by_tag_then_build_tag_then_sdists(names: list[str]) -> None:
    files = [DistFile(name, f"https://h/{name}") for name in names]
    for release in finder(files).find("a").releases:
        keys = []
        for file in release.files:
            if file.is_wheel:
                rank = ENVIRONMENT.tag_rank(file.tags)
                assert rank is not None
                keys.append((0, rank))
            else:
                keys.append((1, 0))
        assert keys == sorted(keys)
        for i in range(len(release.files) - 1):
            first, second = release.files[i], release.files[i + 1]
            if keys[i] == keys[i + 1] and first.is_wheel:
                assert first.build_tag >= second.build_tag


def test_the_repro_of_two_sdists_of_one_version() -> None:
    files = [DistFile(n, f"https://h/{n}") for n in ["foo-1.0.zip", "foo-1.0.tar.gz"]]
    found = finder(files).find("foo")
    assert [f.filename for f in found.releases[0].files] == [
        "foo-1.0.tar.gz",
        "foo-1.0.zip",
    ]


def test_the_higher_build_tag_wins_as_in_pip() -> None:
    names = [
        "a-1.0-py3-none-any.whl",
        "a-1.0-2-py3-none-any.whl",
        "a-1.0-10-py3-none-any.whl",
    ]
    files = [DistFile(n, f"https://h/{n}") for n in names]
    best = finder(files).find("a").releases[0].best
    assert best.filename == "a-1.0-10-py3-none-any.whl"

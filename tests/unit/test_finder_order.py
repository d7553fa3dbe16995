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
from packaging.utils import canonicalize_name

from inst.environment import current_environment
from inst.index.finder import Finder, FinderPolicy, Release, _best_first
from inst.index.listing import Listing
from inst.models import DistFile, parse_dist_file

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

    def project_listing(self, client: object, project: str) -> Listing:
        return Listing.of(self.files)


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


def eager(files: list[DistFile], prefer_binary: bool) -> tuple[list, list]:
    """What the finder gave when it judged every file of a page at once: (releases
    as (version, filenames), skipped as (filename, reason)), best first."""
    judge = Finder(
        None,  # type: ignore[arg-type]
        [],
        [],
        ENVIRONMENT,
        FinderPolicy(prefer_binary=prefer_binary),
    )
    usable: dict[object, list] = {}
    skipped = []
    seen = set()
    for file in files:
        if file.filename in seen:
            continue
        seen.add(file.filename)
        if parse_dist_file(file) is None:
            continue
        rank, reason = judge._rank(canonicalize_name("a"), file)
        if reason:
            skipped.append((file.filename, reason))
        else:
            usable.setdefault(file.version, []).append((rank, file))
    releases = [Release(v, _best_first(ranked)) for v, ranked in usable.items()]
    releases.sort(key=judge._release_key, reverse=True)
    return (
        [(r.version, [f.filename for f in r.files]) for r in releases],
        skipped,
    )


ODD_NAMES = [
    "a-1.0-bad.whl",
    "a-notaversion.tar.gz",
    "a-1.0-x-y-z-w-v.whl",
    "b-1.0.tar.gz",
    "b-2.0-py3-none-any.whl",
    "a-3.0-cp27-cp27m-win32.whl",
    "a-1.0.exe",
    "a_b-1.0.tar.gz",
    "a-3.0a1.tar.gz",
    "A-2.0.zip",
    "a-01.0-py3-none-any.whl",
]


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(
        st.one_of(filenames(), st.sampled_from(ODD_NAMES)), min_size=1, max_size=14
    ),
    old_python=st.lists(st.booleans(), min_size=14, max_size=14),
    prefer_binary=st.booleans(),
)
def test_judging_files_only_when_asked_gives_what_judging_all_gave(
    names: list[str], old_python: list[bool], prefer_binary: bool
) -> None:
    files = [
        DistFile(
            name,
            f"https://h/{i}/{name}",
            requires_python="<3" if old_python[i] else None,
        )
        for i, name in enumerate(names)
    ]
    found = Finder(
        None,  # type: ignore[arg-type]
        [ListSource(files)],  # type: ignore[list-item]
        [],
        ENVIRONMENT,
        FinderPolicy(prefer_binary=prefer_binary),
    ).find("a")
    releases, skipped = eager(files, prefer_binary)
    assert [(r.version, [f.filename for f in r.files]) for r in found.releases] == (
        releases
    )
    assert [(s.file.filename, s.reason) for s in found.skipped] == skipped

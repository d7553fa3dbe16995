"""The finder's filtering and ordering, with in-memory sources."""

from __future__ import annotations

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from inst.environment import current_environment
from inst.index.finder import BinaryPolicy, Finder, FinderPolicy
from inst.index.listing import Listing
from inst.models import DistFile


class FakeSource:
    def __init__(
        self, filenames: list[str], name: str = "fake", **extra: object
    ) -> None:
        self.display = name
        self.files = [
            DistFile(f, f"https://h/{name}/{f}", source=name, **extra)  # type: ignore[arg-type]
            for f in filenames
        ]

    def project_files(self, client: object, project: str) -> list[DistFile] | None:
        found = [f for f in self.files if f.project == project]
        return found or None

    def project_listing(self, client: object, project: str) -> Listing | None:
        found = self.project_files(client, project)
        return None if found is None else Listing.of(found)


def finder(*sources: FakeSource, **policy: object) -> Finder:
    return Finder(
        None,  # type: ignore[arg-type]
        list(sources),  # type: ignore[arg-type]
        [],
        current_environment(),
        FinderPolicy(**policy),  # type: ignore[arg-type]
    )


def versions(found: Finder, spec: str = "") -> list[str]:
    return [str(r.version) for r in found.matching("a", SpecifierSet(spec))]


FILES = [
    "a-1.0-py3-none-any.whl",
    "a-1.0.tar.gz",
    "a-2.0.tar.gz",
    "a-3.0b1-py3-none-any.whl",
    "a-1.5-cp27-cp27m-win32.whl",
]


def test_newest_first_and_wheel_before_sdist() -> None:
    f = finder(FakeSource(FILES))
    releases = f.matching("a", SpecifierSet())
    assert [str(r.version) for r in releases] == ["2.0", "1.0"]
    assert releases[1].best.filename == "a-1.0-py3-none-any.whl"


def test_unsupported_tags_are_skipped_with_a_reason() -> None:
    found = finder(FakeSource(FILES)).find("a")
    reasons = {s.file.filename: s.reason for s in found.skipped}
    assert "no tag of it fits" in reasons["a-1.5-cp27-cp27m-win32.whl"]


def test_prereleases_need_pre_or_a_prerelease_specifier() -> None:
    assert "3.0b1" not in versions(finder(FakeSource(FILES)))
    assert versions(finder(FakeSource(FILES), pre=True))[0] == "3.0b1"
    assert versions(finder(FakeSource(FILES)), ">=3.0b1") == ["3.0b1"]


def test_only_prereleases_are_taken_when_nothing_else_matches() -> None:
    assert versions(finder(FakeSource(["a-1.0b1-py3-none-any.whl"]))) == ["1.0b1"]


def test_prefer_binary_takes_an_older_wheel_over_a_newer_sdist() -> None:
    assert versions(finder(FakeSource(FILES), prefer_binary=True))[0] == "1.0"


def test_only_binary_and_no_binary() -> None:
    only = BinaryPolicy.from_lists([":all:"], [])
    assert versions(finder(FakeSource(FILES), binary=only)) == ["1.0"]
    none = BinaryPolicy.from_lists([], ["a"])
    f = finder(FakeSource(FILES), binary=none)
    assert [r.best.filename for r in f.matching("a", SpecifierSet())] == [
        "a-2.0.tar.gz",
        "a-1.0.tar.gz",
    ]
    # A name on one side beats :all: on the other; :none: clears.
    assert BinaryPolicy.from_lists(["a"], [":all:"]).allows_wheel("a")
    assert not BinaryPolicy.from_lists([":all:", ":none:"], []).only_binary


def test_yanked_only_when_pinned_exactly() -> None:
    src = FakeSource(["a-1.0-py3-none-any.whl"])
    src.files += FakeSource(["a-2.0-py3-none-any.whl"], yanked="bad").files
    f = finder(src)
    assert versions(f) == ["1.0"]
    assert versions(f, "==2.0") == ["2.0"]
    assert versions(f, ">=2.0") == []


def test_requires_python_from_the_index() -> None:
    src = FakeSource(["a-2.0-py3-none-any.whl"], requires_python=">=3.99")
    src.files += FakeSource(["a-1.0-py3-none-any.whl"]).files
    assert versions(finder(src)) == ["1.0"]
    assert versions(finder(src, ignore_requires_python=True)) == ["2.0", "1.0"]


def test_first_index_stops_at_the_first_index_that_has_the_project() -> None:
    first = FakeSource(["a-1.0-py3-none-any.whl"], name="first")
    second = FakeSource(["a-2.0-py3-none-any.whl"], name="second")
    assert versions(finder(first, second)) == ["1.0"]
    assert versions(finder(first, second, first_index=False)) == ["2.0", "1.0"]


def test_hashes_filter_files_before_choosing() -> None:
    src = FakeSource(["a-1.0-py3-none-any.whl"], hashes={"sha256": "aa"})
    src.files += FakeSource(["a-1.0.tar.gz"], hashes={"sha256": "bb"}).files
    f = finder(src)
    releases = f.matching("a", SpecifierSet(), hashes={"sha256": frozenset({"bb"})})
    assert [r.best.filename for r in releases] == ["a-1.0.tar.gz"]
    assert releases[0].version == Version("1.0")

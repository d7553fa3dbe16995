"""Finder.matching remembers what specifiers accept (a backtracking resolve asks the
same questions hundreds of times); its answers must stay those of checking every
release against the whole specifier set, for any versions and specifiers: pre-, post-,
dev-releases, local labels, epochs, wildcards, ``===``, yanked files, --pre."""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from inst.environment import current_environment
from inst.index.finder import Finder, FinderPolicy, Release
from inst.index.listing import Listing
from inst.index.matching import VersionMatcher
from inst.models import DistFile

RELEASES = ["0.9", "1", "1.0", "1.0.1", "1.1", "2.0", "2.1.3", "10.0"]
SUFFIXES = ["", "a1", "b2", "rc1", ".post1", ".dev0", "a1.dev1", ".post2.dev3"]
LOCALS = ["", "+local", "+ubuntu.1"]
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "~=", "==="]


@st.composite
def versions(draw: st.DrawFn) -> str:
    epoch = draw(st.sampled_from(["", "", "", "1!"]))
    text = epoch + draw(st.sampled_from(RELEASES)) + draw(st.sampled_from(SUFFIXES))
    return text + draw(st.sampled_from(LOCALS))


@st.composite
def specifiers(draw: st.DrawFn) -> str:
    operator = draw(st.sampled_from(OPERATORS))
    version = draw(versions())
    if operator in ("==", "!=") and draw(st.booleans()):
        return f"{operator}{Version(version).base_version}.*"
    if operator not in ("==", "!=", "===") and "+" in version:
        version = version.partition("+")[0]  # local labels only with == and !=
    if operator == "~=" and "." not in Version(version).base_version:
        version = Version(version).base_version + ".0"
    return operator + version


specifier_sets = st.lists(specifiers(), max_size=3).map(",".join)


class ListSource:
    display = "list"

    def __init__(self, files: list[DistFile]) -> None:
        self.files = files

    def project_files(self, client: object, project: str) -> list[DistFile]:
        return list(self.files)

    def project_listing(self, client: object, project: str) -> Listing:
        return Listing.of(self.files)


def make_finder(files: list[DistFile], pre: bool) -> Finder:
    return Finder(
        None,  # type: ignore[arg-type]
        [ListSource(files)],  # type: ignore[list-item]
        [],
        current_environment(),
        FinderPolicy(pre=pre),
    )


def uncached(
    finder: Finder,
    specifier: SpecifierSet,
    hashes: Mapping[str, frozenset[str]] | None,
) -> list[Release]:
    """What Finder.matching answered before it remembered anything."""
    found = finder.find("a")
    releases = [r for r in found.releases if specifier.contains(r.version, True)]
    if hashes:
        allowed = []
        for release in releases:
            files = tuple(
                f
                for f in release.files
                if not any(
                    a in hashes and v not in hashes[a] for a, v in f.hashes.items()
                )
            )
            if files:
                allowed.append(Release(release.version, files))
        releases = allowed or releases
    allow_pre = finder.policy.pre or bool(specifier.prereleases)
    if not allow_pre:
        finals = [r for r in releases if not r.version.is_prerelease]
        if finals or not releases:
            releases = finals
    specs = list(specifier)
    pinned: Version | None = None
    if (
        len(specs) == 1
        and specs[0].operator in ("==", "===")
        and "*" not in str(specs[0])
    ):
        try:
            pinned = Version(specs[0].version)
        except ValueError:
            pass  # "===" of a string that is no version
    kept = []
    for release in releases:
        if release.version != pinned:
            release = Release(
                release.version, tuple(f for f in release.files if f.yanked is None)
            )
        if release.files:
            kept.append(release)
    return kept


@settings(max_examples=300, deadline=None)
@given(
    available=st.lists(
        st.tuples(versions(), st.booleans(), st.booleans()), min_size=1, max_size=25
    ),
    queries=st.lists(
        st.tuples(specifier_sets, st.sampled_from([None, True, False]), st.booleans()),
        min_size=1,
        max_size=12,
    ),
    pre=st.booleans(),
)
def test_remembered_answers_are_those_of_checking_every_release(
    available: list[tuple[str, bool, bool]],
    queries: list[tuple[str, bool | None, bool]],
    pre: bool,
) -> None:
    files = []
    for version, yanked, unusable in available:
        if unusable:
            # Versions no file of which the target can use are never answers.
            for name in (f"a-{version}-cp27-cp27m-win32.whl", f"a-{version}-x.whl"):
                files.append(DistFile(name, f"https://h/{name}"))
            continue
        for suffix in (".tar.gz", ".zip"):
            name = f"a-{version}{suffix}"
            files.append(
                DistFile(
                    name,
                    f"https://h/{name}",
                    hashes={"sha256": "1" if suffix == ".zip" else "2"},
                    yanked="broken" if yanked and suffix == ".zip" else None,
                )
            )
    finder = make_finder(files, pre)
    # Each question twice, in a mixed order, as a backtracking resolve asks them.
    for text, prereleases, hashed in queries + queries[::-1]:
        specifier = SpecifierSet(text, prereleases=prereleases)
        hashes = {"sha256": frozenset({"1"})} if hashed else None
        assert finder.matching("a", specifier, hashes=hashes) == uncached(
            finder, specifier, hashes
        ), text


@settings(max_examples=500, deadline=None)
@given(
    available=st.lists(versions(), max_size=40),
    texts=st.lists(specifier_sets, min_size=1, max_size=10),
    newest_first=st.booleans(),
)
def test_matcher_accepts_what_the_specifier_set_contains(
    available: list[str], texts: list[str], newest_first: bool
) -> None:
    parsed = [Version(v) for v in available]
    if newest_first:  # as a page's versions come: distinct, newest first
        parsed = sorted(set(parsed), reverse=True)
    matcher = VersionMatcher(parsed)
    for text in texts + texts:
        specifier = SpecifierSet(text)
        expected = [i for i, v in enumerate(parsed) if specifier.contains(v, True)]
        assert matcher.positions(specifier) == expected, text

"""A requirement remembers which versions its specifier accepts (resolvelib asks
whether each pin still satisfies every requirement on every round): the answers
are the specifier's, whatever was asked before, and do not change equality."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from inst.resolution.candidates import (
    FileCandidate,
    PythonCandidate,
    PythonRequirement,
    SpecifierRequirement,
)


@settings(max_examples=300, deadline=None)
@given(
    specifier=st.sampled_from(["", ">=1", "<2,>=1.0", "==1.*", "!=1.0", "~=1.2"]),
    versions=st.lists(
        st.sampled_from(["0.9", "1.0", "1.2", "1.2.5", "2.0", "2.0rc1", "1.0+local"]),
        max_size=12,
    ),
)
def test_requirements_answer_as_their_specifier_whatever_they_were_asked_before(
    specifier: str, versions: list[str]
) -> None:
    spec = SpecifierSet(specifier)
    requirement = SpecifierRequirement("a", frozenset(), spec, "")
    python = PythonRequirement(spec)
    for text in versions:
        version = Version(text)
        expected = spec.contains(version, prereleases=True)
        candidate = FileCandidate("a", version, None)  # type: ignore[arg-type]
        assert requirement.is_satisfied_by(candidate) is expected
        assert python.is_satisfied_by(PythonCandidate(version)) is expected


def test_remembered_answers_do_not_change_what_a_requirement_equals() -> None:
    first = SpecifierRequirement("a", frozenset(), SpecifierSet(">=1"), "")
    second = SpecifierRequirement("a", frozenset(), SpecifierSet(">=1"), "")
    first.is_satisfied_by(PythonCandidate(Version("1.0")))
    assert first == second

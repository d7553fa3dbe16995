"""What resolvelib juggles: requirements and candidates, modelled as pip models them.

A project with extras is its own identifier (``name[extra]``): its candidate depends on
the base candidate of the same version plus the dependencies the extras switch on. The
target's Python is one more identifier, so Requires-Python takes part in backtracking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Union

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

from inst._records import dataclass

if TYPE_CHECKING:
    from packaging.requirements import Requirement as Pep508Requirement

    from inst.environment import InstalledDist
    from inst.models import DistFile, SourceTree
    from inst.requirements.specs import RequirementSpec

PYTHON = "<python>"


def identifier(name: str, extras: frozenset[str] = frozenset()) -> str:
    return f"{name}[{','.join(sorted(extras))}]" if extras else name


@dataclass(frozen=True, eq=False)
class FileCandidate:
    """A distribution file to fetch (from an index, a find-links location, a URL or a
    path), or a local project directory to build."""

    name: NormalizedName
    version: Version
    file: DistFile | SourceTree
    direct: bool = False  # asked for by URL or path (PEP 610 "direct")
    spec: RequirementSpec | None = None  # the requirement that named it, when direct

    @property
    def key(self) -> tuple[str, str, str]:
        return ("file", self.name, self.file.url)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FileCandidate) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


@dataclass(frozen=True, eq=False)
class InstalledCandidate:
    """A distribution already in the target environment, kept as it is."""

    dist: InstalledDist

    @property
    def name(self) -> NormalizedName:
        return self.dist.name

    @property
    def version(self) -> Version:
        return self.dist.version

    @property
    def key(self) -> tuple[str, str, str]:
        return ("installed", self.name, str(self.version))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, InstalledCandidate) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


BaseCandidate = Union[FileCandidate, InstalledCandidate]


@dataclass(frozen=True)
class ExtrasCandidate:
    """``name[extras]`` at the version of ``base``."""

    base: BaseCandidate
    extras: frozenset[str]

    @property
    def name(self) -> NormalizedName:
        return self.base.name

    @property
    def version(self) -> Version:
        return self.base.version

    def __str__(self) -> str:
        return f"{identifier(self.name, self.extras)} {self.version}"


@dataclass(frozen=True)
class PythonCandidate:
    """The target's Python, the one candidate of the PYTHON identifier."""

    version: Version
    name: str = PYTHON

    def __str__(self) -> str:
        return f"Python {self.version}"


Candidate = Union[FileCandidate, InstalledCandidate, ExtrasCandidate, PythonCandidate]


@dataclass(frozen=True)
class SpecifierRequirement:
    """``name[extras] <specifier>``: any candidate of that project in range."""

    name: NormalizedName
    extras: frozenset[str]
    specifier: SpecifierSet
    text: str  # as written, for messages ("" when ``written`` says it)
    parent: Candidate | None = None  # None: the user asked for it
    origin: str = ""  # for user requirements: "command line", "-r file (line 3)"
    hashes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: A dependency as its parent's metadata wrote it: its text is made only when a
    #: message needs it (a backtracking resolve reads hundreds of releases whose
    #: dependencies are never shown, and packaging's str() of one is slow).
    written: Pep508Requirement | None = field(default=None, compare=False, repr=False)
    _answers: dict[Version, bool] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @property
    def identifier(self) -> str:
        return identifier(self.name, self.extras)

    def is_satisfied_by(self, candidate: Candidate) -> bool:
        # _contains() inlined: resolvelib asks this tens of thousands of times in a
        # big resolve (every requirement on every pin, on every round).
        version = candidate.version
        answer = self._answers.get(version)
        if answer is None:
            answer = self._answers[version] = self.specifier.contains(
                version, prereleases=True
            )
        return answer

    def __str__(self) -> str:
        if self.text or self.written is None:
            return self.text
        return requirement_text(self.written)


def _contains(
    specifier: SpecifierSet, answers: dict[Version, bool], version: Version
) -> bool:
    """Whether the specifier accepts version, each answer computed once per
    requirement: on every round resolvelib asks whether each pin still satisfies
    every requirement on it, and a specifier check costs more than a lookup."""
    answer = answers.get(version)
    if answer is None:
        answer = answers[version] = specifier.contains(version, prereleases=True)
    return answer


def requirement_text(requirement: Pep508Requirement) -> str:
    """How messages show a dependency: as written, without its marker."""
    return str(requirement).split(";")[0].strip()


@dataclass(frozen=True)
class ExplicitRequirement:
    """Exactly this candidate: a URL or path requirement, or an extras candidate's base."""

    candidate: BaseCandidate
    extras: frozenset[str] = frozenset()
    text: str = ""
    parent: Candidate | None = None
    origin: str = ""

    @property
    def name(self) -> NormalizedName:
        return self.candidate.name

    @property
    def identifier(self) -> str:
        return identifier(self.candidate.name, self.extras)

    def is_satisfied_by(self, candidate: Candidate) -> bool:
        base = candidate.base if isinstance(candidate, ExtrasCandidate) else candidate
        return base == self.candidate

    def __str__(self) -> str:
        return self.text or f"{self.candidate.name} {self.candidate.version}"


@dataclass(frozen=True)
class PythonRequirement:
    """Requires-Python of ``parent``."""

    specifier: SpecifierSet
    parent: Candidate | None = None
    name: str = PYTHON
    identifier: str = PYTHON
    _answers: dict[Version, bool] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def is_satisfied_by(self, candidate: Candidate) -> bool:
        return _contains(self.specifier, self._answers, candidate.version)

    def __str__(self) -> str:
        return f"Python{self.specifier}"


@dataclass(frozen=True)
class UnusableRelease:
    """What ``parent`` (a release found on an index) gets as its only dependency when
    its metadata is invalid: a requirement on its own project that nothing satisfies,
    so the resolver discards that release and goes on with the others (as pip)."""

    name: NormalizedName
    parent: Candidate
    reason: str  # why the metadata is unusable, for the final error

    @property
    def identifier(self) -> str:
        return self.name

    def is_satisfied_by(self, candidate: Candidate) -> bool:
        return False

    def __str__(self) -> str:
        return f"{self.parent} (invalid metadata)"


Requirement = Union[
    SpecifierRequirement, ExplicitRequirement, PythonRequirement, UnusableRelease
]

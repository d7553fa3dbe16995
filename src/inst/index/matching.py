"""Which versions of one project a specifier set accepts, remembered.

A backtracking resolve asks the finder about the same project hundreds of times, each
time with a slightly different specifier set (``botocore>=1.34.2,<1.35`` then
``botocore>=1.34.1,<1.35``...). Checking every release of a project with a thousand
versions against the whole set on every question cost millions of specifier checks.
Here the versions are kept sorted, so the bounds of a set (``==``, ``<``, ``>=``...)
narrow it to a slice by bisection, and only the versions in that slice are checked,
each (specifier, version) answer being computed once.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from packaging.specifiers import Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

_UPPER = ("<", "<=")
_LOWER = (">", ">=", "~=")


class VersionMatcher:
    """The positions, in a fixed sequence of versions, that specifier sets accept.

    Answers are exactly ``SpecifierSet.contains(version, prereleases=True)``: whether
    pre-releases are wanted is the caller's decision, made after this."""

    def __init__(self, versions: Sequence[Version]) -> None:
        self._versions = tuple(versions)
        # Sorted by public version (the local label left out): a specifier's bounds
        # are on that, so what it accepts lies within one slice of this order.
        publics = [
            version if version.local is None else Version(version.public)
            for version in self._versions
        ]
        newest_first = all(newer > older for newer, older in zip(publics, publics[1:]))
        # A page's versions come newest first: then the order is known without a
        # sort (thousands of them for botocore).
        self._order = (
            list(range(len(publics) - 1, -1, -1))
            if newest_first
            else sorted(range(len(publics)), key=publics.__getitem__)
        )
        self._publics = [publics[position] for position in self._order]
        self._answers: dict[str, dict[int, bool]] = {}
        self._slices: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def positions(self, specifier: SpecifierSet) -> list[int]:
        """The positions of the versions the set accepts, in sequence order."""
        specs = list(specifier)
        low, high = 0, len(self._order)
        for spec in specs:
            key = str(spec)
            bounds = self._slices.get(key)
            if bounds is None:
                bounds = self._slices[key] = self._slice(spec)
            spec_low, spec_high = bounds
            low, high = max(low, spec_low), min(high, spec_high)
        accepted = self._order[low:high]
        for spec in specs:
            accepted = self._accepted(spec, accepted)
        return sorted(accepted)

    def _slice(self, spec: Specifier) -> tuple[int, int]:
        """Where in the public order the versions the spec may accept are: a version
        it accepts has a public part equal to a ``==`` pin's (without wildcard), at
        most an upper bound, at least a lower bound; anything else may be anywhere."""
        everything = (0, len(self._order))
        operator = spec.operator
        if operator == "==" and spec.version.endswith(".*"):
            return everything
        if operator not in ("==", *_UPPER, *_LOWER):
            return everything  # "!=", "===": no bound
        try:
            bound = Version(Version(spec.version).public)
        except InvalidVersion:
            return everything
        if operator == "==":
            return (
                bisect_left(self._publics, bound),
                bisect_right(self._publics, bound),
            )
        if operator in _UPPER:
            return (0, bisect_right(self._publics, bound))
        return (bisect_left(self._publics, bound), len(self._order))

    def _accepted(self, spec: Specifier, positions: Sequence[int]) -> list[int]:
        """Those of ``positions`` whose versions ``spec`` accepts, in their order."""
        key = str(spec)
        answers = self._answers.get(key)
        if answers is None:
            with self._lock:
                answers = self._answers.setdefault(key, {})
        accepted = []
        for position in positions:
            answer = answers.get(position)
            if answer is None:
                answer = spec.contains(self._versions[position], prereleases=True)
                answers[position] = answer
            if answer:
                accepted.append(position)
        return accepted

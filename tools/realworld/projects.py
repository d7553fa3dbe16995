"""The ranked list of projects (top-projects.txt) and the part of it a run takes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    name: str
    rank: int | None  # None: named with --only and not in the list

    @property
    def rank_text(self) -> str:
        return "-" if self.rank is None else str(self.rank)

    @property
    def folder(self) -> str:
        """Its folder in the output dir: sorts by rank."""
        return f"{self.rank or 0:04d}-{self.name}"


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_projects(path: Path) -> list[Project]:
    """Every name of the file in order, ranked from 1; `#` starts a comment."""
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(normalize(name))
    return [Project(name, rank) for rank, name in enumerate(names, 1)]


def select(
    ranked: Sequence[Project],
    top: int | None,
    first: int | None,
    last: int | None,
    only: Sequence[str] | None,
) -> tuple[list[Project], str]:
    """The projects of a run, and words for the span ("ranks 1-300")."""
    if only:
        by_name = {project.name: project for project in ranked}
        wanted = [normalize(name) for name in only]
        chosen = [by_name.get(name, Project(name, None)) for name in wanted]
        return chosen, f"{len(chosen)} named"
    if top is not None:
        first, last = 1, top
    first = first or 1
    last = last or len(ranked)
    chosen = [p for p in ranked if p.rank is not None and first <= p.rank <= last]
    return chosen, f"ranks {first}-{min(last, len(ranked))}"

"""A project's own requirements, read from its pyproject.toml: ``[project]``'s
``dependencies``, the ``optional-dependencies`` of the extras asked for, and its
``requires-python`` (what ``inst lock`` locks when no requirement is given)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from inst._records import dataclass
from inst.requirements.groups import PYPROJECT, GroupError, load_pyproject
from inst.requirements.specs import RequirementSpec, parse_requirement


@dataclass(frozen=True)
class ProjectRequirements:
    """The requirements of the project in the current directory."""

    path: Path
    dependencies: tuple[RequirementSpec, ...]
    extras: tuple[tuple[str, tuple[RequirementSpec, ...]], ...]  # normalized name
    requires_python: str | None


def project_requirements(directory: Path, extras: Sequence[str]) -> ProjectRequirements:
    path = directory / PYPROJECT
    data = load_pyproject(path, purpose="lock the project's requirements")
    project = data.get("project")
    if not isinstance(project, dict):
        raise GroupError(
            f"{path} has no [project] table",
            why="with no requirement given, inst lock locks the project's "
            "[project].dependencies",
            hint="name requirements (inst lock requests), give -r FILE, or lock a "
            "dependency group with --group",
        )
    if "dependencies" in project.get("dynamic", []):
        raise GroupError(
            f"the dependencies of {path} are dynamic",
            why="only a build could say what they are, and inst lock reads them "
            "from the file",
            hint="lock the project itself (inst lock .), or list the dependencies "
            "in [project]",
        )
    origin = f"[project].dependencies of {path}"
    dependencies = tuple(
        parse_requirement(text, origin=origin, base_dir=directory)
        for text in _strings(project.get("dependencies", []), path, "dependencies")
    )
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        optional = {}
    by_name = {canonicalize_name(key): (key, value) for key, value in optional.items()}
    chosen: list[tuple[str, tuple[RequirementSpec, ...]]] = []
    for extra in dict.fromkeys(canonicalize_name(e) for e in extras):
        if extra not in by_name:
            known = ", ".join(sorted(str(k) for k in optional)) or "none"
            raise GroupError(
                f"{path} has no extra {extra!r}",
                why=f"the extras its [project.optional-dependencies] defines: {known}",
                hint="check the name given to --extra",
            )
        key, texts = by_name[extra]
        origin = f"[project.optional-dependencies].{key} of {path}"
        chosen.append(
            (
                extra,
                tuple(
                    parse_requirement(text, origin=origin, base_dir=directory)
                    for text in _strings(texts, path, f"optional-dependencies.{key}")
                ),
            )
        )
    requires_python = project.get("requires-python")
    return ProjectRequirements(
        path,
        dependencies,
        tuple(chosen),
        requires_python if isinstance(requires_python, str) else None,
    )


def _strings(value: object, path: Path, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GroupError(
            f"[project].{key} of {path} is not a list of requirement strings",
            hint="fix the file",
        )
    return list(value)

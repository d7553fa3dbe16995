"""The requirements of one run: the command line's, -e's and those of -r/-c files, with
the file-wide options those files set."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from inst._records import dataclass
from inst.errors import UsageError
from inst.requirements.files import Fetch, FileOptions, read_requirements
from inst.requirements.specs import RequirementSpec, parse_requirement

if TYPE_CHECKING:
    # (Imported when --group is used: reading pyproject.toml needs tomllib.)
    from inst.requirements.groups import GroupRef


@dataclass
class Inputs:
    """The requirements of one run, from the command line and -r/-c files."""

    requirements: list[RequirementSpec] = field(default_factory=list)
    constraints: list[RequirementSpec] = field(default_factory=list)
    options: FileOptions = field(default_factory=FileOptions)
    #: The --group values, each with the requirements it added (also in
    #: ``requirements``), in the order given.
    groups: list[tuple[GroupRef, list[RequirementSpec]]] = field(default_factory=list)


def gather_inputs(
    texts: Sequence[str],
    *,
    command: str,
    requirement_files: Iterable[str] = (),
    constraint_files: Iterable[str] = (),
    editables: Iterable[str] = (),
    groups: Iterable[str] = (),
    fetch: Fetch | None = None,
    allow_empty: bool = False,
) -> Inputs:
    """Everything a resolving command was asked for; at least one requirement.
    ``fetch`` reads the files named by http(s) URLs."""
    inputs = Inputs()
    for path in requirement_files:
        _add_file(inputs, path, constraint=False, fetch=fetch)
    for path in constraint_files:
        # A -r inside a constraints file still lists requirements, as in pip.
        _add_file(inputs, path, constraint=True, fetch=fetch)
    base_dir = Path.cwd()
    inputs.requirements += [
        parse_requirement(text, origin="the command line", base_dir=base_dir)
        for text in texts
    ]
    inputs.requirements += [
        parse_requirement(
            text, origin="the command line (-e)", base_dir=base_dir, editable=True
        )
        for text in editables
    ]
    groups = list(groups)
    if groups:
        from inst.requirements.groups import parse_group_option

        add_groups(inputs, [parse_group_option(value, base_dir) for value in groups])
    if not inputs.requirements and not allow_empty:
        raise UsageError(
            f"`inst {command}` needs at least one requirement",
            hint=f"name packages (inst {command} requests), give a file with -r, "
            "or a dependency group with --group",
        )
    return inputs


def add_groups(inputs: Inputs, refs: Sequence[GroupRef]) -> None:
    """The requirements of these dependency groups, added to the inputs."""
    from inst.requirements.groups import resolve_groups

    for resolved in resolve_groups(refs):
        ref = resolved.ref
        origin = f"the dependency group {ref.name!r} of {ref.path}"
        specs = [
            parse_requirement(text, origin=origin, base_dir=ref.path.parent)
            for text in resolved.requirements
        ]
        inputs.groups.append((ref, specs))
        inputs.requirements += specs


def _add_file(
    inputs: Inputs, path: str, *, constraint: bool, fetch: Fetch | None
) -> None:
    parsed = read_requirements(path, constraint=constraint, fetch=fetch)
    inputs.requirements += parsed.requirements
    inputs.constraints += parsed.constraints
    _merge_options(inputs.options, parsed.options)


def _merge_options(into: FileOptions, new: FileOptions) -> None:
    """Options from requirement files add to those of earlier files (pip's rule)."""
    into.index_url = new.index_url or into.index_url
    into.extra_index_urls += new.extra_index_urls
    into.no_index = into.no_index or new.no_index
    into.find_links += new.find_links
    into.pre = into.pre or new.pre
    into.only_binary += new.only_binary
    into.no_binary += new.no_binary
    into.prefer_binary = into.prefer_binary or new.prefer_binary
    into.require_hashes = into.require_hashes or new.require_hashes
    into.trusted_hosts += new.trusted_hosts

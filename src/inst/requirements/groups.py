"""Dependency groups (PEP 735): ``--group [PATH:]NAME`` read from a pyproject.toml's
``[dependency-groups]`` table, includes followed, as requirement strings.

The rules are the specification's and pip's: names compare normalized, two keys that
normalize alike are an error, an ``{include-group = "..."}`` table names another group
of the same file, and a cycle of includes is an error. ``PATH`` must name a file
called ``pyproject.toml`` (pip's rule); without it, ``./pyproject.toml`` is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath

import tomllib
from packaging.utils import canonicalize_name

from inst._records import dataclass
from inst.errors import InstError, UsageError

PYPROJECT = "pyproject.toml"


class GroupError(InstError):
    """A --group that cannot be read or resolved."""


@dataclass(frozen=True)
class GroupRef:
    """One ``--group`` value: the pyproject.toml it names and the group's name."""

    path: Path
    name: str

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)


@dataclass(frozen=True)
class GroupRequirements:
    """A group's requirement strings (includes expanded, in order, each once)."""

    ref: GroupRef
    requirements: tuple[str, ...]


def parse_group_option(value: str, base_dir: Path | None = None) -> GroupRef:
    """``NAME`` or ``PATH:NAME`` (split at the last colon, so Windows drive letters
    stay in the path)."""
    path_text, sep, name = value.rpartition(":")
    name = name.strip()
    if not name:
        raise UsageError(
            f"--group {value!r} names no group",
            hint="write --group NAME or --group path/to/pyproject.toml:NAME",
        )
    base = base_dir or Path.cwd()
    if not sep:
        return GroupRef(base / PYPROJECT, name)
    if PurePath(path_text).name != PYPROJECT:
        raise UsageError(
            f"--group {value!r}: the path before the colon must name a "
            f"{PYPROJECT} file",
            why="dependency groups live in pyproject.toml's [dependency-groups] table",
            hint=f"write --group path/to/{PYPROJECT}:{name}",
        )
    return GroupRef(base / Path(path_text).expanduser(), name)


@dataclass(frozen=True)
class GroupTable:
    """One file's ``[dependency-groups]``: normalized name → (spelling, entries)."""

    path: Path
    groups: Mapping[str, list[object]]
    spellings: Mapping[str, str]

    @classmethod
    def load(cls, path: Path) -> GroupTable:
        data = load_pyproject(path, purpose="read its dependency groups")
        table = data.get("dependency-groups")
        if table is None:
            raise GroupError(
                f"{path} has no [dependency-groups] table",
                why="--group names a group of that table",
                hint="add the group to the file, or point --group at another "
                "pyproject.toml (--group path/to/pyproject.toml:NAME)",
            )
        return cls.from_table(path, table)

    @classmethod
    def from_table(cls, path: Path, table: object) -> GroupTable:
        if not isinstance(table, dict):
            raise _invalid(path, "[dependency-groups] is not a table")
        groups: dict[str, list[object]] = {}
        spellings: dict[str, str] = {}
        for key, entries in table.items():
            normal = canonicalize_name(key)
            if normal in groups:
                raise _invalid(
                    path,
                    f"the groups {spellings[normal]!r} and {key!r} have the same "
                    "normalized name",
                    hint="rename or merge one of them",
                )
            if not isinstance(entries, list):
                raise _invalid(path, f"the group {key!r} is not a list")
            groups[normal] = entries
            spellings[normal] = key
        return cls(path, groups, spellings)

    def resolve(self, name: str) -> tuple[str, ...]:
        """The group's requirement strings, includes expanded depth first."""
        result: list[str] = []
        self._expand(canonicalize_name(name), name, [], result)
        return tuple(dict.fromkeys(result))

    def _expand(
        self, key: str, asked: str, chain: list[str], result: list[str]
    ) -> None:
        if key not in self.groups:
            known = ", ".join(sorted(self.spellings.values())) or "none"
            if chain:
                raise _invalid(
                    self.path,
                    f"the group {self.spellings[chain[-1]]!r} includes "
                    f"{asked!r}, which is not defined",
                    hint=f"the groups it defines: {known}",
                )
            raise GroupError(
                f"{self.path} has no dependency group {asked!r}",
                why=f"the groups its [dependency-groups] table defines: {known}",
                hint="check the name given to --group",
            )
        if key in chain:
            cycle = " -> ".join(
                self.spellings[k] for k in [*chain[chain.index(key) :], key]
            )
            raise _invalid(
                self.path,
                f"the dependency groups include each other in a cycle ({cycle})",
                hint="remove one of the include-group entries",
            )
        chain = [*chain, key]
        for entry in self.groups[key]:
            if isinstance(entry, str):
                result.append(entry)
            elif isinstance(entry, dict) and set(entry) == {"include-group"}:
                included = entry["include-group"]
                if not isinstance(included, str):
                    raise _invalid(
                        self.path,
                        f"an include-group of {self.spellings[key]!r} is not a string",
                    )
                self._expand(canonicalize_name(included), included, chain, result)
            else:
                raise _invalid(
                    self.path,
                    f"the group {self.spellings[key]!r} has an entry that is neither "
                    f"a requirement string nor an {{include-group = ...}} table: {entry!r}",
                )


def resolve_groups(refs: Iterable[GroupRef]) -> list[GroupRequirements]:
    """Each group's requirement strings, every file read once, in the order given."""
    tables: dict[Path, GroupTable] = {}
    resolved: list[GroupRequirements] = []
    for ref in refs:
        table = tables.get(ref.path)
        if table is None:
            table = tables[ref.path] = GroupTable.load(ref.path)
        resolved.append(GroupRequirements(ref, table.resolve(ref.name)))
    return resolved


def load_pyproject(path: Path, *, purpose: str) -> dict[str, object]:
    """A pyproject.toml parsed, or a GroupError saying why it cannot be."""
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise GroupError(
            f"cannot {purpose}: {path} does not exist",
            hint="run inst in the project's directory, or give the file's path "
            f"(--group path/to/{PYPROJECT}:NAME)",
        ) from None
    except OSError as error:
        raise GroupError(
            f"cannot {purpose}: {path} cannot be read", why=str(error.strerror)
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise GroupError(
            f"cannot {purpose}: {path} is not valid TOML",
            why=str(error),
            hint="fix the file",
        ) from None


def _invalid(path: Path, why: str, hint: str = "") -> GroupError:
    return GroupError(
        f"the [dependency-groups] table of {path} is not valid",
        why=why,
        hint=hint or "fix the table (PEP 735 describes it)",
    )


def group_names(refs: Sequence[GroupRef]) -> list[str]:
    """The normalized names, each once, in order."""
    return list(dict.fromkeys(ref.key for ref in refs))

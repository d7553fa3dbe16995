"""Journals that inst cannot read: the refusal, and the repair behind ``inst repair``.

A journal (transaction.py) names every move of one commit, so that recover() can undo
or finish exactly the moves that happened. When a journal cannot be read (a disk error,
an editor, a bug), nothing says which moves happened: inst refuses to change that
target (``unreadable_error()``) until ``inst repair`` has looked. ``inspect()`` salvages
what it can:

- the journal's text up to the damage, element by element (it is written in a known
  order: format, state, new paths, roots, created directories, places, removes);
- the transaction's staging areas, found by its id (``tx-<id>`` in the state directory,
  ``.inst-tx-<id>`` beside a scheme directory on another mount): a staged file names
  its destination by its own path (``<root>/<slot>/<absolute path>``), and the stash
  holds what was moved out of the environment.

``repair()`` then does only what is certain: the new paths of a change that had not
finished (what it created in place, where nothing was) are removed; a stashed file goes back where the journal
says it came from when that place is empty (and, for a change the journal says was
caught midway, over the new file that replaced it, as recover() would); staged files
that never moved are deleted; stashed files whose place is unknown are kept (their
staging area renamed ``kept-<id>``) and listed, with the distributions to reinstall.
"""

from __future__ import annotations

import contextlib
import csv
import email.parser
import json
import os
import re
import shlex
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inst._records import dataclass
from inst.errors import InstError
from inst.install.state import JOURNAL_PREFIX, unreadable_journals

if TYPE_CHECKING:
    from inst.install.target import InstallTarget

_STATES = ("staging", "committing", "committed")
_STATE = re.compile(r'"state"\s*:\s*"([a-z]+)"')
_FORMAT = re.compile(r'"format"\s*:\s*([0-9]+)')
#: What is kept of a staging area whose stash inst could not place.
KEPT_PREFIX = "kept-"
_SPACE = " \t\r\n"


# -- the refusal ---------------------------------------------------------------------------


def repair_command(options: Sequence[str]) -> str:
    return shlex.join(["inst", "repair", *options])


def unreadable_error(
    journals: Sequence[Path], label: str, options: Sequence[str]
) -> InstError:
    return InstError(
        f"{label} has an unfinished change whose journal inst cannot read "
        f"({', '.join(map(str, journals))})",
        why="an inst changing it was stopped midway, and without the journal inst "
        "cannot tell which files it had moved, so the environment may be half "
        "changed; inst changes nothing there until it is repaired",
        hint=f"run `{repair_command(options)}` (with --dry-run first to see what it "
        "would do): it puts back what it can, lists what it cannot, and lets inst "
        "change the environment again",
    )


def unreadable_warning(
    journals: Sequence[Path], label: str, options: Sequence[str]
) -> str:
    return (
        f"{label} has an unfinished change whose journal inst cannot read "
        f"({', '.join(map(str, journals))}), so what it holds may be half changed; "
        f"run `{repair_command(options)}` to repair it"
    )


# -- what a journal still says -------------------------------------------------------------


@dataclass(frozen=True)
class Salvaged:
    """What could be read of a damaged journal."""

    state: str | None = None
    roots: tuple[str, ...] = ()
    created_dirs: tuple[str, ...] = ()
    places: tuple[tuple[str, str, str | None], ...] = ()  # staged, final, stash
    removes: tuple[tuple[str, str], ...] = ()  # path, stash
    complete: bool = False  # every list was read whole
    # What the change created in place (format 2); whether that list was read whole
    # (a format 1 journal has none: whole).
    new_paths: tuple[str, ...] = ()
    new_paths_complete: bool = True

    @property
    def moves(self) -> int:
        return len(self.places) + len(self.removes)


def salvage(text: str) -> Salvaged:
    """Every well-formed element before the damage."""
    whole: Any = None
    with contextlib.suppress(ValueError, RecursionError):
        whole = json.loads(text)
    complete = True
    lists: dict[str, list[Any]] = {}
    for key in ("roots", "created_dirs", "places", "removes"):
        if isinstance(whole, dict) and isinstance(whole.get(key), list):
            lists[key] = whole[key]
        else:
            lists[key], whole_list = _items(text, key)
            complete = complete and whole_list
    state = whole.get("state") if isinstance(whole, dict) else None
    if not isinstance(state, str):
        found = _STATE.search(text)
        state = found.group(1) if found else None
    new_items, new_whole = _new_paths(text, whole)
    new_paths = [item for item in new_items if isinstance(item, str)]
    new_whole = new_whole and len(new_paths) == len(new_items)
    roots = [item for item in lists["roots"] if isinstance(item, str)]
    created = [item for item in lists["created_dirs"] if isinstance(item, str)]
    places = [
        (item[0], item[1], item[2])
        for item in lists["places"]
        if isinstance(item, list)
        and len(item) == 3
        and isinstance(item[0], str)
        and isinstance(item[1], str)
        and (item[2] is None or isinstance(item[2], str))
    ]
    removes = [
        (item[0], item[1])
        for item in lists["removes"]
        if isinstance(item, list)
        and len(item) == 2
        and all(isinstance(part, str) for part in item)
    ]
    dropped = sum(len(items) for items in lists.values()) - (
        len(roots) + len(created) + len(places) + len(removes)
    )
    return Salvaged(
        state=state if state in _STATES else None,
        roots=tuple(roots),
        created_dirs=tuple(created),
        places=tuple(places),
        removes=tuple(removes),
        complete=complete and new_whole and dropped == 0 and state in _STATES,
        new_paths=tuple(new_paths),
        new_paths_complete=new_whole,
    )


def _new_paths(text: str, whole: Any) -> tuple[list[Any], bool]:
    """The new paths a journal names, and whether the list was read whole: a format
    1 journal (inst before new paths) has none, whole; a later one whose list was
    lost has an unknown number."""
    from inst.install.transaction import NEW_PATHS

    if isinstance(whole, dict) and isinstance(whole.get(NEW_PATHS), list):
        return whole[NEW_PATHS], True
    items, whole_list = _items(text, NEW_PATHS)
    if items or whole_list:
        return items, whole_list
    version = _FORMAT.search(text[:200])
    return [], version is not None and version.group(1) == "1"


def _items(text: str, key: str) -> tuple[list[Any], bool]:
    """The elements of the list under key, up to the first one that does not parse;
    and whether the list was read to its end."""
    start = re.search(rf'"{key}"\s*:\s*\[', text)
    if start is None:
        return [], False
    decoder = json.JSONDecoder()
    items: list[Any] = []
    position = start.end()
    while True:
        while position < len(text) and text[position] in _SPACE:
            position += 1
        if text.startswith("]", position) and not items:
            return items, True
        try:
            item, position = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            return items, False
        items.append(item)
        while position < len(text) and text[position] in _SPACE:
            position += 1
        if text.startswith(",", position):
            position += 1
        elif text.startswith("]", position):
            return items, True
        else:
            return items, False


# -- what is on disk -----------------------------------------------------------------------


@dataclass
class Leftover:
    """What one unreadable journal's transaction left, and what repair() will do."""

    journal: Path
    problem: str  # why the journal cannot be read
    salvaged: Salvaged
    roots: list[Path] = field(default_factory=list)  # its staging areas on disk
    staged: int = 0  # files staged that never moved: deleted with their area
    stashed: int = 0  # files in its stashes
    put_back: list[tuple[str, str]] = field(
        default_factory=list
    )  # stash, its empty place
    undo: list[tuple[str, str]] = field(
        default_factory=list
    )  # stash, over the new file
    links: list[str] = field(default_factory=list)  # stash entries still in place too
    discard: list[str] = field(default_factory=list)  # old files of a committed change
    new_files: list[str] = field(default_factory=list)  # placed, nothing old: undone
    created_dirs: list[str] = field(
        default_factory=list
    )  # made by it: removed if empty
    new_paths: list[str] = field(default_factory=list)  # created in place: removed
    unknown: list[str] = field(default_factory=list)  # stash entries: kept
    kept: dict[str, str] = field(
        default_factory=dict
    )  # stash entry -> where it is kept
    distributions: dict[str, str] = field(default_factory=dict)  # name -> what is known
    outcome: str | None = None  # "before"/"after" once repaired; None: cannot tell

    @property
    def certain(self) -> bool:
        return self.outcome is not None


def inspect(target: InstallTarget) -> list[Leftover]:
    """What each unreadable journal of target left (call with the lock held, after
    recover())."""
    from inst.install.transaction import read_journal

    # The readable ones are recover()'s (left to it, in a dry run).
    journals = unreadable_journals(target.state_dir)
    return [_inspect_one(j, target) for j in journals if read_journal(j) is None]


def _inspect_one(journal: Path, target: InstallTarget) -> Leftover:
    tx_id = journal.name[len(JOURNAL_PREFIX) : -len(".json")]
    try:
        with open(journal, "rb") as stream:
            text = stream.read(64 * 1024 * 1024).decode("utf-8", "replace")
        problem = _problem(text)
    except OSError as error:
        text, problem = "", error.strerror or str(error)
    salvaged = salvage(text)
    found = Leftover(journal, problem, salvaged)
    found.roots = _roots(target, tx_id, salvaged.roots)
    stash_entries: list[str] = []
    staged_finals: list[str] = []
    for root in found.roots:
        stash_entries += _stash_entries(root)
        finals = [final for _, final in _staged_files(root)]
        found.staged += len(finals)
        staged_finals += finals
    found.stashed = len(stash_entries)
    state = salvaged.state
    if state == "staging" and stash_entries:
        state = None  # moves come only after "committing": the journal is wrong
    mapping = _stash_places(salvaged, target)
    for entry in stash_entries:
        original = mapping.get(os.path.abspath(entry))
        if state == "committed":
            found.discard.append(entry)  # the change is made: these are its old files
        elif original is None:
            found.unknown.append(entry)
        elif not os.path.lexists(original):
            found.put_back.append((entry, original))
        elif _same_file(entry, original):
            found.links.append(entry)
        elif state == "committing":
            found.undo.append((entry, original))
        else:
            found.unknown.append(entry)
    if found.unknown and state != "committed":
        _match_by_content(found, target, undo=state == "committing")
    new_paths, new_known = _new_paths_of(salvaged, found.roots)
    if state is None and _only_new_paths_file(found.roots):
        # Nothing was staged nor stashed: such a change is never "committed" (its
        # commit point is the journal's removal), so it had not finished.
        state = "staging"
    existing_new = [
        path
        for path in new_paths
        if target.within_roots(path) and os.path.lexists(path)
    ]
    if state in ("staging", "committing"):
        found.new_paths = existing_new
    if state == "committing":
        roots = [os.path.abspath(root) for root in found.roots]
        for staged, final, stash in salvaged.places:
            if (
                stash is None
                and _inside(staged, roots)
                and target.within_roots(final)
                and not os.path.lexists(staged)
                and os.path.lexists(final)
                and not _is_dir(final)
            ):
                found.new_files.append(final)
        found.created_dirs = [
            d for d in salvaged.created_dirs if target.within_roots(d) and _is_dir(d)
        ]
    for entry in found.unknown:
        root = next(r for r in found.roots if _inside(entry, [os.fspath(r)]))
        found.kept[entry] = os.fspath(_kept_name(root) / os.path.relpath(entry, root))
    restored = {
        os.path.normpath(place): "" for _, place in [*found.put_back, *found.undo]
    }
    if state == "staging" or (state is None and not found.roots):
        found.outcome = "before"  # nothing had moved (or nothing is left to judge)
    elif (
        state != "committed"
        and not stash_entries
        and _moved_untold(found.roots, {}, target, new_paths) == []
    ):
        found.outcome = "before"
    elif (
        state == "committing"
        and not found.unknown
        and _stashes_back(salvaged)
        and (
            added := _moved_untold(
                found.roots, {**restored, **_told(salvaged)}, target, new_paths
            )
        )
        is not None
    ):
        # Every file the wheels place is still staged, has a move the journal names
        # (undone above) or gets its old file back, and every stashed file goes
        # back. The rest moved into places that were empty (a file there would be
        # in the stash, and all of it has a place): new files, to remove. As before.
        found.new_files += [
            path for path in added if os.path.lexists(path) and not _is_dir(path)
        ]
        found.outcome = "before"
    elif state == "committed":
        found.outcome = "after"
    elif state == "committing" and salvaged.complete and not found.unknown:
        found.outcome = "before"
    elif state != "committed" and not found.unknown and not _slots(found.roots):
        # Nothing was staged (an uninstall): every move went into the stash, and
        # all of the stash goes back.
        found.outcome = "before"
    if state != "committed" and (not new_known or (state is None and existing_new)):
        found.outcome = None  # what it created in place cannot all be told
        found.new_paths = []
    if found.outcome is None:
        found.distributions = _touched(
            target,
            [
                *existing_new,
                *staged_finals,
                *(final for _, final, _ in salvaged.places),
                *(path for path, _ in salvaged.removes),
                *(place for _, place in [*found.put_back, *found.undo]),
            ],
            found.unknown,
        )
    return found


def _only_new_paths_file(roots: list[Path]) -> bool:
    """Whether the staging areas hold the copy of the new paths and nothing else."""
    from inst.install.transaction import NEW_PATHS_FILE

    try:
        return bool(roots) and all(
            os.listdir(root) == [NEW_PATHS_FILE] for root in roots
        )
    except OSError:
        return False


def _new_paths_of(salvaged: Salvaged, roots: list[Path]) -> tuple[list[str], bool]:
    """The paths the change created in place, and whether they are all known: from
    the journal, or else from the copy in its staging area (written before the
    journal, so a change without one had claimed none)."""
    from inst.install.transaction import NEW_PATHS, NEW_PATHS_FILE

    if salvaged.new_paths_complete:
        return list(salvaged.new_paths), True
    for root in roots:
        text = _read_text(os.fspath(root / NEW_PATHS_FILE))
        if text is None:
            continue
        with contextlib.suppress(ValueError, RecursionError, AttributeError):
            listed = json.loads(text).get(NEW_PATHS)
            if isinstance(listed, list) and all(isinstance(p, str) for p in listed):
                return listed, True
        return list(salvaged.new_paths), False
    return list(salvaged.new_paths), not salvaged.new_paths


def _moved_untold(
    roots: list[Path],
    told: dict[str, str],
    target: InstallTarget,
    new_paths: Sequence[str] = (),
) -> list[str] | None:
    """The files a staged wheel places (its RECORD, written last, lists them) that are
    neither still in the staging area nor named by told (final -> staged: the readable
    journal's places, and places an old file goes back to) nor below the change's
    new paths (removed); None when a wheel's RECORD cannot be found. An empty list, with an empty stash or one that all goes
    back, proves that the environment is as it was."""
    slots = _slots(roots)
    if not slots:
        return None
    untold: list[str] = []
    libs = [
        os.path.abspath(d)
        for d in [
            *target.lib_dirs,
            target.scheme.get("purelib", ""),
            target.scheme.get("platlib", ""),
        ]
        if d
    ]
    new_dist_infos = [
        path
        for path in new_paths
        if path.endswith(".dist-info") and os.path.dirname(path) in libs
    ]
    for directories in slots.values():
        record = _slot_record(directories, libs) or _new_record(
            directories, new_dist_infos
        )
        if record is None:
            return None
        final_record, text = record
        base = os.path.dirname(os.path.dirname(final_record))
        rows = _rows(text)
        if not rows:
            return None
        for row in rows:
            if not row:
                continue
            final = os.path.normpath(os.path.join(base, row[0]))
            if final in told or final in new_paths or _inside(final, new_paths):
                continue
            relative = final.lstrip(os.sep)
            if not any(os.path.lexists(d / relative) for d in directories):
                untold.append(final)
    return untold


def _slot_record(directories: list[Path], libs: list[str]) -> tuple[str, str] | None:
    """A slot's wheel's RECORD: its final place and text, read where it is (staged,
    or in place once it has moved: its staged .dist-info directory stays). Only the
    one directly in a library directory: a package may vendor other dist-info
    directories."""
    found: dict[str, str] = {}  # final -> where it is now
    for directory in directories:
        for lib in dict.fromkeys(libs):
            staged_lib = directory / lib.lstrip(os.sep)
            for dist_info in staged_lib.glob("*.dist-info"):
                if not _is_dir(os.fspath(dist_info)):
                    continue
                final = os.path.join(lib, dist_info.name, "RECORD")
                staged = os.fspath(dist_info / "RECORD")
                found[final] = staged if os.path.lexists(staged) else final
    if len(found) != 1:
        return None
    ((final, now),) = found.items()
    text = _read_text(now)
    return None if text is None else (final, text)


def _new_record(
    directories: list[Path], new_dist_infos: list[str]
) -> tuple[str, str] | None:
    """A slot's wheel's RECORD when its .dist-info directory was new (written in
    place, not staged): the one whose files' directories best match the slot's
    deepest directories (they stay once their files have moved), if just one does."""
    leaves: set[str] = set()
    for directory in directories:
        for top, subdirectories, names in os.walk(directory):
            if names or not subdirectories:
                relative = os.path.relpath(top, directory)
                leaves.add(os.path.normpath(os.path.join(os.sep, relative)))
    scores: dict[str, tuple[int, str]] = {}
    for dist_info in new_dist_infos:
        final = os.path.join(dist_info, "RECORD")
        text = _read_text(final)
        if text is None:
            continue
        base = os.path.dirname(dist_info)
        parents = {
            os.path.dirname(os.path.normpath(os.path.join(base, row[0])))
            for row in _rows(text)
            if row
        }
        scores[final] = (len(leaves & parents), text)
    ranked = sorted(scores.items(), key=lambda item: item[1][0], reverse=True)
    if not ranked or ranked[0][1][0] == 0:
        return None
    if len(ranked) > 1 and ranked[1][1][0] == ranked[0][1][0]:
        return None
    final, (_, text) = ranked[0]
    return final, text


def _told(salvaged: Salvaged) -> dict[str, str]:
    """final -> staged, of every place the readable journal names."""
    return {
        os.path.normpath(os.path.abspath(final)): os.path.abspath(staged)
        for staged, final, _ in salvaged.places
    }


def _stashes_back(salvaged: Salvaged) -> bool:
    """Whether every readable place that replaced a file and has moved still has that
    file in its stash (to go back)."""
    return all(
        os.path.lexists(staged) or os.path.lexists(stash)
        for staged, _, stash in salvaged.places
        if stash is not None
    )


def _slots(roots: list[Path]) -> dict[str, list[Path]]:
    """The staging areas' slots (one per wheel), by name: directories stay even once
    their files have moved into place."""
    slots: dict[str, list[Path]] = {}
    for root in roots:
        with contextlib.suppress(OSError):
            for name in os.listdir(root):
                if name != "stash" and _is_dir(os.fspath(root / name)):
                    slots.setdefault(name, []).append(root / name)
    return slots


def _match_by_content(found: Leftover, target: InstallTarget, *, undo: bool) -> None:
    """Place stashed files the journal no longer names by what they are: a RECORD
    names itself, and the RECORDs (installed or stashed) list every file's hash.

    A file goes back only where a RECORD row with its hash is empty (or, with undo,
    holds another file: the new version's), and only when as many stashed files as
    such places have that hash (identical files are interchangeable)."""
    libs = list(dict.fromkeys(os.path.abspath(d) for d in target.lib_dirs))
    records: list[tuple[str, str]] = []  # (RECORD's own place, its text)
    replaced: set[str] = set()  # the RECORDs the stash held: of versions replaced
    for lib in libs:
        with contextlib.suppress(OSError):
            for name in sorted(os.listdir(lib)):
                if name.endswith(".dist-info"):
                    record = os.path.join(lib, name, "RECORD")
                    text = _read_text(record)
                    if text is not None:
                        records.append((record, text))
    # The stashed RECORDs the journal places (back where they were at the end):
    # they list the old version's files, which the rest of the stash may hold.
    for entry, back in [*found.put_back, *found.undo]:
        if os.path.basename(back) == "RECORD" and os.path.dirname(back).endswith(
            ".dist-info"
        ):
            old = _read_text(entry)
            if old is not None:
                records.append((back, old))
                replaced.add(back)
    for entry in list(found.unknown):
        text = _read_text(entry)
        place = None if text is None else _record_place(text, libs)
        if (
            place is not None
            and target.within_roots(place)
            and _claim(found, entry, place, undo=undo)
        ):
            records.append((place, text or ""))
            replaced.add(place)
    # Places a stashed file already goes back to (the journal's, or by content).
    taken = {place for _, place in [*found.put_back, *found.undo]}
    wanted: dict[str, list[str]] = {}  # hash -> places that lack that file
    # hash -> places of a replaced version that hold that file: the new version's
    # file, the same as the old one (most files of an upgrade do not change).
    unchanged: dict[str, list[str]] = {}
    for record, text in records:
        base = os.path.dirname(os.path.dirname(record))
        for row in _rows(text):
            if len(row) < 2 or not row[1].startswith("sha256="):
                continue
            place = os.path.normpath(os.path.join(base, row[0]))
            if not target.within_roots(place) or _is_dir(place) or place in taken:
                continue
            current = _sha256(place) if os.path.lexists(place) else None
            if current == row[1] and record in replaced:
                same = unchanged.setdefault(row[1], [])
                if place not in same:
                    same.append(place)
            if current == row[1] or (current is not None and not undo):
                continue
            places = wanted.setdefault(row[1], [])
            if place not in places:
                places.append(place)
    have: dict[str, list[str]] = {}
    for entry in found.unknown:
        digest = _sha256(entry)
        if digest is not None:
            have.setdefault(digest, []).append(entry)
    for digest, entries in have.items():
        same = sorted(unchanged.get(digest, []))
        for entry in list(entries):  # linked into the stash, not yet replaced
            linked = next((p for p in same if _same_file(entry, p)), None)
            if linked is not None and _claim(found, entry, linked, undo=undo):
                entries.remove(entry)
                same.remove(linked)
        if not entries:
            continue
        places = sorted(wanted.get(digest, []))
        if not places and undo:  # back over the same content, as recover() would
            places = same
        if len(places) == len(entries):
            for entry, place in zip(sorted(entries), places):
                _claim(found, entry, place, undo=undo)


def _claim(found: Leftover, entry: str, place: str, *, undo: bool) -> bool:
    """Put entry back at place (if place is empty, or with undo); False if not."""
    if _same_file(entry, place):  # linked into the stash, not yet replaced
        found.links.append(entry)
    elif not os.path.lexists(place):
        found.put_back.append((entry, place))
    elif undo:
        found.undo.append((entry, place))
    else:
        return False
    found.unknown.remove(entry)
    return True


def _record_place(text: str, libs: list[str]) -> str | None:
    """Where a stashed RECORD belongs: it lists itself, in a .dist-info directory
    that is still there (directories stay until a change is finished)."""
    for row in _rows(text):
        parts = row[0].split("/") if row else []
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "RECORD":
            homes = [lib for lib in libs if _is_dir(os.path.join(lib, parts[0]))]
            if len(homes) == 1:
                return os.path.join(homes[0], parts[0], "RECORD")
    return None


def _rows(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(text.splitlines()))
    except csv.Error:
        return []


def _read_text(path: str) -> str | None:
    """A small regular file's text (a RECORD); None for anything else."""
    try:
        if os.path.islink(path) or not os.path.isfile(path):
            return None
        if os.path.getsize(path) > 16 * 1024 * 1024:
            return None
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except (OSError, UnicodeDecodeError):
        return None


def _sha256(path: str) -> str | None:
    """A regular file's hash as RECORD writes it."""
    from inst.hashing import file_digest, record_digest

    try:
        if os.path.islink(path) or not os.path.isfile(path):
            return None
        _, digest = file_digest(path)
    except OSError:
        return None
    return f"sha256={record_digest(digest)}"


def _problem(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError as error:
        return f"it is not valid JSON ({error})"
    except RecursionError:
        return "it is not valid JSON"
    if not isinstance(data, dict):
        return "it is not a JSON object"
    if data.get("state") not in _STATES:
        return "its state is missing or unknown"
    return "some of its entries are missing or of the wrong type"


def _roots(target: InstallTarget, tx_id: str, named: Iterable[str]) -> list[Path]:
    """The transaction's staging areas that exist: only ever paths of the two names
    inst gives them, whatever the damaged journal says."""
    candidates = [target.state_dir / f"tx-{tx_id}"]
    near = [*target.scheme.values(), *named]
    for directory in near:
        path = Path(os.path.abspath(directory))
        for ancestor in (path, *path.parents):
            candidates.append(ancestor / f".inst-tx-{tx_id}")
    found: dict[str, Path] = {}
    for candidate in candidates:
        key = os.path.normcase(os.path.abspath(candidate))
        if key not in found and _is_dir(os.fspath(candidate)):
            found[key] = Path(os.path.abspath(candidate))
    return list(found.values())


def _stash_entries(root: Path) -> list[str]:
    """The stash's entries, last moved first (as undone: in reverse order)."""
    stash = root / "stash"
    try:
        names = os.listdir(stash)
    except OSError:
        return []
    numbered = sorted((n for n in names if n.isdigit()), key=int, reverse=True)
    others = sorted(n for n in names if not n.isdigit())
    return [os.fspath(stash / name) for name in [*numbered, *others]]


def _staged_files(root: Path) -> list[tuple[str, str]]:
    """(staged, final) of every file staged below root, outside its stash."""
    files: list[tuple[str, str]] = []
    for top, directories, names in os.walk(root):
        if Path(top) == root:
            directories[:] = [d for d in directories if d != "stash"]
            continue  # a slot per wheel, never a file at the top
        names += [d for d in directories if os.path.islink(os.path.join(top, d))]
        for name in names:
            staged = os.path.join(top, name)
            parts = Path(os.path.relpath(staged, root)).parts[1:]  # without the slot
            if os.name == "nt" and parts and len(parts[0]) == 1:  # pragma: no cover
                final = os.path.join(parts[0] + ":\\", *parts[1:])
            else:
                final = os.path.join(os.sep, *parts)
            files.append((staged, final))
    return files


def _stash_places(salvaged: Salvaged, target: InstallTarget) -> dict[str, str]:
    """stash entry -> the place it was moved from, inside the target only."""
    pairs = [(stash, final) for _, final, stash in salvaged.places if stash]
    pairs += [(stash, path) for path, stash in salvaged.removes]
    return {
        os.path.abspath(stash): os.path.abspath(place)
        for stash, place in pairs
        if target.within_roots(place)
    }


def _touched(
    target: InstallTarget, paths: Iterable[str], stashed: Iterable[str]
) -> dict[str, str]:
    """The distributions the interrupted change was installing or removing, as far as
    the paths it named (``<lib>/<name>-<version>.dist-info/...``, files an installed
    RECORD lists) and the metadata among its stashed files tell."""
    found: dict[str, str] = {}
    # Only the library directories: the other scheme directories (the data one is
    # the environment itself) hold files of many distributions side by side.
    libs = [target.scheme.get(key, "") for key in ("purelib", "platlib")]
    libs = list(
        dict.fromkeys(os.path.abspath(d) for d in [*libs, *target.lib_dirs] if d)
    )
    tops: set[str] = set()
    for path in paths:
        lib = next((lib for lib in libs if _inside(path, [lib])), None)
        if lib is None:
            if target.within_roots(path):
                tops.add(os.path.normpath(os.path.abspath(path)))  # that file only
            continue
        first = Path(os.path.relpath(path, lib)).parts[0]
        if first.endswith(".dist-info"):
            name, _, version = first[: -len(".dist-info")].partition("-")
            _add(found, name, version)
        elif first == "__pycache__":  # shared by every top-level module
            tops.add(os.path.normpath(os.path.abspath(path)))
        else:
            tops.add(os.path.join(lib, first))
    for entry in stashed:
        metadata = _metadata_of(entry)
        if metadata is not None:
            _add(found, *metadata)
    if tops:
        for dist in target.installed().values():
            if _owns_any(dist.path, tops):
                _add(found, dist.display_name, str(dist.version))
    return found


def _add(found: dict[str, str], name: str, version: str) -> None:
    from packaging.utils import canonicalize_name

    key = canonicalize_name(name)
    versions = found.get(key, "")
    if version and version not in versions.split(", "):
        versions = f"{versions}, {version}" if versions else version
    found[key] = versions


def _owns_any(dist_info: Path, tops: set[str]) -> bool:
    try:
        with open(dist_info / "RECORD", encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    base = dist_info.parent
    for row in rows:
        if row:
            path = os.path.normpath(os.path.join(base, row[0]))
            if any(_inside(path, [top]) or path == top for top in tops):
                return True
    return False


def _metadata_of(entry: str) -> tuple[str, str] | None:
    """Name and version, if this stashed file is a distribution's METADATA."""
    try:
        if not os.path.isfile(entry) or os.path.islink(entry):
            return None
        with open(entry, "rb") as stream:
            head = stream.read(64 * 1024)
    except OSError:
        return None
    if not head.startswith(b"Metadata-Version:"):
        return None
    message = email.parser.BytesHeaderParser().parsebytes(head)
    name, version = message.get("Name"), message.get("Version")
    return (str(name).strip(), str(version or "").strip()) if name else None


# -- the repair ----------------------------------------------------------------------------


def repair(found: Leftover) -> None:
    """Do what inspect() decided; OSError if something cannot be done (what is done
    stays done: running inst repair again takes up the rest)."""
    for entry, place in found.put_back:
        os.makedirs(os.path.dirname(place), exist_ok=True)
        os.replace(entry, place)
    for entry, place in found.undo:
        if _is_dir(entry) and os.path.lexists(place) and not _is_dir(place):
            os.unlink(place)  # the file that took a directory's place
        os.replace(entry, place)
    for path in found.new_files:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    for path in found.new_paths:
        _remove_tree(Path(path))
    for directory in reversed(found.created_dirs):
        with contextlib.suppress(OSError):  # not empty: something else is there
            os.rmdir(directory)
    for root in found.roots:
        keep = [entry for entry in found.unknown if _inside(entry, [os.fspath(root)])]
        if not keep:
            _remove_tree(root)
            continue
        for name in os.listdir(root):  # the staged files; the stash's placed entries
            if name != "stash":
                _remove_tree(root / name)
        for name in os.listdir(root / "stash"):
            entry = os.fspath(root / "stash" / name)
            if entry not in keep:
                _remove_tree(Path(entry))
        os.replace(root, _kept_name(root))
    os.unlink(found.journal)


def _kept_name(root: Path) -> Path:
    if root.name.startswith("tx-"):
        return root.with_name(KEPT_PREFIX + root.name[len("tx-") :])
    return root.with_name(".inst-" + KEPT_PREFIX + root.name[len(".inst-tx-") :])


def _remove_tree(path: Path) -> None:
    if _is_dir(os.fspath(path)):
        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


# -- helpers -------------------------------------------------------------------------------


def _inside(path: str, directories: Iterable[str]) -> bool:
    path = os.path.normcase(os.path.abspath(path))
    return any(
        path.startswith(os.path.normcase(os.path.abspath(d)).rstrip(os.sep) + os.sep)
        for d in directories
    )


def _is_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False

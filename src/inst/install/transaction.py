"""All-or-nothing changes to the files of one environment.

A ``Transaction`` collects three kinds of change:

- new paths (``claim_new``): files and directories that do not exist yet (a new
  distribution's package directories, .dist-info, scripts). They are named in the
  journal, durably, before the first of them is created, and then written straight
  into their final place: nothing else can be there, and removing them undoes them;
- files to ``place`` over a file that exists (written beforehand into a staging
  directory on the same filesystem as their destination);
- files to ``remove``.

Nothing that exists in the environment changes until ``commit()``:

1. if anything existing changes, the journal (``<state_dir>/journal-<id>.json``) is
   written, naming every move;
2. each file to remove is moved into a stash; each file to place is moved over its
   destination, the file it replaces hard-linked into the stash first (so the
   destination never goes missing, even for a moment);
3. the journal is marked committed (or, when there is nothing to tidy up, removed:
   that is the commit point then), and the staging and stash directories deleted.

Every move is a rename within one filesystem. ``rollback()`` (an error, Ctrl-C,
SIGTERM) and ``recover()`` (the next inst after a SIGKILL or power loss) work out from
the journal and what exists on disk which moves happened and undo exactly those, and
remove the new paths, so the environment is always either as before or as after.
A journal of format 1 (inst before new paths) has none and is recovered as ever.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from inst.errors import InstError, Interrupted
from inst.install.paths import is_below
from inst.install.reporting import InstallReporter
from inst.install.state import JOURNAL_PREFIX, has_journal, unreadable_journals
from inst.interrupts import change_made, change_under_way

_FORMAT = 2
#: The journal's key of the new paths (format 2), written right after the state.
NEW_PATHS = "new_paths"
#: The copy of the new paths in the staging area (for `inst repair`).
NEW_PATHS_FILE = "new-paths.json"


class Abandoned(Exception):
    """Raised in a thread still staging files for a transaction being rolled back."""


class Transaction:
    """Changes to an environment's files, applied together by commit().

    reported: the run's own change (to the environment it was asked to change), which
    is what an interrupted run's message speaks of; False for a build environment."""

    def __init__(
        self, state_dir: Path, *, keep_dirs: Iterable[str] = (), reported: bool = True
    ) -> None:
        self.state_dir = state_dir
        self.reported = reported
        self.id = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.journal = state_dir / f"{JOURNAL_PREFIX}{self.id}.json"
        # Directories that stay even when emptied (the scheme directories).
        self.keep_dirs = {_key(directory) for directory in keep_dirs}
        self._roots: dict[int, Path] = {}  # staging root per filesystem (st_dev)
        self._places: dict[str, str] = {}  # final path -> staged path; the last wins
        self._removes: dict[str, None] = {}
        self._new: dict[str, None] = {}  # claimed new paths, absolute
        self._new_dirs: dict[str, bool] = {}  # directory -> whether below a new path
        self._staged = False  # a file was staged (placed) or a stash made
        self._lock = threading.Lock()
        self._plan: _Plan | None = None
        self._done = False
        self._abandoned = threading.Event()
        self.replaced_twice: list[str] = []  # finals two packages both placed

    # -- collecting ---------------------------------------------------------------------

    def stage_root(self, near: str | Path) -> Path:
        """A private directory on the same filesystem as ``near`` to stage files in."""
        self._check_abandoned()
        device = _device(Path(near))
        with self._lock:
            root = self._roots.get(device)
            if root is None:
                if device == _device(self.state_dir):
                    root = self.state_dir / f"tx-{self.id}"
                else:  # another mount: stage beside the destination instead
                    beside = _existing_ancestor(Path(near))
                    if not beside.is_dir():  # near is a file: stage in its directory
                        beside = beside.parent
                    root = beside / f".inst-tx-{self.id}"
                self._roots[device] = root
                # Named in the journal before it exists: a kill now leaves nothing
                # that recover() does not know of.
                self._write_journal({"state": "staging", "roots": self._root_list()})
                root.mkdir(parents=True, exist_ok=True)
            return root

    def claim_new(self, paths: Iterable[str | Path]) -> None:
        """Paths that do not exist (nothing is there, not even a broken symlink) and
        that the caller will create directly in place, with whatever they hold. They
        are in the journal, durably, when this returns; rollback and recover() remove
        them, so the caller must not create anything else below them."""
        self._check_abandoned()
        with self._lock:
            added = False
            for path in paths:
                key = os.path.abspath(path)
                if key not in self._new:
                    self._new[key] = None
                    added = True
            if not added:
                return
            self._new_dirs.clear()
            # Also in the staging area (NEW_PATHS_FILE), written first: `inst repair`
            # reads them there when the journal is damaged. Only the journal is
            # made durable (two fsyncs less per install): after a power cut it is
            # the journal that recover() reads, and the copy is there for a journal
            # damaged later, by when the system has written the copy out too. A kill before the
            # journal leaves a staging area no journal names, which recover()
            # removes; nothing new is created before both are written.
            root = self.state_dir / f"tx-{self.id}"
            self._roots.setdefault(_device(self.state_dir), root)
            root.mkdir(parents=True, exist_ok=True)
            _write_durably(
                root / NEW_PATHS_FILE, {NEW_PATHS: list(self._new)}, sync=False
            )
            self._write_journal({"state": "staging", "roots": self._root_list()})

    def is_new(self, path: str | Path) -> bool:
        """Whether path is a claimed new path or lies below one (so it is written in
        place, not staged)."""
        key = os.path.abspath(path)
        return key in self._new or self._below_new(os.path.dirname(key))

    def _below_new(self, directory: str) -> bool:
        known = self._new_dirs.get(directory)
        if known is None:
            parent = os.path.dirname(directory)
            known = directory in self._new or (
                parent != directory and self._below_new(parent)
            )
            self._new_dirs[directory] = known
        return known

    def place(self, staged: str | Path, final: str | Path) -> None:
        """At commit, move the staged file to final (replacing what is there)."""
        self._check_abandoned()
        key = os.path.abspath(final)
        with self._lock:
            if key in self._places:
                self.replaced_twice.append(key)
            self._places[key] = os.fspath(staged)
            self._staged = True

    def placed_twice(self, final: str | Path) -> None:
        """A new path two wheels both wrote in place (the last one stays)."""
        with self._lock:
            self.replaced_twice.append(os.path.abspath(final))

    def remove(self, path: str | Path) -> None:
        """At commit, take the file away (kept in the stash until the end)."""
        with self._lock:
            self._removes[os.path.abspath(path)] = None

    def abandon(self) -> None:
        """Threads still staging files stop at their next one (raising Abandoned):
        the transaction is rolled back once they have."""
        self._abandoned.set()

    def check_abandoned(self) -> None:
        """Raise Abandoned once the transaction is being rolled back."""
        self._check_abandoned()

    def _check_abandoned(self) -> None:
        if self._abandoned.is_set():
            raise Abandoned("the transaction is being rolled back")

    def placements(self) -> list[tuple[str, str]]:
        """(staged, final) of every file to place, so far."""
        with self._lock:
            return [(staged, final) for final, staged in self._places.items()]

    # -- applying -----------------------------------------------------------------------

    def commit(self) -> None:
        self._check_abandoned()
        plan = self._make_plan()
        self._plan = plan
        moves = bool(plan.places or plan.removes)
        if moves:
            self._write_journal({"state": "committing", **plan.to_json()})
            plan.apply()
        # keep_dirs: so that recover() can prune emptied directories as commit() does
        keep = sorted(self.keep_dirs)
        # The journal saying "committed" is the commit point; with nothing to tidy up
        # (no staging area, nothing removed: a fresh install), the journal's removal
        # is. A signal from here on waits until the staging area is tidied up too,
        # then stops inst, which says that the change is complete.
        with _signals_deferred():
            if moves or self._staged:
                self._write_journal(
                    {"state": "committed", "keep_dirs": keep, **plan.to_json()}
                )
            else:
                _unlink_durably(self.journal)
            self._done = True
            if self.reported:
                change_made()
            plan.clean_up(self.keep_dirs)
            _unlink(self.journal)

    def rollback(self) -> None:
        if self._done:
            return
        self._done = True
        self.abandon()
        with _signals_held():
            if self._plan is not None:
                self._plan.undo()
            remove_new_paths(self._new)
            for root in self._roots.values():
                shutil.rmtree(root, ignore_errors=True)
            _unlink(self.journal)
            _unlink(_temporary(self.journal))  # a journal cut short while written

    def _make_plan(self) -> _Plan:
        stashes: dict[int, Path] = {}
        counter = 0

        def stash_for(path: str) -> str:
            nonlocal counter
            parent = Path(path).parent
            device = _device(parent)
            directory = stashes.get(device)
            if directory is None:
                # the directory, not the file: a symlink's target may be elsewhere
                directory = stashes[device] = self.stage_root(parent) / "stash"
                directory.mkdir(exist_ok=True)
            counter += 1
            return os.fspath(directory / str(counter))

        places = [
            (staged, final, stash_for(final) if os.path.lexists(final) else None)
            for final, staged in self._places.items()
        ]
        removes = [
            (path, stash_for(path))
            for path in self._removes
            if path not in self._places and os.path.lexists(path)
        ]
        created: dict[str, None] = {}
        for _, final, _ in places:
            for directory in _missing_parents(os.path.dirname(final)):
                created[directory] = None
        return _Plan(self._root_list(), list(created), places, removes)

    def _root_list(self) -> list[str]:
        return [os.fspath(root) for root in self._roots.values()]

    def _write_journal(self, data: dict[str, Any]) -> None:
        # The new paths come right after the state: inst repair salvages a damaged
        # journal from its start.
        _write_durably(
            self.journal,
            {
                "format": _FORMAT,
                "state": data["state"],
                NEW_PATHS: list(self._new),
                **data,
            },
        )


class _Plan:
    """The moves of one commit, and how to do, undo or finish them."""

    def __init__(
        self,
        roots: list[str],
        created_dirs: list[str],
        places: list[tuple[str, str, str | None]],  # staged, final, stash
        removes: list[tuple[str, str]],  # path, stash
    ) -> None:
        self.roots = roots
        self.created_dirs = created_dirs
        self.places = places
        self.removes = removes

    def to_json(self) -> dict[str, Any]:
        return {
            "roots": self.roots,
            "created_dirs": self.created_dirs,
            "places": self.places,
            "removes": self.removes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> _Plan:
        return cls(
            [str(root) for root in data.get("roots", [])],
            [str(directory) for directory in data.get("created_dirs", [])],
            [
                (str(a), str(b), None if c is None else str(c))
                for a, b, c in data.get("places", [])
            ],
            [(str(a), str(b)) for a, b in data.get("removes", [])],
        )

    def apply(self) -> None:
        # Removals first: a file the old version had may stand where the new one
        # has a directory.
        for path, removed in self.removes:
            os.replace(path, removed)
        for directory in self.created_dirs:
            with contextlib.suppress(FileExistsError):
                os.mkdir(directory)
        for staged, final, stash in self.places:
            if stash is not None:
                try:  # the old file stays at final until the new one replaces it
                    os.link(final, stash, follow_symlinks=False)
                except OSError:  # no hard links here: a moment without the file
                    if _is_dir(final) and not _only_directories(final):
                        # a directory (links to one always fail): moving it aside
                        # would delete the files it holds at the end
                        raise IsADirectoryError(
                            errno.EISDIR, os.strerror(errno.EISDIR), final
                        ) from None
                    os.replace(final, stash)
            os.replace(staged, final)

    def undo(self) -> None:
        """Put back what apply() had done, judging each move by what is on disk."""
        for staged, final, stash in reversed(self.places):
            if stash is not None:
                if os.path.lexists(stash):
                    if _is_dir(stash) and os.path.lexists(final) and not _is_dir(final):
                        _unlink(Path(final))  # the file that took a directory's place
                    os.replace(stash, final)
            elif not os.path.lexists(staged) and os.path.lexists(final):
                _unlink(Path(final))
        for directory in reversed(self.created_dirs):
            with contextlib.suppress(OSError):  # not empty: something else is there
                os.rmdir(directory)
        # After the directories: a removed file may go back where one was made.
        for path, stash in reversed(self.removes):
            if os.path.lexists(stash):
                os.replace(stash, path)
        self.clean_up(set())

    def clean_up(self, keep_dirs: set[str]) -> None:
        for root in self.roots:
            shutil.rmtree(root, ignore_errors=True)
        if keep_dirs:
            _prune_empty_parents((path for path, _ in self.removes), keep_dirs)


@contextlib.contextmanager
def transaction(
    state_dir: Path, *, keep_dirs: Iterable[str] = (), reported: bool = True
) -> Iterator[Transaction]:
    """A Transaction that is rolled back unless the body commits it; SIGTERM during
    the body unwinds it like Ctrl-C."""
    changes = Transaction(state_dir, keep_dirs=keep_dirs, reported=reported)
    if reported:
        change_under_way()
    try:
        with sigterm_unwinds():
            yield changes
    finally:
        changes.rollback()  # a no-op after commit()


@contextlib.contextmanager
def changing(
    state_dir: Path,
    *,
    label: str,
    keep_dirs: Iterable[str],
    timeout: float,
    reported: bool = True,
    repair_options: Sequence[str] = (),
    reporter: InstallReporter | None = None,
) -> Iterator[Transaction]:
    """The target locked, what a killed inst left there recovered, and a transaction
    that is rolled back unless the body commits it (reported: see Transaction).

    A journal that cannot be read stops it: the target may be half changed, and only
    ``inst repair`` (with ``repair_options`` to name the same target) settles it."""
    from inst.locking import locked

    reporter = reporter or InstallReporter()
    waiting = reporter.waiting_for_lock
    with locked(state_dir, timeout=timeout, label=label, waiting=waiting):
        say_recovered(recover(state_dir), label, reporter)
        _refuse_unreadable(state_dir, label, repair_options)
        with transaction(state_dir, keep_dirs=keep_dirs, reported=reported) as changes:
            yield changes


def recover(state_dir: Path) -> list[str]:
    """Finish or undo what an inst that was killed left; call with the lock held.

    Returns one line per journal handled, for the user."""
    said: list[str] = []
    try:
        names = sorted(os.listdir(state_dir))
    except OSError:
        return said
    for name in names:
        path = state_dir / name
        if name.startswith(".") and name.endswith(".tmp"):
            _unlink(path)  # a journal being written when inst died
            continue
        if not (name.startswith(JOURNAL_PREFIX) and name.endswith(".json")):
            continue
        read = read_journal(path)
        if read is None:
            # Left as it is, with its staging directory: only `inst repair` may judge
            # what it left (changing() refuses to go on, settle() warns).
            continue
        data, state, plan = read
        new_paths = [str(p) for p in data.get(NEW_PATHS, [])]
        if state == "committing":
            plan.undo()
            remove_new_paths(new_paths)
            said.append("undid an install or uninstall that was interrupted midway")
        elif state == "staging" and new_paths:
            plan.clean_up(set())
            remove_new_paths(new_paths)
            said.append("undid an install that was interrupted before it was complete")
        elif state == "committed":
            # Without the scheme directories (an older journal), prune nothing rather
            # than risk removing an empty directory that belongs there.
            plan.clean_up({str(directory) for directory in data.get("keep_dirs", [])})
            said.append("finished cleaning up after an interrupted install")
        else:
            plan.clean_up(set())
        _unlink(path)
    for name in names:  # staging dirs that no journal names (killed before writing it)
        if name.startswith("tx-") and not (state_dir / name).is_symlink():
            if (state_dir / f"{JOURNAL_PREFIX}{name[3:]}.json").exists():
                continue  # an unreadable journal's: its stash may hold the old files
            shutil.rmtree(state_dir / name, ignore_errors=True)
    return said


def read_journal(path: Path) -> tuple[dict[str, Any], str, _Plan] | None:
    """The journal's data, state and plan; None if it cannot be read (format 1, of
    inst before new paths, reads as a format 2 journal without any)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        new_paths = data.get(NEW_PATHS, [])
        if not isinstance(new_paths, list) or not all(
            isinstance(item, str) for item in new_paths
        ):
            return None
        return data, data["state"], _Plan.from_json(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def remove_new_paths(paths: Iterable[str]) -> None:
    """Remove what a transaction created in place (its claimed new paths): nothing
    was there before, so what is there now is its own."""
    for path in paths:
        if _is_dir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            _unlink(Path(path))


def settle(
    state_dir: Path,
    *,
    label: str,
    timeout: float = 60.0,
    repair_options: Sequence[str] = (),
    reporter: InstallReporter | None = None,
) -> None:
    """Before reading an environment: wait for an inst changing it, and recover what a
    killed one left, so what is read is a state before or after, never between."""
    if not has_journal(state_dir):
        return
    from inst.locking import locked

    reporter = reporter or InstallReporter()
    try:
        waiting = reporter.waiting_for_lock
        with locked(state_dir, timeout=timeout, label=label, waiting=waiting):
            say_recovered(recover(state_dir), label, reporter)
    except (InstError, OSError) as error:  # read-only here: show what is there
        reporter.warning(
            f"{label} has an unfinished change that inst could not settle: {error}"
        )
        return
    journals = unreadable_journals(state_dir)
    if journals:  # read-only here: say so once, and show what is there
        from inst.install.repair import unreadable_warning

        reporter.warning(unreadable_warning(journals, label, repair_options))


def _refuse_unreadable(state_dir: Path, label: str, options: Sequence[str]) -> None:
    journals = unreadable_journals(state_dir)
    if journals:  # the repair machinery is loaded only when it is needed
        from inst.install.repair import unreadable_error

        raise unreadable_error(journals, label, options)


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While in the body, SIGTERM raises Interrupted (so transactions roll back).
    A handler in place already is left there: inst's own (main() as a program, which
    raises Interrupted once, so that a second SIGTERM does not cut the unwinding
    short), or SIG_IGN (the parent asked for that)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # pragma: no cover - not settable here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGTERM and Ctrl-C wait until the body is done, then take effect: after the
    commit point, stopping halfway through tidying up would only leave work behind.
    (What inst then says comes from inst.interrupts: the change is complete.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        arrived.append(signum)

    held = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, remember) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if signal.SIGINT in arrived:
        raise KeyboardInterrupt
    if arrived:
        raise Interrupted


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Undoing is not itself interrupted by SIGTERM or Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# -- helpers ------------------------------------------------------------------------------


def _key(path: str | Path) -> str:
    return os.path.normcase(os.path.abspath(path))


def _device(path: Path) -> int:
    return _existing_ancestor(path).stat().st_dev


def _existing_ancestor(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _missing_parents(directory: str) -> list[str]:
    """The directories to create for ``directory`` to exist, outermost first."""
    missing: list[str] = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return list(reversed(missing))


def _is_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _only_directories(path: str) -> bool:
    """Whether the directory tree at path holds nothing but (empty) directories."""
    for top, directories, files in os.walk(path):
        if files or any(os.path.islink(os.path.join(top, d)) for d in directories):
            return False
    return True


def _prune_empty_parents(paths: Iterable[str], keep_dirs: set[str]) -> None:
    """Remove directories emptied by removals, deepest first, never a kept one."""
    candidates: set[str] = set()
    for path in paths:
        directory = os.path.dirname(path)
        while directory and _key(directory) not in keep_dirs:
            if directory in candidates:
                break
            candidates.add(directory)
            parent = os.path.dirname(directory)
            if parent == directory:
                break
            directory = parent
    # Only directories below a kept one: never climb out of the environment.
    inside = [
        directory
        for directory in candidates
        if any(is_below(_key(directory), kept) for kept in keep_dirs)
    ]
    for directory in sorted(inside, key=len, reverse=True):
        with contextlib.suppress(OSError):
            os.rmdir(directory)


def _write_durably(path: Path, data: dict[str, Any], *, sync: bool = True) -> None:
    """Replace path's content atomically and (sync) make it survive a power cut."""
    temporary = _temporary(path)
    with open(temporary, "w", encoding="utf-8") as stream:
        json.dump(data, stream, separators=(",", ":"))
        stream.flush()
        if sync:
            os.fsync(stream.fileno())
    os.replace(temporary, path)
    if sync and os.name != "nt":
        descriptor = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _unlink_durably(path: Path) -> None:
    """Remove path and make its removal survive a power cut."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return  # never written: the transaction changed nothing
    if os.name != "nt":
        descriptor = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _temporary(journal: Path) -> Path:
    return journal.with_name(f".{journal.name}.tmp")


def _unlink(path: Path) -> None:
    # NotADirectoryError: below a file, nothing of ours can be there.
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        os.unlink(path)


def say_recovered(
    lines: list[str], label: str, reporter: InstallReporter | None
) -> None:
    for line in lines:
        (reporter or InstallReporter()).recovered(label, line)

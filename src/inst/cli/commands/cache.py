"""``inst cache dir | info | list [PATTERN] | remove PATTERN | purge``, as pip's, and
``inst cache verify``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import InstError, UsageError

if TYPE_CHECKING:
    from inst.cache import Cache
    from inst.cache_layout import Removal
    from inst.settings.resolve import Settings

SUMMARY = (
    "Show, clean and check inst's cache: downloaded files, HTTP responses, metadata "
    "and unpacked wheels."
)

ACTIONS = {
    "dir": (0, 0),
    "info": (0, 0),
    "list": (0, 1),
    "remove": (1, 1),
    "purge": (0, 0),
    "verify": (0, 0),
}

EPILOG = """\
actions:
  dir                  show the cache directory
  info                 show where each part of the cache is, its size and its files
  list [PATTERN]       list the cached wheels and sdists (--format abspath: their paths)
  remove PATTERN       remove the cached wheels and sdists that PATTERN selects
  purge                remove everything inst keeps in the cache
  verify               hash every file of the unpacked wheels again, against its
                       wheel's RECORD, and drop the unpacked wheels that fail

PATTERN is a glob over project names, as in pip: `requests`, `Django*`; with a hyphen
it reaches into the version: `requests-2.*`. Any spelling of a name matches
(`typing.extensions` finds typing_extensions-4.0.0-py3-none-any.whl)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "action", nargs="?", choices=list(ACTIONS), metavar="ACTION", help="see below"
    )
    parser.add_argument("words", nargs="*", metavar="PATTERN", help="for list, remove")
    # Not "format": that dest is the option table's `inst list --format`.
    parser.add_argument(
        "--format",
        dest="cache_list_format",
        choices=("human", "abspath"),
        default="human",
        help="how `inst cache list` shows files: names and sizes (human, the default) "
        "or absolute paths (abspath)",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    action: str | None = args.action
    if action is None:
        raise UsageError(
            f"`inst cache` needs an action: {', '.join(ACTIONS)}",
            hint="run `inst cache --help` to see what each does",
        )
    words: list[str] = args.words
    least, most = ACTIONS[action]
    if len(words) > most:
        if most == 0:
            raise UsageError(
                f"`inst cache {action}` takes no arguments, got: {' '.join(words)}"
            )
        raise UsageError(
            f"`inst cache {action}` takes one PATTERN, got {len(words)}: "
            f"{' '.join(words)}",
            hint="quote a PATTERN with * or ?, or the shell expands it into file names",
        )
    if len(words) < least:
        raise UsageError(
            f"`inst cache {action}` needs a PATTERN",
            hint="name a project (`inst cache remove requests`), or use `inst cache "
            "purge` to remove everything",
        )
    cache = _cache(settings)
    if action == "dir":
        ui.output(str(cache.directory))
        return 0
    if action == "info":
        return _info(cache)
    if action == "list":
        return _list(cache, words[0] if words else None, args.cache_list_format)
    if action == "verify":
        return _verify(cache)
    if action == "remove" and words[0] != "*":
        return _remove(cache, words[0])
    return _purge(cache)  # `remove '*'` is purge, as in pip


def _cache(settings: Settings) -> Cache:
    """The cache where the settings put it, usable or not (`inst cache` is how to
    look at one that cannot be written)."""
    from inst.cache import Cache
    from inst.session import cache_location

    root = cache_location(settings)
    if root is None:
        origin = settings.setting("no-cache-dir").origin
        raise InstError(
            "`inst cache` cannot work with the cache turned off",
            why=f"the cache is off because of no-cache-dir (from {origin})",
            hint="drop --no-cache-dir, or unset it where it is set; `inst config debug "
            "cache` shows where",
        )
    # As pip shows it, whatever the spelling.
    return Cache(Path(os.path.abspath(root)))


def _info(cache: Cache) -> int:
    from inst.ui.progress import format_size

    parts = cache.usage()
    ui.output(f"Cache location: {cache.directory}")
    for usage in parts:
        title = usage.part.title
        ui.output(f"{title} location: {usage.path}")
        ui.output(f"{title} size: {format_size(usage.size)}")
        ui.output(f"Number of {usage.part.counted}: {usage.files}")
    total, files = sum(u.size for u in parts), sum(u.files for u in parts)
    ui.output(
        f"Total size: {format_size(total)} in {files} file{'s' if files != 1 else ''}"
    )
    return 0


def _list(cache: Cache, pattern: str | None, format: str) -> int:
    from inst.cache_layout import matches
    from inst.ui.progress import format_size

    dists = [
        dist
        for dist in cache.downloads.dists()
        if pattern is None or matches(dist.filename, pattern)
    ]
    if format == "abspath":
        for dist in dists:
            ui.output(str(dist.entry.path))
        return 0
    if not dists:
        if pattern is None:
            ui.info("No distribution files cached.")
        else:
            ui.info(f'No cached distribution files for pattern "{pattern}".')
        return 0
    ui.info("Cache contents:\n")
    for dist in dists:
        ui.output(f" - {dist.filename} ({format_size(dist.entry.size)})")
    return 0


def _remove(cache: Cache, pattern: str) -> int:
    from inst.cache_layout import matches

    chosen = [
        dist.entry.path
        for dist in cache.downloads.dists()
        if matches(dist.filename, pattern)
    ]
    if not chosen:
        ui.warning(f'No matching packages for pattern "{pattern}"')
    return _report(cache.downloads.remove(chosen))


def _purge(cache: Cache) -> int:
    removal = cache.purge()
    if not removal.removed and not removal.failed:
        ui.warning("No matching packages")
    return _report(removal)


def _verify(cache: Cache) -> int:
    """Check every unpacked wheel whole; drop those that fail (unless another inst
    has replaced one with a sound copy meanwhile)."""
    from inst.cache_layout import walk
    from inst.install.unpacked import UnpackedWheels
    from inst.ui.progress import format_size

    assert cache.directory is not None  # `inst cache` refuses the null cache
    unpacked = UnpackedWheels(cache.unpacked, cache.directory, verify=True)
    checked = dropped = checked_size = dropped_size = 0
    failed = False
    for place in cache.unpacked.entries():
        size = sum(entry.size for entry in walk(place))
        checked, checked_size = checked + 1, checked_size + size
        problem = unpacked.problem(place)
        if problem is None:
            continue
        found = unpacked.cached(place)
        label = f"{found.manifest.filename} ({place})" if found else str(place)
        try:
            gone = unpacked.discard(place)
        except OSError as error:
            ui.warning(f"cannot drop {label}: {error.strerror or error}")
            failed = True
            continue
        if gone:
            ui.warning(f"dropped the unpacked wheel {label}: {problem}")
            dropped, dropped_size = dropped + 1, dropped_size + size
    ui.output(f"Unpacked wheels checked: {checked} ({format_size(checked_size)})")
    ui.output(f"Unpacked wheels dropped: {dropped} ({format_size(dropped_size)})")
    return 1 if failed else 0


def _report(removal: Removal) -> int:
    for path in removal.removed:
        ui.detail(f"Removed {path}")
    for path, why in removal.failed:
        ui.warning(f"cannot remove {path}: {why}")
    ui.info(f"Files removed: {len(removal.removed)}")
    return 1 if removal.failed else 0

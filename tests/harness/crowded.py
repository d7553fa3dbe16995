"""Run inst as one of a crowd sharing a cache, with the windows of their races widened.

    python tests/harness/crowded.py SEED COUNT MEETING-DIR -- inst-arguments...

COUNT of these, started at once with SEEDs 0 to COUNT-1, one MEETING-DIR and one cache
directory, meet in the cache of unpacked wheels in the worst order, every time:

- each process that unpacks a wheel into the cache waits, once the wheel is unpacked
  into its temporary directory, until all COUNT have unpacked it (so that none finds
  the wheel in the cache and all of them unpack it), then SEED x 0.1 s more: they
  move their copies into the cache one after the other;
- every hard link made from the cache waits 30 ms: process 0 is still linking from
  the entries while the others finish with the same wheels;
- removing an entry of the cache from its place (not a temporary directory) takes
  two seconds more, as on a busy disk where removing many files takes a while: the
  entry is missing for all that time.

A process that does not unpack some wheel leaves the others waiting for it for 10 s at
most. Nothing else changes.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

_UNPACKED = f"{os.sep}unpacked{os.sep}"
_PATIENCE = 10.0


def install(seed: int, count: int, meeting: Path) -> None:
    # unpacked.py imports the archive checks when it unpacks a wheel: patched there.
    from inst.wheel import checks

    inspect_wheel = checks.inspect_wheel
    link = os.link
    rmtree = shutil.rmtree

    def meet(wheel: str) -> None:
        here = meeting / wheel
        here.mkdir(parents=True, exist_ok=True)
        (here / str(seed)).touch()
        deadline = time.monotonic() + _PATIENCE
        while len(os.listdir(here)) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1 * seed)

    def crowded_inspect(
        path: Path, *, extract_to: Path | None = None, **options: Any
    ) -> Any:
        manifest = inspect_wheel(path, extract_to=extract_to, **options)
        if extract_to is not None and _UNPACKED in str(extract_to):
            meet(Path(path).name)
        return manifest

    def slow_link(source: Any, destination: Any, *args: Any, **kwargs: Any) -> None:
        if _UNPACKED in os.fsdecode(source):
            time.sleep(0.03)
        link(source, destination, *args, **kwargs)

    def slow_rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
        name = os.fsdecode(path)
        removing = os.path.exists(name) and _UNPACKED in name
        rmtree(path, *args, **kwargs)
        if removing and not os.path.basename(name).startswith("."):
            time.sleep(2.0)

    shutil.rmtree = slow_rmtree
    checks.inspect_wheel = crowded_inspect  # type: ignore[assignment]
    os.link = slow_link


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    install(int(argv[0]), int(argv[1]), Path(argv[2]))
    from inst.cli.main import main as inst_main

    return inst_main(argv[4:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Time inst against pip, side by side in one run, and print medians and the ratio.

    python tools/bench                 # every workload
    python tools/bench version help    # some of them
    python tools/bench --runs 21 --list

Each round runs inst and pip once each, in alternating order, so drift on the machine
(caches, load) hits both alike. Both run as `python -m ...` under the same interpreter
(the install-*, install-sdist* and wheel-* workloads run pip from inside its own venv,
see installing.py and building.py). Workloads live in workloads.py: add one there to
measure a new feature. A workload may prepare fixtures first (the resolve-* and
install-* ones build a local index from the wheels of `python
tools/fetch_bench_wheels.py`, see resolution.py; the wheel-* and install-sdist* ones
build from the backend wheels of `python tools/fetch_backends.py`, see building.py)
and is skipped, with the reason, when it can't; one with warmup runs each command once
untimed first; one may set up each run untimed (before_each: a fresh venv to install
into, a fresh copy of a tree to build) and check the results after each round. A
workload whose command fails or whose check finds a problem is reported FAILED
(details on stderr) and the exit status is 1.

Next to the times: the peak memory of each command, the largest over its timed runs
(see run_once for what it covers).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

# `python tools/bench` puts this folder first on sys.path, so its modules import directly.
from workloads import WORKLOADS, Workload


class WorkloadFailed(Exception):
    """A command failed, or its results did not pass the workload's check."""


def run_once(
    command: list[str], env: dict[str, str] | None
) -> tuple[float, int | None]:
    """Run command; return its wall time and its peak memory in KiB (None if unknown).

    The peak memory is ru_maxrss of the rusage os.wait4 returns for the command's
    process: on Linux the largest resident set of that process and of every
    descendant it waited for (pip run by `pip --python` in another interpreter,
    inst's interpreter probe and --compile workers), whichever was largest. It is
    not the sum of processes running at the same time: inst's parallel compile
    workers, each smaller than inst, do not add up there. A descendant left running
    unwaited would not count; neither tool does that.
    """
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env)
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            # KiB on Linux, bytes on macOS.
            peak: int | None = (
                usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
            )
        else:  # Windows: time only
            process.wait()
            elapsed = time.perf_counter() - start
            peak = None
        if process.returncode != 0:
            stderr.seek(0)
            stdout.seek(0)
            output = stderr.read() or stdout.read()
            raise WorkloadFailed(
                f"{' '.join(command)} failed ({process.returncode}):\n"
                + output.decode(errors="replace")
            )
    return elapsed, peak


@dataclass
class Result:
    inst_median: float
    pip_median: float
    # The largest peak memory of a timed run, in KiB; None where unknown.
    inst_peak: int | None
    pip_peak: int | None


def _largest(peaks: list[int | None]) -> int | None:
    known = [peak for peak in peaks if peak is not None]
    return max(known) if known else None


def measure(workload: Workload, runs: int) -> Result:
    commands = {"inst": workload.inst, "pip": workload.pip}
    times: dict[str, list[float]] = {"inst": [], "pip": []}
    peaks: dict[str, list[int | None]] = {"inst": [], "pip": []}
    env = workload.env()

    def run(tool: str) -> tuple[float, int | None]:
        if workload.before_each:
            workload.before_each(tool)  # untimed
        return run_once(commands[tool], env)

    def check(after: str) -> None:
        problem = workload.check() if workload.check else None
        if problem:
            raise WorkloadFailed(f"after {after}: {problem}")

    if workload.warmup:
        for tool in commands:
            run(tool)
        check("the warmup")
    for round_number in range(runs):
        order = ["inst", "pip"] if round_number % 2 == 0 else ["pip", "inst"]
        for tool in order:
            elapsed, peak = run(tool)
            times[tool].append(elapsed)
            peaks[tool].append(peak)
        check(f"round {round_number + 1}")
    return Result(
        statistics.median(times["inst"]),
        statistics.median(times["pip"]),
        _largest(peaks["inst"]),
        _largest(peaks["pip"]),
    )


def _megabytes(peak: int | None) -> str:
    return "-" if peak is None else f"{peak / 1024:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description="Time inst against pip.")
    parser.add_argument(
        "workloads", nargs="*", help="names of workloads (default: all)"
    )
    parser.add_argument("--runs", type=int, default=11, help="rounds per workload")
    parser.add_argument(
        "--list", action="store_true", help="list the workloads and exit"
    )
    args = parser.parse_args()
    if args.list:
        width = max(16, *(len(name) for name in WORKLOADS))
        for workload in WORKLOADS.values():
            print(f"{workload.name:<{width}} {workload.description}")
        return 0
    unknown = [name for name in args.workloads if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}; see --list")
    chosen = [WORKLOADS[name] for name in args.workloads] or list(WORKLOADS.values())
    width = max(16, *(len(workload.name) for workload in chosen))
    print(
        f"python {sys.version.split()[0]}, {args.runs} rounds each, medians"
        " (peak memory: the largest of the timed runs)"
    )
    print(
        f"{'workload':<{width}} {'inst':>9} {'pip':>9} {'inst/pip':>9}"
        f"  {'peak MB inst / pip':>19}"
    )
    status = 0
    for workload in chosen:
        skip_reason = workload.prepare() if workload.prepare else None
        if skip_reason:
            print(f"{workload.name:<{width}} skipped: {skip_reason}")
            continue
        try:
            result = measure(workload, args.runs)
        except WorkloadFailed as failure:
            print(f"{workload.name:<{width}} FAILED (see below)", flush=True)
            print(f"bench: {workload.name}: {failure}", file=sys.stderr, flush=True)
            status = 1
            continue
        ratio = result.inst_median / result.pip_median
        peak_inst = _megabytes(result.inst_peak)
        peak_pip = _megabytes(result.pip_peak)
        print(
            f"{workload.name:<{width}} {result.inst_median:>8.3f}s"
            f" {result.pip_median:>8.3f}s {ratio:>9.2f}"
            f"  {peak_inst:>13} / {peak_pip}",
            flush=True,
        )
    return status


if __name__ == "__main__":
    sys.exit(main())

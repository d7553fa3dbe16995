"""Time inst against pip and uv, side by side in one run; print medians and ratios.

    python tools/bench                 # every workload
    python tools/bench version help    # some of them
    python tools/bench --runs 21 --list

Each round runs inst, pip and uv once each, in rotating order, so drift on the
machine (caches, load) hits all alike. uv is installed by the bench itself, with pip,
at the version pinned in tools/bench-uv.txt (see uvtool.py); when it can't be, or with
--no-uv, or for a workload uv has no equivalent of, uv's column reads n/a (with the
reason) and inst and pip are timed as ever. inst and pip run as `python -m ...` under the same interpreter
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
from dataclasses import dataclass, field
from pathlib import Path

# `python tools/bench` puts this folder first on sys.path, so its modules import directly.
import uvtool
from workloads import WORKLOADS, Workload


class WorkloadFailed(Exception):
    """A command failed, or its results did not pass the workload's check."""


def run_once(
    command: list[str], env: dict[str, str] | None
) -> tuple[float, int | None, float | None]:
    """Run command; return its wall time, its peak memory in KiB and its CPU time in
    seconds (None where unknown).

    The CPU time is user plus system time of the rusage os.wait4 returns: the
    command's process and every descendant it waited for.

    The peak memory is ru_maxrss of the command's process: on Linux the largest
    resident set of that process and of every descendant it waited for (pip run by
    `pip --python` in another interpreter, inst's interpreter probe and --compile
    workers), whichever was largest. It is not the sum of processes running at the
    same time: inst's parallel compile workers, each smaller than inst, do not add up
    there. A descendant left running unwaited would not count; neither tool does
    that. Where GNU time is there, the command runs under it and its %M is that
    figure: a process forked from the bench inherits the bench's own resident set
    as its ru_maxrss (Linux keeps the largest of before and after exec), so read
    directly, every tool would seem to need at least what the bench holds.
    """
    with (
        tempfile.TemporaryFile() as stdout,
        tempfile.TemporaryFile() as stderr,
        tempfile.NamedTemporaryFile() as measured,
    ):
        timer = _gnu_time()
        if timer is not None:
            command = [timer, "-f", "%M", "-o", measured.name, *command]
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
            if timer is not None:
                peak = _kib(Path(measured.name))
            cpu: float | None = usage.ru_utime + usage.ru_stime
        else:  # Windows: time only
            process.wait()
            elapsed = time.perf_counter() - start
            peak = cpu = None
        if process.returncode != 0:
            stderr.seek(0)
            stdout.seek(0)
            output = stderr.read() or stdout.read()
            raise WorkloadFailed(
                f"{' '.join(command)} failed ({process.returncode}):\n"
                + output.decode(errors="replace")
            )
    return elapsed, peak, cpu


_timer: list[str | None] = []  # the one answer of _gnu_time


def _gnu_time() -> str | None:
    """/usr/bin/time when it is GNU time (-f and -o work), else None (checked once)."""
    if not _timer:
        found = None
        if os.path.exists("/usr/bin/time"):
            with tempfile.NamedTemporaryFile() as out:
                check = [
                    "/usr/bin/time",
                    "-f",
                    "%M",
                    "-o",
                    out.name,
                    sys.executable,
                    "-c",
                    "",
                ]
                done = subprocess.run(check, capture_output=True, check=False)
                if done.returncode == 0 and _kib(Path(out.name)) is not None:
                    found = "/usr/bin/time"
        _timer.append(found)
    return _timer[0]


def _kib(path: Path) -> int | None:
    """The last line of GNU time's -o file, the peak resident set in KiB."""
    try:
        return int(path.read_text(encoding="utf-8").split()[-1])
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Result:
    # tool -> the median time of its timed runs, and the largest peak memory of
    # them in KiB (None where unknown).
    medians: dict[str, float]
    peaks: dict[str, int | None]
    # tool -> the median CPU time (user + system) of its timed runs, where known.
    cpu: dict[str, float] = field(default_factory=dict)


def _largest(peaks: list[int | None]) -> int | None:
    known = [peak for peak in peaks if peak is not None]
    return max(known) if known else None


def commands_of(workload: Workload, *, uv: bool) -> dict[str, list[str]]:
    """The commands a workload times, by tool, inst first: uv's only when uv is
    there and the workload has one."""
    commands = {"inst": workload.inst, "pip": workload.pip}
    if uv and workload.uv is not None:
        commands["uv"] = workload.uv
    if workload.baseline is not None:
        commands["python"] = workload.baseline
    return commands


def rotation(tools: list[str], round_number: int) -> list[str]:
    """The order of the tools in a round: each round starts one later than the last,
    so every tool runs first, in the middle and last equally often."""
    shift = round_number % len(tools)
    return tools[shift:] + tools[:shift]


def measure(workload: Workload, runs: int, *, uv: bool = False) -> Result:
    commands = commands_of(workload, uv=uv)
    tools = list(commands)
    times: dict[str, list[float]] = {tool: [] for tool in tools}
    peaks: dict[str, list[int | None]] = {tool: [] for tool in tools}
    cpus: dict[str, list[float]] = {tool: [] for tool in tools}
    env = workload.env()

    def run(tool: str) -> tuple[float, int | None, float | None]:
        if workload.before_each:
            workload.before_each(tool)  # untimed
        return run_once(commands[tool], env)

    def check(after: str) -> None:
        problem = workload.check(tools) if workload.check else None
        if problem:
            raise WorkloadFailed(f"after {after}: {problem}")

    if workload.warmup:
        for tool in tools:
            run(tool)
        check("the warmup")
    for round_number in range(runs):
        for tool in rotation(tools, round_number):
            elapsed, peak, cpu = run(tool)
            times[tool].append(elapsed)
            peaks[tool].append(peak)
            if cpu is not None:
                cpus[tool].append(cpu)
        check(f"round {round_number + 1}")
    return Result(
        {tool: statistics.median(times[tool]) for tool in tools},
        {tool: _largest(peaks[tool]) for tool in tools},
        {tool: statistics.median(cpus[tool]) for tool in tools if cpus[tool]},
    )


def _megabytes(peak: int | None) -> str:
    return "-" if peak is None else f"{peak / 1024:.1f}"


def format_line(name: str, width: int, result: Result) -> str:
    """A workload's line: times, ratios inst/pip and inst/uv, peak memory."""
    medians, peaks = result.medians, result.peaks
    uv_time = f"{medians['uv']:>8.3f}s" if "uv" in medians else f"{'n/a':>9}"
    inst_uv = f"{medians['inst'] / medians['uv']:>8.2f}" if "uv" in medians else "n/a"
    memory = " / ".join(
        _megabytes(peaks[tool]) if tool in peaks else "n/a"
        for tool in ("inst", "pip", "uv")
    )
    line = (
        f"{name:<{width}} {medians['inst']:>8.3f}s {medians['pip']:>8.3f}s {uv_time}"
        f" {medians['inst'] / medians['pip']:>8.2f} {inst_uv:>8}  {memory:>24}"
    )
    cpu = result.cpu
    if "inst" in cpu and "uv" in cpu and cpu["uv"] > 0:
        line += (
            f"  cpu {cpu['inst']:.3f}s/{cpu['uv']:.3f}s = {cpu['inst'] / cpu['uv']:.2f}"
        )
    if "python" in medians:
        line += (
            f"  (python -c pass {medians['python']:.3f}s,"
            f" inst/python {medians['inst'] / medians['python']:.2f})"
        )
    return line


def _positive_int(text: str) -> int:
    """--runs: a median needs at least one timed run."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description="Time inst against pip and uv.")
    parser.add_argument(
        "workloads", nargs="*", help="names of workloads (default: all)"
    )
    parser.add_argument(
        "--runs", type=_positive_int, default=11, help="rounds per workload (1 or more)"
    )
    parser.add_argument(
        "--list", action="store_true", help="list the workloads and exit"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="skip the workloads that reach the public index (marked [network])",
    )
    parser.add_argument(
        "--no-uv",
        action="store_true",
        help="time inst and pip only (uv's column reads n/a)",
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
    uv_missing = "--no-uv was given" if args.no_uv else uvtool.ensure()
    print(
        f"python {sys.version.split()[0]}, {args.runs} rounds each, medians"
        " (peak memory: the largest of the timed runs)"
    )
    if uv_missing:
        print(f"uv: n/a, {uv_missing}")
    else:
        print(f"uv: {uvtool.pin()} ({uvtool.BIN})")
    print(
        f"{'workload':<{width}} {'inst':>9} {'pip':>9} {'uv':>9}"
        f" {'inst/pip':>8} {'inst/uv':>8}  {'peak MB inst / pip / uv':>24}"
    )
    status = 0
    for workload in chosen:
        if workload.network and args.offline:
            print(f"{workload.name:<{width}} skipped: needs the network (--offline)")
            continue
        skip_reason = workload.prepare() if workload.prepare else None
        if skip_reason:
            print(f"{workload.name:<{width}} skipped: {skip_reason}")
            continue
        try:
            result = measure(workload, args.runs, uv=not uv_missing)
        except WorkloadFailed as failure:
            print(f"{workload.name:<{width}} FAILED (see below)", flush=True)
            print(f"bench: {workload.name}: {failure}", file=sys.stderr, flush=True)
            status = 1
            continue
        line = format_line(workload.name, width, result)
        if workload.uv is None and not uv_missing:
            line += f"  (uv n/a: {workload.no_uv})"
        print(line, flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())

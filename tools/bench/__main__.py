"""Time inst against pip, side by side in one run, and print medians and the ratio.

    python tools/bench                 # every workload
    python tools/bench version help    # some of them
    python tools/bench --runs 21 --list

Each round runs inst and pip once each, in alternating order, so drift on the machine
(caches, load) hits both alike. Both run as `python -m ...` under the same interpreter.
Workloads live in workloads.py: add one there to measure a new feature. A workload
may prepare fixtures first (the resolve-* ones build a local index from the wheels of
`python tools/fetch_bench_wheels.py`, see resolution.py) and is skipped, with the
reason, when it can't; one with warmup runs each command once untimed first.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

# `python tools/bench` puts this folder first on sys.path, so its modules import directly.
from workloads import WORKLOADS, Workload


def time_once(command: list[str], env: dict[str, str] | None) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(
            f"bench: {' '.join(command)} failed ({result.returncode}):\n"
            + result.stderr.decode(errors="replace")
        )
    return elapsed


def measure(workload: Workload, runs: int) -> tuple[float, float]:
    inst_times: list[float] = []
    pip_times: list[float] = []
    env = workload.env()
    if workload.warmup:
        for command in (workload.inst, workload.pip):
            time_once(command, env)
    for round_number in range(runs):
        pair = [(workload.inst, inst_times), (workload.pip, pip_times)]
        for command, times in pair if round_number % 2 == 0 else reversed(pair):
            times.append(time_once(command, env))
    return statistics.median(inst_times), statistics.median(pip_times)


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
        for workload in WORKLOADS.values():
            print(f"{workload.name:<16} {workload.description}")
        return 0
    unknown = [name for name in args.workloads if name not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}; see --list")
    chosen = [WORKLOADS[name] for name in args.workloads] or list(WORKLOADS.values())
    print(f"python {sys.version.split()[0]}, {args.runs} rounds each, medians")
    print(f"{'workload':<16} {'inst':>9} {'pip':>9} {'inst/pip':>9}")
    for workload in chosen:
        skip_reason = workload.prepare() if workload.prepare else None
        if skip_reason:
            print(f"{workload.name:<16} skipped: {skip_reason}")
            continue
        inst_median, pip_median = measure(workload, args.runs)
        ratio = inst_median / pip_median
        print(
            f"{workload.name:<16} {inst_median:>8.3f}s {pip_median:>8.3f}s {ratio:>9.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Resolve the most downloaded projects with inst and with pip, and compare the answers.

    python tools/realworld --top 300 --no-deps
    python tools/realworld --top 120 --deps
    python tools/realworld --from 301 --to 800 --no-deps --jobs 3
    python tools/realworld --only numpy pandas --deps

Run it with the project venv's python (it needs `packaging`; inst is taken from beside
that interpreter unless --inst names another command). It needs the network, the
default index (pip's, named by pip at run time), so it is no part of the test suite:
run it after every change to finding, resolving or building.

For each project, both tools run `install --dry-run --report FILE` for the same fresh
target interpreter (--python, a venv with nothing installed), without or with
dependencies, isolated from this machine's pip and inst configuration (envs.py). The
reports are compared (compare.py): the (name, version) set to install and the file each
would take. Each project is one of: same, different, failed, internal error. The table of
counts and the reason for every project that is not the same are printed, and written
with every log and report to the output dir (runs.py). After an internal error inst is
run again with -v, and the innermost frame of inst's traceback is shown; after a version
difference the index is asked what it says of the two versions (explain.py).

Exit status: 0 when every project is the same or failed alike, 1 otherwise (130 when
interrupted; the projects done by then are summarised).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

# `python tools/realworld` puts this folder first on sys.path, so its modules import directly.
import compare
import envs
import explain
import runs
from projects import Project, read_projects, select

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Context:
    """What every project's check needs: the setup, the options, where to write."""

    setup: envs.Setup
    args: argparse.Namespace
    out: Path
    index: str  # pip's default index
    tags: list[str]  # the target's wheel tags, most preferred first
    python: str  # the target's version


@dataclass
class Outcome:
    project: Project
    verdict: compare.Verdict
    inst_seconds: float
    pip_seconds: float


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python tools/realworld",
        description="Resolve the most downloaded projects with inst and pip; compare.",
    )
    which = parser.add_argument_group("which projects (ranks in top-projects.txt)")
    which.add_argument("--top", type=int, help="the N most downloaded (ranks 1..N)")
    which.add_argument("--from", dest="first", type=int, help="first rank (default 1)")
    which.add_argument("--to", dest="last", type=int, help="last rank")
    which.add_argument("--only", nargs="+", metavar="NAME", help="these projects")
    parser.add_argument(
        "--deps",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="resolve with dependencies (default: --no-deps)",
    )
    parser.add_argument("--jobs", type=int, default=3, help="projects at once (max 4)")
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds per command (then failed)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for reports and logs (default: the temp dir's"
        " inst-realworld/deps or nodeps; reused, so a rerun replaces it)",
    )
    parser.add_argument(
        "--inst",
        help="the command that runs inst (default: inst beside this interpreter)",
    )
    parser.add_argument(
        "--python", default="python3.11", help="target interpreter (default python3.11)"
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=envs.default_root(),
        help="venvs and caches (default ~/.cache/inst-realworld)",
    )
    parser.add_argument(
        "--reuse-pip",
        type=float,
        metavar="HOURS",
        default=0,
        help="take pip's answer from the output dir when younger than HOURS; a"
        " project that then differs is run by pip again before it is judged",
    )
    parser.add_argument(
        "--no-explain",
        action="store_true",
        help="do not ask the index about version differences",
    )
    parser.add_argument(
        "--projects",
        type=Path,
        default=HERE / "top-projects.txt",
        help="the ranked list (default: top-projects.txt beside this file)",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.jobs <= 4:
        parser.error("--jobs must be 1 to 4 (2 cores, and be gentle with the index)")
    if args.top is not None and (args.first is not None or args.last is not None):
        parser.error("--top cannot go with --from/--to")
    return args


def check_project(project: Project, context: Context) -> Outcome:
    setup, args = context.setup, context.args
    folder = context.out / project.folder
    folder.mkdir(parents=True, exist_ok=True)
    deps = bool(args.deps)

    def run_pip() -> compare.Run:
        report = folder / "pip.json"
        command = runs.pip_command(setup, project.name, report, deps=deps)
        return runs.run("pip", command, report, folder / "pip.log", setup, args.timeout)

    pip = _reused_pip(folder, args.reuse_pip)
    reused = pip is not None
    if pip is None:
        pip = run_pip()
    report = folder / "inst.json"
    inst = runs.run(
        "inst",
        runs.inst_command(setup, project.name, report, deps=deps),
        report,
        folder / "inst.log",
        setup,
        args.timeout,
    )
    verdict = compare.judge(inst, pip)
    if reused and verdict.verdict != compare.SAME:
        pip = run_pip()
        verdict = compare.judge(inst, pip)
    if verdict.verdict == compare.INTERNAL:
        _add_traceback(project, setup, folder, verdict, deps, args.timeout)
    if verdict.verdict == compare.DIFFERENT and not args.no_explain:
        _add_index_facts(context, verdict)
    runs.save_verdict(
        folder,
        {
            "rank": project.rank,
            "name": project.name,
            "verdict": verdict.verdict,
            "reasons": verdict.reasons,
            "notes": verdict.notes,
        },
    )
    return Outcome(project, verdict, inst.seconds, pip.seconds)


def _reused_pip(folder: Path, hours: float) -> compare.Run | None:
    if hours <= 0:
        return None
    log = folder / "pip.log"
    try:
        age = time.time() - log.stat().st_mtime
    except OSError:
        return None
    return runs.load("pip", folder) if age < hours * 3600 else None


def _add_traceback(
    project: Project,
    setup: envs.Setup,
    folder: Path,
    verdict: compare.Verdict,
    deps: bool,
    timeout: float,
) -> None:
    report = folder / "inst-v.json"
    command = runs.inst_command(setup, project.name, report, deps=deps, verbose=True)
    verbose = runs.run("inst", command, report, folder / "inst-v.log", setup, timeout)
    site = compare.traceback_site(verbose.output)
    exception = compare.last_exception_line(verbose.output)
    if site or exception:
        verdict.reasons.append(f"at {site or '?'}: {exception or '?'}")


def _add_index_facts(context: Context, verdict: compare.Verdict) -> None:
    for name, (inst_version, pip_version) in sorted(verdict.version_pairs.items()):
        facts = explain.explain(
            context.index, name, inst_version, pip_version, context.tags, context.python
        )
        if facts:
            verdict.reasons.append(f"index: {name} {facts}")


def default_out(deps: bool) -> Path:
    return (
        Path(tempfile.gettempdir()) / "inst-realworld" / ("deps" if deps else "nodeps")
    )


def summary_lines(
    outcomes: list[Outcome], versions: dict[str, str], deps: bool, span: str
) -> list[str]:
    counts = Counter(outcome.verdict.verdict for outcome in outcomes)
    mode = "with dependencies" if deps else "without dependencies"
    head = (
        f"realworld: {span}, {mode}; Python {versions['python']},"
        f" pip {versions['pip']}, {versions['inst']}"
    )
    lines = [head, ""]
    lines += [
        f"  {verdict:<15} {counts.get(verdict, 0):>4}" for verdict in compare.VERDICTS
    ]
    lines.append(f"  {'total':<15} {len(outcomes):>4}")
    inst_time = sum(o.inst_seconds for o in outcomes)
    pip_time = sum(o.pip_seconds for o in outcomes)
    lines.append(f"  (command time: inst {inst_time:.0f} s, pip {pip_time:.0f} s)")
    others = [o for o in outcomes if o.verdict.verdict != compare.SAME]
    if others:
        lines += ["", "Not the same:"]
        for outcome in others:
            project = outcome.project
            lines.append(
                f"  #{project.rank_text} {project.name}: {outcome.verdict.verdict}"
            )
            lines += [f"      {reason}" for reason in outcome.verdict.reasons]
    lines += note_lines(outcomes)
    return lines


def note_lines(outcomes: list[Outcome]) -> list[str]:
    """The notes ("dist: what"), by what, with how many distributions and a few names."""
    by_what: dict[str, set[str]] = {}
    for outcome in outcomes:
        for note in outcome.verdict.notes:
            dist, _, what = note.partition(": ")
            by_what.setdefault(what, set()).add(dist)
    if not by_what:
        return []
    lines = ["", "Notes (not counted as differences), distributions affected:"]
    for what, dists in sorted(by_what.items(), key=lambda item: -len(item[1])):
        names = sorted(dists)
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        lines.append(f"  {len(names):>4}  {what} ({shown})")
    return lines


def check_all(chosen: list[Project], context: Context) -> tuple[list[Outcome], bool]:
    """Check the projects, a few at once; the outcomes, and whether Ctrl-C cut it short."""
    outcomes: list[Outcome] = []
    interrupted = False
    pool = ThreadPoolExecutor(max_workers=context.args.jobs)
    try:
        futures = [pool.submit(check_project, project, context) for project in chosen]
        for done, future in enumerate(as_completed(futures), 1):
            outcome = future.result()
            outcomes.append(outcome)
            verdict = outcome.verdict
            first = verdict.reasons[0] if verdict.reasons else ""
            print(
                f"[{done:>3}/{len(chosen)}] #{outcome.project.rank_text}"
                f" {outcome.project.name}: {verdict.verdict}"
                + (f" - {first}" if first else ""),
                file=sys.stderr,
                flush=True,
            )
    except KeyboardInterrupt:
        interrupted = True
        pool.shutdown(wait=False, cancel_futures=True)
        runs.stop_all()
        print("realworld: interrupted; partial results follow", file=sys.stderr)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    outcomes.sort(key=lambda o: (o.project.rank or 10**9, o.project.name))
    return outcomes, interrupted


def write_results(
    out: Path,
    lines: list[str],
    versions: dict[str, str],
    args: argparse.Namespace,
    span: str,
    outcomes: list[Outcome],
) -> None:
    (out / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = {
        "versions": versions,
        "deps": args.deps,
        "span": span,
        "projects": [
            {
                "rank": o.project.rank,
                "name": o.project.name,
                "verdict": o.verdict.verdict,
                "reasons": o.verdict.reasons,
                "notes": o.verdict.notes,
                "inst_seconds": round(o.inst_seconds, 2),
                "pip_seconds": round(o.pip_seconds, 2),
            }
            for o in outcomes
        ],
    }
    (out / "results.json").write_text(
        json.dumps(results, indent=2) + "\n", encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    ranked = read_projects(args.projects)
    chosen, span = select(ranked, args.top, args.first, args.last, args.only)
    out = args.out or default_out(args.deps)
    out.mkdir(parents=True, exist_ok=True)
    inst = shlex.split(args.inst) if args.inst else envs.default_inst_command()
    setup = envs.prepare(args.root, args.python, inst)
    try:
        versions = envs.describe(setup)
        context = Context(
            setup,
            args,
            out,
            versions["index"],
            envs.target_tags(setup),
            versions["python"],
        )
        print(
            f"realworld: {len(chosen)} projects ({span}),"
            f" {'with' if args.deps else 'no'} deps, {args.jobs} jobs; logs in {out}",
            file=sys.stderr,
            flush=True,
        )
        outcomes, interrupted = check_all(chosen, context)
    finally:
        envs.remove_target(setup)
    lines = summary_lines(outcomes, versions, args.deps, span)
    print("\n".join(lines))
    write_results(out, lines, versions, args, span, outcomes)
    if interrupted:
        return 130
    return 0 if all(o.verdict.as_pip for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

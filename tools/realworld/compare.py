"""Judge one project: what inst did beside what pip did, as one verdict with reasons.

Pure functions over the runs' exit codes, output and reports (pip's `--report` JSON,
format 1), so they are tested offline (tests/unit/test_realworld_tool.py). Asking the
index why a version was passed over is explain.py's job; this module only reads what the
two reports say.

The verdicts, in the words of issue 11:
  same            both resolved, to the same (name, version) set and the same files
  different       both resolved, to different answers; or pip failed and inst did not;
                  or inst's report lacks what pip's holds (core metadata)
  failed          both failed; or inst failed with a clear `error:` paragraph (while
                  pip resolved: the reason says so); or inst ran out of time
  internal error  inst printed "internal error" or a traceback, died of a signal, exited
                  1 with no `error:` paragraph, or said it succeeded without a report
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

SAME = "same"
DIFFERENT = "different"
FAILED = "failed"
INTERNAL = "internal error"
VERDICTS = (SAME, DIFFERENT, FAILED, INTERNAL)


@dataclass
class Run:
    """One command's outcome. returncode None: it was stopped at the time limit."""

    tool: str
    returncode: int | None
    output: str  # stderr, then stdout
    report: dict[str, Any] | None  # the parsed --report, None if absent or unreadable
    seconds: float = 0.0
    report_problem: str | None = None  # why a report that exists did not parse

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.report is not None


@dataclass(frozen=True)
class Choice:
    """One distribution a report would install."""

    name: str  # canonical
    version: str
    filename: str
    has_metadata: bool
    yanked: bool
    requires_python: str | None

    @property
    def kind(self) -> str:
        return "wheel" if self.filename.endswith(".whl") else "sdist"


@dataclass
class Verdict:
    verdict: str
    reasons: list[str] = field(default_factory=list)
    # Differences that do not change the verdict (metadata fields), for the notes.
    notes: list[str] = field(default_factory=list)
    # The (inst, pip) version pairs of the differences, for explain.py to look into.
    version_pairs: dict[str, tuple[str | None, str | None]] = field(
        default_factory=dict
    )
    # For FAILED: pip failed as well, and neither ran out of time (a time-out says
    # nothing of the answer).
    failed_alike: bool = False

    @property
    def as_pip(self) -> bool:
        """inst answered as pip did: the same resolution, or both failed."""
        if self.verdict == SAME:
            return True
        return self.verdict == FAILED and self.failed_alike


def read_report(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The report at path, or None and why not (None, None when there is none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, None
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read the report: {exc}"
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"the report is not JSON: {exc}"
    if not isinstance(report, dict) or not isinstance(report.get("install"), list):
        return None, "the report has no `install` list"
    return report, None


def _from_filename(filename: str) -> tuple[str, str] | None:
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return str(name), str(version)


def choices(report: dict[str, Any]) -> dict[str, Choice]:
    """The report's install list, by canonical name.

    Name and version come from the core metadata; where it is missing (issue 11 item
    16) from the file's name, so the rest can still be compared.
    """
    found: dict[str, Choice] = {}
    for item in report["install"]:
        metadata = item.get("metadata") or {}
        url = (item.get("download_info") or {}).get("url", "")
        filename = url.split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        name, version = metadata.get("name"), metadata.get("version")
        has_metadata = bool(name and version)
        if not has_metadata:
            parsed = _from_filename(filename)
            name, version = parsed if parsed else (filename or "?", "?")
        key = str(canonicalize_name(str(name)))
        found[key] = Choice(
            name=key,
            version=_normal_version(str(version)),
            filename=filename,
            has_metadata=has_metadata,
            yanked=bool(item.get("is_yanked")),
            requires_python=metadata.get("requires_python"),
        )
    return found


def _normal_version(text: str) -> str:
    try:
        return str(Version(text))
    except InvalidVersion:
        return text


def python_version(report: dict[str, Any]) -> str | None:
    environment = report.get("environment") or {}
    value = environment.get("python_full_version")
    return str(value) if value else None


# -- what a run's output says ------------------------------------------------------------

_TRACEBACK = "Traceback (most recent call last)"


def internal_error(run: Run) -> str | None:
    """Why inst's run counts as an internal error, or None.

    Only inst's own words count: its "internal error" paragraph, or a traceback at the
    start of a line. A build backend's traceback, which inst shows as `  | ` lines
    before a clear `error:` (a build that failed), is not inst's.
    """
    if run.timed_out:
        return None
    match = re.search(
        r"^error: inst hit an internal error \((.*?)\)\. This is a bug",
        run.output,
        re.DOTALL | re.MULTILINE,
    )
    if match:
        return f"internal error: {_one_line(match.group(1))}"
    if re.search(r"^error:.*internal error", run.output, re.MULTILINE):
        return f"internal error: {first_error(run)}"
    if re.search(rf"^{re.escape(_TRACEBACK)}", run.output, re.MULTILINE):
        return f"traceback: {last_exception_line(run.output) or 'see the log'}"
    if run.returncode is not None and run.returncode < 0:
        return f"killed by signal {-run.returncode}"
    if run.returncode not in (0, 1):
        return f"exit code {run.returncode}"
    if run.returncode == 1 and not re.search(r"^error:", run.output, re.MULTILINE):
        return "exit code 1 without an `error:` paragraph"
    if run.returncode == 0 and run.report is None:
        return run.report_problem or "exit code 0 but no report was written"
    return None


def first_error(run: Run) -> str:
    """The first line of the tool's error message (inst's `error:`, pip's `ERROR:`)."""
    if run.timed_out:
        return "timed out"
    lines = run.output.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(("error:", "ERROR:")):
            text = line.split(":", 1)[1].strip()
            # A short head line ("error: subprocess-exited-with-error") says little:
            # add the next non-blank line.
            following = [rest.strip() for rest in lines[index + 1 :] if rest.strip()]
            if len(text) < 40 and following:
                text = f"{text} {following[0]}"
            return _one_line(text)
    tail = [line for line in lines if line.strip()]
    return _one_line(tail[-1]) if tail else f"exit code {run.returncode}, no output"


def last_exception_line(output: str) -> str | None:
    """The exception line that ends the last traceback in output."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if _TRACEBACK in line]
    if not starts:
        return None
    for line in lines[starts[-1] + 1 :]:
        if line and not line.startswith((" ", "\t")) and _TRACEBACK not in line:
            return _one_line(line)
    return None


def traceback_site(output: str) -> str | None:
    """The innermost frame in inst's own code of the last traceback: 'file:line in f'."""
    lines = output.splitlines()
    starts = [i for i, line in enumerate(lines) if _TRACEBACK in line]
    if not starts:
        return None
    frame = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<f>\S+)')
    sites = []
    for line in lines[starts[-1] :]:
        match = frame.match(line)
        if match and "/inst/" in match["path"].replace("\\", "/"):
            path = match["path"].replace("\\", "/")
            short = "src/inst/" + path.split("/inst/", 1)[1]
            sites.append(f"{short}:{match['line']} in {match['f']}")
    if not sites:
        return None
    # A comprehension or lambda says little alone: name the function around it too.
    if sites[-1].endswith(">") and len(sites) > 1:
        return f"{sites[-1]} (from {sites[-2]})"
    return sites[-1]


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# -- the verdict -------------------------------------------------------------------------


def judge(inst: Run, pip: Run) -> Verdict:
    internal = internal_error(inst)
    if internal:
        return Verdict(INTERNAL, [internal])
    if not inst.ok:
        why = (
            f"inst timed out after {inst.seconds:.0f} s"
            if inst.timed_out
            else f"inst: {first_error(inst)}"
        )
        if pip.ok:
            return Verdict(FAILED, [why, "pip resolved it"])
        return Verdict(
            FAILED,
            [why, f"pip also failed: {first_error(pip)}"],
            failed_alike=not inst.timed_out and not pip.timed_out,
        )
    assert inst.report is not None
    if not pip.ok:
        reason = pip.report_problem if pip.returncode == 0 else first_error(pip)
        return Verdict(
            DIFFERENT,
            [f"pip failed ({reason}) and inst did not"],
            version_pairs={
                c.name: (c.version, None) for c in choices(inst.report).values()
            },
        )
    assert pip.report is not None
    return compare_reports(inst.report, pip.report)


def compare_reports(inst: dict[str, Any], pip: dict[str, Any]) -> Verdict:
    """Two successful reports: the same (name, version) set and files, or what differs."""
    ours, theirs = choices(inst), choices(pip)
    target = python_version(pip) or python_version(inst)
    verdict = Verdict(SAME)
    reasons = verdict.reasons
    for name in sorted(ours):
        if not ours[name].has_metadata:
            reasons.append(
                f"{name}: inst's report has no core metadata (pip's has it; issue 11 item 16)"
            )
    for name in sorted(set(ours) - set(theirs)):
        reasons.append(f"{name} {ours[name].version}: only inst installs it")
        verdict.version_pairs[name] = (ours[name].version, None)
    for name in sorted(set(theirs) - set(ours)):
        reasons.append(f"{name} {theirs[name].version}: only pip installs it")
        verdict.version_pairs[name] = (None, theirs[name].version)
    for name in sorted(set(ours) & set(theirs)):
        a, b = ours[name], theirs[name]
        if a.version != b.version:
            reasons.append(version_difference(a, b, target))
            verdict.version_pairs[name] = (a.version, b.version)
        elif a.filename != b.filename:
            reasons.append(file_difference(a, b))
        else:
            verdict.notes += metadata_notes(name, inst, pip)
    if reasons:
        verdict.verdict = DIFFERENT
    return verdict


def version_difference(inst: Choice, pip: Choice, target: str | None) -> str:
    """'name: inst X, pip Y', and what the reports say about the newer of the two."""
    text = f"{inst.name}: inst chose {inst.version}, pip {pip.version}"
    try:
        inst_newer = Version(inst.version) > Version(pip.version)
    except InvalidVersion:
        return text
    newer, newer_tool = (inst, "inst") if inst_newer else (pip, "pip")
    facts = choice_facts(newer, target)
    if facts:
        text += f" ({newer_tool}'s {newer.version}: {'; '.join(facts)})"
    return text


def choice_facts(choice: Choice, target: str | None) -> list[str]:
    """What makes a chosen release suspect: yanked, pre-release, requires-python."""
    facts = []
    if choice.yanked:
        facts.append("yanked")
    try:
        if Version(choice.version).is_prerelease:
            facts.append("a pre-release")
    except InvalidVersion:
        facts.append("not a valid version")
    if choice.requires_python and target:
        try:
            if not SpecifierSet(choice.requires_python).contains(
                target, prereleases=True
            ):
                facts.append(
                    f"requires-python {choice.requires_python!r} excludes {target}"
                )
        except (InvalidSpecifier, InvalidVersion):
            facts.append(f"requires-python {choice.requires_python!r} is invalid")
    return facts


def file_difference(inst: Choice, pip: Choice) -> str:
    if inst.kind != pip.kind:
        return (
            f"{inst.name} {inst.version}: inst takes the {inst.kind} {inst.filename},"
            f" pip the {pip.kind} {pip.filename}"
        )
    return (
        f"{inst.name} {inst.version}: other {inst.kind}: inst {inst.filename},"
        f" pip {pip.filename}"
    )


def metadata_notes(name: str, inst: dict[str, Any], pip: dict[str, Any]) -> list[str]:
    """Core metadata fields in which the two reports differ, for one distribution."""
    ours = _metadata_of(inst, name)
    theirs = _metadata_of(pip, name)
    if not ours or not theirs or ours == theirs:
        return []
    notes = []
    for key in sorted(set(ours) | set(theirs)):
        if key not in theirs:
            notes.append(f"{name}: metadata field {key!r} only in inst's report")
        elif key not in ours:
            notes.append(f"{name}: metadata field {key!r} only in pip's report")
        elif ours[key] != theirs[key]:
            notes.append(f"{name}: metadata field {key!r} differs")
    return notes


def _metadata_of(report: dict[str, Any], name: str) -> dict[str, Any]:
    for item in report["install"]:
        metadata = item.get("metadata") or {}
        if str(canonicalize_name(str(metadata.get("name", "")))) == name:
            return dict(metadata)
    return {}

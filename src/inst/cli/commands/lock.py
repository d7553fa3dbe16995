"""``inst lock [REQUIREMENT...] [-r FILE] [--group NAME] [--extra NAME] [-o FILE]
[--check]``: resolve, once per target, and write a PEP 751 pylock.toml."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from inst import ui
from inst.errors import InstError, UsageError

if TYPE_CHECKING:
    from inst.session.lockfile import LockRequest
    from inst.settings.resolve import Settings

SUMMARY = "Resolve requirements and write a PEP 751 lock file (pylock.toml)."

#: How many lines of a unified diff --check shows before it says how many are left.
DIFF_LINES = 60


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "requirements",
        nargs="*",
        metavar="REQUIREMENT",
        help="a PEP 508 requirement, name @ URL, or a path; none: the dependencies "
        "of ./pyproject.toml",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    from inst.cli.reporters import text_reporters
    from inst.pylock.write import LockDocument, build, dumps
    from inst.session import target_environment
    from inst.session.lockfile import lock_target, lock_targets

    ui.info_to_stderr()  # stdout is the lock's with -o -, and --check's diff
    output = str(settings.output or "pylock.toml")
    if settings.check and output == "-":
        raise UsageError(
            "--check compares the lock with a file, and -o - names none",
            hint="give the lock file's path with -o, or leave -o out for pylock.toml",
        )
    to_stdout = output == "-"
    path = Path(output).expanduser()
    if not to_stdout:
        from packaging.pylock import is_valid_pylock_path

        if not is_valid_pylock_path(path):
            raise InstError(
                f"{path.name} is not a name PEP 751 allows for a lock file",
                why="a lock must be named pylock.toml or pylock.NAME.toml, and inst "
                "sync, inst install -r and pip read only such names",
                hint=f"write it as -o {path.with_name('pylock.toml')} or "
                f"-o {path.with_name('pylock.' + path.stem + '.toml')}",
            )
    lock_dir = Path.cwd() if to_stdout else path.absolute().parent
    request, requires_python, extras = _request(settings, args.requirements, lock_dir)
    groups = [ref.key for ref, _ in request.inputs.groups]
    targets = lock_targets(settings, target_environment(settings))
    reporters = text_reporters(settings)
    locks = []
    notes: list[str] = []
    for target in targets:
        if len(targets) > 1:
            ui.info(f"Resolving for {target.label}")
        locks.append(lock_target(settings, request, target, reporters, notes))
    for note in dict.fromkeys(notes):
        ui.warning(note)
    document = LockDocument(
        locks,
        requires_python=requires_python,
        extras=extras,
        groups=list(dict.fromkeys(groups)),
    )
    data = build(document)
    text = dumps(data)
    covers = "; ".join(target.label for target in targets)
    count = len(data["packages"])  # type: ignore[arg-type]
    if settings.check:
        return _check(path, text, covers)
    if to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        from inst import fileio

        try:
            fileio.write_text(path, text)
        except OSError as error:
            raise fileio.os_error(error, f"cannot write the lock file {path}") from None
    where = "standard output" if to_stdout else str(path)
    ui.info(
        f"Locked {count} package{'s' if count != 1 else ''} into {where}, for "
        f"{len(targets)} target{'s' if len(targets) != 1 else ''}: {covers}"
    )
    return 0


def _request(
    settings: Settings, texts: list[str], lock_dir: Path
) -> tuple[LockRequest, str | None, list[str]]:
    """The requirements to lock, why each is there, and (for a project) its
    requires-python and the extras locked."""
    from inst.requirements.groups import PYPROJECT
    from inst.requirements.project import project_requirements
    from inst.session import gather_inputs
    from inst.session.lockfile import LockRequest

    inputs = gather_inputs(settings, texts, "lock", allow_empty=True)
    request = LockRequest(inputs, lock_dir=lock_dir)
    group_specs = {
        id(spec): f"group:{ref.key}" for ref, specs in inputs.groups for spec in specs
    }
    given = bool(texts or settings.requirement)
    requires_python = None
    extras: list[str] = []
    if settings.extra and given:
        raise UsageError(
            "--extra names an extra of ./pyproject.toml's project, and requirements "
            "were given",
            why="inst lock reads the project's pyproject.toml only when no "
            "requirement is given",
            hint="write the extra into the requirement (name[extra]), or leave the "
            "requirements out",
        )
    project_file = Path.cwd() / PYPROJECT
    use_project = not given and (
        not inputs.groups or settings.extra or _has_project(project_file)
    )
    if use_project:
        project = project_requirements(Path.cwd(), settings.extra)
        requires_python = project.requires_python
        inputs.requirements[:0] = project.dependencies
        for extra, specs in project.extras:
            extras.append(extra)
            inputs.requirements += specs
            request.needs += [(spec, f"extra:{extra}") for spec in specs]
    request.needs += [
        (spec, group_specs.get(id(spec), ""))
        for spec in inputs.requirements
        if not any(spec is s for s, _ in request.needs)
    ]
    if not inputs.requirements:
        raise UsageError(
            "there is nothing to lock",
            why="no requirement was given, and the project's dependencies and the "
            "groups named are empty",
            hint="name requirements (inst lock requests), give -r FILE, or add "
            "dependencies to pyproject.toml",
        )
    return request, requires_python, extras


def _has_project(path: Path) -> bool:
    from inst.requirements.groups import load_pyproject

    try:
        return isinstance(load_pyproject(path, purpose="read it").get("project"), dict)
    except InstError:
        return False


def _check(path: Path, text: str, covers: str) -> int:
    """Exit 0 when the file holds exactly this lock; else show how it differs and
    exit 1. Writes nothing."""
    try:
        old = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstError(
            f"{path} does not exist, so it cannot match its inputs",
            hint=f"write it with inst lock -o {path}",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InstError(f"cannot read {path}", why=str(error)) from None
    if old == text:
        ui.info(f"{path} matches its inputs ({covers})")
        return 0
    summary = _package_changes(old, text)
    diff = _unified_diff(
        old.splitlines(),
        text.splitlines(),
        f"{path} (as written)",
        f"{path} (as locked now)",
    )
    shown = diff[:DIFF_LINES]
    if len(diff) > DIFF_LINES:
        shown.append(f"... {len(diff) - DIFF_LINES} more lines")
    sys.stdout.write("\n".join(shown) + "\n")
    raise InstError(
        f"{path} no longer matches its inputs",
        why=summary
        or "the packages are the same, but their files, markers or "
        "sources differ (the diff above shows how)",
        hint="run the same inst lock command without --check to write it again",
    )


def _package_changes(old: str, new: str) -> str:
    """ "added a 1.0; removed b 2.0; changed c 1.0 -> 1.1", or "" when the sets of
    (name, version) are the same (or the old file is not a lock)."""
    import tomllib

    def versions(text: str) -> dict[str, set[str]]:
        result: dict[str, set[str]] = {}
        for package in tomllib.loads(text).get("packages", []):
            name = str(package.get("name"))
            result.setdefault(name, set()).add(
                str(package.get("version", "(no version)"))
            )
            # An sdist's locked build environment is an input of its install too.
            tool = package.get("tool", {}).get("inst", {})
            for build in tool.get("build-packages", []):
                result.setdefault(f"{build.get('name')} (to build {name})", set()).add(
                    str(build.get("version", "(no version)"))
                )
        return result

    try:
        before, after = versions(old), versions(new)
    except (tomllib.TOMLDecodeError, AttributeError, TypeError):
        return "the file is not a lock inst can read"
    parts = []
    for name in sorted(set(before) | set(after)):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if was is None:
            parts.append(f"added {name} {', '.join(sorted(now or ()))}")
        elif now is None:
            parts.append(f"removed {name} {', '.join(sorted(was))}")
        else:
            parts.append(
                f"changed {name} {', '.join(sorted(was))} -> {', '.join(sorted(now))}"
            )
    return "; ".join(parts)


def _unified_diff(old: list[str], new: list[str], before: str, after: str) -> list[str]:
    """A unified diff matched without difflib's "popular line" heuristic: in a lock
    the same lines (index = ..., requires-python = ...) repeat many times, and with
    it unchanged lines show as removed and added again."""
    import difflib

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    lines = [f"--- {before}", f"+++ {after}"]
    for group in matcher.get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        lines.append(
            f"@@ -{first[1] + 1},{last[2] - first[1]} "
            f"+{first[3] + 1},{last[4] - first[3]} @@"
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(" " + line for line in old[i1:i2])
                continue
            lines.extend("-" + line for line in old[i1:i2])
            lines.extend("+" + line for line in new[j1:j2])
    return lines

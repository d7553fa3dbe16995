"""A journal inst cannot read: install and uninstall refuse, list warns, and
`inst repair` puts back what it can tell, keeps and names what it cannot, and lets
inst change the environment again.

The leftovers are real: an upgrade of five distributions is killed (SIGKILL) at an
exact point of its commit, found from the journal and the moves as the transaction
tests do, and then its journal is damaged.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import VirtualEnv, make_wheel
from harness.config_home import ConfigHome
from harness.trees import differences, snapshot

STATE = ".inst"

# Runs inst as `python -m inst` does, killing itself (SIGKILL) at one point:
# - FAULT=before-commit: as the "committing" journal is about to replace the "staging"
#   one (everything staged, nothing moved);
# - FAULT=moves:N: after N moves of the commit (renames once "committing" is written);
# - FAULT=committed: as the clean-up after the "committed" journal begins;
# - FAULT=links:N: after N files linked in place (below the new paths) into the venv
#   of --python;
# - FAULT=at-commit: as the journal of a change that staged nothing (a fresh install)
#   is about to be removed, its commit point.
DRIVER = """
import os, runpy, shutil, signal, sys
from pathlib import Path

fault = os.environ["FAULT"]
real_replace, real_rmtree = os.replace, shutil.rmtree
real_link, real_unlink = os.link, os.unlink
moves = []
links = []
python = sys.argv[sys.argv.index("--python") + 1]
venv = os.path.dirname(os.path.dirname(os.path.abspath(python)))

def link(src, dst, *args, **kwargs):
    if fault.startswith("links:") and os.fspath(dst).startswith(venv + os.sep):
        if ".inst" not in os.fspath(dst):
            if len(links) >= int(fault.split(":")[1]):
                die()
            links.append(dst)
    return real_link(src, dst, *args, **kwargs)

def unlink(path, *args, **kwargs):
    if fault == "at-commit" and Path(path).name.startswith("journal-"):
        die()
    return real_unlink(path, *args, **kwargs)

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def replace(src, dst, *args, **kwargs):
    if Path(dst).name.startswith("journal-"):
        text = Path(src).read_text()
        if '"state":"committing"' in text:
            if fault == "before-commit":
                die()
            result = real_replace(src, dst, *args, **kwargs)
            moves.append("journal")
            return result
    elif moves and fault.startswith("moves:"):
        if len(moves) > int(fault.split(":")[1]):
            die()
        moves.append(dst)
    return real_replace(src, dst, *args, **kwargs)

def rmtree(path, *args, **kwargs):
    if fault == "committed" and Path(path).name.startswith("tx-"):
        die()
    return real_rmtree(path, *args, **kwargs)

os.replace, shutil.rmtree, os.link, os.unlink = replace, rmtree, link, unlink
sys.argv[0] = "inst"
runpy.run_module("inst", run_name="__main__", alter_sys=True)
"""


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}--- stderr\n{self.err}"

    @property
    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("warning:")]


def run(home: ConfigHome, *args: str, fault: str | None = None) -> Result:
    assert "--python" in args  # never the interpreter running the tests
    prefix = ["-c", DRIVER] if fault else ["-m", "inst"]
    done = subprocess.run(
        [sys.executable, *prefix, *args],
        env={**home.env, **({"FAULT": fault} if fault else {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def tree(venv: VirtualEnv) -> dict[str, tuple[object, ...]]:
    return dict(snapshot(venv.root, skip=(STATE,)))


def leftovers(venv: VirtualEnv) -> list[str]:
    state = venv.site_packages / STATE
    return sorted(set(os.listdir(state)) - {"lock"}) if state.exists() else []


def journal(venv: VirtualEnv) -> Path:
    (found,) = (venv.site_packages / STATE).glob("journal-*.json")
    return found


def package(name: str, version: str, extra: dict[str, str]) -> dict[str, str]:
    files = {f"{name}/__init__.py": f"VERSION = {version!r}\n"}
    files.update({f"{name}/mod{i}.py": f"# {name} {version} {i}\n" for i in range(4)})
    return {**files, **extra}


@dataclass(frozen=True)
class Upgrade:
    home: ConfigHome
    venv: VirtualEnv
    common: tuple[str, ...]
    old: list[Path]
    new: list[Path]
    before: dict[str, tuple[object, ...]]  # the venv with the old versions

    def install(self, *wheels: Path, fault: str | None = None) -> Result:
        return run(
            self.home,
            "install",
            *self.common,
            "--no-index",
            *map(str, wheels),
            fault=fault,
        )


@pytest.fixture
def upgrade(tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv) -> Upgrade:
    """p1..p5 1.0 installed (each with an old.py that 2.0 drops); 2.0 wheels ready."""
    old, new = [], []
    for i in range(1, 6):
        name = f"p{i}"
        old.append(
            make_wheel(
                tmp_path / "old",
                name,
                "1.0",
                files=package(name, "1.0", {f"{name}/old.py": ""}),
            )
        )
        new.append(
            make_wheel(tmp_path / "new", name, "2.0", files=package(name, "2.0", {}))
        )
    common = ("--python", str(venv.python), "--cache-dir", str(tmp_path / "cache"))
    first = run(cli_home, "install", *common, "--no-index", "--compile", *map(str, old))
    assert first.code == 0, first.output
    return Upgrade(cli_home, venv, common, old, new, tree(venv))


def damage(path: Path, keep: float) -> None:
    """Cut the journal short: keep that share of its text."""
    text = path.read_text()
    path.write_text(text[: int(len(text) * keep)])


def versions(venv: VirtualEnv) -> dict[str, str]:
    return dict(venv.installed())


# --- the refusal ---------------------------------------------------------------------


def test_install_and_uninstall_refuse_until_repaired_and_list_warns(
    upgrade: Upgrade,
) -> None:
    venv = upgrade.venv
    killed = upgrade.install(*upgrade.new, fault="moves:6")
    assert killed.code == -signal.SIGKILL, killed.output
    damage(journal(venv), 0.5)
    path = journal(venv)
    left = leftovers(venv)
    now = tree(venv)

    refused = upgrade.install(*upgrade.old)
    assert refused.code == 1, refused.output
    (error,) = refused.errors
    assert refused.warnings == [], refused.output
    assert "Traceback" not in refused.output
    assert "unfinished change whose journal inst cannot read" in error
    assert str(path) in error
    assert "may be half changed" in error
    repair_hint = shlex.join(["inst", "repair", "--python", str(venv.python)])
    assert f"Run `{repair_hint}`" in error
    assert tree(venv) == now and leftovers(venv) == left  # nothing touched

    gone = run(upgrade.home, "uninstall", "-y", "--python", str(venv.python), "p1")
    assert gone.code == 1, gone.output
    assert gone.errors and "cannot read" in gone.errors[0], gone.output
    assert tree(venv) == now and leftovers(venv) == left

    listed = run(upgrade.home, "list", "--python", str(venv.python))
    assert listed.code == 0, listed.output
    (warning,) = listed.warnings
    assert str(path) in warning and repair_hint in warning, listed.output
    assert "p1" in listed.out
    assert leftovers(venv) == left  # the staging area is not swept away as orphaned


# --- repairs that are certain -------------------------------------------------------


def test_a_damaged_journal_of_a_change_that_had_not_begun_is_repaired_to_before(
    upgrade: Upgrade,
) -> None:
    venv = upgrade.venv
    killed = upgrade.install(*upgrade.new, fault="before-commit")
    assert killed.code == -signal.SIGKILL, killed.output
    assert any(name.startswith("tx-") for name in leftovers(venv))
    text = journal(venv).read_text()
    assert json.loads(text)["state"] == "staging"
    damage(journal(venv), 0.3)

    dry = run(upgrade.home, "repair", "--python", str(venv.python), "--dry-run")
    assert dry.code == 0, dry.output
    assert "Would remove the journal" in dry.out
    assert "Would repair" in dry.out
    assert journal(venv).exists()

    repaired = run(upgrade.home, "repair", "--python", str(venv.python))
    assert repaired.code == 0, repaired.output
    assert "state: staging" in repaired.out
    assert "it is as it was before the interrupted change" in repaired.out
    assert leftovers(venv) == []
    now = tree(venv)
    assert now == upgrade.before, differences(upgrade.before, now)

    again = upgrade.install(*upgrade.new)
    assert again.code == 0, again.output
    assert set(versions(venv).values()) == {"2.0"}


def test_a_damaged_journal_of_a_change_caught_midway_is_undone_from_what_it_says(
    upgrade: Upgrade,
) -> None:
    venv = upgrade.venv
    killed = upgrade.install(*upgrade.new, fault="moves:45")
    assert killed.code == -signal.SIGKILL, killed.output
    path = journal(venv)
    data = json.loads(path.read_text())
    assert data["state"] == "committing"
    # Damaged only at the end: every move can be read, the journal as a whole not.
    path.write_text(path.read_text()[:-1] + ',"extra":')
    mixed = tree(venv)
    assert mixed != upgrade.before

    repaired = run(upgrade.home, "repair", "--python", str(venv.python))
    assert repaired.code == 0, repaired.output
    assert "state: committing" in repaired.out
    assert "Put back" in repaired.out
    assert "it is as it was before" in repaired.out
    assert leftovers(venv) == []
    now = tree(venv)
    assert now == upgrade.before, differences(upgrade.before, now)


def test_a_damaged_journal_of_a_finished_change_is_cleaned_up(upgrade: Upgrade) -> None:
    venv = upgrade.venv
    killed = upgrade.install(*upgrade.new, fault="committed")
    assert killed.code == -signal.SIGKILL, killed.output
    finished = tree(venv)
    damage(journal(venv), 0.2)

    repaired = run(upgrade.home, "repair", "--python", str(venv.python))
    assert repaired.code == 0, repaired.output
    assert "state: committed" in repaired.out
    assert "had finished" in repaired.out
    assert leftovers(venv) == []
    assert tree(venv) == finished
    assert set(versions(venv).values()) == {"2.0"}


# --- repairs that are not ------------------------------------------------------------


@pytest.mark.parametrize("damaged", ["cut short", "garbage"])
def test_what_cannot_be_told_is_kept_and_named_and_inst_may_change_it_again(
    upgrade: Upgrade, damaged: str
) -> None:
    venv = upgrade.venv
    # p1 1.0's files are moving into the stash (bytecode too: it was compiled)...
    killed = upgrade.install(*upgrade.new, fault="moves:10")
    assert killed.code == -signal.SIGKILL, killed.output
    path = journal(venv)
    # ...and the journal loses its list of removals (it comes last), or everything.
    if damaged == "garbage":
        path.write_bytes(b"\x00" * 100)
    else:
        damage(path, 0.45)
    (tx,) = [n for n in leftovers(venv) if n.startswith("tx-")]
    stash = venv.site_packages / STATE / tx / "stash"
    stashed = {name: (stash / name).read_bytes() for name in os.listdir(stash)}
    assert len(stashed) == 10
    record = venv.site_packages / "p1-1.0.dist-info" / "RECORD"
    assert not record.exists()

    now, left = tree(venv), leftovers(venv)
    dry = run(upgrade.home, "repair", "--python", str(venv.python), "--dry-run")
    assert dry.code == 0, dry.output
    assert "Would put back" in dry.out and "Would keep" in dry.out
    (warning,) = dry.warnings
    assert "after the repair, the virtual environment" in warning
    assert tree(venv) == now and leftovers(venv) == left

    repaired = run(upgrade.home, "repair", "--python", str(venv.python))
    assert repaired.code == 1, repaired.output
    (error,) = repaired.errors
    assert "Traceback" not in repaired.output
    assert "may still be half changed, though inst may change it again" in error
    # What a RECORD names by hash (and the RECORD itself) went back where it was;
    # bytecode, which no RECORD hashes, is kept and listed.
    assert record.exists()
    assert (venv.site_packages / "p1" / "old.py").exists()
    kept = venv.site_packages / STATE / ("kept-" + tx[len("tx-") :])
    kept_files = {
        name: (kept / "stash" / name).read_bytes()
        for name in os.listdir(kept / "stash")
    }
    assert kept_files and all(
        stashed[name] == data for name, data in kept_files.items()
    )
    assert all(
        data.startswith(importlib.util.MAGIC_NUMBER) for data in kept_files.values()
    )
    for name in kept_files:
        assert str(kept / "stash" / name) in repaired.out
    assert str(kept) in error
    assert leftovers(venv) == [kept.name]
    second = run(upgrade.home, "repair", "--python", str(venv.python))
    assert second.code == 0, second.output
    assert "Nothing to repair" in second.out and str(kept) in second.out
    # The distributions it was changing are named, with a command to reinstall them.
    command = re.search(r"`(inst install [^`]*)`", error)
    assert command, error
    words = shlex.split(command.group(1))
    assert words[:4] == ["inst", "install", "--python", str(venv.python)]
    assert "--force-reinstall" in words and "--no-deps" in words
    named = {w for w in words[4:] if not w.startswith("-")}
    assert "p1" in named and named <= {f"p{i}" for i in range(1, 6)}, error

    # inst may change the environment again: the reinstall puts it right.
    reinstall = run(
        upgrade.home,
        "install",
        *upgrade.common,
        "--no-index",
        "--force-reinstall",
        *map(str, upgrade.new),
    )
    assert reinstall.code == 0, reinstall.output
    assert set(versions(venv).values()) == {"2.0"}
    for i in range(1, 6):
        mod = venv.site_packages / f"p{i}" / "mod3.py"
        assert mod.read_text() == f"# p{i} 2.0 3\n"
        assert not (venv.site_packages / f"p{i}" / "old.py").exists()


def test_repair_with_nothing_to_repair(upgrade: Upgrade) -> None:
    result = run(upgrade.home, "repair", "--python", str(upgrade.venv.python))
    assert result.code == 0, result.output
    assert "Nothing to repair in the virtual environment" in result.out
    assert tree(upgrade.venv) == upgrade.before


def test_repair_takes_the_install_location_options(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    target = tmp_path / "target"
    wheel = make_wheel(tmp_path / "w", "t1", "1.0", files=package("t1", "1.0", {}))
    args = ("--python", str(venv.python), "--target", str(target))
    killed = run(
        cli_home, "install", *args, "--no-index", str(wheel), fault="at-commit"
    )
    assert killed.code == -signal.SIGKILL, killed.output
    assert (target / "t1" / "mod0.py").exists()  # in place, the commit point not yet
    (path,) = (target / STATE).glob("journal-*.json")
    path.write_text("{")
    refused = run(cli_home, "install", *args, "--no-index", str(wheel))
    assert refused.code == 1, refused.output
    hint = shlex.join(["inst", "repair", *args])
    assert f"`{hint}`" in refused.errors[0], refused.output
    repaired = run(cli_home, "repair", *args)
    # "{" says nothing, but the staging area does: it holds the copy of the new
    # paths and nothing else (nothing staged, nothing stashed), so the change had not
    # reached its commit point, and what it created goes.
    assert repaired.code == 0, repaired.output
    assert "state: unknown" in repaired.out
    assert f"Repaired the target directory {target}: it is as it was before" in (
        repaired.out
    )
    assert os.listdir(target) == [STATE]
    assert os.listdir(target / STATE) == ["lock"]
    again = run(cli_home, "install", *args, "--no-index", str(wheel))
    assert again.code == 0, again.output
    assert (target / "t1" / "mod0.py").exists()


def test_an_uninstall_cut_short_with_a_garbage_journal_is_put_back_whole(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    wheels = [
        make_wheel(tmp_path / "w", f"u{i}", "1.0", files=package(f"u{i}", "1.0", {}))
        for i in range(3)
    ]
    common = ("--python", str(venv.python))
    first = run(cli_home, "install", *common, "--no-index", *map(str, wheels))
    assert first.code == 0, first.output
    before = tree(venv)
    names = ("u0", "u1", "u2")
    killed = run(cli_home, "uninstall", "-y", *common, *names, fault="moves:9")
    assert killed.code == -signal.SIGKILL, killed.output
    assert tree(venv) != before
    journal(venv).write_bytes(b"\xff\xfe garbage")

    repaired = run(cli_home, "repair", *common)
    # Nothing was staged, so every move went into the stash; the RECORDs tell where
    # each stashed file belongs (the stashed RECORDs name themselves).
    assert repaired.code == 0, repaired.output
    assert "state: unknown" in repaired.out
    assert "it is as it was before" in repaired.out
    now = tree(venv)
    assert now == before, differences(before, now)
    assert leftovers(venv) == []
    again = run(cli_home, "uninstall", "-y", *common, *names)
    assert again.code == 0, again.output
    assert versions(venv) == {}


# --- a fresh install whose journal lost its later moves ------------------------------


def fresh_wheels(tmp_path: Path) -> list[Path]:
    """Four distributions with scripts and data files; one vendors a dist-info
    directory of its own (as setuptools does), which is not its RECORD."""
    wheels = []
    for i in range(4):
        name = f"f{i}"
        extra = {
            f"{name}-1.0.data/data/share/{name}/d{j}.txt": f"{name} {j}\n"
            for j in range(3)
        }
        if i == 0:
            extra["f0/_vendor/v-1.0.dist-info/RECORD"] = "v/__init__.py,,\n"
            extra["f0/_vendor/v-1.0.dist-info/METADATA"] = "Name: v\nVersion: 1.0\n"
        wheels.append(
            make_wheel(
                tmp_path / "fresh",
                name,
                "1.0",
                files=package(name, "1.0", extra),
                entry_points={"console_scripts": {f"{name}-run": f"{name}:main"}},
            )
        )
    return wheels


def cut_after_places(path: Path, count: int) -> None:
    """Cut the journal just after its first count places (and the text of the next)."""
    text = path.read_text()
    places = json.loads(text)["places"]
    assert len(places) > count + 1
    following = json.dumps(places[count + 1], separators=(",", ":"))
    at = text.index(following)
    path.write_text(text[: at + len(following) // 2])


def cut_in_new_paths(path: Path, count: int) -> None:
    """Cut the journal in the middle of its new paths, after the first count."""
    text = path.read_text()
    new_paths = json.loads(text)["new_paths"]
    assert len(new_paths) > count + 1
    following = json.dumps(new_paths[count])
    at = text.index(following)
    path.write_text(text[: at + len(following) // 2])


def new_paths_copy(venv: VirtualEnv) -> Path:
    (found,) = (venv.site_packages / STATE).glob("tx-*/new-paths.json")
    return found


@pytest.mark.parametrize("done", [0, 12])
def test_a_fresh_install_cut_short_is_repaired_to_before_from_its_new_paths(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv, done: int
) -> None:
    """A fresh install writes its files in place, below paths that did not exist (its
    journal names them first, and a copy sits in its staging area): killed after
    done of them, with the journal's list cut short, repair reads the copy and
    removes them all."""
    before = tree(venv)
    common = ("--python", str(venv.python))
    wheels = fresh_wheels(tmp_path)
    killed = run(
        cli_home,
        "install",
        *common,
        "--no-index",
        *map(str, wheels),
        fault=f"links:{done}",
    )
    assert killed.code == -signal.SIGKILL, killed.output
    assert json.loads(journal(venv).read_text())["state"] == "staging"
    cut_in_new_paths(journal(venv), 2)

    repaired = run(cli_home, "repair", *common)
    assert repaired.code == 0, repaired.output
    assert "state: staging" in repaired.out
    assert "the rest lost" in repaired.out
    if done:
        assert "Removed what the change had created where nothing was" in repaired.out
    assert "it is as it was before the interrupted change" in repaired.out
    assert repaired.errors == [], repaired.output
    assert leftovers(venv) == []
    now = tree(venv)
    assert now == before, differences(before, now)
    again = run(cli_home, "install", *common, "--no-index", *map(str, wheels))
    assert again.code == 0, again.output
    assert set(versions(venv)) == {f"f{i}" for i in range(4)}


def test_a_fresh_install_whose_new_paths_are_lost_everywhere_is_named_not_guessed(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    """The journal's list cut short and its copy gone: what the install created in
    place cannot all be told, so repair removes nothing it cannot name as new, says
    that the environment may be half changed, and names the distributions. (Killed
    at its commit point, every file in place: which wheels have their RECORD after
    some number of links depends on how the staging threads took turns.)"""
    common = ("--python", str(venv.python))
    wheels = fresh_wheels(tmp_path)
    killed = run(
        cli_home, "install", *common, "--no-index", *map(str, wheels), fault="at-commit"
    )
    assert killed.code == -signal.SIGKILL, killed.output
    cut_in_new_paths(journal(venv), 2)
    new_paths_copy(venv).unlink()
    now = tree(venv)

    repaired = run(cli_home, "repair", *common)
    assert repaired.code == 1, repaired.output
    (error,) = repaired.errors
    assert "Traceback" not in repaired.output
    assert "may still be half changed" in error
    assert re.search(r"--no-deps f[0-3]\b", error), error
    assert tree(venv) == now  # nothing removed on a guess


def test_a_fresh_install_killed_at_its_commit_point_is_recovered_by_the_next_inst(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    """Killed as it removes its journal (every file in place, the commit point not
    reached): the next inst undoes it from the readable journal, then installs."""
    before = tree(venv)
    common = ("--python", str(venv.python))
    wheels = fresh_wheels(tmp_path)
    args = ("install", *common, "--no-index", *map(str, wheels))
    killed = run(cli_home, *args, fault="at-commit")
    assert killed.code == -signal.SIGKILL, killed.output
    assert (venv.site_packages / "f0" / "mod0.py").exists()
    listed = run(cli_home, "list", *common)
    assert listed.code == 0, listed.output
    assert "f0" not in listed.out  # settled first: as before
    now = tree(venv)
    assert now == before, differences(before, now)
    assert leftovers(venv) == []
    again = run(cli_home, *args)
    assert again.code == 0, again.output
    assert set(versions(venv)) == {f"f{i}" for i in range(4)}


# --- an upgrade beside distributions it does not touch ------------------------------


def release(name: str, version: str) -> dict[str, str]:
    """Some files the same in 1.0 and 2.0, some changed, one dropped, one added."""
    files = {
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
        f"{name}/same.py": f"# {name}, unchanged\n",
        f"{name}-{version}.data/data/share/{name}/same.txt": f"{name} data\n",
    }
    files.update({f"{name}/mod{i}.py": f"# {name} {version} {i}\n" for i in range(3)})
    files[f"{name}/{'old' if version == '1.0' else 'new'}.py"] = f"# {version} only\n"
    return files


@dataclass(frozen=True)
class Beside:
    home: ConfigHome
    venv: VirtualEnv
    new: list[Path]
    before: dict[str, tuple[object, ...]]

    def upgrade(self, fault: str) -> Result:
        common = ("--python", str(self.venv.python), "--no-index")
        return run(self.home, "install", *common, *map(str, self.new), fault=fault)


def beside(tmp_path: Path, home: ConfigHome, venv: VirtualEnv, *compile: str) -> Beside:
    """up0..up2 1.0 and untouched u0, u1 installed; up0..up2 2.0 ready."""
    wheels: dict[str, list[Path]] = {"1.0": [], "2.0": []}
    for version, names in [("1.0", ["u0", "u1", "up0", "up1", "up2"])] + [
        ("2.0", ["up0", "up1", "up2"])
    ]:
        for name in names:
            points = {"console_scripts": {f"run-{name}": f"{name}:main"}}
            wheels[version].append(
                make_wheel(
                    tmp_path / version,
                    name,
                    version,
                    files=release(name, version),
                    entry_points=points,
                )
            )
    common = ("--python", str(venv.python), "--no-index", *compile)
    first = run(home, "install", *common, *map(str, wheels["1.0"]))
    assert first.code == 0, first.output
    return Beside(home, venv, wheels["2.0"], tree(venv))


def nul_in_places(path: Path, at: int) -> None:
    """NULs over the middle of the journal's places, from the at-th on."""
    text = path.read_text()
    places = json.loads(text)["places"]
    start = text.index(json.dumps(places[at], separators=(",", ":")))
    path.write_text(text[:start] + "\x00" * 200 + text[start + 200 :])


def test_an_upgrade_cut_short_names_only_the_distributions_it_was_changing(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    # Compiled: the stashed bytecode of 1.0, which no RECORD hashes, stays unplaced.
    upgrade = beside(tmp_path, cli_home, venv, "--compile")
    killed = upgrade.upgrade(fault="moves:50")
    assert killed.code == -signal.SIGKILL, killed.output
    cut_after_places(journal(venv), 6)  # the removals are lost: bytecode among them

    repaired = run(upgrade.home, "repair", "--python", str(venv.python))
    assert repaired.code == 1, repaired.output
    (error,) = repaired.errors
    command = re.search(r"`(inst install [^`]*)`", error)
    assert command, error
    named = {w for w in shlex.split(command.group(1))[4:] if not w.startswith("-")}
    # Not u0 and u1, though their files lie beside the changed ones (bin/, share/).
    assert named == {"up0", "up1", "up2"}, error
    assert not re.search(r"\bu[01]\b", error), error


def test_an_upgrade_cut_short_puts_back_the_old_files_its_records_hash(
    tmp_path: Path, cli_home: ConfigHome, venv: VirtualEnv
) -> None:
    upgrade = beside(tmp_path, cli_home, venv)
    killed = upgrade.upgrade(fault="moves:40")
    assert killed.code == -signal.SIGKILL, killed.output
    # The journal still names the removals (after the damage) and 6 places; 10 more
    # places had moved: old files, changed or the same in 2.0, went into the stash.
    nul_in_places(journal(venv), 6)

    repaired = run(upgrade.home, "repair", "--python", str(venv.python))
    assert "Kept" not in repaired.out, repaired.output
    assert "Put back over the new file" in repaired.out, repaired.output
    assert leftovers(venv) == [], repaired.output  # nothing kept
    # What the lost moves had added went into empty places (a file there would be
    # in the stash, and every stashed file has its place): removed.
    assert repaired.code == 0, repaired.output
    assert "it is as it was before the interrupted change" in repaired.out
    now = tree(venv)
    assert now == upgrade.before, differences(upgrade.before, now)
    assert set(versions(venv).values()) == {"1.0"}

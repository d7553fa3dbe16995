"""find_environment() on real interpreters: venvs, other Python versions, the probe
cache, and the errors for things that are not usable Pythons."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from harness import VirtualEnv, make_venv, other_pythons
from inst.cache import NULL_CACHE, Cache
from inst.environment import current_environment, find_environment
from inst.errors import InstError

POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="uses shell scripts")


@pytest.fixture(scope="module")
def shared_venv(tmp_path_factory: pytest.TempPathFactory) -> VirtualEnv:
    """One venv for the tests that only read it (each make costs tens of ms)."""
    return make_venv(tmp_path_factory.mktemp("shared") / "venv")


def no_subprocess(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"unexpected subprocess: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def error_of(python: str | os.PathLike[str], cache_dir: Path | None = None) -> str:
    with pytest.raises(InstError) as caught:
        find_environment(python, cache=Cache(cache_dir).interpreters)
    return caught.value.paragraph()


# --- virtual environments ------------------------------------------------------------


def test_a_venv_directory_and_its_python_are_the_same_target(
    shared_venv: VirtualEnv,
) -> None:
    by_dir = find_environment(shared_venv.root, cache=NULL_CACHE.interpreters)
    by_python = find_environment(str(shared_venv.python), cache=NULL_CACHE.interpreters)
    assert by_dir == by_python
    env = by_dir
    assert env.python == shared_venv.python
    assert Path(env.prefix).resolve() == shared_venv.root.resolve()
    assert env.interpreter.is_venv
    assert not env.is_current
    assert env.version_info == tuple(sys.version_info[:3])
    assert Path(env.scheme["purelib"]).resolve() == shared_venv.site_packages.resolve()
    assert Path(env.scheme["scripts"]).resolve() == shared_venv.bin_dir.resolve()
    assert str(shared_venv.site_packages) in env.interpreter.sys_path
    assert not env.interpreter.user_site_enabled  # a venv without system site packages
    # The same binary as ours: the tags computed inside it are ours.
    assert env.tags == current_environment().tags
    assert dict(env.markers) == dict(current_environment().markers)
    assert env.installed() == {}


def test_installed_in_a_venv(shared_venv: VirtualEnv, tmp_path: Path) -> None:
    site = shared_venv.site_packages
    dist = site / "My_Project-1.2.dist-info"
    dist.mkdir()
    try:
        (dist / "METADATA").write_text("Name: My.Project\nVersion: 1.2\n")
        installed = find_environment(
            shared_venv.root, cache=NULL_CACHE.interpreters
        ).installed()
        assert list(installed) == ["my-project"]
        assert installed["my-project"].version == Version("1.2")
        assert installed["my-project"].display_name == "My.Project"
        assert installed["my-project"].location == site
    finally:
        (dist / "METADATA").unlink()
        dist.rmdir()


def test_pythonpath_comes_first_on_the_targets_sys_path(
    shared_venv: VirtualEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "extra"
    (extra / "shadow-9.0.dist-info").mkdir(parents=True)
    (extra / "shadow-9.0.dist-info" / "METADATA").write_text("Name: shadow\n")
    monkeypatch.setenv("PYTHONPATH", str(extra))
    env = find_environment(
        shared_venv.root, cache=Cache(tmp_path / "cache").interpreters
    )
    assert env.interpreter.sys_path[0] == str(extra)
    assert env.installed()["shadow"].version == Version("9.0")
    monkeypatch.delenv("PYTHONPATH")
    # The variable is part of the cache key: without it the answer differs.
    again = find_environment(
        shared_venv.root, cache=Cache(tmp_path / "cache").interpreters
    )
    assert str(extra) not in again.interpreter.sys_path


def test_the_running_interpreter_is_the_current_environment(
    shared_venv: VirtualEnv,
) -> None:
    assert (
        find_environment(None, cache=NULL_CACHE.interpreters) is current_environment()
    )
    assert (
        find_environment(sys.executable, cache=NULL_CACHE.interpreters)
        is current_environment()
    )
    # A venv of the running python shares its binary but is another target.
    assert not find_environment(
        shared_venv.python, cache=NULL_CACHE.interpreters
    ).is_current


@POSIX_ONLY
def test_a_name_on_path(
    shared_venv: VirtualEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "inst-test-python", f'exec "{shared_venv.python}" "$@"')
    monkeypatch.setenv("PATH", str(bin_dir) + os.pathsep + os.environ["PATH"])
    env = find_environment("inst-test-python", cache=NULL_CACHE.interpreters)
    assert env.interpreter.is_venv
    # The interpreter's own sys.executable, not the launcher script.
    assert env.python == shared_venv.python


def test_the_callers_directory_cannot_shadow_the_probe(
    shared_venv: VirtualEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "json.py").write_text("raise SystemExit('shadowed json')\n")
    (tmp_path / "packaging").mkdir()
    (tmp_path / "packaging" / "__init__.py").write_text("raise SystemExit('no')\n")
    monkeypatch.chdir(tmp_path)
    env = find_environment(shared_venv.root, cache=NULL_CACHE.interpreters)
    assert str(tmp_path) not in env.interpreter.sys_path
    assert "" not in env.interpreter.sys_path


# --- other interpreters --------------------------------------------------------------


def test_another_python_version() -> None:
    others = other_pythons((3, 8))
    if not others:
        pytest.skip("no other Python on this machine")
    # The oldest: inst's packaging must import there (3.8 is the oldest target).
    other = others[0]
    env = find_environment(other.path, cache=NULL_CACHE.interpreters)
    assert env.version_info == other.version
    assert not env.is_current
    major, minor = other.version[:2]
    assert env.markers["python_version"] == f"{major}.{minor}"
    assert env.tags[0].interpreter == f"cp{major}{minor}"
    assert env.tag_rank(current_environment().tags[:1]) is None
    assert env.python_supported(f"=={major}.{minor}.*")
    assert env.scheme["purelib"]
    assert any("site-packages" in entry for entry in env.interpreter.sys_path)


# --- the probe cache -----------------------------------------------------------------


@pytest.fixture
def wrapper(shared_venv: VirtualEnv, tmp_path: Path) -> Path:
    """An executable of its own (the venv's python is a link to the real binary, whose
    mtime must not be touched)."""
    if os.name == "nt":
        pytest.skip("uses a shell script")
    return write_script(tmp_path / "python", f'exec "{shared_venv.python}" "$@"')


def test_the_probe_is_cached(
    wrapper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    first = find_environment(wrapper, cache=Cache(cache).interpreters)
    entries = list((cache / "interpreters").iterdir())
    assert len(entries) == 1
    assert entries[0].suffix == ".json"
    no_subprocess(monkeypatch)
    second = find_environment(wrapper, cache=Cache(cache).interpreters)
    assert second == first
    assert second.tags == first.tags
    assert second is not first


def test_a_changed_executable_is_probed_again(
    wrapper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    find_environment(wrapper, cache=Cache(cache).interpreters)
    stat = wrapper.stat()
    os.utime(wrapper, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    no_subprocess(monkeypatch)
    with pytest.raises(AssertionError, match="unexpected subprocess"):
        find_environment(wrapper, cache=Cache(cache).interpreters)


def test_a_new_pth_file_is_probed_again(
    shared_venv: VirtualEnv, wrapper: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    before = find_environment(wrapper, cache=Cache(cache).interpreters)
    added = tmp_path / "added-by-pth"
    added.mkdir()
    pth = shared_venv.site_packages / "inst_test_editable.pth"
    pth.write_text(str(added) + "\n")
    try:
        after = find_environment(wrapper, cache=Cache(cache).interpreters)
    finally:
        pth.unlink()
    assert str(added) not in before.interpreter.sys_path
    assert str(added) in after.interpreter.sys_path


def test_a_venv_made_again_at_the_same_path_is_not_probed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CI jobs make their venv afresh each time; pyvenv.cfg's text, not its mtime,
    # says whether it is the same interpreter.
    cache = tmp_path / "cache"
    venv = make_venv(tmp_path / "venv")
    first = find_environment(venv.python, cache=Cache(cache).interpreters)
    shutil.rmtree(venv.root)
    venv = make_venv(tmp_path / "venv")
    cfg = venv.root / "pyvenv.cfg"
    stat = cfg.stat()
    os.utime(cfg, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    with monkeypatch.context() as patched:
        no_subprocess(patched)
        assert find_environment(venv.python, cache=Cache(cache).interpreters) == first
    # A venv that now sees the system's site-packages is another sys.path.
    cfg.write_text(
        cfg.read_text().replace(
            "include-system-site-packages = false",
            "include-system-site-packages = true",
        )
    )
    after = find_environment(venv.python, cache=Cache(cache).interpreters)
    assert len(after.interpreter.sys_path) > len(first.interpreter.sys_path)


@POSIX_ONLY
def test_a_user_site_made_after_the_probe_is_on_the_next_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # site.py puts the user site on sys.path only if it exists, and the first
    # --user install is what makes it.
    base = write_script(tmp_path / "python", f'exec "{sys._base_executable}" "$@"')
    monkeypatch.setenv("PYTHONUSERBASE", str(tmp_path / "userbase"))
    monkeypatch.delenv("PYTHONNOUSERSITE", raising=False)
    cache = tmp_path / "cache"
    before = find_environment(base, cache=Cache(cache).interpreters)
    user_site = before.interpreter.user_site
    assert user_site is not None and before.interpreter.user_site_enabled
    assert user_site not in before.interpreter.sys_path
    os.makedirs(user_site)
    after = find_environment(base, cache=Cache(cache).interpreters)
    assert user_site in after.interpreter.sys_path


def test_a_bad_cache_entry_is_ignored(wrapper: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = find_environment(wrapper, cache=Cache(cache).interpreters)
    (entry,) = (cache / "interpreters").iterdir()
    entry.write_text("{not json")
    assert find_environment(wrapper, cache=Cache(cache).interpreters) == first
    assert entry.read_text().startswith("{")
    entry.write_text('{"probe": []}')
    assert find_environment(wrapper, cache=Cache(cache).interpreters) == first


def test_no_cache_dir_means_no_cache(
    wrapper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    find_environment(wrapper, cache=NULL_CACHE.interpreters)
    assert list(tmp_path.iterdir()) == [wrapper]
    no_subprocess(monkeypatch)
    with pytest.raises(AssertionError, match="unexpected subprocess"):
        find_environment(wrapper, cache=NULL_CACHE.interpreters)


# --- errors --------------------------------------------------------------------------


def test_a_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "python"
    assert error_of(missing) == f"--python {missing}: no such file or directory."
    assert "no such file, directory or command on PATH" in error_of(
        "inst-no-such-python-anywhere"
    )


def test_a_directory_that_is_not_a_venv(tmp_path: Path) -> None:
    message = error_of(tmp_path)
    assert message.startswith(f"--python {tmp_path}: not a virtual environment.")
    assert "bin/python" in message


@pytest.mark.parametrize("named", ["venv", "venv/bin/python", "."])
def test_an_interpreter_this_user_may_not_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str
) -> None:
    """A venv inside a directory the user may not enter (root passes permission
    checks, so the refusal is injected where os.stat meets it)."""
    secret = tmp_path / "secret"
    make_venv(secret / "venv")
    real_stat = os.stat

    def stat(path: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        if str(path).startswith(str(secret) + os.sep):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    target = secret / named if named != "." else secret / "venv" / "."
    for cache_dir in (None, tmp_path / "cache"):
        message = error_of(target, cache_dir)
        assert message.startswith(f"--python {target}: permission denied."), message
        assert "may not look into or run" in message


@POSIX_ONLY
def test_programs_that_are_not_python(tmp_path: Path) -> None:
    if Path("/bin/true").exists():
        assert error_of("/bin/true").startswith(
            "--python /bin/true is not a Python interpreter."
        )
    failing = write_script(tmp_path / "fake", "echo 'fake: no such option' >&2; exit 2")
    assert error_of(failing) == (
        f"--python {failing} is not a Python interpreter. fake: no such option."
    )
    text = tmp_path / "text"
    text.write_text("just text\n")
    assert error_of(text) == (
        f"--python {text} is not a Python interpreter. It is not executable."
    )


@POSIX_ONLY
def test_a_python_too_old(tmp_path: Path) -> None:
    # What the bootstrap prints on Python < 3.8 (and 2.7), without needing one here.
    old = write_script(
        tmp_path / "python3.7", """echo 'INST-PROBE:{"too_old": [3, 7, 16]}'"""
    )
    assert error_of(old) == (
        f"--python {old} is Python 3.7, inst needs a target of Python 3.8 or newer."
    )


def test_a_target_where_our_packaging_cannot_load_gets_tags_computed_here(
    shared_venv: VirtualEnv, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A newer packaging may not import on an old target: inst computes the tags itself.
    import packaging

    from inst.environment import current_environment, find_environment

    monkeypatch.setattr(packaging, "__file__", str(tmp_path / "gone" / "__init__.py"))
    env = find_environment(shared_venv.root, cache=NULL_CACHE.interpreters)
    assert set(env.tags) == set(current_environment().tags)
    assert env.markers == current_environment().markers


@POSIX_ONLY
def test_a_python_that_never_answers_is_stopped_with_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import inst.environment.interpreter
    from inst.cli.main import main

    # A wrapper whose own child keeps the output pipes open: killing the wrapper
    # alone would leave the wait for them hanging as long as the child lives.
    pid_file = tmp_path / "child.pid"
    hanging = write_script(
        tmp_path / "python3", f"sleep 600 & echo $! > {pid_file}; wait"
    )
    monkeypatch.setattr(inst.environment.interpreter, "PROBE_TIMEOUT", 0.5)

    code = main(["install", "--dry-run", "--python", str(hanging), "anything"])

    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: --python {hanging} did not answer.")
    assert "still running after 0.5 seconds, so inst stopped it" in err
    child = int(pid_file.read_text())
    for _ in range(100):  # the child was killed; init reaps it soon after
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        if (
            Path(f"/proc/{child}/stat").exists()
            and " Z " in Path(f"/proc/{child}/stat").read_text()
        ):
            break  # killed, waiting to be reaped
        time.sleep(0.05)
    else:
        os.kill(child, 9)
        raise AssertionError(f"the probe's child {child} was left running")


# --- work done while the probe runs ----------------------------------------------------


@POSIX_ONLY
def test_meanwhile_runs_while_the_probe_does(
    shared_venv: VirtualEnv, tmp_path: Path
) -> None:
    # The interpreter answers only once meanwhile has run: were meanwhile called
    # after the wait for the probe, this would stop at the timeout.
    go = tmp_path / "go"
    waiting = write_script(
        tmp_path / "python",
        f'while [ ! -e "{go}" ]; do sleep 0.01; done; exec "{shared_venv.python}" "$@"',
    )
    calls: list[bool] = []

    def meanwhile() -> None:
        calls.append(True)
        go.touch()

    cache = Cache(tmp_path / "cache").interpreters
    environment = find_environment(waiting, cache=cache, meanwhile=meanwhile)
    assert Path(environment.interpreter.prefix) == shared_venv.root
    assert calls == [True]
    # A cached answer needs no probe, and nothing is done meanwhile.
    find_environment(waiting, cache=cache, meanwhile=meanwhile)
    assert calls == [True]


@POSIX_ONLY
def test_an_interrupt_meanwhile_ends_the_probe(tmp_path: Path) -> None:
    pid_file = tmp_path / "probe.pid"
    slow = write_script(tmp_path / "python3", f"echo $$ > {pid_file}; sleep 600")

    def meanwhile() -> None:
        while not pid_file.exists() or not pid_file.read_text().strip():
            time.sleep(0.01)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        find_environment(slow, cache=NULL_CACHE.interpreters, meanwhile=meanwhile)
    probe = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(probe, 0)  # killed and reaped

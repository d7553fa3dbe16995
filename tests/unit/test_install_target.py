"""inst.install.target: where an install writes for each location option (pip's rules),
PEP 668's EXTERNALLY-MANAGED check, and the user/prefix schemes that real interpreters
(a venv, another Python version) report through the probe."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
from packaging.version import Version

from harness import make_venv, other_pythons
from inst import _probe
from inst.cache import NULL_CACHE, Cache
from inst.environment import Environment, current_environment, find_environment
from inst.errors import InstError
from inst.install.target import (
    InstallTarget,
    change_root,
    check_externally_managed,
    install_target,
)

POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="POSIX paths")


def layout(base: Path, version: str = "3.11") -> dict[str, str]:
    site = str(base / "lib" / f"python{version}" / "site-packages")
    return {
        "purelib": site,
        "platlib": site,
        "scripts": str(base / "bin"),
        "data": str(base),
        "include": str(base / "include" / f"python{version}"),
        "headers": str(base / "include" / f"python{version}"),
    }


def fake_env(tmp_path: Path, **changes: object) -> Environment:
    """The running interpreter, but with its prefix, user base and stdlib in tmp_path
    (changes: fields of its Interpreter, or version_info of its platform)."""
    current = current_environment()
    platform = current.platform
    version_info = changes.pop("version_info", None)
    if version_info is not None:
        assert isinstance(version_info, tuple)
        platform = dataclasses.replace(platform, version_info=version_info)
    prefix = tmp_path / "prefix"
    stdlib = tmp_path / "stdlib"
    stdlib.mkdir(exist_ok=True)
    fields: dict[str, object] = {
        "prefix": prefix,
        "base_prefix": prefix,
        "is_venv": False,
        "scheme": MappingProxyType(layout(prefix)),
        "user_scheme": MappingProxyType(layout(tmp_path / "userbase")),
        "user_site_enabled": True,
        "stdlib": str(stdlib),
        "sys_path": (layout(prefix)["purelib"],),
        "is_current": False,
    }
    fields.update(changes)
    interpreter = dataclasses.replace(current.interpreter, **fields)  # type: ignore[arg-type]
    return Environment.of(interpreter, platform)


def error(environment: Environment, **options: object) -> InstError:
    with pytest.raises(InstError) as caught:
        install_target(environment, **options)  # type: ignore[arg-type]
    return caught.value


def write_dist(site: Path, name: str, version: str) -> None:
    dist = site / f"{name}-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(f"Name: {name}\nVersion: {version}\n")


# --- combinations pip refuses ----------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "what"),
    [
        ({"user": True, "target": "t"}, "cannot combine --user and --target"),
        ({"user": True, "prefix": "p"}, "cannot combine --user and --prefix"),
        ({"target": "t", "prefix": "p"}, "cannot combine --target and --prefix"),
        ({"target": "t", "root": "r"}, "cannot combine --target and --root"),
    ],
)
def test_conflicting_locations(
    tmp_path: Path, options: dict[str, object], what: str
) -> None:
    given = {
        key: tmp_path / value if isinstance(value, str) else value
        for key, value in options.items()
    }
    caught = error(fake_env(tmp_path), **given)
    assert caught.what == what
    assert caught.why and caught.hint
    assert not list(tmp_path.glob("[tpr]"))  # nothing was created


# --- the environment itself ------------------------------------------------------------


def test_default_is_the_environments_scheme(tmp_path: Path) -> None:
    env = fake_env(tmp_path)
    target = install_target(env)
    assert target.kind == "environment"
    expected = layout(env.prefix)
    assert dict(target.scheme) == {
        key: expected[key]
        for key in ("purelib", "platlib", "scripts", "data", "headers")
    }
    assert target.interpreter == str(env.python)
    assert target.state_dir == Path(expected["purelib"]) / ".inst"
    assert target.roots == (os.path.realpath(env.prefix),)
    assert target.lib_dirs == (os.path.realpath(expected["purelib"]),)
    assert target.label == f"the Python installation {env.prefix}"
    assert not target.ignore_installed


def test_a_venv_is_labelled_as_one(tmp_path: Path) -> None:
    env = fake_env(tmp_path, is_venv=True)
    assert install_target(env).label == f"the virtual environment {env.prefix}"


def test_scheme_paths_outside_the_prefix_are_roots_too(tmp_path: Path) -> None:
    # Homebrew-like: the interpreter lives in its Cellar, packages and scripts outside.
    outside = tmp_path / "homebrew"
    scheme = layout(outside)
    env = fake_env(tmp_path, scheme=MappingProxyType(scheme))
    target = install_target(env)
    assert set(target.roots) == {
        os.path.realpath(env.prefix),
        os.path.realpath(outside),  # data is the common parent of the others
    }
    assert target.within_roots(outside / "bin" / "tool")
    assert target.within_roots(env.prefix / "lib" / "x.py")
    assert not target.within_roots(tmp_path / "elsewhere" / "x.py")


def test_distinct_platlib_is_a_lib_dir(tmp_path: Path) -> None:
    scheme = layout(tmp_path / "prefix")
    scheme["platlib"] = str(
        tmp_path / "prefix" / "lib64" / "python3.11" / "site-packages"
    )
    target = install_target(fake_env(tmp_path, scheme=MappingProxyType(scheme)))
    assert target.lib_dirs == (
        os.path.realpath(scheme["purelib"]),
        os.path.realpath(scheme["platlib"]),
    )


# --- --user ----------------------------------------------------------------------------


def test_user_scheme_and_user_base(tmp_path: Path) -> None:
    env = fake_env(tmp_path)
    target = install_target(env, user=True)
    user = layout(tmp_path / "userbase")
    assert target.kind == "user"
    assert target.scheme["purelib"] == user["purelib"]
    assert target.scheme["scripts"] == user["scripts"]
    assert target.scheme["headers"] == user["headers"]
    assert "include" not in target.scheme
    assert target.roots == (os.path.realpath(tmp_path / "userbase"),)
    assert target.label == f"the user site {user['purelib']}"
    assert target.interpreter == str(env.python)


def test_user_in_a_venv_without_the_user_site(tmp_path: Path) -> None:
    env = fake_env(tmp_path, is_venv=True, user_site_enabled=False)
    caught = error(env, user=True)
    assert caught.what == "cannot perform a --user install"
    assert "user site-packages are not visible in the virtual environment" in caught.why
    # With --system-site-packages the user site is visible: allowed, as pip.
    seeing = fake_env(tmp_path, is_venv=True, user_site_enabled=True)
    assert install_target(seeing, user=True).kind == "user"


def test_user_outside_a_venv_with_the_user_site_disabled_is_allowed(
    tmp_path: Path,
) -> None:
    # pip only refuses --user in a venv that hides the user site (python -s is not it).
    env = fake_env(tmp_path, user_site_enabled=False)
    assert install_target(env, user=True).kind == "user"


def test_user_without_a_user_scheme(tmp_path: Path) -> None:
    caught = error(fake_env(tmp_path, user_scheme=None), user=True)
    assert caught.what == "cannot perform a --user install"
    assert "no user scheme" in caught.why


# --- --prefix --------------------------------------------------------------------------


@POSIX_ONLY
def test_prefix_substitutes_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = fake_env(tmp_path)
    target = install_target(env, prefix=Path("p"))  # relative: made absolute
    base = tmp_path / "p"
    major, minor = env.version_info[:2]
    site = base / "lib" / f"python{major}.{minor}" / "site-packages"
    assert target.kind == "prefix"
    assert target.scheme["purelib"] == str(site)
    assert target.scheme["scripts"] == str(base / "bin")
    assert target.scheme["data"] == str(base)
    assert target.roots == (os.path.realpath(base),)
    assert target.lib_dirs == (os.path.realpath(site),)
    assert target.label == f"the prefix {base}"
    assert target.interpreter == str(env.python)


# --- --target --------------------------------------------------------------------------


def test_target_directory_layout(tmp_path: Path) -> None:
    directory = tmp_path / "t"
    target = install_target(fake_env(tmp_path), target=directory)
    assert target.kind == "target"
    assert dict(target.scheme) == {
        "purelib": str(directory),
        "platlib": str(directory),
        "scripts": str(directory / "bin"),
        "data": str(directory),
        "headers": str(directory / "include" / "python"),
    }
    assert target.ignore_installed
    assert target.roots == (os.path.realpath(directory),)
    assert target.lib_dirs == (os.path.realpath(directory),)
    assert target.state_dir == directory / ".inst"
    assert target.label == f"the target directory {directory}"
    assert not directory.exists()  # nothing is created here


def test_target_headers_in_a_venv(tmp_path: Path) -> None:
    env = fake_env(tmp_path, is_venv=True, version_info=(3, 12, 1))
    target = install_target(env, target=tmp_path / "t")
    assert target.scheme["headers"] == str(
        tmp_path / "t" / "include" / "site" / "python3.12"
    )


def test_target_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "t").write_text("")
    caught = error(fake_env(tmp_path), target=tmp_path / "t")
    assert caught.what == f"--target {tmp_path / 't'} is not a directory"


def test_target_installed_and_owns(tmp_path: Path) -> None:
    directory = tmp_path / "t"
    write_dist(directory, "inside", "1.0")
    env = fake_env(tmp_path)
    write_dist(Path(env.scheme["purelib"]), "outside", "2.0")
    target = install_target(env, target=directory)
    installed = target.installed()
    assert list(installed) == ["inside"]
    assert target.owns(installed["inside"])
    assert "outside" in env.installed()
    assert not target.owns(env.installed()["outside"])
    # The environment's own target owns it, and not the one in the target directory.
    own = install_target(env)
    assert own.owns(env.installed()["outside"])
    assert not own.owns(installed["inside"])


def test_target_with_a_described_platform_still_sees_the_directory(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "t"
    write_dist(directory, "inside", "1.0")
    env = fake_env(tmp_path).described(platforms=["win_amd64"])
    assert env.installed() == {}
    assert list(install_target(env, target=directory).installed()) == ["inside"]


# --- --root ----------------------------------------------------------------------------


@POSIX_ONLY
@pytest.mark.parametrize("choice", ["environment", "user", "prefix"])
def test_root_moves_every_path_below_it(tmp_path: Path, choice: str) -> None:
    env = fake_env(tmp_path)
    options: dict[str, object] = {
        "environment": {},
        "user": {"user": True},
        "prefix": {"prefix": tmp_path / "p"},
    }[choice]
    plain = install_target(env, **options)  # type: ignore[arg-type]
    root = tmp_path / "root"
    rooted = install_target(env, root=root, **options)  # type: ignore[arg-type]
    assert rooted.kind == "root"
    for key, path in plain.scheme.items():
        assert rooted.scheme[key] == str(root) + path
    assert rooted.roots == tuple(os.path.realpath(str(root) + r) for r in plain.roots)
    assert rooted.lib_dirs == tuple(
        os.path.realpath(str(root) + d) for d in plain.lib_dirs
    )
    assert rooted.interpreter == str(env.python)  # shebangs name the real interpreter
    assert rooted.state_dir == Path(rooted.scheme["purelib"]) / ".inst"
    assert rooted.label == f"the root directory {root}"
    assert not rooted.within_roots(plain.scheme["purelib"] + "/x.py")


def test_root_checks_user_rules_too(tmp_path: Path) -> None:
    env = fake_env(tmp_path, is_venv=True, user_site_enabled=False)
    assert error(env, user=True, root=tmp_path / "r").what == (
        "cannot perform a --user install"
    )


@POSIX_ONLY
def test_change_root() -> None:
    assert change_root("/r", "/usr/lib") == "/r/usr/lib"
    assert change_root("/r", "usr/lib") == "/r/usr/lib"
    assert change_root("/r", "//usr/lib") == "/r/usr/lib"  # cannot escape the root
    assert change_root("/r", "/") == "/r/"


# --- what uninstall may touch ----------------------------------------------------------


@POSIX_ONLY
def test_within_roots_judges_a_symlink_by_where_it_is(tmp_path: Path) -> None:
    env = fake_env(tmp_path)
    target = install_target(env, target=tmp_path / "t")
    (tmp_path / "t").mkdir()
    outside = tmp_path / "secret"
    outside.write_text("")
    link = tmp_path / "t" / "link"
    link.symlink_to(outside)
    assert target.within_roots(link)
    assert not target.within_roots(outside)
    assert not target.within_roots(tmp_path / "t")  # the root itself
    assert not target.within_roots(tmp_path / "t2" / "x")  # a sibling sharing a prefix
    assert target.within_roots(tmp_path / "t" / "sub" / ".." / "x")
    assert not target.within_roots(tmp_path / "t" / ".." / "x")
    # A directory reached through a symlinked parent counts where it really is.
    alias = tmp_path / "alias"
    alias.symlink_to(tmp_path / "t")
    assert target.within_roots(alias / "pkg" / "x.py")


def test_a_target_is_a_value(tmp_path: Path) -> None:
    env = fake_env(tmp_path)
    first, second = install_target(env), install_target(env)
    assert isinstance(first, InstallTarget)
    assert first == second
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.kind = "user"  # type: ignore[misc]


# --- PEP 668 ---------------------------------------------------------------------------


def managed(tmp_path: Path, text: str | bytes, **changes: object) -> Environment:
    env = fake_env(tmp_path, **changes)
    marker = Path(env.interpreter.stdlib) / "EXTERNALLY-MANAGED"
    if isinstance(text, bytes):
        marker.write_bytes(text)
    else:
        marker.write_text(text, encoding="utf-8")
    return env


def refusal(env: Environment) -> InstError:
    with pytest.raises(InstError) as caught:
        check_externally_managed(env, break_system_packages=False)
    return caught.value


@pytest.fixture
def no_locale(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


DEBIAN = """\
[externally-managed]
Error=To install Python packages system-wide, try apt install
 python3-xyz, where xyz is the package you are trying to
 install.
Error-de_DE=Deutsch aus Deutschland
Error-de=Deutsch
"""


def test_no_marker_no_refusal(tmp_path: Path) -> None:
    check_externally_managed(fake_env(tmp_path), break_system_packages=False)


def test_the_distributors_message_verbatim(
    tmp_path: Path, no_locale: pytest.MonkeyPatch
) -> None:
    env = managed(tmp_path, DEBIAN)
    caught = refusal(env)
    assert caught.what == f"this environment ({env.prefix}) is externally managed"
    assert caught.why == (
        "To install Python packages system-wide, try apt install\n"
        "python3-xyz, where xyz is the package you are trying to\n"
        "install."
    )
    for advice in ("python -m venv", "pipx", "--break-system-packages"):
        assert advice in caught.hint
    assert caught.paragraph().startswith("this environment (")


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"LANG": "de_DE.UTF-8"}, "Deutsch aus Deutschland"),
        ({"LANG": "de_AT.UTF-8"}, "Deutsch"),
        ({"LANG": "de_AT@euro"}, "Deutsch"),
        ({"LANG": "fr_FR.UTF-8"}, "To install"),
        ({"LANG": "C.UTF-8"}, "To install"),
        ({"LANG": "POSIX"}, "To install"),
        ({"LANG": "fr_FR", "LC_MESSAGES": "de_DE"}, "Deutsch aus Deutschland"),
        ({"LC_MESSAGES": "de_DE", "LC_ALL": "fr_FR"}, "To install"),
        ({"LC_ALL": "", "LANG": "de_CH"}, "Deutsch"),
    ],
)
def test_localized_messages(
    tmp_path: Path,
    no_locale: pytest.MonkeyPatch,
    variables: Mapping[str, str],
    expected: str,
) -> None:
    for name, value in variables.items():
        no_locale.setenv(name, value)
    assert refusal(managed(tmp_path, DEBIAN)).why.startswith(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",  # empty: no section
        "[externally-managed]\n",  # no Error key
        "[externally-managed]\nError =\n",  # an empty message
        "[other]\nError = not ours\n",
        "Error = no section header\n",
        "[externally-managed]\nError = a\n[externally-managed]\nError = b\n",
        b"[externally-managed]\nError = \xff\xfe not utf-8\n",
    ],
)
def test_no_usable_message_still_refuses(
    tmp_path: Path, no_locale: pytest.MonkeyPatch, text: str | bytes
) -> None:
    env = managed(tmp_path, text)
    caught = refusal(env)
    assert caught.what == f"this environment ({env.prefix}) is externally managed"
    assert caught.why.startswith(
        f"The Python environment under {env.prefix} is managed"
    )


def test_a_venv_is_never_externally_managed(tmp_path: Path) -> None:
    env = managed(tmp_path, DEBIAN, is_venv=True)
    check_externally_managed(env, break_system_packages=False)


def test_break_system_packages_overrides(tmp_path: Path) -> None:
    env = managed(tmp_path, DEBIAN)
    check_externally_managed(env, break_system_packages=True)


# --- real interpreters -----------------------------------------------------------------


def test_the_running_interpreter_reports_its_schemes() -> None:
    import sysconfig

    interpreter = current_environment().interpreter
    assert interpreter.user_scheme is not None
    user = sysconfig.get_paths(scheme=sysconfig.get_preferred_scheme("user"))
    assert interpreter.user_scheme["purelib"] == user["purelib"]
    assert interpreter.user_scheme["headers"] == user["include"]
    assert set(interpreter.prefix_scheme) == set(interpreter.user_scheme)


def test_a_venvs_prefix_scheme_is_posix_prefix_like(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv")
    env = find_environment(venv.root, cache=NULL_CACHE.interpreters)
    assert env.interpreter.is_venv
    major, minor = env.version_info[:2]
    scheme = env.interpreter.prefix_scheme_for(tmp_path / "x")
    if os.name == "nt":
        site = tmp_path / "x" / "Lib" / "site-packages"
    else:
        site = tmp_path / "x" / "lib" / f"python{major}.{minor}" / "site-packages"
    assert scheme["purelib"] == str(site)
    assert scheme["data"] == str(tmp_path / "x")
    # As pip in a venv: headers inside the prefix, in include/site/pythonX.Y.
    assert scheme["headers"] == str(
        tmp_path / "x" / "include" / "site" / f"python{major}.{minor}"
    )
    # The venv as an install target: its own site-packages, labelled as a venv.
    target = install_target(env)
    assert target.label == f"the virtual environment {env.prefix}"
    assert target.lib_dirs == (os.path.realpath(venv.site_packages),)
    assert target.roots == (os.path.realpath(venv.root),)
    write_dist(venv.site_packages, "demo", "1.0")
    assert target.installed()["demo"].version == Version("1.0")
    # The venv hides the user site: --user is refused, as pip.
    assert error(env, user=True).what == "cannot perform a --user install"


@POSIX_ONLY
def test_another_pythons_user_and_prefix_schemes() -> None:
    others = other_pythons((3, 8))
    if not others:
        pytest.skip("no other Python on this machine")
    other = others[0]
    env = find_environment(other.path, cache=NULL_CACHE.interpreters)
    major, minor = other.version[:2]
    user_scheme = env.interpreter.user_scheme
    assert user_scheme is not None
    assert f"python{major}.{minor}" in user_scheme["purelib"]
    assert os.path.isabs(user_scheme["scripts"])
    scheme = env.interpreter.prefix_scheme_for(Path("/tmp/x"))
    assert scheme["purelib"] == f"/tmp/x/lib/python{major}.{minor}/site-packages"
    assert scheme["scripts"] == "/tmp/x/bin"
    user = install_target(env, user=True)
    assert user.scheme["purelib"] == user_scheme["purelib"]
    assert user.interpreter == str(env.python)


def test_a_cached_probe_of_another_format_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = make_venv(tmp_path / "venv")
    cache = tmp_path / "cache"
    find_environment(venv.root, cache=Cache(cache).interpreters)
    assert len(list((cache / "interpreters").iterdir())) == 1
    monkeypatch.setattr(_probe, "FORMAT", _probe.FORMAT + 1)
    again = find_environment(venv.root, cache=Cache(cache).interpreters)
    assert len(list((cache / "interpreters").iterdir())) == 2  # probed afresh
    assert again.interpreter.prefix_scheme

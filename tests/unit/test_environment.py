"""inst.environment in-process: markers, tags, Requires-Python, hypothetical targets and
the scan for installed distributions (fake site directories, no subprocess)."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.markers import Marker, default_environment
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, parse_tag, sys_tags
from packaging.version import Version

from inst.environment import Environment, current_environment
from inst.errors import InstError


def tag(text: str) -> Tag:
    (only,) = parse_tag(text)
    return only


def fake_env(*site_dirs: Path) -> Environment:
    """The running interpreter, but looking for distributions in site_dirs only."""
    return dataclasses.replace(
        current_environment(),
        sys_path=tuple(str(d) for d in site_dirs),
        is_current=False,
    )


def write_dist(
    site: Path, dirname: str, metadata: str, **files: str
) -> Path:  # files: INSTALLER="inst", ...
    path = site / dirname
    path.mkdir(parents=True)
    metadata_file = "METADATA" if dirname.endswith(".dist-info") else "PKG-INFO"
    (path / metadata_file).write_text(metadata, encoding="utf-8")
    for name, text in files.items():
        (path / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return path


# --- the running interpreter ---------------------------------------------------------


def test_current_environment_describes_the_running_interpreter() -> None:
    env = current_environment()
    assert env is current_environment()  # computed once per process
    assert env.is_current
    assert not env.hypothetical
    assert env.python == Path(sys.executable).absolute()
    assert env.prefix == Path(sys.prefix)
    assert env.base_prefix == Path(sys.base_prefix)
    assert env.is_venv == (sys.prefix != sys.base_prefix)
    assert env.version_info == tuple(sys.version_info[:3])
    assert env.implementation == sys.implementation.name
    assert dict(env.markers) == default_environment()
    assert env.stdlib == sysconfig.get_path("stdlib")
    assert env.scheme["purelib"] == sysconfig.get_path("purelib")
    assert set(env.scheme) >= {"purelib", "platlib", "scripts", "data", "include"}
    assert env.tags == tuple(sys_tags())
    assert env.tag_rank([env.tags[0]]) == 0


def test_current_environment_survives_a_patched_prefix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = current_environment()
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    assert current_environment().prefix == tmp_path
    monkeypatch.undo()
    assert current_environment() is real


# --- markers -------------------------------------------------------------------------


def test_evaluate_with_and_without_extras() -> None:
    env = current_environment()
    assert env.evaluate(None)
    assert env.evaluate(None, ["x"])
    test_only = Marker('extra == "test"')
    assert not env.evaluate(test_only)
    assert env.evaluate(test_only, ["test"])
    assert env.evaluate(test_only, ["docs", "test"])
    assert env.evaluate(test_only, ["Test"])  # extras compare normalised
    assert not env.evaluate(test_only, ["docs"])
    assert env.evaluate(Marker('extra == "test" or python_version >= "3"'))


def test_evaluate_uses_the_targets_markers() -> None:
    env = current_environment()
    old = env.with_target(python_version="3.8")
    marker = Marker('python_version < "3.9"')
    assert not env.evaluate(marker)
    assert old.evaluate(marker)
    assert old.evaluate(Marker('python_full_version == "3.8.0"'))


# --- tags and Requires-Python --------------------------------------------------------


def test_tag_rank_is_the_best_supported_tag() -> None:
    env = current_environment()
    best, worse = env.tags[0], env.tags[-1]
    assert env.tag_rank([worse, best]) == 0
    assert env.tag_rank([worse]) == len(env.tags) - 1
    assert env.tag_rank([tag("py3-none-any")]) is not None
    assert env.tag_rank([tag("cp27-cp27mu-nonexistent_arch")]) is None
    assert env.tag_rank([]) is None


def test_python_supported() -> None:
    env = dataclasses.replace(current_environment(), version_info=(3, 13, 0))
    assert env.python_supported(None)
    assert env.python_supported("")
    assert env.python_supported("not a specifier")  # unparsable: ignored, as pip
    assert env.python_supported(">=3.8")
    assert env.python_supported(">=3.13")
    assert env.python_supported("~=3.13.0")
    assert not env.python_supported("<3.13")
    assert not env.python_supported(">=3.14.0a1")
    assert env.python_supported(SpecifierSet(">=3.13,<4"))
    assert not env.python_supported(SpecifierSet("==2.7.*"))


# --- hypothetical targets ------------------------------------------------------------


def test_with_target_gives_the_tags_of_the_described_target() -> None:
    env = current_environment()
    target = env.with_target(
        platforms=["manylinux_2_17_x86_64"],
        python_version="3.10",
        implementation="cp",
        abis=["cp310"],
    )
    assert target.tags[0] == tag("cp310-cp310-manylinux_2_17_x86_64")
    order = [
        "cp310-cp310-manylinux_2_17_x86_64",
        "cp310-cp310-manylinux2014_x86_64",
        "cp310-cp310-manylinux_2_5_x86_64",
        "cp310-abi3-manylinux_2_17_x86_64",
        "cp39-abi3-manylinux1_x86_64",
        "py310-none-manylinux_2_17_x86_64",
        "cp310-none-any",
        "py3-none-any",
    ]
    ranks = [target.tag_rank([tag(text)]) for text in order]
    assert None not in ranks
    assert ranks == sorted(ranks)
    for unsupported in (
        "cp311-cp311-manylinux_2_17_x86_64",  # another Python
        "cp310-cp310-manylinux_2_28_x86_64",  # a newer glibc
        "cp310-cp310-win_amd64",
        "pp310-pypy310_pp73-manylinux_2_17_x86_64",
    ):
        assert target.tag_rank([tag(unsupported)]) is None, unsupported
    assert target.version_info == (3, 10, 0)
    assert target.markers["python_version"] == "3.10"
    assert target.markers["python_full_version"] == "3.10.0"
    assert target.markers["implementation_name"] == "cpython"
    assert target.markers["sys_platform"] == "linux"
    assert target.markers["platform_machine"] == "x86_64"
    assert target.python_supported(">=3.10")
    assert not target.python_supported(">=3.11")
    assert target.hypothetical
    assert not target.is_current
    assert target.installed() == {}
    assert env.tags == tuple(sys_tags())  # the original is untouched


def test_with_target_nothing_given_is_the_environment_itself() -> None:
    env = current_environment()
    assert env.with_target() is env


@pytest.mark.parametrize(
    ("given", "expected"), [("3", "3.0"), ("312", "3.12"), ("3.12", "3.12")]
)
def test_with_target_python_version_forms(given: str, expected: str) -> None:
    target = current_environment().with_target(python_version=given)
    assert target.markers["python_version"] == expected
    interpreter = "cp3" if given == "3" else "cp312"
    assert target.tags[0].interpreter == interpreter


@pytest.mark.parametrize("bad", ["3.x", "1.2.3.4", "", "three"])
def test_with_target_rejects_a_bad_python_version(bad: str) -> None:
    with pytest.raises(InstError, match="--python-version"):
        current_environment().with_target(python_version=bad)


def test_with_target_keeps_the_targets_own_facts_when_not_given() -> None:
    env = current_environment()
    only_platform = env.with_target(platforms=["win_amd64"])
    ours = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    if env.implementation == "cpython":
        assert only_platform.tags[0] == tag(f"{ours}-{env.tags[0].abi}-win_amd64")
    assert only_platform.markers["sys_platform"] == "win32"
    assert only_platform.markers["os_name"] == "nt"
    assert only_platform.markers["platform_machine"] == "AMD64"
    assert only_platform.markers["python_version"] == env.markers["python_version"]
    only_version = env.with_target(python_version="3.9")
    platforms = {t.platform for t in only_version.tags}
    assert platforms == {t.platform for t in env.tags}


def test_with_target_expands_platforms_like_a_real_machine() -> None:
    env = current_environment()
    legacy = env.with_target(platforms=["manylinux2014_x86_64"], python_version="3.12")
    for text in (
        "cp312-cp312-manylinux2014_x86_64",
        "cp312-cp312-manylinux2010_x86_64",  # pip adds these two for manylinux2014
        "cp312-cp312-manylinux1_x86_64",
        "cp312-cp312-manylinux_2_17_x86_64",
    ):
        assert legacy.tag_rank([tag(text)]) is not None, text
    arm = env.with_target(platforms=["manylinux_2_28_aarch64"], python_version="3.12")
    assert arm.tag_rank([tag("cp312-cp312-manylinux_2_17_aarch64")]) is not None
    assert arm.tag_rank([tag("cp312-cp312-manylinux_2_16_aarch64")]) is None
    assert arm.tag_rank([tag("cp312-cp312-manylinux2010_aarch64")]) is None
    musl = env.with_target(platforms=["musllinux_1_2_x86_64"], python_version="3.12")
    assert musl.tag_rank([tag("cp312-cp312-musllinux_1_1_x86_64")]) is not None
    assert musl.tag_rank([tag("cp312-cp312-manylinux1_x86_64")]) is None
    mac = env.with_target(platforms=["macosx_11_0_arm64"], python_version="3.12")
    assert mac.tag_rank([tag("cp312-cp312-macosx_11_0_universal2")]) is not None
    assert mac.tag_rank([tag("cp312-cp312-macosx_12_0_arm64")]) is None
    assert mac.markers["sys_platform"] == "darwin"
    other = env.with_target(platforms=["some_custom_platform"], python_version="3.12")
    assert other.tags[0] == tag("cp312-cp312-some_custom_platform")
    assert other.markers["sys_platform"] == env.markers["sys_platform"]


def test_with_target_of_another_implementation() -> None:
    env = current_environment()
    pypy = env.with_target(
        implementation="pp",
        python_version="3.10",
        abis=["pypy310_pp73"],
        platforms=["manylinux_2_17_x86_64"],
    )
    assert pypy.tags[0] == tag("pp310-pypy310_pp73-manylinux_2_17_x86_64")
    assert pypy.tag_rank([tag("py3-none-any")]) is not None
    assert pypy.tag_rank([tag("cp310-cp310-manylinux_2_17_x86_64")]) is None
    assert pypy.implementation == "pypy"
    assert pypy.markers["implementation_name"] == "pypy"
    assert pypy.markers["platform_python_implementation"] == "PyPy"
    generic = env.with_target(implementation="py", python_version="3.10")
    assert generic.tag_rank([tag("py310-none-any")]) is not None
    assert generic.markers["implementation_name"] == env.markers["implementation_name"]


# --- installed distributions ---------------------------------------------------------


def test_installed_reads_names_and_versions(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_dist(
        site,
        "Foo_Bar-1.0.dist-info",
        "Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.0\n"
        "Requires-Dist: simple>=1\nRequires-Dist: not a [requirement\n"
        'Requires-Dist: pytest; extra == "test"\nRequires-Python: >=3.8\n\nText.\n',
        INSTALLER="inst\n",
        REQUESTED="",
        direct_url__json=json.dumps({"url": "file:///src", "dir_info": {}}),
    )
    write_dist(
        site, "legacy-2.0-py3.11.egg-info", "Metadata-Version: 1.2\nName: legacy\n"
    )
    # A develop checkout's egg-info carries no version in its name: METADATA decides.
    write_dist(
        site,
        "checkout.egg-info",
        "Metadata-Version: 1.2\nName: Check-Out\nVersion: 0.3.dev1\n",
        requires__txt="six\n\n[tests]\npytest\n\n[:python_version < '3.9']\nbackport\n",
    )
    (site / "single-1.5-py3.11.egg-info").write_text(
        "Metadata-Version: 1.0\nName: single\nVersion: 1.5\n", encoding="utf-8"
    )
    (site / "notadist").mkdir()
    (site / "broken-notaversion.dist-info").mkdir()  # no METADATA: skipped

    installed = fake_env(site).installed()
    assert {name: str(d.version) for name, d in installed.items()} == {
        "foo-bar": "1.0",
        "legacy": "2.0",
        "check-out": "0.3.dev1",
        "single": "1.5",
    }
    foo = installed["foo-bar"]
    assert foo.display_name == "Foo.Bar"
    assert foo.version == Version("1.0")
    assert foo.path == site / "Foo_Bar-1.0.dist-info"
    assert foo.location == site
    assert [str(r) for r in foo.requires] == ["simple>=1", 'pytest; extra == "test"']
    assert foo.requires_python == ">=3.8"
    assert foo.installer == "inst"
    assert foo.requested
    assert foo.direct_url == {"url": "file:///src", "dir_info": {}}
    assert foo.metadata() is foo.metadata()  # parsed once

    legacy = installed["legacy"]
    assert legacy.installer is None
    assert not legacy.requested
    assert legacy.direct_url is None
    assert legacy.requires_python is None
    checkout = installed["check-out"]
    assert checkout.display_name == "Check-Out"
    assert [str(r) for r in checkout.requires] == [
        "six",
        'pytest; extra == "tests"',
        'backport; python_version < "3.9"',
    ]
    assert installed["single"].display_name == "single"


def test_installed_first_on_sys_path_wins(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    write_dist(first, "dup-2.0.dist-info", "Name: dup\nVersion: 2.0\n")
    write_dist(second, "DUP-1.0.dist-info", "Name: DUP\nVersion: 1.0\n")
    write_dist(second, "only_second-1.0.dist-info", "Name: only-second\nVersion: 1\n")
    env = fake_env(tmp_path / "missing", first, tmp_path / "a.zip", second, first)
    installed = env.installed()
    assert installed["dup"].version == Version("2.0")
    assert installed["dup"].location == first
    assert installed["only-second"].location == second
    assert fake_env(second, first).installed()["dup"].version == Version("1.0")


def test_installed_is_a_fresh_scan(tmp_path: Path) -> None:
    env = fake_env(tmp_path)
    assert env.installed() == {}
    write_dist(tmp_path, "late-1.0.dist-info", "Name: late\nVersion: 1.0\n")
    assert list(env.installed()) == ["late"]


def test_installed_reads_metadata_when_the_directory_name_has_no_version(
    tmp_path: Path,
) -> None:
    write_dist(tmp_path, "odd.dist-info", "Name: Odd\nVersion: 4.2\n")
    write_dist(tmp_path, "bad-1.0_x.dist-info", "Name: bad\nVersion: 1.0+local\n")
    installed = fake_env(tmp_path).installed()
    assert installed["odd"].version == Version("4.2")
    assert installed["bad"].version == Version("1.0+local")


def test_installed_finds_an_egg_on_sys_path(tmp_path: Path) -> None:
    egg = tmp_path / "eggy-3.1-py3.11.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    (egg / "EGG-INFO" / "PKG-INFO").write_text("Name: eggy\nVersion: 3.1\n")
    dist = fake_env(egg).installed()["eggy"]
    assert dist.version == Version("3.1")
    assert dist.display_name == "eggy"
    assert dist.location == egg


def test_environment_is_hashable() -> None:
    env = current_environment()
    assert {env: 1}[env] == 1


def test_installed_in_scans_only_the_given_directories(tmp_path: Path) -> None:
    first, second, other = tmp_path / "first", tmp_path / "second", tmp_path / "other"
    write_dist(first, "dup-2.0.dist-info", "Name: dup\nVersion: 2.0\n")
    write_dist(second, "dup-1.0.dist-info", "Name: dup\nVersion: 1.0\n")
    write_dist(second, "two-1.0.dist-info", "Name: two\nVersion: 1.0\n")
    write_dist(other, "elsewhere-1.0.dist-info", "Name: elsewhere\nVersion: 1\n")
    env = fake_env(other)  # on sys.path, but not asked for
    installed = env.installed_in(
        [str(first), "", str(tmp_path / "missing"), str(second)]
    )
    assert sorted(installed) == ["dup", "two"]
    assert installed["dup"].location == first  # the first found per name wins
    assert env.installed_in([str(second), str(first)])["dup"].version == Version("1.0")
    assert env.installed_in([]) == {}
    # A hypothetical target has nothing on sys.path, but directories asked for by
    # name (--target DIR) are still read.
    hypothetical = env.with_target(python_version="3.8")
    assert hypothetical.installed() == {}
    assert list(hypothetical.installed_in([str(other)])) == ["elsewhere"]


# --- user and prefix schemes ---------------------------------------------------------


def test_schemes_of_the_running_interpreter() -> None:
    env = current_environment()
    keys = {"purelib", "platlib", "scripts", "data", "include", "headers"}
    assert env.user_scheme is not None
    assert set(env.user_scheme) == keys
    assert set(env.prefix_scheme) == keys
    user = sysconfig.get_paths(scheme=f"{os.name}_user")
    if sys.version_info >= (3, 10):
        user = sysconfig.get_paths(scheme=sysconfig.get_preferred_scheme("user"))
    assert env.user_scheme["purelib"] == user["purelib"]
    assert env.user_scheme["scripts"] == user["scripts"]


def test_prefix_scheme_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = current_environment()
    scheme = env.prefix_scheme_for(tmp_path / "x")
    expected = sysconfig.get_paths(
        scheme="nt" if os.name == "nt" else "posix_prefix",
        vars={"base": str(tmp_path / "x"), "platbase": str(tmp_path / "x")},
    )
    for key in ("purelib", "platlib", "scripts", "data"):
        assert scheme[key] == expected[key]
    monkeypatch.chdir(tmp_path)
    assert env.prefix_scheme_for(Path("x")) == scheme  # relative: made absolute
    if os.name != "nt":
        root = env.prefix_scheme_for(Path("/"))
        assert root["data"] == "/"
        assert root["scripts"] == "/bin"  # joined, not "//bin"
    # Paths a scheme does not put below the prefix are kept as they are.
    odd = dataclasses.replace(
        env, prefix_scheme={"purelib": "/fixed/site", "data": "{inst-prefix}"}
    )
    assert dict(odd.prefix_scheme_for(tmp_path)) == {
        "purelib": "/fixed/site",
        "data": str(tmp_path),
    }
    with pytest.raises(ValueError, match="without a prefix scheme"):
        dataclasses.replace(env, prefix_scheme={}).prefix_scheme_for(tmp_path)


def test_the_probe_format_is_in_the_answer() -> None:
    from inst import _probe

    answer = _probe.probe(tags=False, drop_script_entry=True)
    assert answer["format"] == _probe.FORMAT
    assert answer["user_scheme"] == dict(current_environment().user_scheme or {})
    assert answer["prefix_scheme"]["data"] == _probe.PREFIX_PLACEHOLDER

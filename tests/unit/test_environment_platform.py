"""inst.environment.platform: markers, wheel tags, Requires-Python, and the platforms
that --platform/--python-version/--implementation/--abi describe."""

from __future__ import annotations

import dataclasses
import sys

import pytest
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, parse_tag, sys_tags

from inst.environment import TargetPlatform, current_environment
from inst.errors import InstError


def tag(text: str) -> Tag:
    (only,) = parse_tag(text)
    return only


def running_platform() -> TargetPlatform:
    return current_environment().platform


# --- markers -------------------------------------------------------------------------


def test_evaluate_with_and_without_extras() -> None:
    platform = running_platform()
    assert platform.evaluate(None)
    assert platform.evaluate(None, ["x"])
    test_only = Marker('extra == "test"')
    assert not platform.evaluate(test_only)
    assert platform.evaluate(test_only, ["test"])
    assert platform.evaluate(test_only, ["docs", "test"])
    assert platform.evaluate(test_only, ["Test"])  # extras compare normalised
    assert not platform.evaluate(test_only, ["docs"])
    assert platform.evaluate(Marker('extra == "test" or python_version >= "3"'))


def test_evaluate_uses_the_targets_markers() -> None:
    platform = running_platform()
    old = platform.described(python_version="3.8")
    marker = Marker('python_version < "3.9"')
    assert not platform.evaluate(marker)
    assert old.evaluate(marker)
    assert old.evaluate(Marker('python_full_version == "3.8.0"'))


# --- tags and Requires-Python --------------------------------------------------------


def test_tag_rank_is_the_best_supported_tag() -> None:
    platform = running_platform()
    best, worse = platform.tags[0], platform.tags[-1]
    assert platform.tag_rank([worse, best]) == 0
    assert platform.tag_rank([worse]) == len(platform.tags) - 1
    assert platform.tag_rank([tag("py3-none-any")]) is not None
    assert platform.tag_rank([tag("cp27-cp27mu-nonexistent_arch")]) is None
    assert platform.tag_rank([]) is None


def test_python_supported() -> None:
    platform = dataclasses.replace(running_platform(), version_info=(3, 13, 0))
    assert platform.python_supported(None)
    assert platform.python_supported("")
    assert platform.python_supported("not a specifier")  # unparsable: ignored, as pip
    assert platform.python_supported(">=3.8")
    assert platform.python_supported(">=3.13")
    assert platform.python_supported("~=3.13.0")
    assert not platform.python_supported("<3.13")
    assert not platform.python_supported(">=3.14.0a1")
    assert platform.python_supported(SpecifierSet(">=3.13,<4"))
    assert not platform.python_supported(SpecifierSet("==2.7.*"))


# --- described platforms ------------------------------------------------------------


def test_described_gives_the_tags_of_the_described_target() -> None:
    platform = running_platform()
    target = platform.described(
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
    assert platform.tags == tuple(sys_tags())  # the original is untouched


def test_described_nothing_given_is_the_platform_itself() -> None:
    platform = running_platform()
    assert platform.described() is platform


@pytest.mark.parametrize(
    ("given", "expected"), [("3", "3.0"), ("312", "3.12"), ("3.12", "3.12")]
)
def test_described_python_version_forms(given: str, expected: str) -> None:
    target = running_platform().described(python_version=given)
    assert target.markers["python_version"] == expected
    interpreter = "cp3" if given == "3" else "cp312"
    assert target.tags[0].interpreter == interpreter


@pytest.mark.parametrize("bad", ["3.x", "1.2.3.4", "", "three"])
def test_described_rejects_a_bad_python_version(bad: str) -> None:
    with pytest.raises(InstError, match="--python-version"):
        running_platform().described(python_version=bad)


def test_described_keeps_the_targets_own_facts_when_not_given() -> None:
    platform = running_platform()
    only_platform = platform.described(platforms=["win_amd64"])
    ours = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    if platform.implementation == "cpython":
        assert only_platform.tags[0] == tag(f"{ours}-{platform.tags[0].abi}-win_amd64")
    assert only_platform.markers["sys_platform"] == "win32"
    assert only_platform.markers["os_name"] == "nt"
    assert only_platform.markers["platform_machine"] == "AMD64"
    assert only_platform.markers["python_version"] == platform.markers["python_version"]
    only_version = platform.described(python_version="3.9")
    platforms = {t.platform for t in only_version.tags}
    assert platforms == {t.platform for t in platform.tags}


def test_described_expands_platforms_like_a_real_machine() -> None:
    platform = running_platform()
    legacy = platform.described(
        platforms=["manylinux2014_x86_64"], python_version="3.12"
    )
    for text in (
        "cp312-cp312-manylinux2014_x86_64",
        "cp312-cp312-manylinux2010_x86_64",  # pip adds these two for manylinux2014
        "cp312-cp312-manylinux1_x86_64",
        "cp312-cp312-manylinux_2_17_x86_64",
    ):
        assert legacy.tag_rank([tag(text)]) is not None, text
    arm = platform.described(
        platforms=["manylinux_2_28_aarch64"], python_version="3.12"
    )
    assert arm.tag_rank([tag("cp312-cp312-manylinux_2_17_aarch64")]) is not None
    assert arm.tag_rank([tag("cp312-cp312-manylinux_2_16_aarch64")]) is None
    assert arm.tag_rank([tag("cp312-cp312-manylinux2010_aarch64")]) is None
    musl = platform.described(platforms=["musllinux_1_2_x86_64"], python_version="3.12")
    assert musl.tag_rank([tag("cp312-cp312-musllinux_1_1_x86_64")]) is not None
    assert musl.tag_rank([tag("cp312-cp312-manylinux1_x86_64")]) is None
    mac = platform.described(platforms=["macosx_11_0_arm64"], python_version="3.12")
    assert mac.tag_rank([tag("cp312-cp312-macosx_11_0_universal2")]) is not None
    assert mac.tag_rank([tag("cp312-cp312-macosx_12_0_arm64")]) is None
    assert mac.markers["sys_platform"] == "darwin"
    other = platform.described(
        platforms=["some_custom_platform"], python_version="3.12"
    )
    assert other.tags[0] == tag("cp312-cp312-some_custom_platform")
    assert other.markers["sys_platform"] == platform.markers["sys_platform"]


def test_described_of_another_implementation() -> None:
    platform = running_platform()
    pypy = platform.described(
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
    generic = platform.described(implementation="py", python_version="3.10")
    assert generic.tag_rank([tag("py310-none-any")]) is not None
    assert (
        generic.markers["implementation_name"]
        == platform.markers["implementation_name"]
    )

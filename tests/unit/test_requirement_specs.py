"""parse_requirement: PEP 508 strings, URLs and local paths → RequirementSpec."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from harness import DistFactory
from inst.errors import InstError
from inst.requirements import (
    RequirementError,
    RequirementSpec,
    SourceKind,
    parse_requirement,
)
from inst.requirements.specs import parse_config_settings, parse_hash_option

SHA256 = "a" * 64
OTHER_SHA256 = "b" * 64


def error(text: str, **kwargs: object) -> RequirementError:
    with pytest.raises(RequirementError) as info:
        parse_requirement(text, **kwargs)  # type: ignore[arg-type]
    return info.value


@pytest.fixture
def wheel(tmp_path: Path, dist_factory: DistFactory) -> Path:
    """A real wheel of tests_data/projects/simple, copied into tmp_path."""
    built = dist_factory.wheel("simple")
    return Path(shutil.copy(built, tmp_path / built.name))


@pytest.fixture
def sdist(tmp_path: Path, dist_factory: DistFactory) -> Path:
    built = dist_factory.sdist("simple")
    return Path(shutil.copy(built, tmp_path / built.name))


# ---- named requirements -------------------------------------------------------------


def test_a_plain_name() -> None:
    spec = parse_requirement("requests")
    assert spec.kind is SourceKind.NAMED
    assert spec.name == "requests"
    assert spec.specifier == SpecifierSet()
    assert spec.extras == frozenset()
    assert spec.marker is None
    assert spec.url is None and spec.path is None
    assert spec.hashes == {}
    assert spec.origin == "command line"
    assert not spec.constraint and not spec.editable
    assert spec.line == "requests"
    assert spec.requirement is not None and spec.requirement.name == "requests"


def test_name_is_normalized_and_extras_canonicalized() -> None:
    spec = parse_requirement('Foo_Bar[Socks, Extra_One]>=2.8,<3 ; python_version>"3"')
    assert spec.name == "foo-bar"
    assert spec.extras == {"socks", "extra-one"}
    assert spec.specifier == SpecifierSet(">=2.8,<3")
    assert spec.marker == Marker('python_version > "3"')


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_requirement("  requests >= 2  ").line == "requests >= 2"


def test_str_is_the_requirement_text() -> None:
    assert str(parse_requirement("requests>=2")) == "requests>=2"


def test_origin_and_flags_are_kept() -> None:
    spec = parse_requirement("a==1", origin="-c c.txt (line 2)", constraint=True)
    assert spec.origin == "-c c.txt (line 2)"
    assert spec.constraint


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("foo==1.0", Version("1.0")),
        ("foo===1.0", Version("1.0")),
        ("foo == 2.0.post1", Version("2.0.post1")),
        ("foo==1.*", None),
        ("foo>=1.0", None),
        ("foo==1.0,<2", None),
        ("foo", None),
        ("foo===not-a-version", None),
    ],
)
def test_pinned_version(text: str, expected: Version | None) -> None:
    assert parse_requirement(text).pinned_version() == expected


def test_specs_are_hashable_and_comparable() -> None:
    first = parse_requirement("foo==1.0", hashes={"sha256": [SHA256]})
    second = parse_requirement("foo==1.0", hashes={"sha256": [SHA256]})
    assert first == second
    assert hash(first) == hash(second)
    assert isinstance(first, RequirementSpec)


# ---- invalid PEP 508 ----------------------------------------------------------------


def test_invalid_requirement_says_what_why_and_how() -> None:
    exc = error("foo>>1")
    assert isinstance(exc, InstError)
    assert exc.what == "invalid requirement 'foo>>1'"
    assert exc.why.startswith("Expected")
    assert "'>>1'" in exc.why  # where packaging stopped
    assert "PEP 508" in exc.hint
    assert "\n" not in exc.paragraph()


def test_single_equals_suggests_double() -> None:
    exc = error("foo=1.0")
    assert "'foo==1.0'" in exc.hint


def test_double_equals_typo_is_not_suggested_for_other_errors() -> None:
    assert "==" not in error("foo>=1.0 bar").hint


def test_empty_requirement() -> None:
    assert error("   ").what == "empty requirement"


def test_invalid_marker() -> None:
    assert "invalid requirement" in error("foo; python_version >>> '3'").what


# ---- URLs ---------------------------------------------------------------------------


def test_named_url_with_extras_and_marker() -> None:
    spec = parse_requirement(
        'Pkg[One,two] @ https://example.org/pkg-1.0-py3-none-any.whl ; os_name == "posix"'
    )
    assert spec.kind is SourceKind.URL
    assert spec.name == "pkg"
    assert spec.extras == {"one", "two"}
    assert spec.marker == Marker('os_name == "posix"')
    assert spec.url == "https://example.org/pkg-1.0-py3-none-any.whl"
    assert spec.specifier == SpecifierSet()
    assert spec.path is None
    assert spec.requirement is not None and spec.requirement.url is not None
    assert spec.pinned_version() == Version("1.0")


def test_bare_wheel_url_is_named_by_its_filename() -> None:
    spec = parse_requirement("https://example.org/x/My_Pkg-2.1-py3-none-any.whl")
    assert spec.kind is SourceKind.URL
    assert spec.name == "my-pkg"
    assert spec.requirement is None
    assert spec.pinned_version() == Version("2.1")
    assert str(spec) == "https://example.org/x/My_Pkg-2.1-py3-none-any.whl"


def test_bare_sdist_url_is_named_by_its_filename() -> None:
    spec = parse_requirement("https://example.org/pkg-1.0.tar.gz")
    assert (spec.kind, spec.name) == (SourceKind.URL, "pkg")
    assert spec.pinned_version() is None  # an sdist's version comes from its metadata


def test_egg_fragment_names_a_url() -> None:
    spec = parse_requirement("https://example.org/download?id=3#egg=Some_Thing")
    assert spec.name == "some-thing"
    assert spec.url == "https://example.org/download?id=3"


def test_unparseable_url_filename_gives_no_name() -> None:
    spec = parse_requirement("https://example.org/download/latest")
    assert spec.kind is SourceKind.URL
    assert spec.name is None


def test_bare_url_with_extras_and_marker() -> None:
    spec = parse_requirement(
        'https://example.org/pkg-1.0-py3-none-any.whl[extra] ; python_version > "3"'
    )
    assert spec.extras == {"extra"}
    assert spec.marker == Marker('python_version > "3"')
    assert spec.url == "https://example.org/pkg-1.0-py3-none-any.whl"


def test_hash_in_fragment_is_taken_and_removed() -> None:
    spec = parse_requirement(f"https://example.org/pkg-1.0.tar.gz#sha256={SHA256}")
    assert spec.url == "https://example.org/pkg-1.0.tar.gz"
    assert spec.hashes == {"sha256": frozenset({SHA256})}


def test_fragment_hash_merges_with_given_hashes() -> None:
    spec = parse_requirement(
        f"pkg @ https://example.org/pkg-1.0.tar.gz#sha256={SHA256}",
        hashes={"sha256": [OTHER_SHA256.upper()], "sha512": ["c" * 128]},
    )
    assert spec.hashes == {
        "sha256": frozenset({SHA256, OTHER_SHA256}),
        "sha512": frozenset({"c" * 128}),
    }


def test_weak_fragment_hash_is_not_trusted() -> None:
    spec = parse_requirement("https://example.org/pkg-1.0.tar.gz#md5=abc")
    assert spec.hashes == {}
    assert spec.url == "https://example.org/pkg-1.0.tar.gz"


def test_url_name_must_match_the_wheel() -> None:
    exc = error("other @ https://example.org/pkg-1.0-py3-none-any.whl")
    assert "'other'" in exc.what and "'pkg'" in exc.what


def test_invalid_wheel_filename_in_url() -> None:
    assert "not a valid wheel filename" in error("https://example.org/pkg.whl").what


def test_vcs_urls_are_not_supported_yet() -> None:
    assert "version-control" in error("git+https://example.org/repo.git").what
    assert "version-control" in error("pkg @ git+https://example.org/repo.git").what


def test_subdirectory_fragment_is_refused() -> None:
    assert "subdirectory" in error("https://example.org/a.zip#subdirectory=x").what


def test_name_at_a_bare_path_is_refused_with_a_hint() -> None:
    exc = error("pkg @ ./somewhere")
    assert "file:" in exc.hint


def test_invalid_egg_fragment() -> None:
    assert "#egg=" in error("https://example.org/x#egg=not a name").what


def test_file_url_on_another_host_is_refused() -> None:
    assert "another host" in error("pkg @ file://server/share/pkg.tar.gz").what


# ---- local paths --------------------------------------------------------------------


def test_directory_from_tests_data(projects_dir: Path) -> None:
    spec = parse_requirement("./simple", base_dir=projects_dir)
    assert spec.kind is SourceKind.DIRECTORY
    assert spec.name is None
    assert spec.path == projects_dir / "simple"
    assert spec.url == (projects_dir / "simple").as_uri()
    assert spec.requirement is None
    assert str(spec) == str(projects_dir / "simple")


def test_relative_path_defaults_to_the_current_directory(
    projects_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(projects_dir)
    assert parse_requirement("./another").path == projects_dir / "another"


def test_dot_is_the_current_project(
    projects_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(projects_dir / "simple")
    spec = parse_requirement(".")
    assert spec.kind is SourceKind.DIRECTORY
    assert spec.path == projects_dir / "simple"


def test_absolute_directory_path(projects_dir: Path) -> None:
    spec = parse_requirement(str(projects_dir / "withdeps"))
    assert spec.kind is SourceKind.DIRECTORY
    assert spec.path == projects_dir / "withdeps"


def test_path_is_normalized(projects_dir: Path) -> None:
    spec = parse_requirement("./simple/../another", base_dir=projects_dir)
    assert spec.path == projects_dir / "another"


def test_directory_with_extras_and_marker(projects_dir: Path) -> None:
    spec = parse_requirement(
        './simple[Cli, tests] ; python_version >= "3"', base_dir=projects_dir
    )
    assert spec.kind is SourceKind.DIRECTORY
    assert spec.extras == {"cli", "tests"}
    assert spec.marker == Marker('python_version >= "3"')
    assert str(spec) == str(projects_dir / "simple") + "[cli,tests]"


def test_directory_with_setup_py_only(tmp_path: Path) -> None:
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "setup.py").write_text("")
    spec = parse_requirement("./legacy", base_dir=tmp_path)
    assert spec.kind is SourceKind.DIRECTORY


def test_directory_that_is_not_a_project(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    exc = error("./empty", base_dir=tmp_path)
    assert exc.what == (
        "'./empty' does not appear to be a Python project: "
        "neither setup.py nor pyproject.toml found"
    )


def test_a_bare_word_is_a_name_even_if_such_a_directory_exists(
    projects_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip's rule: only text that looks like a path is taken as a directory.
    monkeypatch.chdir(projects_dir)
    spec = parse_requirement("simple")
    assert spec.kind is SourceKind.NAMED
    assert spec.name == "simple"


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    exc = error("./nowhere", base_dir=tmp_path)
    assert "does not exist" in exc.what
    assert str(tmp_path / "nowhere") in exc.why


def test_home_directory_is_expanded(
    projects_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(projects_dir))
    assert parse_requirement("~/simple").path == projects_dir / "simple"


def test_wheel_file(wheel: Path, tmp_path: Path) -> None:
    spec = parse_requirement(wheel.name, base_dir=tmp_path)
    assert spec.kind is SourceKind.WHEEL_FILE
    assert spec.name == "simple"
    assert spec.path == wheel
    assert spec.url == wheel.as_uri()
    assert spec.pinned_version() == Version("1.0")
    assert spec.specifier == SpecifierSet()
    assert str(spec) == str(wheel)


def test_wheel_file_with_extras_and_marker(wheel: Path, tmp_path: Path) -> None:
    spec = parse_requirement(
        f"./{wheel.name}[cli] ; sys_platform != 'win32'", base_dir=tmp_path
    )
    assert spec.kind is SourceKind.WHEEL_FILE
    assert spec.extras == {"cli"}
    assert spec.marker is not None


def test_sdist_file(sdist: Path, tmp_path: Path) -> None:
    spec = parse_requirement(str(sdist))
    assert spec.kind is SourceKind.SDIST_FILE
    assert spec.name == "simple"
    assert spec.path == sdist
    assert spec.pinned_version() is None


def test_sdist_with_unparseable_name(tmp_path: Path) -> None:
    (tmp_path / "archive.zip").write_bytes(b"")
    spec = parse_requirement("./archive.zip", base_dir=tmp_path)
    assert spec.kind is SourceKind.SDIST_FILE
    assert spec.name is None


def test_legacy_archive_extension_is_an_sdist(tmp_path: Path) -> None:
    (tmp_path / "pkg-1.0.tar.bz2").write_bytes(b"")
    spec = parse_requirement("pkg-1.0.tar.bz2", base_dir=tmp_path)
    assert spec.kind is SourceKind.SDIST_FILE


def test_missing_archive_is_an_error(tmp_path: Path) -> None:
    exc = error("pkg-1.0-py3-none-any.whl", base_dir=tmp_path)
    assert (
        exc.what
        == "'pkg-1.0-py3-none-any.whl' looks like a file, but it does not exist"
    )


def test_existing_non_archive_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "reqs.txt").write_text("requests\n")
    exc = error("./reqs.txt", base_dir=tmp_path)
    assert "not a wheel or an sdist" in exc.what
    assert "-r ./reqs.txt" in exc.hint


def test_invalid_local_wheel_filename(tmp_path: Path) -> None:
    (tmp_path / "broken.whl").write_bytes(b"")
    assert "not a valid wheel filename" in error("./broken.whl", base_dir=tmp_path).what


def test_file_url_to_a_wheel(wheel: Path) -> None:
    spec = parse_requirement(f"simple @ {wheel.as_uri()}")
    assert spec.kind is SourceKind.WHEEL_FILE
    assert spec.name == "simple"
    assert spec.path == wheel
    assert spec.requirement is not None


def test_bare_file_url_to_a_wheel_with_hash(wheel: Path) -> None:
    spec = parse_requirement(f"{wheel.as_uri()}#sha256={SHA256}")
    assert spec.kind is SourceKind.WHEEL_FILE
    assert spec.url == wheel.as_uri()
    assert spec.hashes == {"sha256": frozenset({SHA256})}


def test_file_url_to_a_directory(projects_dir: Path) -> None:
    spec = parse_requirement(f"simple[x] @ {(projects_dir / 'simple').as_uri()}")
    assert spec.kind is SourceKind.DIRECTORY
    assert spec.name == "simple"
    assert spec.extras == {"x"}


def test_relative_file_url(projects_dir: Path) -> None:
    spec = parse_requirement("simple @ file:../projects/simple", base_dir=projects_dir)
    assert spec.path == projects_dir / "simple"


def test_file_url_to_a_missing_file(tmp_path: Path) -> None:
    exc = error(f"pkg @ {(tmp_path / 'pkg-1.0.tar.gz').as_uri()}")
    assert "does not exist" in exc.what


def test_name_at_url_that_looks_like_an_archive_is_pep508(tmp_path: Path) -> None:
    # Contains "/" and ends in .whl, but "name @" makes it a direct reference.
    spec = parse_requirement(
        "pkg @ https://example.org/pkg-1.0-py3-none-any.whl", base_dir=tmp_path
    )
    assert spec.kind is SourceKind.URL


# ---- hashes -------------------------------------------------------------------------


def test_hashes_are_lowercased_and_grouped() -> None:
    spec = parse_requirement(
        "foo==1.0", hashes={"SHA256": [SHA256.upper(), OTHER_SHA256]}
    )
    assert spec.hashes == {"sha256": frozenset({SHA256, OTHER_SHA256})}


@pytest.mark.parametrize(
    ("hashes", "message"),
    [
        ({"md5": ["0" * 32]}, "unsupported hash algorithm 'md5'"),
        ({"blake3": ["0" * 64]}, "unsupported hash algorithm 'blake3'"),
        ({"sha256": ["abc"]}, "invalid sha256 hash 'abc'"),
        ({"sha256": ["z" * 64]}, "invalid sha256 hash"),
    ],
)
def test_bad_hashes(hashes: dict[str, list[str]], message: str) -> None:
    assert message in error("foo==1.0", hashes=hashes).what


def test_parse_hash_option() -> None:
    assert parse_hash_option(f"sha256:{SHA256.upper()}") == ("sha256", SHA256)
    with pytest.raises(RequirementError, match="invalid --hash"):
        parse_hash_option(SHA256)


# ---- per-requirement build options --------------------------------------------------


def test_no_build_options_by_default() -> None:
    spec = parse_requirement("foo")
    assert spec.config_settings == ()
    assert spec.global_options == () and spec.build_options == ()


def test_build_options_are_kept_in_order() -> None:
    spec = parse_requirement(
        "foo==1.0",
        config_settings=["b=2", "a=1", "b=3"],
        global_options=["--verbose", "--quiet"],
        build_options=["--plat-name=x"],
    )
    assert spec.config_settings == (("b", "2"), ("a", "1"), ("b", "3"))
    assert spec.global_options == ("--verbose", "--quiet")
    assert spec.build_options == ("--plat-name=x",)
    hash(spec)  # still usable in sets and as a dict key


def test_config_setting_splits_at_the_first_equals_and_may_be_empty() -> None:
    spec = parse_requirement(
        "foo", config_settings=["--build-option=--plat-name=x", "flag="]
    )
    assert spec.config_settings == (("--build-option", "--plat-name=x"), ("flag", ""))


def test_build_options_on_an_editable(projects_dir: Path) -> None:
    spec = parse_requirement(
        "./simple",
        base_dir=projects_dir,
        editable=True,
        config_settings=["editable_mode=compat"],
    )
    assert spec.editable
    assert spec.config_settings == (("editable_mode", "compat"),)


def test_build_options_take_part_in_equality() -> None:
    assert parse_requirement("foo") != parse_requirement("foo", build_options=["-x"])


@pytest.mark.parametrize(
    ("item", "why"), [("novalue", "no '='"), ("=value", "key is empty")]
)
def test_bad_config_setting_on_a_requirement(item: str, why: str) -> None:
    exc = error("foo", config_settings=[item])
    assert exc.what == f"invalid --config-settings value {item!r}"
    assert why in exc.why
    assert "KEY=VALUE" in exc.hint


def test_parse_config_settings_repeated_keys_become_lists() -> None:
    settings = parse_config_settings(
        ["a=1", "b=x=y", "a=2", "c=", "a=3"], "command line"
    )
    assert settings == {"a": ["1", "2", "3"], "b": "x=y", "c": ""}
    assert list(settings) == ["a", "b", "c"]


def test_parse_config_settings_of_nothing() -> None:
    assert parse_config_settings([], "command line") == {}


def test_parse_config_settings_names_the_item_and_its_origin() -> None:
    with pytest.raises(RequirementError) as info:
        parse_config_settings(["ok=1", "oops"], "INST_CONFIG_SETTINGS")
    exc = info.value
    assert exc.what == "invalid --config-settings value 'oops' (INST_CONFIG_SETTINGS)"
    assert exc.why == "it has no '='"
    assert "KEY=VALUE" in exc.hint


# ---- editable and constraint forms --------------------------------------------------


def test_editable_directory(projects_dir: Path) -> None:
    spec = parse_requirement("./simple", base_dir=projects_dir, editable=True)
    assert spec.editable
    assert spec.kind is SourceKind.DIRECTORY


def test_editable_needs_a_directory() -> None:
    assert "as editable" in error("requests", editable=True).what


def test_constraint_forms_pip_accepts(wheel: Path) -> None:
    assert parse_requirement("foo>=1", constraint=True).constraint
    assert parse_requirement(f"simple @ {wheel.as_uri()}", constraint=True).constraint


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("foo[extra]>=1", "constraints cannot have extras"),
        ("./simple", "unnamed requirements are not allowed as constraints"),
        ("https://example.org/latest", "unnamed requirements are not allowed"),
    ],
)
def test_constraint_forms_pip_refuses(text: str, why: str, projects_dir: Path) -> None:
    exc = error(text, constraint=True, base_dir=projects_dir)
    assert exc.what == f"invalid constraint {text!r}"
    assert why in exc.why


def test_editable_constraint_is_refused(projects_dir: Path) -> None:
    exc = error(
        "simple @ " + (projects_dir / "simple").as_uri(), constraint=True, editable=True
    )
    assert "editable" in exc.why

"""read_requirements: pip's requirements-file format, nested files, constraints."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from harness import DistFactory
from inst.requirements import (
    FileOptions,
    RequirementError,
    RequirementsFile,
    RequirementSpec,
    SourceKind,
    read_requirements,
)

SHA_A = "a" * 64
SHA_B = "b" * 64
SHA_C = "c" * 64


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run each test from tmp_path, so file names in messages stay short."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def read(
    text: str, name: str = "requirements.txt", *, constraint: bool = False
) -> RequirementsFile:
    write(Path(name), text)
    return read_requirements(name, constraint=constraint, environ={})


def failure(
    text: str, name: str = "requirements.txt", *, constraint: bool = False
) -> RequirementError:
    with pytest.raises(RequirementError) as info:
        read(text, name, constraint=constraint)
    return info.value


def names(specs: list[RequirementSpec]) -> list[str | None]:
    return [spec.name for spec in specs]


# ---- lines, comments, continuations -------------------------------------------------


def test_plain_requirements_in_order() -> None:
    result = read("requests>=2\n\nflask\n  six==1.16  \n")
    assert names(result.requirements) == ["requests", "flask", "six"]
    assert result.constraints == []
    assert result.options == FileOptions()


def test_origin_and_line_name_the_file_as_written() -> None:
    result = read("# header\n\nrequests>=2\n", name="reqs/dev.txt")
    spec = result.requirements[0]
    assert spec.origin == "-r reqs/dev.txt (line 3)"
    assert spec.line == "requests>=2"


def test_comments_need_whitespace_before_hash() -> None:
    result = read(
        "# a full-line comment\n"
        "   # an indented one\n"
        "requests  # trailing comment\n"
        f"https://example.org/pkg-1.0.tar.gz#sha256={SHA_A}\n"
    )
    assert names(result.requirements) == ["requests", "pkg"]
    assert result.requirements[1].hashes == {"sha256": frozenset({SHA_A})}


def test_backslash_continues_a_line_and_keeps_the_first_number() -> None:
    result = read("flask\nrequests \\\n  >=2 \\\n  ,<3\nsix\n")
    spec = result.requirements[1]
    assert spec.specifier == SpecifierSet(">=2,<3")
    assert spec.origin == "-r requirements.txt (line 2)"
    assert result.requirements[2].origin == "-r requirements.txt (line 5)"


def test_backslash_on_the_last_line() -> None:
    assert names(read("requests \\").requirements) == ["requests"]


def test_comment_line_ends_a_continuation() -> None:
    # pip: a comment line is never continued; it closes the line before it.
    result = read("requests \\\n# note \\\nflask\n")
    assert names(result.requirements) == ["requests", "flask"]


def test_comments_are_removed_after_joining() -> None:
    result = read("requests \\\n  >=2  # the comment \\\n")
    assert result.requirements[0].specifier == SpecifierSet(">=2")


def test_crlf_line_endings() -> None:
    assert names(read("requests\r\nflask\r\n").requirements) == ["requests", "flask"]


def test_utf8_bom(in_tmp: Path) -> None:
    (in_tmp / "r.txt").write_bytes(b"\xef\xbb\xbfrequests\n")
    assert names(read_requirements("r.txt").requirements) == ["requests"]


def test_utf16_with_bom(in_tmp: Path) -> None:
    (in_tmp / "r.txt").write_bytes("requests\n".encode("utf-16"))
    assert names(read_requirements("r.txt").requirements) == ["requests"]


def test_pep263_coding_line(in_tmp: Path) -> None:
    (in_tmp / "r.txt").write_bytes(
        "# -*- coding: latin-1 -*-\nrequests ; platform_release != 'é'\n".encode(
            "latin-1"
        )
    )
    spec = read_requirements("r.txt").requirements[0]
    assert "é" in str(spec.marker)


def test_undecodable_file(in_tmp: Path) -> None:
    (in_tmp / "r.txt").write_bytes(b"requests\xff\n")
    with pytest.raises(RequirementError) as info:
        read_requirements("r.txt")
    assert info.value.what == "cannot decode requirements file r.txt"
    assert "UTF-8" in info.value.hint


def test_empty_file() -> None:
    result = read("\n# nothing\n")
    assert result.requirements == [] and result.constraints == []


# ---- environment variables ----------------------------------------------------------


def test_env_vars_are_expanded_in_the_braced_form_only() -> None:
    write(
        Path("r.txt"),
        "pkg @ https://${USER_TOKEN}@example.org/pkg-${VERSION}.tar.gz\n"
        "other==$VERSION\n",
    )
    with pytest.raises(RequirementError) as info:
        read_requirements("r.txt", environ={"USER_TOKEN": "t0k", "VERSION": "1.0"})
    assert "'other==$VERSION'" in info.value.message  # $VERSION is left alone

    write(
        Path("r.txt"), "pkg @ https://${USER_TOKEN}@example.org/pkg-${VERSION}.tar.gz"
    )
    result = read_requirements("r.txt", environ={"USER_TOKEN": "t0k", "VERSION": "1.0"})
    spec = result.requirements[0]
    assert spec.url == "https://t0k@example.org/pkg-1.0.tar.gz"
    # The line stays as written, so messages do not show the secret.
    assert "${USER_TOKEN}" in spec.line


def test_unset_and_empty_vars_are_left_as_written() -> None:
    write(Path("r.txt"), "--index-url https://example.org/${MISSING}/${EMPTY}/\n")
    result = read_requirements("r.txt", environ={"EMPTY": ""})
    assert result.options.index_url == "https://example.org/${MISSING}/${EMPTY}/"


def test_lowercase_var_names_are_not_expanded() -> None:
    write(Path("r.txt"), "-i https://example.org/${lower}/\n")
    result = read_requirements("r.txt", environ={"lower": "x"})
    assert result.options.index_url == "https://example.org/${lower}/"


def test_environ_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INST_TEST_INDEX", "https://example.org/simple")
    write(Path("r.txt"), "-i ${INST_TEST_INDEX}\n")
    assert read_requirements("r.txt").options.index_url == "https://example.org/simple"


# ---- hashes -------------------------------------------------------------------------


def test_hash_options_in_both_spellings_across_continuations() -> None:
    result = read(
        "requests==2.31.0 \\\n"
        f"    --hash=sha256:{SHA_A} \\\n"
        f"    --hash sha256:{SHA_B.upper()}\n"
    )
    spec = result.requirements[0]
    assert spec.hashes == {"sha256": frozenset({SHA_A, SHA_B})}
    assert spec.pinned_version() is not None


def test_hash_options_merge_with_url_fragment() -> None:
    result = read(
        f"pkg @ https://example.org/pkg-1.0.tar.gz#sha256={SHA_A} "
        f"--hash=sha256:{SHA_B} --hash=sha512:{'d' * 128}\n"
    )
    assert result.requirements[0].hashes == {
        "sha256": frozenset({SHA_A, SHA_B}),
        "sha512": frozenset({"d" * 128}),
    }


def test_requirement_with_marker_and_hash() -> None:
    result = read(f'requests==2.31.0 ; python_version >= "3.8" --hash=sha256:{SHA_A}\n')
    spec = result.requirements[0]
    assert str(spec.marker) == 'python_version >= "3.8"'
    assert spec.hashes == {"sha256": frozenset({SHA_A})}


def test_hash_without_a_requirement() -> None:
    exc = failure(f"requests==2.31.0\n    --hash=sha256:{SHA_A}\n")
    assert exc.message == "requirements.txt line 2: --hash without a requirement"
    assert "backslash" in exc.hint


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (f"md5:{'0' * 32}", "unsupported hash algorithm 'md5'"),
        ("sha256:abc", "invalid sha256 hash 'abc'"),
        (SHA_A, "invalid --hash"),
    ],
)
def test_bad_hash_values(value: str, message: str) -> None:
    exc = failure(f"requests==1 --hash={value}\n")
    assert exc.message.startswith("requirements.txt line 1: ")
    assert message in exc.message


# ---- per-requirement build options --------------------------------------------------


def test_build_options_on_a_requirement_line_in_every_spelling() -> None:
    result = read(
        "pkg==1.0 --config-settings=a=1 --config-settings b=2 -C a=3 -Cc=x=y \\\n"
        "    --global-option=--verbose --global-option --quiet \\\n"
        "    --build-option=--plat-name=x --build-option '--py-limited-api cp38'"
        f" --hash=sha256:{SHA_A}\n"
        "other\n"
    )
    spec, other = result.requirements
    assert spec.config_settings == (("a", "1"), ("b", "2"), ("a", "3"), ("c", "x=y"))
    assert spec.global_options == ("--verbose", "--quiet")
    assert spec.build_options == ("--plat-name=x", "--py-limited-api cp38")
    assert spec.hashes == {"sha256": frozenset({SHA_A})}
    # They belong to their line's requirement only.
    assert other.config_settings == ()
    assert other.global_options == () and other.build_options == ()


def test_build_options_on_an_editable_line(in_tmp: Path, projects_dir: Path) -> None:
    shutil.copytree(projects_dir / "simple", in_tmp / "simple")
    result = read(
        "-e ./simple -C editable_mode=compat --global-option=--verbose\n"
        "--editable=./simple --build-option=--quiet\n"
    )
    first, second = result.requirements
    assert first.editable and second.editable
    assert first.config_settings == (("editable_mode", "compat"),)
    assert first.global_options == ("--verbose",)
    assert second.build_options == ("--quiet",)


def test_build_options_in_a_constraints_file_stay_on_the_spec() -> None:
    # Kept, as pip keeps them; a constraint is never built from, so they are unused.
    spec = read("pkg==1.0 -C a=1\n", "c.txt", constraint=True).constraints[0]
    assert spec.config_settings == (("a", "1"),)


@pytest.mark.parametrize(
    ("value", "why"), [("novalue", "no '='"), ("=value", "key is empty")]
)
def test_config_setting_without_a_key_and_value(value: str, why: str) -> None:
    exc = failure(f"requests\npkg==1.0 --config-settings {value}\n")
    assert exc.message == (
        f"requirements.txt line 2: invalid --config-settings value {value!r}"
    )
    assert why in exc.why
    assert "KEY=VALUE" in exc.hint


@pytest.mark.parametrize(
    "line", ["-C a=1", "--global-option=--verbose", "--build-option=-q"]
)
def test_build_option_without_a_requirement(line: str) -> None:
    exc = failure(f"requests\n{line}\n")
    spelling = line.split("=")[0].split()[0]
    assert exc.message == f"requirements.txt line 2: {spelling} without a requirement"
    assert "command line" in exc.hint


def test_build_option_needs_a_value() -> None:
    assert failure("pkg --build-option\n").message == (
        "requirements.txt line 1: --build-option needs a value"
    )


def test_unknown_options_on_a_requirement_line_are_still_refused() -> None:
    exc = failure("pkg -C a=1 --install-option=--prefix=/x\n")
    assert exc.message == "requirements.txt line 1: unknown option --install-option"
    assert "--config-settings" in exc.hint


def test_file_option_after_a_requirement_names_the_per_line_options() -> None:
    exc = failure("pkg -C a=1 --pre\n")
    assert exc.message == "requirements.txt line 1: --pre cannot follow a requirement"
    assert "--config-settings" in exc.why and "--hash" in exc.why


def test_editable_line_refuses_file_options(in_tmp: Path, projects_dir: Path) -> None:
    shutil.copytree(projects_dir / "simple", in_tmp / "simple")
    exc = failure("-e ./simple -C a=1 --no-index\n")
    assert "--no-index cannot follow a requirement" in exc.message
    assert "an -e line takes only" in exc.why


# ---- file-wide options --------------------------------------------------------------


def test_all_file_options_in_both_spellings(in_tmp: Path) -> None:
    (in_tmp / "links").mkdir()
    result = read(
        "-i https://example.org/simple\n"
        "--extra-index-url=https://extra.example.org/simple\n"
        "--extra-index-url https://more.example.org/simple\n"
        "--no-index\n"
        "-f ./links\n"
        "--find-links=https://example.org/links/\n"
        "--pre\n"
        "--only-binary=:all:\n"
        "--only-binary a,b,\n"
        "--no-binary c,d\n"
        "--prefer-binary\n"
        "--require-hashes\n"
        "--trusted-host example.org\n"
    )
    options = result.options
    assert options.index_url == "https://example.org/simple"
    assert options.extra_index_urls == [
        "https://extra.example.org/simple",
        "https://more.example.org/simple",
    ]
    assert options.no_index
    assert options.find_links == [str(in_tmp / "links"), "https://example.org/links/"]
    assert options.pre and options.prefer_binary and options.require_hashes
    assert options.only_binary == [":all:", "a", "b"]
    assert options.no_binary == ["c", "d"]
    assert options.trusted_hosts == ["example.org"]
    assert result.requirements == []


def test_several_options_on_one_line() -> None:
    options = read("--pre --no-index --index-url=https://example.org/s\n").options
    assert options.pre and options.no_index
    assert options.index_url == "https://example.org/s"


def test_short_option_with_attached_value() -> None:
    assert (
        read("-ihttps://example.org/s\n").options.index_url == "https://example.org/s"
    )


def test_quoted_option_value(in_tmp: Path) -> None:
    (in_tmp / "my links").mkdir()
    options = read('--find-links "my links"\n').options
    assert options.find_links == [str(in_tmp / "my links")]


def test_find_links_relative_to_the_file_when_it_exists_there(in_tmp: Path) -> None:
    (in_tmp / "sub" / "wheels").mkdir(parents=True)
    write(in_tmp / "sub" / "r.txt", "-f wheels\n-f not-there\n")
    options = read_requirements("sub/r.txt").options
    # pip's rule: beside the file if it exists there, else as written (cwd).
    assert options.find_links == [str(in_tmp / "sub" / "wheels"), "not-there"]


def test_last_index_url_wins_and_extras_accumulate_across_files() -> None:
    write(Path("base.txt"), "-i https://one/\n--extra-index-url https://x/\n")
    result = read(
        "-r base.txt\n-i https://two/\n--extra-index-url https://x/\n"
        "--extra-index-url https://y/\n"
    )
    assert result.options.index_url == "https://two/"
    assert result.options.extra_index_urls == ["https://x/", "https://y/"]


def test_unknown_option() -> None:
    exc = failure("requests\n--use-feature=fast-deps\n")
    assert exc.message == "requirements.txt line 2: unknown option --use-feature"
    assert "--index-url" in exc.hint


def test_unknown_short_option() -> None:
    assert "unknown option -x" in failure("-x foo\n").message


def test_option_missing_its_value() -> None:
    assert failure("--index-url\n").message == (
        "requirements.txt line 1: --index-url needs a value"
    )


def test_flag_given_a_value() -> None:
    assert "--pre takes no value" in failure("--pre=yes\n").message


def test_file_option_after_a_requirement_is_refused() -> None:
    exc = failure("requests --index-url https://example.org/\n")
    assert exc.message == (
        "requirements.txt line 1: --index-url cannot follow a requirement"
    )


def test_unbalanced_quotes_in_options() -> None:
    assert "cannot split options" in failure("--find-links 'oops\n").message


def test_http_requirements_file_needs_a_fetch() -> None:
    with pytest.raises(RequirementError) as info:
        read_requirements("https://example.org/requirements.txt")
    assert "local paths and file: URLs only" in info.value.why


def test_http_requirements_file_names_nested_files_by_url() -> None:
    files = {
        "https://example.org/r/top.txt": b"a\n-r sub/more.txt\n-c /pins.txt\n",
        "https://example.org/r/sub/more.txt": b"b\n-r https://other.org/x.txt\n",
        "https://other.org/x.txt": b"c\n",
        "https://example.org/pins.txt": b"a==1\n",
    }
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        return files[url]

    result = read_requirements("https://example.org/r/top.txt", fetch=fetch)
    assert [spec.name for spec in result.requirements] == ["a", "b", "c"]
    assert [str(spec) for spec in result.constraints] == ["a==1"]
    assert asked == list(files)
    origin = result.requirements[1].origin
    assert origin == "-r https://example.org/r/sub/more.txt (line 1)"


def test_file_url_requirements_file(in_tmp: Path) -> None:
    path = write(in_tmp / "r.txt", "requests\n")
    result = read_requirements(path.as_uri())
    assert names(result.requirements) == ["requests"]
    assert result.requirements[0].origin == f"-r {path.as_uri()} (line 1)"


# ---- errors name file and line ------------------------------------------------------


def test_invalid_requirement_names_file_and_line() -> None:
    exc = failure("requests\n\n# comment\nfoo>>1\n")
    assert exc.message == "requirements.txt line 4: invalid requirement 'foo>>1'"
    assert exc.why.startswith("Expected")
    assert "PEP 508" in exc.hint


def test_single_equals_hint_in_a_file() -> None:
    exc = failure("foo=1.0\n")
    assert exc.message == "requirements.txt line 1: invalid requirement 'foo=1.0'"
    assert "'foo==1.0'" in exc.hint


def test_missing_file() -> None:
    with pytest.raises(RequirementError) as info:
        read_requirements("nope.txt")
    assert info.value.what == "cannot read requirements file nope.txt"
    assert "No such file" in info.value.why


def test_a_directory_is_not_a_requirements_file(in_tmp: Path) -> None:
    (in_tmp / "dir").mkdir()
    with pytest.raises(RequirementError, match="cannot read requirements file dir"):
        read_requirements("dir")


def test_missing_path_requirement_names_file_and_line() -> None:
    exc = failure("requests\n./missing-dir\n")
    assert exc.message.startswith("requirements.txt line 2: './missing-dir' looks like")


# ---- nested files and constraints ---------------------------------------------------


def test_nested_requirements_are_relative_to_the_including_file(in_tmp: Path) -> None:
    write(in_tmp / "reqs" / "base.txt", "six\n-r common/extra.txt\n")
    write(in_tmp / "reqs" / "common" / "extra.txt", "attrs\n")
    write(
        in_tmp / "reqs" / "main.txt", "flask\n-r base.txt\n--requirement=../last.txt\n"
    )
    write(in_tmp / "last.txt", "zipp\n")
    result = read_requirements("reqs/main.txt")
    assert names(result.requirements) == ["flask", "six", "attrs", "zipp"]
    assert [spec.origin for spec in result.requirements] == [
        "-r reqs/main.txt (line 1)",
        "-r reqs/base.txt (line 1)",
        "-r reqs/common/extra.txt (line 1)",
        "-r last.txt (line 1)",
    ]


def test_constraints_file_inside_requirements(in_tmp: Path) -> None:
    write(in_tmp / "c.txt", "six<2 ; python_version > '3'\nattrs==23.1\n")
    result = read("flask\n-c c.txt\nrequests\n")
    assert names(result.requirements) == ["flask", "requests"]
    assert names(result.constraints) == ["six", "attrs"]
    assert all(spec.constraint for spec in result.constraints)
    assert result.constraints[1].origin == "-c c.txt (line 2)"
    assert result.constraints[1].pinned_version() is not None


def test_reading_a_constraints_file(in_tmp: Path) -> None:
    write(in_tmp / "more.txt", "attrs\n")
    write(in_tmp / "c2.txt", "zipp<4\n")
    result = read(
        "six<2\n--constraint c2.txt\n-r more.txt\n", name="c.txt", constraint=True
    )
    assert names(result.constraints) == ["six", "zipp"]
    assert result.constraints[0].origin == "-c c.txt (line 1)"
    # A -r inside a constraints file reads requirements (pip does the same).
    assert names(result.requirements) == ["attrs"]
    assert not result.requirements[0].constraint


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("six[extra]<2", "constraints cannot have extras"),
        ("https://example.org/latest", "unnamed requirements are not allowed"),
    ],
)
def test_forms_pip_refuses_in_constraints(line: str, why: str) -> None:
    exc = failure(f"ok<1\n{line}\n", name="c.txt", constraint=True)
    assert exc.message == f"c.txt line 2: invalid constraint {line!r}"
    assert why in exc.why


def test_editable_in_a_constraints_file_is_refused(projects_dir: Path) -> None:
    exc = failure(f"-e {projects_dir / 'simple'}\n", name="c.txt", constraint=True)
    assert exc.message.startswith("c.txt line 1: invalid constraint")


def test_error_in_a_nested_file_names_that_file(in_tmp: Path) -> None:
    write(in_tmp / "sub" / "inner.txt", "fine\nbad>>1\n")
    exc = failure("-r sub/inner.txt\n")
    assert exc.message == "sub/inner.txt line 2: invalid requirement 'bad>>1'"


def test_missing_nested_file_names_the_including_line() -> None:
    exc = failure("requests\n-r other.txt\n")
    assert exc.message == (
        "requirements.txt line 2: cannot read requirements file other.txt"
    )
    assert "relative to that file" in exc.hint


def test_include_cycle(in_tmp: Path) -> None:
    write(in_tmp / "a.txt", "six\n-r sub/b.txt\n")
    write(in_tmp / "sub" / "b.txt", "-c ../a.txt\n")
    with pytest.raises(RequirementError) as info:
        read_requirements("a.txt")
    assert info.value.message == "sub/b.txt line 1: a.txt includes itself"
    assert info.value.why == "a.txt → sub/b.txt → a.txt"


def test_file_including_itself() -> None:
    exc = failure("-r requirements.txt\n")
    assert exc.message == "requirements.txt line 1: requirements.txt includes itself"


def test_same_file_included_twice_is_not_a_cycle(in_tmp: Path) -> None:
    write(in_tmp / "common.txt", "six\n")
    write(in_tmp / "a.txt", "-r common.txt\n")
    result = read("-r a.txt\n-r common.txt\n")
    assert names(result.requirements) == ["six", "six"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_nested_path_through_a_symlinked_directory(in_tmp: Path) -> None:
    # pip's documented rule: "link/../x.txt" is first looked up through the link.
    write(in_tmp / "real" / "deep" / "r.txt", "-r link/../x.txt\n")
    (in_tmp / "real" / "deep" / "link").symlink_to(in_tmp / "elsewhere" / "inner")
    write(in_tmp / "elsewhere" / "inner" / "placeholder", "")
    write(in_tmp / "elsewhere" / "x.txt", "six\n")
    result = read_requirements("real/deep/r.txt")
    assert names(result.requirements) == ["six"]


# ---- local paths, editables ---------------------------------------------------------


def test_relative_paths_in_a_file_start_from_the_current_directory(
    in_tmp: Path, projects_dir: Path
) -> None:
    # pip resolves them against the working directory, not the file (pypa/pip#8765).
    shutil.copytree(projects_dir / "simple", in_tmp / "simple")
    write(in_tmp / "sub" / "r.txt", "./simple[cli]\n")
    spec = read_requirements("sub/r.txt").requirements[0]
    assert spec.kind is SourceKind.DIRECTORY
    assert spec.path == in_tmp / "simple"
    assert spec.extras == {"cli"}


def test_editable_lines(in_tmp: Path, projects_dir: Path) -> None:
    shutil.copytree(projects_dir / "simple", in_tmp / "simple")
    result = read("-e ./simple\n--editable=./simple[cli]\n")
    first, second = result.requirements
    assert first.editable and second.editable
    assert first.kind is SourceKind.DIRECTORY
    assert second.extras == {"cli"}
    assert first.line == "-e ./simple"


def test_editable_must_be_a_directory() -> None:
    exc = failure("-e requests\n")
    assert (
        exc.message == "requirements.txt line 1: cannot install 'requests' as editable"
    )


def test_editable_takes_no_hash(in_tmp: Path, projects_dir: Path) -> None:
    shutil.copytree(projects_dir / "simple", in_tmp / "simple")
    exc = failure(f"-e ./simple --hash=sha256:{SHA_A}\n")
    assert "--hash cannot follow a requirement" in exc.message


def test_wheel_and_url_lines(in_tmp: Path, dist_factory: DistFactory) -> None:
    wheel = dist_factory.wheel("simple")
    shutil.copy(wheel, in_tmp / wheel.name)
    result = read(
        f"./{wheel.name}\n"
        f"{wheel.name}[cli]\n"
        "https://example.org/dl/pkg-1.0-py3-none-any.whl\n"
        f"simple @ {(in_tmp / wheel.name).as_uri()}\n"
    )
    kinds = [spec.kind for spec in result.requirements]
    assert kinds == [
        SourceKind.WHEEL_FILE,
        SourceKind.WHEEL_FILE,
        SourceKind.URL,
        SourceKind.WHEEL_FILE,
    ]
    assert names(result.requirements) == ["simple", "simple", "pkg", "simple"]
    assert result.requirements[1].extras == {"cli"}


def test_directory_without_project_files_in_a_file(in_tmp: Path) -> None:
    (in_tmp / "notaproject").mkdir()
    exc = failure("./notaproject\n")
    assert exc.message == (
        "requirements.txt line 1: './notaproject' does not appear to be a Python "
        "project: neither setup.py nor pyproject.toml found"
    )

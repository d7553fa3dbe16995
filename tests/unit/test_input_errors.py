"""Ordinary mistakes in what the user gives inst are one ``error:`` paragraph (exit 1),
never an internal error: a CA bundle that is not there, a zero timeout, a requirement
longer than a file name may be, a binary or endless "requirements file", a config file
that is a device or a directory. Run in-process (the ``inst`` fixture)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from harness.config_home import ConfigHome
from inst.requirements import RequirementError, SourceKind, parse_requirement
from inst.requirements import files as requirement_files
from inst.requirements.files import read_requirements

OFFLINE = ("install", "--dry-run", "--no-index")


def one_error(result) -> str:  # type: ignore[no-untyped-def]
    """The single error paragraph of a failed run (and no internal error)."""
    assert result.code == 1, (result.out, result.err)
    assert "internal error" not in result.err
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    return errors[0]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- --cert and --client-cert: a missing file is named with where it was set -----------


def test_inst_cert_naming_a_missing_file_names_the_variable(
    inst, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INST_CERT", "/nonexistent/ca.pem")
    error = one_error(inst(*OFFLINE, "foo"))
    assert "INST_CERT='/nonexistent/ca.pem'" in error
    assert "does not exist" in error
    assert error.endswith("Fix or unset INST_CERT.")


def test_cert_on_the_command_line_names_the_flag(inst) -> None:
    error = one_error(inst(*OFFLINE, "--cert", "missing.pem", "foo"))
    assert error.startswith("error: --cert names missing.pem, which does not exist")


def test_cert_before_the_command_is_checked_the_same(inst) -> None:
    error = one_error(inst("--cert", "missing.pem", *OFFLINE, "foo"))
    assert error.startswith("error: --cert names missing.pem, which does not exist")


def test_cert_in_a_config_file_names_the_file_and_key(
    inst, config_home: ConfigHome
) -> None:
    config_home.write(config_home.inst_user_file, '[global]\ncert = "/nope.pem"\n')
    error = one_error(inst(*OFFLINE, "foo"))
    assert f"cert = '/nope.pem' in {config_home.inst_user_file} [global]" in error


def test_cert_from_pip_s_variable_names_it(
    inst, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_CERT", "/nope.pem")
    assert "PIP_CERT='/nope.pem'" in one_error(inst(*OFFLINE, "foo"))


def test_a_cert_directory_is_accepted_a_client_cert_directory_is_not(
    inst, tmp_path: Path
) -> None:
    (tmp_path / "certs").mkdir()
    result = inst(*OFFLINE, "--cert", "certs", "--client-cert", "certs", "foo")
    assert "--client-cert names certs, which is not a file" in one_error(result)


def test_commands_that_never_go_to_the_network_do_not_check_the_cert(
    inst, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INST_CERT", "/nonexistent/ca.pem")
    result = inst("freeze")
    assert result.code == 0, result.err


# -- timeouts -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "0.0", "1e12"])
def test_a_timeout_of_zero_or_beyond_the_clocks_is_refused_at_once(
    inst, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("INST_TIMEOUT", value)
    error = one_error(inst(*OFFLINE, "foo"))
    assert f"INST_TIMEOUT='{value}' is not a valid value for --timeout" in error
    assert "a number greater than 0, at most 1000000000" in error


def test_a_lock_timeout_of_zero_is_accepted(inst) -> None:
    result = inst("uninstall", "--lock-timeout", "0", "-y", "surely-not-installed")
    assert "internal error" not in result.err
    assert "lock-timeout" not in result.err


# -- requirement strings --------------------------------------------------------------


def test_a_300_character_name_is_a_project_name_not_a_crash() -> None:
    spec = parse_requirement("a" * 300)
    assert spec.kind is SourceKind.NAMED


@pytest.mark.parametrize(
    "text", ["./" + "a" * 300, "a" * 300 + ".whl", "x @ file:///" + "a" * 300]
)
def test_a_path_too_long_for_the_filesystem_is_reported(text: str) -> None:
    with pytest.raises(RequirementError) as caught:
        parse_requirement(text)
    assert caught.value.why == "the name is too long for a file on this system"


def test_a_nul_in_a_path_is_reported() -> None:
    with pytest.raises(RequirementError, match="looks like a path"):
        parse_requirement("./a\x00b")


def test_a_300_character_requirement_at_the_cli(inst) -> None:
    error = one_error(inst(*OFFLINE, "./" + "b" * 300))
    assert "looks like a path, but it does not exist" in error
    error = one_error(inst(*OFFLINE, "c" * 300))
    assert "no matching distribution found" in error


# -- requirements and constraints files -----------------------------------------------


@pytest.mark.parametrize("option", ["-r", "-c"])
def test_dev_zero_is_not_a_requirements_file(inst, option: str) -> None:
    kind = "requirements" if option == "-r" else "constraints"
    error = one_error(inst(*OFFLINE, option, "/dev/zero", "foo"))
    assert error.startswith(f"error: /dev/zero is not a {kind} file")
    assert "NUL bytes" in error


def test_binary_content_is_refused(tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_bytes(b"foo\nbar\x00\x01\x02\n")
    with pytest.raises(RequirementError, match="is not a requirements file"):
        read_requirements("req.txt")


def test_a_nul_after_the_head_is_found_too(tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_bytes(b"foo\n" * 5000 + b"\x00")
    with pytest.raises(RequirementError) as caught:
        read_requirements("req.txt")
    assert "holds NUL bytes" in caught.value.why


def test_utf16_with_a_bom_is_text(tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_bytes(
        codecs.BOM_UTF16_LE + "foo\n".encode("utf-16-le")
    )
    assert [str(r) for r in read_requirements("req.txt").requirements] == ["foo"]


def test_what_is_read_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(requirement_files, "MAX_FILE_BYTES", 1000)
    (tmp_path / "req.txt").write_text("foo\n" * 300)
    with pytest.raises(RequirementError, match="too large to be a requirements file"):
        read_requirements("req.txt")


def test_a_nested_file_that_is_binary_names_the_including_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "req.txt").write_text("foo\n-c /dev/zero\n")
    with pytest.raises(RequirementError) as caught:
        read_requirements("req.txt")
    assert caught.value.message.startswith(
        "req.txt line 2: /dev/zero is not a constraints file"
    )


@pytest.mark.parametrize("option", ["-r", "-c"])
def test_a_directory_is_not_a_requirements_file(
    inst, tmp_path: Path, option: str
) -> None:
    error = one_error(inst(*OFFLINE, option, str(tmp_path), "foo"))
    assert "Is a directory" in error


def test_a_file_that_is_not_utf8_says_how_to_declare_its_encoding(
    inst, tmp_path: Path
) -> None:
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9\n")
    error = one_error(inst(*OFFLINE, "-r", "latin.txt"))
    assert "cannot decode requirements file latin.txt" in error
    assert "coding" in error


@pytest.mark.parametrize("codec", ["rot13", "idna", "zlib", "no-such-codec"])
def test_an_odd_declared_encoding_is_an_error_or_text(
    tmp_path: Path, codec: str
) -> None:
    (tmp_path / "req.txt").write_bytes(f"# coding: {codec}\nfoo\n".encode())
    try:
        parsed = read_requirements("req.txt")
    except RequirementError as exc:
        assert "cannot decode" in exc.what
    else:
        assert [str(r) for r in parsed.requirements] == ["foo"]


# -- configuration files --------------------------------------------------------------


def test_a_config_file_that_never_ends_is_refused(
    inst, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INST_CONFIG_FILE", "/dev/zero")
    error = one_error(inst("freeze"))
    assert "/dev/zero is too large to be a configuration file" in error
    assert "INST_CONFIG_FILE" in error


def test_a_config_file_that_is_a_directory_is_refused(
    inst, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INST_CONFIG_FILE", str(tmp_path))
    error = one_error(inst("freeze"))
    assert f"the configuration file {tmp_path} is a directory" in error


def test_a_nul_in_a_config_value_is_refused(inst, config_home: ConfigHome) -> None:
    config_home.write(
        config_home.inst_user_file, '[global]\ncache-dir = "/tmp/a\\u0000b"\n'
    )
    error = one_error(inst("freeze"))
    assert "is not a valid value for --cache-dir" in error


def test_a_huge_pip_config_file_is_refused(
    inst, config_home: ConfigHome, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from inst.settings import files as settings_files

    monkeypatch.setattr(settings_files, "MAX_CONFIG_BYTES", 100)
    pip_conf = tmp_path / "pip.conf"
    pip_conf.write_text("[global]\n" + "# filler\n" * 50)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_conf))
    error = one_error(inst("freeze"))
    assert f"pip's configuration file {pip_conf} cannot be read" in error


# -- found by the no-internal-error guard ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "hello; 'a' in 'abc'",
        "hello; 'a' == 'a'",
        "./x.whl; 'a' == 'a'",
        "x; python_version ~= 'abc'",
    ],
)
def test_a_marker_that_cannot_be_evaluated_is_refused_when_read(text: str) -> None:
    with pytest.raises(RequirementError, match="invalid marker"):
        parse_requirement(text)


@pytest.mark.parametrize(
    "text", ["http://[::1/x.whl", "x @ http://[::1/x.whl", "x @ http://h:99999/x.whl"]
)
def test_a_url_that_does_not_parse_is_a_requirement_error(text: str) -> None:
    with pytest.raises(RequirementError, match="invalid URL"):
        parse_requirement(text)


@pytest.mark.parametrize(
    ("option", "flag"),
    [
        ("-i", "--index-url"),
        ("--extra-index-url", "--extra-index-url"),
        ("-f", "--find-links"),
        ("--proxy", "--proxy"),
    ],
)
def test_an_option_url_that_does_not_parse_is_refused(
    inst, option: str, flag: str
) -> None:
    error = one_error(inst(*OFFLINE, option, "http://[::1/", "foo"))
    assert f"is not a valid value for {flag}" in error
    assert "URLs that parse: 'http://[::1/' does not (Invalid IPv6 URL)" in error


def test_an_index_url_in_a_requirements_file_that_does_not_parse(
    tmp_path: Path,
) -> None:
    (tmp_path / "req.txt").write_text("-i A://[\nfoo\n")
    with pytest.raises(RequirementError, match="req.txt line 1: invalid URL 'A://\\['"):
        read_requirements("req.txt")


def test_a_find_links_name_too_long_is_not_a_crash(inst) -> None:
    result = inst("install", "--dry-run", "--no-index", "-f", "f" * 300, "foo")
    assert "no matching distribution found for foo" in one_error(result)


def test_a_non_utf8_value_on_a_strict_stdout_is_escaped(
    inst, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.setenv("INST_CACHE_DIR", "/tmp/caf\udce9")
    result = inst("config", "debug")
    assert result.code == 0, result.err
    stream.flush()
    assert b"/tmp/caf\\udce9" in stream.buffer.getvalue()  # type: ignore[attr-defined]


def test_a_zero_timeout_from_pip_s_config_says_what_to_give_instead(
    inst, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip takes 0 and then waits for ever on a stalled server; inst asks for a number.
    monkeypatch.setenv("PIP_DEFAULT_TIMEOUT", "0")
    error = one_error(inst(*OFFLINE, "foo"))
    assert error.startswith("error: PIP_DEFAULT_TIMEOUT='0' is not a valid value")
    assert "0 would mean no limit at all" in error
    assert "such as 600" in error


def test_a_nested_requirements_url_that_does_not_parse(tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_text("-r http://[::1/\n")
    with pytest.raises(RequirementError) as caught:
        read_requirements("req.txt")
    assert caught.value.message == (
        "req.txt line 1: cannot read requirements file http://[::1/"
    )
    assert "not a valid URL" in caught.value.why

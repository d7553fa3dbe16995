"""Plain-http indexes are refused unless the host is this machine or trusted (as pip)."""

from __future__ import annotations


def test_plain_http_to_another_host_is_refused_before_any_request(run_inst) -> None:
    result = run_inst(
        "install",
        "--dry-run",
        "--index-url",
        "http://u:secret@example.invalid/simple/",
        "simple",
    )
    assert result.code == 1
    assert result.err.count("error:") == 1
    assert "not a trusted host" in result.err
    assert "--trusted-host example.invalid" in result.err
    assert "secret" not in result.err + result.out


def test_a_trusted_host_may_use_plain_http(run_inst) -> None:
    result = run_inst(
        "install",
        "--dry-run",
        "--index-url",
        "http://example.invalid/simple/",
        "--trusted-host",
        "example.invalid",
        "--timeout",
        "1",
        "--retries",
        "0",
        "simple",
    )
    assert result.code == 1
    assert "not a trusted host" not in result.err
    assert "could not" in result.err

"""``-r URL`` and ``-c URL``: requirements files fetched over http(s) through the run's
HTTP client (credentials, retries, cache), with nested names relative to the URL, as
pip reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness import LocalIndex
from harness.server import IndexServer

RunInst = Callable[..., Any]


@pytest.fixture
def served(
    sample_index: LocalIndex, index_server: Callable[[LocalIndex], IndexServer]
) -> IndexServer:
    reqs = sample_index.root / "reqs"
    (reqs / "nested").mkdir(parents=True)
    (reqs / "top.txt").write_text(
        "another\n-r nested/more.txt\n-c nested/pins.txt\n", encoding="utf-8"
    )
    (reqs / "nested" / "more.txt").write_text("withdeps\n", encoding="utf-8")
    (reqs / "nested" / "pins.txt").write_text("simple==1.0\n", encoding="utf-8")
    return index_server(sample_index)


def _would_install(out: str) -> str | None:
    lines = [line for line in out.splitlines() if line.startswith("Would install ")]
    return lines[0].removeprefix("Would install ") if lines else None


def test_a_requirements_file_read_from_a_url_with_nested_files(
    run_inst: RunInst, served: IndexServer
) -> None:
    run = run_inst(
        "install",
        "--dry-run",
        "--index-url",
        served.simple_url,
        "-r",
        served.url + "reqs/top.txt",
    )
    assert run.code == 0, run.err
    # withdeps needs simple: the constraint from the nested URL pins it (else 2.0).
    assert _would_install(run.out) == "another-1.0 simple-1.0 withdeps-1.0"
    fetched = {r.path for r in served.requests_to("/reqs/")}
    assert fetched == {
        "/reqs/top.txt",
        "/reqs/nested/more.txt",
        "/reqs/nested/pins.txt",
    }


def test_a_requirements_url_uses_the_credentials_and_retries(
    run_inst: RunInst, served: IndexServer
) -> None:
    served.require_auth("user", "secret", path_prefix="/reqs/")
    served.fail("/reqs/top.txt", status=503, times=1)
    url = served.url_with_auth("user", "secret", "reqs/top.txt")
    run = run_inst("install", "--dry-run", "--index-url", served.simple_url, "-r", url)
    assert run.code == 0, run.err
    assert _would_install(run.out) == "another-1.0 simple-1.0 withdeps-1.0"
    assert "secret" not in run.out + run.err


def test_a_missing_requirements_url_is_one_error(
    run_inst: RunInst, served: IndexServer
) -> None:
    url = served.url + "reqs/missing.txt"
    run = run_inst("install", "--dry-run", "--index-url", served.simple_url, "-r", url)
    assert run.code == 1
    assert "Traceback" not in run.err
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert errors == [
        (
            f"error: cannot read requirements file {url}. The server answered 404 "
            "Not Found. Check the URL, and the credentials for its host."
        )
    ], run.err


def test_a_nested_missing_file_names_the_including_line(
    run_inst: RunInst, served: IndexServer
) -> None:
    (served.directory / "reqs" / "bad.txt").write_text(
        "-r gone.txt\n", encoding="utf-8"
    )
    url = served.url + "reqs/bad.txt"
    run = run_inst("install", "--dry-run", "--index-url", served.simple_url, "-r", url)
    assert run.code == 1
    assert f"{url} line 1" in run.err
    assert served.url + "reqs/gone.txt" in run.err

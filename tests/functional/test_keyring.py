"""--keyring-provider against a password-protected harness index: the keyring is a
fake ``keyring`` command first on PATH (subprocess) or a fake ``keyring`` package on
PYTHONPATH (import), so no real keyring backend is needed. Both log what they were
asked, which is the witness of the service names inst uses."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from harness import IndexServer, LocalIndex, build_index, make_wheel
from harness.checks import names

USER = "alice"
PASSWORD = "k3yring-secret"

_FAKE_COMMAND = """#!{python}
import json, sys
services = {services!r}
with open({log!r}, "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if len(sys.argv) == 4 and sys.argv[1] == "get" and sys.argv[2] in services \\
        and sys.argv[3] == {user!r}:
    print({password!r})
    sys.exit(0)
sys.exit(1)
"""

_FAKE_MODULE = """import json

SERVICES = {services!r}


class _Credential:
    def __init__(self, username, password):
        self.username = username
        self.password = password


def _log(*args):
    with open({log!r}, "a") as log:
        log.write(json.dumps(list(args)) + "\\n")


def get_credential(service, username):
    _log("get_credential", service, username)
    if service in SERVICES and username in (None, {user!r}):
        return _Credential({user!r}, {password!r})
    return None


def get_password(service, username):
    _log("get_password", service, username)
    return None
"""


@pytest.fixture
def index(tmp_path: Path) -> LocalIndex:
    dists = tmp_path / "dists"
    return build_index(
        tmp_path / "index",
        [make_wheel(dists, "kr-app", "1.0", requires=["kr-lib"])]
        + [make_wheel(dists, "kr-lib", "2.0")],
    )


@pytest.fixture
def server(index_server: Any, index: LocalIndex) -> IndexServer:
    served: IndexServer = index_server(index)
    served.require_auth(USER, PASSWORD)
    return served


def services(server: IndexServer) -> list[str]:
    """What a keyring may know the index as: its URL or its host:port."""
    return [server.simple_url, f"127.0.0.1:{server.port}"]


def fake_command(tmp_path: Path, known: list[str]) -> tuple[dict[str, str], Path]:
    """A `keyring` command first on PATH: (environment additions, its call log)."""
    bin_dir, log = tmp_path / "keyring-bin", tmp_path / "keyring-calls.log"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "keyring"
    script.write_text(
        _FAKE_COMMAND.format(
            python=sys.executable,
            services=known,
            log=str(log),
            user=USER,
            password=PASSWORD,
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, log


def fake_module(tmp_path: Path, known: list[str]) -> tuple[dict[str, str], Path]:
    """A `keyring` package on PYTHONPATH: (environment additions, its call log)."""
    site, log = tmp_path / "keyring-site", tmp_path / "keyring-calls.log"
    (site / "keyring").mkdir(parents=True)
    (site / "keyring" / "__init__.py").write_text(
        _FAKE_MODULE.format(services=known, log=str(log), user=USER, password=PASSWORD)
    )
    return {"PYTHONPATH": str(site)}, log


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def download(run_inst: Any, tmp_path: Path, url: str, *args: str, **kw: Any) -> Any:
    return run_inst(
        "download",
        "kr-app",
        "-d",
        str(tmp_path / "out"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--retries",
        "0",
        "-i",
        url,
        *args,
        **kw,
    )


def user_url(server: IndexServer) -> str:
    return f"http://{USER}@127.0.0.1:{server.port}/simple/"


# -- subprocess ------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["subprocess", "auto"])
def test_keyring_command_gives_the_password(
    run_inst: Any, server: IndexServer, tmp_path: Path, provider: str
) -> None:
    env, log = fake_command(tmp_path, services(server))
    run = download(
        run_inst, tmp_path, user_url(server), "--keyring-provider", provider, env=env
    )
    assert run.code == 0, run.err
    assert names(tmp_path / "out") == [
        "kr_app-1.0-py3-none-any.whl",
        "kr_lib-2.0-py3-none-any.whl",
    ]
    assert PASSWORD not in run.out + run.err
    # Asked once, for the index URL first (the more specific name), as pip does;
    # the password then served every later request to the host.
    assert calls(log) == [["get", server.simple_url, USER]]


def test_keyring_command_falls_back_to_the_host(
    run_inst: Any, server: IndexServer, tmp_path: Path
) -> None:
    env, log = fake_command(tmp_path, [f"127.0.0.1:{server.port}"])
    run = download(
        run_inst,
        tmp_path,
        user_url(server),
        env={**env, "INST_KEYRING_PROVIDER": "subprocess"},
    )
    assert run.code == 0, run.err
    assert calls(log) == [
        ["get", server.simple_url, USER],
        ["get", f"127.0.0.1:{server.port}", USER],
    ]


def test_keyring_command_needs_the_user_name(
    run_inst: Any, server: IndexServer, tmp_path: Path
) -> None:
    env, log = fake_command(tmp_path, services(server))
    run = download(
        run_inst,
        tmp_path,
        server.simple_url,
        "--keyring-provider",
        "subprocess",
        env=env,
    )
    assert run.code == 1
    assert "refused access (HTTP 401)" in run.err
    assert "needs the user name in the index URL" in run.err
    assert "Traceback" not in run.err
    assert calls(log) == []  # the keyring CLI cannot look up without a user


def test_missing_keyring_command_is_a_clear_error(
    run_inst: Any, server: IndexServer, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    run = download(
        run_inst,
        tmp_path,
        user_url(server),
        "--keyring-provider",
        "subprocess",
        env={"PATH": str(empty)},
    )
    assert run.code == 1
    assert "error: --keyring-provider subprocess cannot be used" in run.err
    assert "no keyring command on PATH" in run.err
    assert "Traceback" not in run.err


# -- import ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["plain", "with-user"])
def test_keyring_package_gives_the_credentials(
    run_inst: Any, server: IndexServer, tmp_path: Path, url: str
) -> None:
    env, log = fake_module(tmp_path, services(server))
    index_url = server.simple_url if url == "plain" else user_url(server)
    run = download(
        run_inst, tmp_path, index_url, "--keyring-provider", "import", env=env
    )
    assert run.code == 0, run.err
    assert names(tmp_path / "out") == [
        "kr_app-1.0-py3-none-any.whl",
        "kr_lib-2.0-py3-none-any.whl",
    ]
    assert PASSWORD not in run.out + run.err
    # get_credential works without a user name too (the index URL needs none).
    user = None if url == "plain" else USER
    assert calls(log) == [["get_credential", server.simple_url, user]]


def test_auto_prefers_the_keyring_package(
    run_inst: Any, server: IndexServer, tmp_path: Path
) -> None:
    env, log = fake_module(tmp_path, services(server))
    command_env, command_log = fake_command(tmp_path / "cmd", services(server))
    run = download(run_inst, tmp_path, server.simple_url, env={**env, **command_env})
    assert run.code == 0, run.err  # auto is the default, as in pip
    assert calls(log) == [["get_credential", server.simple_url, None]]
    assert calls(command_log) == []


def test_keyring_without_the_credentials(
    run_inst: Any, server: IndexServer, tmp_path: Path
) -> None:
    env, log = fake_module(tmp_path, ["https://elsewhere.example/"])
    run = download(
        run_inst, tmp_path, server.simple_url, "--keyring-provider", "import", env=env
    )
    assert run.code == 1
    assert f"error: the index {server.simple_url} refused access (HTTP 401)" in run.err
    assert "--keyring-provider import found nothing" in run.err
    assert len(calls(log)) == 2  # the index URL, then the host; once each


# -- disabled --------------------------------------------------------------------------


def test_disabled_keyring_is_never_asked(
    run_inst: Any, server: IndexServer, tmp_path: Path
) -> None:
    env, log = fake_module(tmp_path, services(server))
    command_env, command_log = fake_command(tmp_path / "cmd", services(server))
    run = download(
        run_inst,
        tmp_path,
        user_url(server),
        "--keyring-provider",
        "disabled",
        env={**env, **command_env},
    )
    assert run.code == 1
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert "refused access (HTTP 401)" in errors[0]
    assert "--keyring-provider" in run.err  # the hint names the way out
    assert "Traceback" not in run.err
    assert calls(log) == calls(command_log) == []


def test_config_debug_shows_the_keyring_and_the_trust(
    run_inst: Any, tmp_path: Path
) -> None:
    env, _ = fake_command(tmp_path, [])
    run = run_inst(
        "config", "debug", env={**env, "INST_KEYRING_PROVIDER": "subprocess"}
    )
    assert run.code == 0, run.err
    assert f"keyring provider: subprocess ({tmp_path / 'keyring-bin' / 'keyring'})" in (
        run.out
    )
    assert "HTTPS servers are checked against" in run.out
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    run = run_inst("config", "debug", "--cert", str(bundle))
    assert f"checked against the CA bundle {bundle}" in run.out


def test_auto_without_any_keyring_says_so(
    run_inst: Any, server: IndexServer, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    run = download(run_inst, tmp_path, server.simple_url, env={"PATH": str(empty)})
    assert run.code == 1
    errors = [line for line in run.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, run.err
    assert "refused access (HTTP 401)" in errors[0]
    assert "~/.netrc" in errors[0]
    assert "auto found neither the keyring package nor a keyring command" in errors[0]

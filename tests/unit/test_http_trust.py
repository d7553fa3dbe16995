"""Which certificates inst's HTTP session checks servers against: the system trust
store through truststore by default (Python 3.10+), a --cert bundle instead when one
is given, nothing for a --trusted-host; and the keyring provider's choice."""

from __future__ import annotations

import ssl
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from inst.errors import InstError
from inst.index import keyrings
from inst.index.http import HttpClient, HttpConfig, describe_trust

URL = "https://index.example/simple/"


def pool_settings(client: HttpClient, url: str = URL) -> dict[str, Any]:
    """The TLS settings urllib3 would open a connection to ``url`` with."""
    session = client._get_session()
    adapter: Any = session.get_adapter(url)
    request = requests.Request("GET", url).prepare()
    _, pool = adapter.build_connection_pool_key_attributes(request, client.verify(url))
    return dict(pool)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="truststore needs 3.10+")
def test_the_system_trust_store_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import truststore

    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)

    original = ssl.SSLContext
    with HttpClient(HttpConfig()) as client:
        pool = pool_settings(client)
        context = pool["ssl_context"]
        if sys.platform in ("win32", "darwin"):
            assert isinstance(context, truststore.SSLContext)
        else:
            # truststore's way on Linux (OpenSSL's default locations, OpenSSL's
            # checks), loaded once instead of at every connection.
            assert type(context) is ssl.SSLContext
            assert context.verify_mode == ssl.CERT_REQUIRED
            assert context.check_hostname
        assert pool["cert_reqs"] == "CERT_REQUIRED"
        # One context for every pool, and certifi's CAs in it.
        assert (
            pool_settings(client, "https://other.example/x")["ssl_context"] is context
        )
        assert context.cert_store_stats()["x509_ca"] > 0
    assert ssl.SSLContext is original  # inst's session only, not injected globally
    assert describe_trust(None).startswith("the system trust store (truststore)")


@pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="truststore verifies natively there"
)
def test_the_system_store_is_openssls_default_locations(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import certifi

    from inst.index.http import _openssl_system_context

    # SSL_CERT_FILE moves OpenSSL's default file, as for truststore.
    bundle = tmp_path / "system.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "none"))
    context = _openssl_system_context()
    assert context.cert_store_stats()["x509_ca"] > 0


def test_a_cert_bundle_wins(tmp_path: Path) -> None:
    import certifi

    bundle = tmp_path / "company-ca.pem"
    bundle.write_bytes(Path(certifi.where()).read_bytes())
    with HttpClient(HttpConfig(cert=str(bundle))) as client:
        pool = pool_settings(client)
        # Loaded once into one context that every connection shares: urllib3 would
        # load the file again at each connection when given its path.
        assert "ca_certs" not in pool
        context = pool["ssl_context"]
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.cert_store_stats()["x509_ca"] > 0
        assert (
            pool_settings(client, "https://other.example/x")["ssl_context"] is context
        )
    assert describe_trust(str(bundle)) == f"the CA bundle {bundle} (the cert setting)"


def test_a_bundle_from_the_environment_is_loaded_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import certifi

    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    with HttpClient(HttpConfig()) as client:
        session = client._get_session()
        # What requests makes of verify=True with the variable set.
        verify = session.merge_environment_settings(URL, {}, None, True, None)["verify"]
        assert verify == certifi.where()
        adapter: Any = session.get_adapter(URL)
        request = requests.Request("GET", URL).prepare()
        first = adapter.build_connection_pool_key_attributes(request, verify)[1]
        again = adapter.build_connection_pool_key_attributes(request, verify)[1]
        assert first["ssl_context"] is again["ssl_context"]
        assert "ca_certs" not in first
        # requests points the pool at the file again per request: cleared, so no
        # connection loads it into the shared context.
        pool = adapter.get_connection_with_tls_context(request, verify)
        adapter.cert_verify(pool, URL, verify, None)
        assert pool.ca_certs is None
        assert pool.conn_kw["ssl_context"] is first["ssl_context"]


def test_a_bundle_that_does_not_load_is_left_to_requests(tmp_path: Path) -> None:
    # It fails at the connection, as before, with the TLS error inst words.
    bundle = tmp_path / "empty.pem"
    bundle.write_text("")
    with HttpClient(HttpConfig(cert=str(bundle))) as client:
        pool = pool_settings(client)
    assert "ssl_context" not in pool
    assert pool["ca_certs"] == str(bundle)


def test_a_bundle_from_the_environment_is_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # requests itself uses it instead of the session's context (verify=True becomes
    # the path), as for pip.
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/company/ca.pem")
    assert (
        describe_trust(None) == "the CA bundle /etc/company/ca.pem (REQUESTS_CA_BUNDLE)"
    )


def test_a_trusted_host_is_not_checked() -> None:
    with HttpClient(HttpConfig(trusted_hosts=("index.example",))) as client:
        pool = pool_settings(client)
    assert "ssl_context" not in pool  # the shared context is never set to CERT_NONE
    assert pool["cert_reqs"] == "CERT_NONE"


def test_import_without_the_keyring_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyring", None)  # import keyring: ImportError
    with pytest.raises(InstError) as raised:
        keyrings.choose("import")
    assert "not installed" in raised.value.why
    assert "inst[keyring]" in raised.value.hint
    monkeypatch.setenv("PATH", "")
    assert keyrings.choose("auto").name == "disabled"
    assert keyrings.choose("disabled").lookup("host", "user") is None


def test_a_failing_keyring_backend_is_reported() -> None:
    class Broken:
        def get_credential(self, service: str, username: str | None) -> None:
            raise RuntimeError("no backend")

    with pytest.raises(keyrings.KeyringFailed, match="RuntimeError: no backend"):
        keyrings.ModuleKeyring(Broken()).lookup("host", None)

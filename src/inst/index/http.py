"""The HTTP client of a run: one pooled requests.Session, retries, credentials, cache.

requests and urllib3 are imported when the first request is made, not with this module:
a run that only reads file:// indexes and local files never pays for them.
"""

from __future__ import annotations

import errno
import os
import platform
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional

from inst import __version__
from inst._records import dataclass
from inst.cache import NULL_CACHE, HttpPages
from inst.errors import InstError
from inst.fileurls import path_from_file_url
from inst.index.cache import HttpCache
from inst.ui import redact

if TYPE_CHECKING:
    import ssl
    from types import TracebackType

    import requests
    from requests.adapters import BaseAdapter, HTTPAdapter
    from urllib3.response import BaseHTTPResponse
    from urllib3.util.retry import Retry

    from inst.index.keyrings import Keyring

#: Answers worth another try: the server or a gateway in front of it is struggling.
RETRY_STATUSES = frozenset({500, 502, 503, 504})
#: urllib3 sleeps 0, 2×, 4×, 8× ... this between retries (the first retry is immediate).
BACKOFF_FACTOR = 0.25
#: No single wait is longer, whatever the backoff or a Retry-After header says.
BACKOFF_MAX = 8

_DEFAULT_PORTS = {"http": 80, "https": 443}
_HINT = (
    "check the URL and your network connection; behind a proxy use --proxy or "
    "HTTPS_PROXY; for a slow or unreliable server raise --timeout or --retries"
)

Credentials = tuple[str, str]
_Origin = tuple[str, str, Optional[int]]


@dataclass(frozen=True)
class HttpConfig:
    """How the client connects: the network settings of a run."""

    timeout: float = 15.0
    retries: int = 5
    # "host" or "host:port": certificates not verified, plain http accepted.
    trusted_hosts: tuple[str, ...] = ()
    cert: str | None = None  # CA bundle
    client_cert: str | None = None
    proxy: str | None = None  # else requests' usual environment proxies
    pages: HttpPages = NULL_CACHE.http  # the HTTP cache: the run's Cache().http
    max_connections: int = 10  # pool size per host
    # Where credentials come from when a server answers 401 (see inst.index.keyrings).
    keyring_provider: str = "disabled"
    # The index URLs of the run: a keyring is asked for the one a URL belongs to,
    # then for its host, as pip does.
    index_urls: tuple[str, ...] = ()


class NetworkError(InstError):
    """A host that cannot be reached, a timeout, or a server failing past the retries."""

    @classmethod
    def for_url(cls, url: str, reason: str, hint: str = _HINT) -> NetworkError:
        return cls(f"could not fetch {redact(url)}", redact(reason), hint)

    @classmethod
    def from_exception(
        cls, url: str, error: BaseException, config: HttpConfig
    ) -> NetworkError:
        """The NetworkError for a requests/urllib3 exception (e.g. while streaming)."""
        reason, hint = _explain(error, config)
        tries = config.retries + 1
        if tries > 1:
            reason += f" (tried {tries} times)"
        return cls.for_url(url, reason, hint)


def split_credentials(url: str) -> tuple[str, Credentials | None]:
    """``https://u:p@h/x`` → (``https://h/x``, ("u", "p")); a lone token gets "" as
    password, as basic auth with a token in the user name expects."""
    parts = urllib.parse.urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at:
        return url, None
    user, _, password = userinfo.partition(":")
    bare = urllib.parse.urlunsplit(parts._replace(netloc=hostport))
    return bare, (urllib.parse.unquote(user), urllib.parse.unquote(password))


def _origin(url: str) -> _Origin:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None  # requests reports the bad port itself
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _user_agent() -> str:
    implementation = platform.python_implementation()
    python = ".".join(map(str, sys.version_info[:3]))
    return f"inst/{__version__} {implementation}/{python} {platform.system()}"


class HttpClient:
    """Everything a run fetches over HTTP goes through one of these.

    Thread-safe: get() may be called from several threads at once (the session is
    built once under a lock and never changed after; credentials have their own lock).
    """

    def __init__(self, config: HttpConfig) -> None:
        self.config = config
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()
        self._credentials: dict[_Origin, Credentials] = {}
        self._credentials_lock = threading.Lock()
        self._trusted = [_origin(f"//{host}") for host in config.trusted_hosts]
        self._cache = HttpCache(config.pages)
        self._keyring: Keyring | None = None
        self._keyring_lock = threading.Lock()  # one lookup at a time, each done once
        self._keyring_asked: dict[_Origin, str] = {}  # what the lookup found, in words

    # -- public ------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        cache: bool = False,
    ) -> requests.Response:
        """GET ``url``: retried on connection errors, timeouts and 500/502/503/504;
        NetworkError once those are exhausted; any other status is returned.

        ``cache=True`` goes through the HTTP cache (small documents: index pages,
        metadata files); the body is then read at once whatever ``stream`` says.
        """
        bare_url, credentials = self._credentials_for(url)
        request_headers = dict(headers or {})
        if cache and self._cache.keeps:
            return self._cache.fetch(
                bare_url,
                request_headers,
                lambda h: self._send(bare_url, h, credentials, stream=False),
            )
        return self._send(bare_url, request_headers, credentials, stream=stream)

    def forget(self, url: str, headers: Mapping[str, str] | None = None) -> None:
        """Drop the cached response of ``get(url, headers=headers, cache=True)``: its
        body failed a check (a page that does not parse, a file with the wrong hash),
        so the next get() asks the server again instead of serving it."""
        if not self._cache.keeps:
            return
        bare_url, _ = self._credentials_for(url)
        accept = next(
            (v for k, v in (headers or {}).items() if k.lower() == "accept"), ""
        )
        self._cache.delete(bare_url, accept)

    def is_trusted(self, url: str) -> bool:
        """Whether ``url``'s host is a --trusted-host (no TLS checks, http allowed)."""
        _, host, port = _origin(url)
        return any(
            host == trusted_host
            # "host" trusts every port; "host:port" only that one.
            and (trusted_port is None or trusted_port == port)
            for _, trusted_host, trusted_port in self._trusted
        )

    def auth_hint(self, url: str) -> str:
        """What to do about a 401/403 from ``url``, given what the keyring said."""
        ways = (
            "put the user name and password (or token) in the URL, or the host's "
            "credentials in ~/.netrc"
        )
        if self.config.keyring_provider == "disabled":
            return f"{ways}, or let inst ask your keyring with --keyring-provider"
        with self._keyring_lock:
            found = self._keyring_asked.get(_origin(split_credentials(url)[0]))
        return f"{ways}, or store them in your keyring" + (
            f" ({found})" if found else ""
        )

    def close(self) -> None:
        with self._session_lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def __enter__(self) -> HttpClient:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------

    def _credentials_for(self, url: str) -> tuple[str, Credentials | None]:
        """The URL without credentials, and the credentials to send with it: its own,
        remembered for its scheme+host+port, or those remembered earlier."""
        try:
            bare_url, credentials = split_credentials(url)
            origin = _origin(bare_url)
        except ValueError as error:  # urlsplit: e.g. an unclosed IPv6 bracket
            raise InstError(f"the URL {redact(url)} is not valid", str(error)) from None
        with self._credentials_lock:
            known = self._credentials.get(origin)
            if credentials is None:
                credentials = known
            elif not credentials[1] and known and known[0] == credentials[0]:
                # A URL with only the user name: the password found for that user
                # (in the keyring, after a 401) goes with it, as pip does.
                credentials = known
            else:
                self._credentials[origin] = credentials
        return bare_url, credentials

    def _send(
        self,
        url: str,
        headers: Mapping[str, str],
        credentials: Credentials | None,
        *,
        stream: bool,
    ) -> requests.Response:
        """One GET; a body that breaks while being read (stream=False: read here) is
        fetched again, up to the retries, as urllib3 only retries before the body."""
        tries = max(0, self.config.retries) + 1
        for attempt in range(1, tries + 1):
            response = self._request(url, headers, credentials)
            if stream:
                return response
            try:
                _read_whole(response)
            except broken_body_errors() as error:
                response.close()
                if attempt == tries:
                    raise NetworkError.from_exception(url, error, self.config) from None
                time.sleep(min(BACKOFF_MAX, BACKOFF_FACTOR * (2 ** (attempt - 1))))
                continue
            return response
        raise AssertionError("unreachable")  # the loop returns or raises

    def verify(self, url: str) -> bool | str:
        """requests' ``verify`` for ``url``: False for a trusted host, the --cert
        bundle, or True (the session's SSL context: the system trust store)."""
        return False if self.is_trusted(url) else (self.config.cert or True)

    def _request(
        self, url: str, headers: Mapping[str, str], credentials: Credentials | None
    ) -> requests.Response:
        response = self._request_once(url, headers, credentials)
        if response.status_code == 401 and self.config.keyring_provider != "disabled":
            found = self._from_keyring(url, credentials)
            if found is not None:
                response.close()
                response = self._request_once(url, headers, found)
        return response

    def _request_once(
        self, url: str, headers: Mapping[str, str], credentials: Credentials | None
    ) -> requests.Response:
        import requests  # deferred: see the module docstring

        session = self._get_session()
        proxies = (
            {"http": self.config.proxy, "https": self.config.proxy}
            if self.config.proxy
            else None
        )
        try:
            response = session.get(
                url,
                headers=dict(headers),
                stream=True,  # the body is read by the caller, or by _send
                timeout=(self.config.timeout, self.config.timeout),
                # None lets requests use ~/.netrc (trust_env).
                auth=credentials,
                # Per request, because requests lets environment proxies override
                # the session's own (and a CA bundle from the environment, verify).
                proxies=proxies,
                verify=self.verify(url),
            )
        except requests.exceptions.InvalidURL as error:
            raise InstError(
                f"the URL {redact(url)} is not valid", redact(str(error))
            ) from None
        except requests.exceptions.RequestException as error:
            # `from None`: the chain holds urllib3 text that could repeat the URL.
            raise NetworkError.from_exception(url, error, self.config) from None
        if response.status_code in RETRY_STATUSES:
            # urllib3 hands back the last answer once the retries are used up.
            response.close()
            reason = f"the server answered HTTP {response.status_code}"
            if response.reason:
                reason += f" {response.reason}"
            if self.config.retries:
                reason += f" (tried {self.config.retries + 1} times)"
            raise NetworkError.for_url(url, reason)
        return response

    def _from_keyring(self, url: str, sent: Credentials | None) -> Credentials | None:
        """Credentials for ``url`` (which answered 401 to ``sent``) from the keyring:
        asked once per scheme+host+port, for the index URL and then the host, with
        the user name the URL gave. Found ones are used for that host from now on."""
        # Deferred: a run whose servers never answer 401 needs none of it.
        from inst.index.keyrings import CommandKeyring, Keyring, KeyringFailed, choose

        origin = _origin(url)
        with self._keyring_lock:
            with self._credentials_lock:
                known = self._credentials.get(origin)
            if known is not None and known != sent:
                return known  # another request found them meanwhile
            if origin in self._keyring_asked:
                return None  # asked already: nothing, or the answer was refused
            if self._keyring is None:
                self._keyring = choose(self.config.keyring_provider)
            keyring = self._keyring
            username = sent[0] if sent and sent[0] else None
            services = [*self._index_for(url), urllib.parse.urlsplit(url).netloc]
            if keyring.name == "disabled":  # auto, and no keyring anywhere
                self._keyring_asked[origin] = (
                    "--keyring-provider auto found neither the keyring package nor "
                    "a keyring command"
                )
                return None
            self._keyring_asked[origin] = (
                f"--keyring-provider {keyring.name} found nothing for "
                + " or ".join(services)
                + (f" and user {username}" if username else "")
            )
            if isinstance(keyring, CommandKeyring) and username is None:
                self._keyring_asked[origin] = (
                    "the keyring command needs the user name in the index URL: "
                    "https://USER@host/..."
                )
                return None
            for service in services:
                try:
                    found = keyring.lookup(service, username)
                except KeyringFailed as error:
                    self._keyring_asked[origin] = f"the keyring lookup failed: {error}"
                    self._keyring = Keyring()  # like pip: no more tries this run
                    return None
                if found is not None:
                    self._keyring_asked[origin] = (
                        f"the credentials it gave for {service} were refused"
                    )
                    with self._credentials_lock:
                        self._credentials[origin] = found
                    return found
            return None

    def _index_for(self, url: str) -> list[str]:
        """The index URL ``url`` belongs to (same host, longest shared path), with a
        trailing slash, as pip names it to the keyring; none for other hosts."""
        parts = urllib.parse.urlsplit(url)
        best: tuple[int, str] | None = None
        for index in self.config.index_urls:
            bare = split_credentials(index)[0].rstrip("/") + "/"
            index_parts = urllib.parse.urlsplit(bare)
            if (index_parts.scheme, index_parts.netloc) != (parts.scheme, parts.netloc):
                continue
            shared = os.path.commonprefix([parts.path, index_parts.path]).rfind("/")
            if best is None or shared > best[0]:
                best = (shared, bare)
        return [best[1]] if best else []

    def _get_session(self) -> requests.Session:
        with self._session_lock:
            if self._session is None:
                self._session = self._make_session()
            return self._session

    def _make_session(self) -> requests.Session:
        import requests  # deferred: see the module docstring
        import urllib3

        adapter = _tls_adapter(
            system_trust_context,
            pool_connections=10,  # how many hosts keep a pool
            pool_maxsize=max(1, self.config.max_connections),
            max_retries=_retry(self.config.retries),
        )
        session = requests.Session()
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.mount("file://", _file_adapter())
        session.headers["User-Agent"] = _user_agent()
        if self.config.client_cert:
            session.cert = self.config.client_cert
        if self.config.trusted_hosts:
            # The user chose not to verify those hosts: urllib3's warning is noise.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        return session


def system_trust_context() -> ssl.SSLContext | None:
    """An SSL context that trusts the system's certificate store (through truststore,
    which needs Python 3.10+) and certifi's bundle, as pip does; None where truststore
    is missing. Made for inst's session only: ssl itself is left alone."""
    if sys.version_info < (3, 10):
        return None
    try:
        import ssl

        import certifi
        import truststore
    except ImportError:
        return None
    if sys.platform in ("win32", "darwin"):
        context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    else:
        context = _openssl_system_context()
    # A server certificate certifi knows keeps working where the system store lacks
    # its CA (a minimal container).
    context.load_verify_locations(certifi.where())
    return context


#: Where truststore looks for the system's CA file when OpenSSL's defaults hold
#: nothing (its list: Alpine/Arch/BSD, Fedora/RHEL, Debian/Ubuntu, SUSE).
_CA_FILES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)


def _openssl_system_context() -> ssl.SSLContext:
    """What truststore's context is where it verifies with OpenSSL (Linux, the BSDs):
    OpenSSL's default locations (SSL_CERT_FILE / SSL_CERT_DIR move them), else the
    first usual CA file, and OpenSSL's own checks. truststore loads those locations
    into its context again at every connection (tens of ms of CPU each); here they
    are loaded once."""
    import re
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    defaults = ssl.get_default_verify_paths()
    hashed = re.compile(r"[0-9a-fA-F]{8}\.[0-9]")
    capath_has_certs = bool(defaults.capath) and any(
        hashed.fullmatch(name) for name in _listdir(defaults.capath)
    )
    if defaults.cafile or capath_has_certs:
        context.set_default_verify_paths()
    else:
        for cafile in _CA_FILES:
            if os.path.isfile(cafile):
                context.load_verify_locations(cafile=cafile)
                break
    return context


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def describe_trust(cert: str | None) -> str:
    """Which certificates HTTPS servers are checked against, for ``inst config debug``."""
    if cert:
        return f"the CA bundle {cert} (the cert setting)"
    for variable in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if os.environ.get(variable):
            return f"the CA bundle {os.environ[variable]} ({variable})"
    if sys.version_info < (3, 10):
        return "certifi's CA bundle (the system trust store needs Python 3.10+)"
    import importlib.util

    if importlib.util.find_spec("truststore") is None:
        return "certifi's CA bundle (truststore is not installed)"
    return "the system trust store (truststore), and certifi's CA bundle"


def _tls_adapter(
    system_context: Callable[[], ssl.SSLContext | None], **settings: Any
) -> HTTPAdapter:
    """requests' HTTPAdapter whose TLS settings are loaded once per run, not per
    connection: a request that verifies with the defaults (verify=True) checks servers
    against the context ``system_context()`` makes on first use (None: requests' own
    handling); one that names a CA bundle (--cert, REQUESTS_CA_BUNDLE,
    CURL_CA_BUNDLE) against one context holding that bundle, made on first use.
    requests would hand urllib3 the bundle's path, which loads it into a new context at
    every connection (tens of ms of CPU each: a backtracking resolve opens several).
    A trusted host (verify=False) keeps requests' own handling."""
    import ssl

    from requests.adapters import HTTPAdapter

    bundles: dict[str | bool, ssl.SSLContext | None] = {}
    bundles_lock = threading.Lock()

    def system() -> ssl.SSLContext | None:
        # Made when first needed: with REQUESTS_CA_BUNDLE set, requests turns every
        # verify=True into that bundle, and loading certifi's would be wasted.
        with bundles_lock:
            if True not in bundles:
                bundles[True] = system_context()
            return bundles[True]

    def bundle_context(path: str) -> ssl.SSLContext | None:
        """The context trusting exactly ``path`` (a file, or a c_rehash directory);
        None when it does not load: requests' way then reports it per connection."""
        with bundles_lock:
            if path not in bundles:
                from urllib3.util.ssl_ import create_urllib3_context

                made = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
                try:
                    if os.path.isdir(path):
                        made.load_verify_locations(capath=path)
                    else:
                        made.load_verify_locations(cafile=path)
                except (OSError, ValueError):  # ssl.SSLError is an OSError
                    bundles[path] = None
                else:
                    bundles[path] = made
            return bundles[path]

    def shared(verify: bool | str) -> ssl.SSLContext | None:
        if verify is True:
            return system()
        if isinstance(verify, str):
            return bundle_context(verify)
        return None

    class SharedContextAdapter(HTTPAdapter):
        # requests >= 2.32 builds each pool's TLS settings here.
        def build_connection_pool_key_attributes(
            self,
            request: requests.PreparedRequest,
            verify: bool | str,
            cert: Any = None,
        ) -> Any:
            host, pool = super().build_connection_pool_key_attributes(
                request, verify, cert
            )
            loaded = shared(verify)
            if loaded is not None:
                pool["ssl_context"] = loaded
                pool.pop("ca_certs", None)
                pool.pop("ca_cert_dir", None)
            return host, pool

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            parent: Any = super()  # untyped in the stubs
            parent.cert_verify(conn, url, verify, cert)
            if shared(verify) is not None:
                # requests points every pool at a bundle's file (certifi's for
                # verify=True), which urllib3 would load into the shared context at
                # each connection: what the context trusts is in it already.
                conn.ca_certs = None
                conn.ca_cert_dir = None

    return SharedContextAdapter(**settings)


class ShortBody(Exception):
    """A body shorter than its Content-Length (urllib3 1.26 does not check)."""


def _read_whole(response: requests.Response) -> None:
    """Read the body into ``response.content``; raise when it breaks or comes short."""
    data = response.content
    if response.status_code in (204, 304):
        return  # no body, whatever Content-Length says (a 304 repeats the 200's)
    if response.headers.get("Content-Encoding", "identity") != "identity":
        return  # Content-Length counts the encoded bytes
    expected = response.headers.get("Content-Length", "")
    if expected.isdigit() and len(data) < int(expected):
        raise ShortBody(
            f"the body ended after {len(data)} of {expected} bytes (IncompleteRead)"
        )


def broken_body_errors() -> tuple[type[BaseException], ...]:
    """What reading a response's body raises when the transfer breaks or stalls."""
    import requests
    import urllib3

    return (
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ConnectionError,  # a read timeout or reset mid-body
        requests.exceptions.ContentDecodingError,
        urllib3.exceptions.HTTPError,
        ShortBody,
        OSError,
    )


def _retry(retries: int) -> Retry:
    from urllib3.util.retry import Retry  # deferred: see the module docstring

    class CappedRetry(Retry):
        """A Retry-After header may ask for minutes; never wait over BACKOFF_MAX."""

        DEFAULT_BACKOFF_MAX = BACKOFF_MAX  # how urllib3 1.26 takes the cap

        def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
            seconds = super().get_retry_after(response)
            return None if seconds is None else min(seconds, BACKOFF_MAX)

    settings: dict[str, Any] = {
        "total": max(0, retries),
        "backoff_factor": BACKOFF_FACTOR,
        "status_forcelist": RETRY_STATUSES,
        "allowed_methods": frozenset({"GET", "HEAD"}),
        # Give the last 5xx back instead of raising: _send words the error.
        "raise_on_status": False,
    }
    try:
        return CappedRetry(**settings, backoff_max=BACKOFF_MAX)
    except TypeError:  # urllib3 1.26 (allowed by requests>=2.31) has no backoff_max
        return CappedRetry(**settings)


def _file_adapter() -> BaseAdapter:
    """file:// URLs through the same get(): 200 with the file, or 404. Lets a
    downloader treat distribution URLs of file:// indexes like any other."""
    from requests.adapters import BaseAdapter

    class FileAdapter(BaseAdapter):
        def send(
            self,
            request: requests.PreparedRequest,
            stream: bool = False,
            timeout: Any = None,
            verify: Any = True,
            cert: Any = None,
            proxies: Any = None,
        ) -> requests.Response:
            return _file_response(request)

        def close(self) -> None:
            pass

    return FileAdapter()


def _file_response(request: requests.PreparedRequest) -> requests.Response:
    import requests
    from requests.structures import CaseInsensitiveDict

    response = requests.Response()
    response.url = request.url or ""
    response.request = request
    path = path_from_file_url(request.url or "")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the Response
        size = os.fstat(handle.fileno()).st_size
    except OSError as error:
        response.status_code = (
            404 if error.errno in (errno.ENOENT, errno.EISDIR, errno.ENOTDIR) else 403
        )
        response.reason = error.strerror or "Not Found"
        response._content = b""
        response._content_consumed = True  # type: ignore[attr-defined]
        response.headers = CaseInsensitiveDict({"Content-Type": "text/plain"})
        return response
    response.status_code = 200
    response.reason = "OK"
    response.raw = handle
    response.headers = CaseInsensitiveDict(
        {"Content-Length": str(size), "Content-Type": "application/octet-stream"}
    )
    return response


# -- explaining failures -----------------------------------------------------------------


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything behind it: causes, contexts and urllib3's .reason."""
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested: list[object] = [
            getattr(current, "reason", None),
            current.__cause__,
            current.__context__,
            *current.args,
        ]
        pending += [e for e in nested if isinstance(e, BaseException)]


def _explain(error: BaseException, config: HttpConfig) -> tuple[str, str]:
    """A short reason and a hint for a failed request, without urllib3's object soup."""
    import socket  # here: a run on file:// indexes never explains a network error

    from urllib3 import exceptions as u3

    chain = list(_chain(error))
    timeout = f"{config.timeout:g} s"

    def has(kind: type[BaseException] | tuple[type[BaseException], ...]) -> bool:
        return any(isinstance(e, kind) for e in chain)

    if has(u3.ProxyError):
        return "the proxy could not be reached or refused the connection", (
            "check --proxy and the HTTP_PROXY / HTTPS_PROXY / NO_PROXY variables"
        )
    if has(u3.SSLError):
        detail = next((str(e) for e in chain if isinstance(e, u3.SSLError)), "")
        return f"the TLS connection failed: {_short(detail)}", (
            "add the CA that signs this server's certificate to the system's trust "
            "store, or point --cert at a bundle holding it, or use --trusted-host "
            "for a host you trust without checks"
        )
    if has(ConnectionRefusedError):
        return "the connection was refused", _HINT
    if has(socket.gaierror):
        return "the host name could not be resolved", _HINT
    if has(u3.ReadTimeoutError):
        return f"the server sent no answer within {timeout}", _HINT
    if has(u3.NewConnectionError):
        detail = next(str(e) for e in chain if isinstance(e, u3.NewConnectionError))
        return f"the connection failed: {_short(detail)}", _HINT
    if has((u3.ConnectTimeoutError, TimeoutError, socket.timeout)):
        return f"the connection timed out after {timeout}", _HINT
    if has(u3.ProtocolError):
        return "the connection broke before the answer was complete", _HINT
    return _short(str(error)) or type(error).__name__, _HINT


def _short(message: str) -> str:
    # urllib3 opens messages with "<urllib3.connection.HTTPConnection object at 0x..>: ".
    if message.startswith("<") and ">: " in message:
        message = message.split(">: ", 1)[1]
    return message.strip()

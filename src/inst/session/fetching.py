"""Requirements files named by http(s) URLs (``-r https://…``), fetched before the
session exists but as its client would: the run's credentials (URL, ~/.netrc),
certificates, proxy, trusted hosts, retries and HTTP cache."""

from __future__ import annotations

from typing import TYPE_CHECKING

from inst.errors import InstError

if TYPE_CHECKING:
    from inst.index.http import HttpClient
    from inst.settings.resolve import Settings


class RequirementsFetcher:
    """A ``Fetch`` for ``read_requirements``: one HTTP client, made at the first URL
    (a run without one never imports requests), closed by ``close()``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: HttpClient | None = None

    def __call__(self, url: str) -> bytes:
        from inst.requirements.specs import RequirementError
        from inst.session.core import _check_secure

        client = self._connect()
        try:
            _check_secure(client, url)  # the session's rule for its indexes
            response = client.get(url, cache=True)
        except InstError as exc:
            raise RequirementError(
                f"cannot read requirements file {url}",
                why=exc.paragraph(),
            ) from None
        if response.status_code != 200:
            raise RequirementError(
                f"cannot read requirements file {url}",
                why=f"the server answered {response.status_code} {response.reason}",
                hint="check the URL, and the credentials for its host",
            )
        return bytes(response.content)

    def _connect(self) -> HttpClient:
        if self._client is None:
            from inst.requirements.files import FileOptions
            from inst.session.core import _client
            from inst.session.targets import run_cache

            cache = run_cache(self._settings)
            self._client = _client(self._settings, FileOptions(), cache.http, 1)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

"""The index client: HTTP (session, retries, credentials, cache), the simple API
(PEP 503 HTML, PEP 691 JSON, PEP 592/658/700/714 fields) and find-links locations.

Importing it does not import requests: that happens on the first HTTP request.
"""

from __future__ import annotations

from inst.index.cache import HttpCache, is_from_cache
from inst.index.http import HttpClient, HttpConfig, NetworkError
from inst.index.simple import MalformedPage, parse_html_page, parse_json_page
from inst.index.sources import FindLinksSource, IndexSource, parse_page

__all__ = [
    "FindLinksSource",
    "HttpCache",
    "HttpClient",
    "HttpConfig",
    "IndexSource",
    "MalformedPage",
    "NetworkError",
    "is_from_cache",
    "parse_html_page",
    "parse_json_page",
    "parse_page",
]

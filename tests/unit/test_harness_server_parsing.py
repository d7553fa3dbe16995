"""Header parsing helpers of the harness HTTP server."""

from __future__ import annotations

import pytest

from harness.server import _RangeNotSatisfiable, parse_accept, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, []),
        ("text/html", ["text/html"]),
        ("text/html;q=0.2, application/json", ["application/json", "text/html"]),
        ("a/a;q=0.5, b/b;q=0.5, c/c;q=0", ["a/a", "b/b"]),  # ties keep header order
        ("TEXT/HTML ; q=bad, x/y", ["x/y"]),
    ],
)
def test_parse_accept(header: str | None, expected: list[str]) -> None:
    assert parse_accept(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", (0, 9)),
        ("bytes=5-", (5, 99)),
        ("bytes=-10", (90, 99)),
        ("bytes=-500", (0, 99)),
        ("bytes=90-500", (90, 99)),
        ("bytes=9-3", None),
        ("items=0-1", None),
        ("bytes=0-1,5-6", None),
        ("bytes=x-y", None),
    ],
)
def test_parse_range(header: str, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=-0", "bytes=200-300"])
def test_parse_range_unsatisfiable(header: str) -> None:
    with pytest.raises(_RangeNotSatisfiable):
        parse_range(header, 100)

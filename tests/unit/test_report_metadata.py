"""The core metadata in --report is what pip's report holds for the same bytes (found
by tools/realworld: keywords of setuptools, the License text of scipy)."""

from __future__ import annotations

from inst.core_metadata import Metadata

RAW = (
    "Metadata-Version: 2.5\n"
    "Name: demo\n"
    "Version: 1.0\n"
    "Keywords: CPAN PyPI distutils eggs\n"
    "License: Copyright (c) 2001 Somebody\n"
    "        All rights reserved.\n"
    "        \n"
    "        Redistribution is permitted.\n"
    "Import-Name: demo\n"
    "Provides: demo\n"
    "Classifier: A\n"
    "Classifier: B\n"
    "\n"
    "The description.\n"
)


def as_json(raw: str) -> dict[str, object]:
    return Metadata.parse(raw.encode(), "demo").as_json()


def test_keywords_without_commas_split_on_whitespace() -> None:
    assert as_json(RAW)["keywords"] == ["CPAN", "PyPI", "distutils", "eggs"]
    with_commas = RAW.replace("CPAN PyPI distutils eggs", "a b, c,,d")
    assert as_json(with_commas)["keywords"] == ["a b", "c", "", "d"]


def test_multi_line_values_lose_their_continuation_indent() -> None:
    assert as_json(RAW)["license"] == (
        "Copyright (c) 2001 Somebody\nAll rights reserved.\n\nRedistribution is permitted."
    )


def test_only_the_fields_pip_reports_in_its_order() -> None:
    result = as_json(RAW)
    assert list(result) == [
        "metadata_version",
        "name",
        "version",
        "keywords",
        "license",
        "classifier",
        "description",
    ]
    assert result["classifier"] == ["A", "B"]
    assert result["description"] == "The description.\n"

"""A report's core metadata (headers and description) is read without the email
parser when the headers are plain, and is what the email parser gives, for any
input: odd headers send it to the parser, as does a Content-Type (which could make
the body a list of parts)."""

from __future__ import annotations

import email.message
import email.parser

from hypothesis import given, settings
from hypothesis import strategies as st

from inst.core_metadata import Metadata, _whole_message, metadata_json

HEADER_LINES = [
    "Metadata-Version: 2.1\n",
    "Name: demo\n",
    "Version: 1.0\n",
    "Requires-Dist: b (<2,>=1)\n",
    "Provides-Extra: x\n",
    "Summary:  spaced  \n",
    "Keywords: a b c\n",
    "Keywords: a,b\n",
    "classifier: A\n",
    "Classifier: B\n",
    "Name:\n",
    "License: MIT\n",
    "        continued\n",
    "\tcontinued by a tab\n",
    "not a header line\n",
    "From nobody\n",
    "Réquires: é\n",
    "\r\n",
    "Version: 2.0\r\n",
    "",
]
BODY_LINES = [
    "A README line\n",
    "\n",
    "\r\n",
    "\r",
    "From nobody\n",
    "Name: not a header\n",
    "  indented\n",
    "--x\n",
    "\u00e9\u2028\x0b\x0c\x1c\x85\n",
    "",
]
CONTENT_TYPES = [
    "",
    "Content-Type: multipart/mixed; boundary=x\n",
    "content-type: message/rfc822\n",
    "Content-Type: text/plain\n",
]


@settings(max_examples=2000, deadline=None)
@given(
    content_type=st.sampled_from(CONTENT_TYPES),
    headers=st.lists(st.sampled_from(HEADER_LINES), max_size=12).map("".join),
    body=st.lists(st.sampled_from(BODY_LINES), max_size=8).map("".join),
)
def test_report_metadata_is_that_of_the_whole_message(
    content_type: str, headers: str, body: str
) -> None:
    text = content_type + headers + "\n" + body
    whole = email.parser.Parser().parsestr(text)
    assert metadata_json(_whole_message(text.encode())) == metadata_json(whole)


def test_plain_headers_skip_the_email_parser() -> None:
    data = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\nREADME\n\nmore\n"
    assert not isinstance(_whole_message(data), email.message.Message)
    metadata = Metadata.parse(data, "demo")
    assert metadata.as_json()["description"] == "README\n\nmore\n"

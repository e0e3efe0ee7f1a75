"""Reading a technician's text: command words in any case and punctuation, an optional
job number, and anything else is not a command."""
from __future__ import annotations

import pytest

from business.conversations.sms_replies import keyword
from business.dispatch.technician_sms import parse_command


@pytest.mark.parametrize(("text", "expected"), [
    ("Accept", ("accept", None)),
    ("decline.", ("decline", None)),
    ("On my way!", ("en_route", None)),
    ("omw", ("en_route", None)),
    ("ARRIVED", ("arrived", None)),
    ("DONE 123", ("done", 123)),
    ("done #45", ("done", 45)),
    ("Job 7 done", ("done", 7)),
    ("accept 12 13", (None, None)),  # two job numbers: ambiguous
    ("running late", (None, None)),
    ("123", (None, 123)),
    ("", (None, None)),
])
def test_parse_command(text, expected):
    assert parse_command(keyword(text)) == expected

"""What any channel refuses before a message reaches Rasa: text Rasa's tracker store or
PostgreSQL cannot hold (NUL, other control characters, lone surrogates), oversized text,
and sender ids outside one safe alphabet. Standard library only (Rasa imports it)."""
from __future__ import annotations

import re

MAX_MESSAGE_CHARS = 2000
# Our front ends' ids: CallSids, "sms:+13125550199", "web:<uuid>", "talk:<user>:<n>".
SENDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9:+._@-]{0,127}")
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def message_problem(text: object, limit: int = MAX_MESSAGE_CHARS) -> str | None:
    """Why `text` cannot be a caller's message, or None when it can."""
    if not isinstance(text, str) or not text.strip():
        return "'message' must be a non-empty string"
    if len(text) > limit:
        return f"'message' is longer than {limit} characters"
    if _UNSAFE.search(text):
        return "'message' contains control characters or invalid Unicode"
    return None


def sender_problem(sender: object) -> str | None:
    if not isinstance(sender, str) or not SENDER_ID.fullmatch(sender):
        return "'sender' must be 1 to 128 letters, digits or : + . _ @ -"
    return None


def metadata_value_problem(value: object, limit: int = 100) -> str | None:
    if not isinstance(value, str) or len(value) > limit or _UNSAFE.search(value):
        return f"metadata values must be plain strings of at most {limit} characters"
    return None

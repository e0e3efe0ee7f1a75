"""Normalising what callers tell us: phone numbers to E.164, emails, names."""
from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email


def normalize_phone(raw: str, region: str = "US") -> str | None:
    """E.164 form of a spoken or typed number, or None when it is not a real number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def spoken_phone(e164: str) -> str:
    """312-555-0199 style, which text-to-speech reads digit by digit."""
    number = phonenumbers.parse(e164, "US")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def normalize_email(raw: str) -> str | None:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


NAME_PREFIX = re.compile(
    r"^(?:(?:uh|um|yeah|yes|hi|hello|so|ok|okay)\s+)*(?:my name is|my name's|name is|this is|it's|it is|i'm|i am|call me)\s+",
    re.I,
)


def normalize_name(raw: str) -> str | None:
    """'um my name is jessica miller' -> 'Jessica Miller'; None when nothing name-like is left."""
    text = NAME_PREFIX.sub("", raw.strip()).replace(",", " ").replace(".", " ")
    words = [w for w in text.split() if w.strip()]
    if not words or len(words) > 5 or any(any(c.isdigit() for c in w) for w in words):
        return None
    if not words or len(" ".join(words)) > 120:
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)

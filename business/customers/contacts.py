"""Normalising what callers tell us: phone numbers to E.164, emails, names."""
from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from business.understanding.spoken_numbers import normalize_spoken_numbers


def normalize_phone(raw: str, region: str = "US") -> str | None:
    """E.164 form of a spoken or typed number ("three one two, double five five, oh one
    four two" too), or None when it is not a real number."""
    # Spoken digits become digits first: phonenumbers would read "three" as a vanity
    # number (8-4-7-3-3). Then the digits alone, for words around the number.
    written = normalize_spoken_numbers(raw or "")
    for candidate in (written, ("+" if written.strip().startswith("+") else "") + re.sub(r"\D", "", written)):
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def spoken_phone(e164: str) -> str:
    """312-555-0199 style, which text-to-speech reads digit by digit."""
    number = phonenumbers.parse(e164, "US")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def normalize_email(raw: str) -> str | None:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


FILLERS = r"uh|um|umm|uhm|er|erm|oh|so|well|yeah|yes|hi|hello|hey|ok|okay"
NAME_PREFIX = re.compile(
    rf"^(?:(?:{FILLERS})\s+)*(?:(?:my name is|my name's|name is|this is|it's|it is|i'm|i am|call me)\s+)?",
    re.I,
)
NAME_PUNCTUATION = re.compile(r"[,.!?;:\"()]")
# Answers to some other question ("yes", "okay"), fillers and greetings: never a name on
# their own. Words that are also first names (Will, Grace, Hope, Joy) are not listed.
NOT_NAMES = frozenset("""
    yes yeah yea yep yup ya no nope nah ok okay sure fine right alright correct
    hello hi hey bye goodbye there um umm uh uhm er erm hmm mm oh so well
    thanks thank you please sorry pardon what huh maybe nothing none
""".split())
POLITE_ENDINGS = frozenset({"thanks", "thank", "you", "please"})


def normalize_name(raw: str) -> str | None:
    """'um my name is jessica miller' -> 'Jessica Miller'; None when nothing name-like is
    left, or when the answer is only words such as 'yes', 'okay' or 'um'."""
    text = NAME_PREFIX.sub("", " ".join(NAME_PUNCTUATION.sub(" ", raw).split()))
    words = text.split()
    while len(words) > 1 and words[-1].lower() in POLITE_ENDINGS:
        words.pop()  # "Jessica Miller, thank you"
    if not words or len(words) > 5 or any(any(c.isdigit() for c in w) for w in words):
        return None
    if all(w.lower() in NOT_NAMES for w in words) or len(" ".join(words)) > 120:
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)

"""What a caller changes or confirms in passing, at any question: "no, my name is Maria
Lopez", "the zip is 60614 not 60641", "it's 2250 not 2205", "yes go ahead and cancel
that". Pure text reading; the booking form decides what to do with it."""
from __future__ import annotations

import re

from business.customers.contacts import normalize_name, normalize_phone
from business.understanding.spoken_numbers import normalize_spoken_numbers, spoken_digits

FILLER = r"(?:(?:uh|um|oh|well|so|actually|sorry|no|nope|wait|no wait|oops|hi|hello|hey|yeah|yes)[,\s]+)*"
# Words that end a name said in passing ("this is maria lopez and my sink ...").
NAME_END = (r"(?=\s*(?:[,.!?;]|\band\b|\bnot\b|\bi\b|\bi'm\b|\bmy\b|\bcalling\b|\bfrom\b|\bat\b|\bwith\b|"
            r"\bthe\b|\bwe\b|\bour\b|\bphone\b|\bnumber\b|\bplease\b|\bthanks\b|\bthank\b|\bhere\b|$))")
NAME_WORDS = rf"([a-z][a-z'\-]*(?:\s+[a-z][a-z'\-]*){{0,2}}?){NAME_END}"
NAME_SAID = (
    re.compile(rf"(?:my name is|my name's|name is|the name is|it's spelled|name should be|name's)\s+{NAME_WORDS}", re.I),
    # "this is ..." and "i'm ..." name someone only as the opening words ("hi this is
    # maria lopez"); later they describe things ("this is urgent").
    re.compile(rf"^[,\s]*{FILLER}(?:this is|i'm|i am|it's|call me)\s+{NAME_WORDS}", re.I),
)
# "i'm" and "i am" also start "i'm calling", "i am having a leak": those are no names.
NOT_A_NAME_START = re.compile(r"^(in|at|not|just|so|a|an|the|sorry|here|still|good|fine|okay|ok|with|from|out|"
                              r"home|new|about|very|really|sure|afraid|worried|concerned|away|back|done|ready|"
                              r"glad|happy|also|too|now|currently|over|on|off|up|down|gonna|trying|urgent|bad|terrible|important|"
                              r"serious|broken|frozen|stuck|cold|hot|leaky|wet|my|our|your|that|this|it|there|"
                              r"no|yes|what|how|when|where|why|who|because|for)\b", re.I)
# After "i'm" or "it's": "i'm flooding", "it's clogged" are states, not names.
STATE_WORD = re.compile(r"(ing|ed|ly)$", re.I)
PHONE_SAID = re.compile(r"(?:number|phone(?: number)?|cell|call me at|reach me at)\s+(?:is\s+|it's\s+)?(.+?)"
                        r"(?:\s*,?\s*\bnot\b.*)?$", re.I)
ZIP_SAID = re.compile(r"\bzip(?:\s*code)?\s+(?:is\s+|should be\s+|it's\s+)?(.+?)(?:\s*,?\s*\bnot\b.*)?$", re.I)
ADDRESS_SAID = re.compile(r"\b(?:the )?address (?:is|should be)\s+(.+)$", re.I)
REPLACED = (
    re.compile(r"(\d+)\s*,?\s*(?:and\s+)?not\s+(\d+)", re.I),                              # 2250 not 2205
    re.compile(r"not\s+(\d+)\s*,?\s*(?:but|it's|its|it is|it should be)?\s*(\d+)", re.I),  # not 2205, 2250
)
YES_START = re.compile(
    rf"^{FILLER.replace('|no|nope|', '|').replace('|no wait|', '|')}"
    r"(?:yes|yeah|yep|yup|ya|sure|correct|right|that's right|that is right|exactly|absolutely|definitely|"
    r"ok|okay|please do|go ahead|sounds good|perfect|great|do it|book it|that works|works for me|confirm)\b",
    re.I,
)
DENIAL = re.compile(r"\b(no|nope|not|don't|dont|wrong|change|wait|hold on|instead|actually|but)\b", re.I)


def stated_name(text: str) -> str | None:
    """The name a caller gives in passing, 'Maria Lopez' from 'hi this is maria lopez, my
    sink is clogged'."""
    for match in (m for pattern in NAME_SAID for m in pattern.finditer(text or "")):
        words = match.group(1)
        if NOT_A_NAME_START.match(words):
            continue
        if match.re is NAME_SAID[1] and any(STATE_WORD.search(w) for w in words.split()):
            continue
        name = normalize_name(words)
        if name:
            return name
    return None


def stated_phone(text: str) -> str | None:
    match = PHONE_SAID.search(text or "")
    return normalize_phone(match.group(1)) if match else None


def stated_zip(text: str) -> str | None:
    match = ZIP_SAID.search(text or "")
    if not match:
        return None
    digits = spoken_digits(match.group(1))
    return digits if len(digits) == 5 else None


def stated_address(text: str) -> str | None:
    match = ADDRESS_SAID.search(text or "")
    return match.group(1).strip() if match else None


def replaced_number(text: str) -> tuple[str, str] | None:
    """(new, old) from "it's 2250 not 2205" or "not 2205, 2250", spoken or typed."""
    written = normalize_spoken_numbers(text or "", mode="address")
    for pattern in REPLACED:
        match = pattern.search(written)
        if match:
            first, second = match.groups()
            return (first, second) if pattern is REPLACED[0] else (second, first)
    return None


def with_zip(address: str, new_zip: str) -> str:
    """The address with its ZIP replaced (or added)."""
    if re.search(r"\b\d{5}\b(?!.*\b\d{5}\b)", address):
        return re.sub(r"\b\d{5}\b(?!.*\b\d{5}\b)", new_zip, address)
    return f"{address} {new_zip}"


def says_yes(text: str) -> bool:
    """A yes, also with more words ("yes go ahead and cancel that"), and not a yes that
    goes on to change something ("yes but make it Thursday")."""
    lowered = (text or "").strip().lower()
    if not YES_START.search(lowered):
        return False
    rest = YES_START.sub("", lowered, count=1)
    return not DENIAL.search(rest)

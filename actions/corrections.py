"""Corrections at any question of the booking form: a name, phone number, ZIP or house
number said in passing changes that slot only (and the read-back, if it was asked, is
repeated); a yes with more words is a yes. Uses Rasa SDK's extract_<slot> hooks."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from business.customers.addresses import parse_address
from business.customers.contacts import normalize_phone
from business.understanding.corrections import (
    replaced_number,
    says_yes,
    stated_address,
    stated_name,
    stated_phone,
    stated_zip,
    with_zip,
)


def as_text(slot_value: Any) -> str:
    """Rasa fills a text slot with a list when an entity appears twice in one message
    ("my faucet is dripping" -> ["faucet", "dripping"])."""
    if isinstance(slot_value, list):
        return " ".join(str(v) for v in slot_value if v)
    return str(slot_value or "").strip()


def address_zip(tracker: Tracker) -> str | None:
    """The ZIP of the confirmed address; the zip_code slot alone can be overwritten by any
    five digits the entity tagger finds later (a phone number, a correction)."""
    address = parse_address(as_text(tracker.get_slot("address"))) if tracker.get_slot("address") else None
    return (address.zip_code if address else None) or tracker.get_slot("zip_code")


def previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest message."""
    value, seen_user = None, False
    for event in reversed(tracker.events):
        if event.get("event") == "user" and not seen_user:
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return value


def _latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text", "") or ""


def _asked(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _user_texts(tracker: Tracker) -> list[str]:
    return [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]


class CorrectionsAnywhere:
    """Mixed into a FormValidationAction. Each extract_<slot> returns {} unless the caller
    said something about that slot while another question was open."""

    def extract_customer_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        if _asked(tracker, "customer_name"):
            return {}  # the answer itself; the slot mapping and validate_customer_name read it
        name = stated_name(_latest_text(tracker))
        if name is None and not tracker.get_slot("customer_name"):
            # The opening line's full name ("hi this is maria lopez, ..."), said before the form.
            name = next((n for n in map(stated_name, reversed(_user_texts(tracker))) if n), None)
        if name and name != tracker.get_slot("customer_name"):
            return {"customer_name": name}
        return {}

    def extract_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> dict[str, Any]:
        if _asked(tracker, "phone") or not tracker.get_slot("phone"):
            return {}
        text = _latest_text(tracker)
        phone = stated_phone(text)
        if phone is None:
            phone = _replace_digits(tracker.get_slot("phone"), replaced_number(text), phone=True)
        return {"phone": phone} if phone and phone != tracker.get_slot("phone") else {}

    def extract_address(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> dict[str, Any]:
        address = tracker.get_slot("address")
        if _asked(tracker, "address") or not address:
            return {}
        text = _latest_text(tracker)
        new_zip = stated_zip(text)
        if new_zip:
            changed = with_zip(address, new_zip)
        else:
            changed = stated_address(text) or _replace_digits(address, replaced_number(text))
        return {"address": changed} if changed and changed != address else {}

    def extract_booking_confirmed(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        if _asked(tracker, "booking_confirmed") and says_yes(_latest_text(tracker)):
            return {"booking_confirmed": True}
        return {}


def _replace_digits(value: str | None, replacement: tuple[str, str] | None, *, phone: bool = False) -> str | None:
    """`value` with the caller's old digits swapped for the new ones ("2250 not 2205")."""
    if not value or replacement is None:
        return None
    new, old = replacement
    if phone:
        digits = "".join(c for c in value if c.isdigit())
        if old in digits and len(new) == len(old):
            return normalize_phone(digits.replace(old, new, 1))
        return None
    return value.replace(old, new, 1) if old in value else None

"""The website visitor's one-time code: before a web visitor hears about, cancels or moves
an appointment, a code is texted to the number on file (business/customers/verification.py) and the
lookup form asks for it. Nothing said here reveals whether the name and number matched."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel import caller_context
from actions.database import settings, unit_of_work
from actions.forms import reject
from business.customers.identity import identify_customer
from business.customers.verification import check_code, issue_code, live_code, verified_customer_id

CODE_KEY = "lookup_code"  # counts wrong codes in failed_attempts, apart from the name and number
ASK = "Please type the 6-digit code here to continue."


def needs_code(tracker: Tracker) -> bool:
    """Only a caller ID our own front end signed identifies a customer without a code; the
    web widget can never sign one."""
    return caller_context(tracker).channel == "web"


def proven_customer_id(tracker: Tracker) -> int | None:
    return verified_customer_id(tracker.get_slot("verification_code"))


class ActionAskVerificationCode(Action):
    """Texts a code to the number on file when the name and number match a customer (once
    per conversation while it lives), and says the same either way."""

    def name(self) -> str:
        return "action_ask_verification_code"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        retry = (tracker.get_slot("failed_attempts") or {}).get(CODE_KEY, 0) > 0
        with unit_of_work() as session:
            already_sent = live_code(session=session, conversation_key=tracker.sender_id) is not None
            if not already_sent:
                customer = identify_customer(session=session, phone=tracker.get_slot("phone"),
                                             name=tracker.get_slot("customer_name"))
                if customer is not None:
                    issue_code(session=session, customer=customer, conversation_key=tracker.sender_id,
                               secret_key=settings().secret_key)
        if retry:
            dispatcher.utter_message(text="Sorry, that code doesn't match. " + ASK)
        elif already_sent:
            dispatcher.utter_message(text="We've texted a code to the number on file. " + ASK)
        else:
            dispatcher.utter_message(text="To keep your appointment private, I've texted a code to the number "
                                          "on file, if it matches our records. " + ASK)
        return []


def value_before_this_message(tracker: Tracker, slot: str) -> Any:
    """What `slot` held before the latest message's own extraction changed it."""
    events = tracker.events
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    for event in reversed(events[:last_user]):
        if event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def validate_code(slot_value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """The lookup form's check of the typed code: a match proves the customer (the slot
    becomes "verified:<id>"); a miss is counted and the ask action says so."""
    with unit_of_work() as session:
        customer = check_code(session=session, conversation_key=tracker.sender_id, typed=str(slot_value or ""),
                              secret_key=settings().secret_key)
        customer_id = customer.id if customer else None
    if customer_id is None:
        return reject("verification_code", tracker, dispatcher, None, key=CODE_KEY)
    return {"verification_code": f"verified:{customer_id}", "customer_id": float(customer_id)}

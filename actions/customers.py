"""Recognising repeat customers: at the start of a session a verified caller ID fills in
what is on file, and the greeting welcomes them back by name."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel import caller_context
from actions.database import unit_of_work
from business.customers.identity import identify_customer, last_visit
from business.models import Customer, utcnow
from business.profile import load_profile


def customer_slots(customer: Customer) -> list[dict[str, Any]]:
    """What is on file, so the booking form asks only for what is missing; the address
    is confirmed rather than taken for granted (address_from_file)."""
    events = [SlotSet("customer_id", float(customer.id)), SlotSet("customer_name", customer.name),
              SlotSet("phone", customer.phone), SlotSet("returning_customer", True)]
    if customer.address:
        events += [SlotSet("address", customer.address), SlotSet("zip_code", customer.zip_code),
                   SlotSet("address_from_file", True)]
    return events


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        metadata = tracker.get_slot("session_started_metadata") or {}
        events: list[dict[str, Any]] = [SessionStarted()]
        if metadata:
            events.append(SlotSet("session_started_metadata", metadata))
        # The message that opens the session is not in the tracker yet; Rasa passes its
        # metadata in this slot.
        context = caller_context(tracker, metadata=metadata if isinstance(metadata, dict) else {})
        if context.verified_phone:
            events.append(SlotSet("caller_phone", context.verified_phone))
            with unit_of_work() as session:
                customer = identify_customer(session=session, phone=context.verified_phone, caller_id_trusted=True)
                events += customer_slots(customer) if customer else [SlotSet("phone", context.verified_phone)]
        events.append(ActionExecuted("action_listen"))
        return events


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        customer_id = tracker.get_slot("customer_id")
        with unit_of_work() as session:
            profile = load_profile(session=session)
            if not (tracker.get_slot("returning_customer") and customer_id):
                # The owner's greeting from Settings, read on every greeting.
                dispatcher.utter_message(text=profile.greeting_line())
                return []
            customer = session.get(Customer, int(customer_id))
            visit = last_visit(session=session, customer=customer, now=utcnow()) if customer else None
            first_name = customer.name.split()[0] if customer else ""
            last_service = visit.service.name.lower() if visit and visit.service else None
        text = f"Hi {first_name}, thanks for calling {profile.name} again."
        if last_service:
            text += f" Last time we took care of your {last_service}."
        dispatcher.utter_message(text=text + " How can I help you today?")
        return []

"""Handing the caller to a person: take a callback number (the caller ID when we have a
verified one), create a lead for the office and alert the owner. On a phone call the
answer also carries a `{"handoff": "transfer"}` payload: the voice bridge then puts the
caller through to the owner, and the lead is there if nobody picks up."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel import caller_context
from actions.conversation import facts_from, note_outcome
from actions.database import unit_of_work
from actions.forms import HoldAwareValidation, _first_valid, gave_up
from business.customers.contacts import normalize_phone, spoken_phone
from business.customers.leads import create_lead
from business.repository import get_or_create_conversation

# Booking slots a failed or abandoned attempt leaves behind; identity slots stay.
RESET_SLOTS = ("problem", "appointment_time", "booking_confirmed", "offered_times", "needs_human",
               "failed_attempts", "pending_request", "appointment_found", "address_confirmed")


class ValidateCallbackForm(HoldAwareValidation):
    def name(self) -> str:
        return "validate_callback_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        # After three unusable numbers the lead is still created, without one; a verified
        # caller ID is the number to call back, so it is never asked for.
        if gave_up(tracker, "callback_phone") or caller_context(tracker).verified_phone:
            return []
        return domain_slots

    def validate_phone(self, slot_value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        result = _first_valid("phone", slot_value, normalize_phone, dispatcher, tracker,
                              "Sorry, what number should we call, with the area code?", key="callback_phone")
        result.pop("needs_human", None)  # this form is already the way to a person
        return result


class ActionCreateLead(Action):
    def name(self) -> str:
        return "action_create_lead"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:

        phone = tracker.get_slot("phone") or caller_context(tracker).verified_phone
        if not phone:
            dispatcher.utter_message(text="I'm sorry, without a number the office can't call you back. "
                                          "You can reach them directly during business hours.")
            return [SlotSet(s, None) for s in RESET_SLOTS]
        with unit_of_work() as session:
            facts = facts_from(tracker, session)
            conversation = get_or_create_conversation(session=session, external_id=tracker.sender_id,
                                                      channel=facts.channel, caller=caller_context(tracker).caller_phone)
            reason = "; ".join(filter(None, [
                "asked for a person" if not tracker.get_slot("needs_human") else "the assistant could not understand",
                f"problem: {facts.problem}" if facts.problem else None,
            ]))
            create_lead(session=session, name=facts.customer_name or "Caller (name not given)", phone=phone,
                        reason=reason, conversation=conversation)
        note_outcome(tracker, "lead")
        context = caller_context(tracker)
        if context.channel == "phone" and context.trusted and not tracker.get_slot("needs_human"):
            # The caller asked for a person: the bridge says its own transfer line.
            dispatcher.utter_message(json_message={"handoff": "transfer"})
            return [SlotSet("phone", phone), *[SlotSet(s, None) for s in RESET_SLOTS]]
        dispatcher.utter_message(text=f"Thanks. Someone from the office will call you back at {spoken_phone(phone)} "
                                      "as soon as they can. Is there anything else I can help with?")
        return [SlotSet("phone", phone), *[SlotSet(s, None) for s in RESET_SLOTS]]


class ActionResetBooking(Action):
    """The caller declined the call back after the form gave up: start clean."""

    def name(self) -> str:
        return "action_reset_booking"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(text="Okay. Is there anything else I can help with?")
        return [SlotSet(s, None) for s in RESET_SLOTS]

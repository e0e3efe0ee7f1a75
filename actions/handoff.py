"""Handing the caller to a person: take a callback number (the caller ID when we have a
verified one), create a lead for the office and alert the owner. On a phone call the
answer also carries a `{"handoff": "transfer"}` payload: the voice bridge then puts the
caller through to the owner, and the lead is there if nobody picks up."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel import caller_context
from actions.conversation import facts_from, note_outcome
from actions.database import unit_of_work
from actions.forms import FALLBACK_SERVICE, HoldAwareValidation, _first_valid, gave_up
from business.customers.contacts import normalize_phone, spoken_phone
from business.customers.leads import create_lead
from business.models import utcnow
from business.notifications.events import assistant_failed
from business.profile import load_profile
from business.repository import get_or_create_conversation, list_services
from business.understanding.service_matching import matcher_for
from business.understanding.urgency import assess_urgency

GREETING = re.compile(r"^(?:(?:hi|hello|hey|yeah|yes|um|uh|so|there|good morning|good afternoon)[,\s]+)+", re.I)
# Turns the assistant cannot place: not understood, or not about plumbing at all.
UNPLACED = {"nlu_fallback", "out_of_scope"}
# Booking slots a failed or abandoned attempt leaves behind; identity slots stay.
RESET_SLOTS = ("problem", "appointment_time", "booking_confirmed", "offered_times", "needs_human",
               "failed_attempts", "pending_request", "appointment_found", "address_confirmed", "service_candidates")


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


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, *, why: str) -> list[dict]:
    """End the assistant's part in one sentence: a lead with everything captured when
    there is a number to call back, and the owner's alert either way."""
    phone = tracker.get_slot("phone") or caller_context(tracker).verified_phone
    failed = tracker.get_slot("failed_attempts") or {}
    out_of_area = failed.get("out_of_area")
    with unit_of_work() as session:
        facts = facts_from(tracker, session)
        conversation = get_or_create_conversation(session=session, external_id=tracker.sender_id,
                                                  channel=facts.channel, caller=caller_context(tracker).caller_phone)
        reason = "; ".join(filter(None, [
            f"outside the service area (ZIP {out_of_area})" if out_of_area else why,
            f"problem: {facts.problem}" if facts.problem else None,
            f"service: {facts.service_name}" if facts.service_name else None,
            "EMERGENCY" if facts.urgency == "emergency" else None,
            f"address: {facts.address}" if facts.address else None,
        ]))
        if phone:
            create_lead(session=session, name=facts.customer_name or "Caller (name not given)", phone=phone,
                        reason=reason, conversation=conversation)  # queues the owner's lead alert
        else:
            assistant_failed(session=session, conversation_key=tracker.sender_id, phone=None, step=reason[:200])
        office = load_profile(session=session).phone
    note_outcome(tracker, "out_of_area" if out_of_area else "handed_off")
    if out_of_area and phone:
        text = (f"I'm sorry we can't send a plumber to {out_of_area}; I've passed your details to the office, "
                f"and they'll call you at {spoken_phone(phone)} if they can help or refer you.")
    elif phone:
        text = (f"I'm sorry, I'm not getting this right, so I've passed everything you told me to the office, "
                f"and someone will call you back at {spoken_phone(phone)} shortly.")
    else:
        text = (f"I'm sorry, I'm not getting this right; please call the office directly at "
                f"{spoken_phone(office)} and they'll sort it out with you.")
    dispatcher.utter_message(text=text)
    return [*([SlotSet("phone", phone)] if phone else []), *[SlotSet(s, None) for s in RESET_SLOTS]]


class ActionHandOff(Action):
    """A form gave up (the same question three times) or the address is out of the area."""

    def name(self) -> str:
        return "action_hand_off"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        return hand_off(dispatcher, tracker, why="the assistant could not understand an answer three times")


class ActionNotUnderstood(Action):
    """A turn the assistant cannot place: ask to rephrase once; the second in a row hands off."""

    def name(self) -> str:
        return "action_not_understood"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        intents = [(e.get("parse_data") or {}).get("intent", {}).get("name")
                   for e in tracker.events if e.get("event") == "user"]
        said = tracker.latest_message.get("text", "") or ""
        job = None if tracker.active_loop_name else self._job_named(said)
        if job is not None:
            # Unsure of the intent, but the words name a plumbing job: that is a booking.
            if assess_urgency(said, now=utcnow()).level == "emergency":
                dispatcher.utter_message(response="utter_emergency_safety")
            return [SlotSet("problem", job), FollowupAction("appointment_form")]
        if len(intents) >= 2 and set(intents[-2:]) <= UNPLACED:
            return hand_off(dispatcher, tracker, why="the assistant could not understand the caller twice in a row")
        dispatcher.utter_message(response="utter_please_rephrase")
        return []

    @staticmethod
    def _job_named(said: str) -> str | None:
        """The caller's words without a leading greeting, when they name a service."""
        with unit_of_work() as session:
            found = matcher_for(list_services(session=session)).match(said)
        if found.slug is None or found.slug == FALLBACK_SERVICE:
            return None
        return GREETING.sub("", said).strip() or said

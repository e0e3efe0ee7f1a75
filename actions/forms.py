"""The booking form: validation of each slot and the two questions that need live data
(offered times, the read-back before booking)."""
from __future__ import annotations

from datetime import datetime
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.database import unit_of_work
from business.addresses import in_service_area, parse_address
from business.contacts import normalize_name, normalize_phone, spoken_phone
from business.models import utcnow
from business.profile import load_profile
from business.repository import get_service_by_slug, match_service
from business.requested_times import choose_offered, decide_time, parse_time_value
from business.scheduling import REASONS
from business.spoken import sentence, spoken_datetime

FALLBACK_SERVICE = "general_repair"


def as_text(slot_value: Any) -> str:
    """Rasa fills a text slot with a list when an entity appears twice in one message
    ("my faucet is dripping" -> ["faucet", "dripping"])."""
    if isinstance(slot_value, list):
        return " ".join(str(v) for v in slot_value if v)
    return str(slot_value or "").strip()


def _first_valid(slot: str, slot_value: Any, normalize: Callable[[str], str | None],
                 dispatcher: CollectingDispatcher, hint: str) -> dict[str, Any]:
    """The first of one or more extracted values that normalises, else a hint to re-ask."""
    values = slot_value if isinstance(slot_value, list) else [slot_value]
    valid = next((v for v in (normalize(str(raw or "")) for raw in values) if v), None)
    if valid is None:
        dispatcher.utter_message(text=hint)
    return {slot: valid}


def offer_sentence(offered: list[str], tz, now: datetime) -> str:
    spoken = [spoken_datetime(datetime.fromisoformat(o).astimezone(tz), now) for o in offered]
    if len(spoken) == 1:
        return sentence(f"The nearest free time is {spoken[0]}") + " Does that work?"
    return sentence(f"I can do {spoken[0]}, or {spoken[1]}") + " Which works better?"


class ValidateAppointmentForm(FormValidationAction):
    def name(self) -> str:
        return "validate_appointment_form"

    def validate_problem(self, slot_value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = as_text(slot_value)
        if not text:
            dispatcher.utter_message(text="Sorry, I didn't catch that. What's going on with your plumbing?")
            return {"problem": None}
        with unit_of_work() as session:
            service = match_service(session=session, text=text) or get_service_by_slug(
                session=session, slug=FALLBACK_SERVICE)
            emergency = service.emergency or tracker.get_intent_of_latest_message() == "emergency_request"
            slug = service.slug
        return {"problem": text[:500], "service_slug": slug,
                "urgency": "emergency" if emergency else (tracker.get_slot("urgency") or "routine")}

    def validate_customer_name(self, slot_value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return _first_valid("customer_name", slot_value, normalize_name, dispatcher,
                            "Sorry, could you tell me just your first and last name?")

    def validate_phone(self, slot_value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return _first_valid("phone", slot_value, normalize_phone, dispatcher,
                            "That didn't sound like a full phone number. Could you say it with the area code?")

    def validate_address(self, slot_value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        address = parse_address(as_text(slot_value))
        if address is None:
            dispatcher.utter_message(text="Sorry, I need the street number, street name and ZIP code.")
            return {"address": None}
        if address.zip_code is None:
            dispatcher.utter_message(text="Got it. And what's the ZIP code there?")
            return {"address": None}
        with unit_of_work() as session:
            profile = load_profile(session=session)
        if not in_service_area(profile, address.zip_code):
            dispatcher.utter_message(
                text=f"I'm sorry, {address.zip_code} is outside the area we serve. Is the job at a different address?")
            return {"address": None}
        return {"address": address.one_line(), "zip_code": address.zip_code}

    def validate_appointment_time(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        offered = tracker.get_slot("offered_times") or []
        picked = choose_offered(tracker.latest_message.get("text", ""), offered)
        with unit_of_work() as session:
            profile = load_profile(session=session)
            now = utcnow()
            service = get_service_by_slug(session=session, slug=tracker.get_slot("service_slug") or FALLBACK_SERVICE)
            request = parse_time_value(picked or slot_value, profile)
            if request is None:
                dispatcher.utter_message(text="Sorry, what day and time would suit you? For example, tomorrow at 10 a.m.")
                return {"appointment_time": None}
            decision = decide_time(session=session, profile=profile, service=service, request=request,
                                   now=now, urgency=tracker.get_slot("urgency") or "routine")
        if decision.start is not None:
            return {"appointment_time": decision.start.isoformat(), "offered_times": None}
        alternatives = [s.start.isoformat() for s in decision.alternatives]
        reason = REASONS[decision.reason].format(days=profile.booking.max_horizon_days)
        wanted = spoken_datetime(request.start, now) if request.exact else "then"
        if not alternatives:
            dispatcher.utter_message(text=f"Sorry, {reason}, and I have nothing free soon after {wanted}.")
        else:
            dispatcher.utter_message(text=f"Sorry, {wanted} won't work: {reason}.")
        return {"appointment_time": None, "offered_times": alternatives or None}

    def validate_booking_confirmed(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if slot_value is True:
            return {"booking_confirmed": True}
        changed = [s for s in tracker.slots_to_validate() if s not in {"booking_confirmed", "requested_slot"}]
        if not changed:
            dispatcher.utter_message(text="No problem. What should I change: the day and time, the address, or something else?")
        return {"booking_confirmed": None}


class ActionAskAppointmentTime(Action):
    def name(self) -> str:
        return "action_ask_appointment_time"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        offered = tracker.get_slot("offered_times") or []
        if offered:
            with unit_of_work() as session:
                tz = load_profile(session=session).tz
            dispatcher.utter_message(text=offer_sentence(offered, tz, utcnow()))
        else:
            dispatcher.utter_message(text="What day and time would you like us to come out?")
        return []


class ActionAskBookingConfirmed(Action):
    def name(self) -> str:
        return "action_ask_booking_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        with unit_of_work() as session:
            profile = load_profile(session=session)
            service = get_service_by_slug(session=session, slug=tracker.get_slot("service_slug") or FALLBACK_SERVICE)
            service_name = service.name.lower()
        start = datetime.fromisoformat(tracker.get_slot("appointment_time")).astimezone(profile.tz)
        dispatcher.utter_message(
            text=(
                f"Let me read that back. {service_name.capitalize()} for {tracker.get_slot('customer_name')}, "
                f"at {tracker.get_slot('address')}, {sentence(spoken_datetime(start, utcnow()))} "
                f"Your number is {spoken_phone(tracker.get_slot('phone'))}. Shall I book it?"
            )
        )
        return []

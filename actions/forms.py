"""The booking form: validation of each slot and the two questions that need live data
(offered times, the read-back before booking)."""
from __future__ import annotations

import re
from abc import abstractmethod
from datetime import datetime
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel import caller_context
from actions.corrections import CorrectionsAnywhere, address_zip, as_text, previous_value
from actions.database import settings, unit_of_work
from business.customers.addresses import in_service_area, parse_address
from business.calendar import blocked_for_booking
from business.customers.contacts import normalize_name, normalize_phone, spoken_phone
from business.customers.identity import identify_customer
from business.models import utcnow
from business.profile import load_profile
from business.repository import get_service_by_slug, list_services
from business.understanding.service_matching import matcher_for
from business.understanding.urgency import assess_urgency
from business.understanding.duckling import DucklingClient, DucklingUnavailable, time_value
from business.notifications.events import assistant_failed
from business.scheduling.requested_times import YES, choose_offered, decide_time, parse_time_value, slot_value_of
from business.scheduling import REASONS, earliest_emergency_slot
from business.scheduling.spoken import sentence, spoken_booking_time, spoken_datetime
from business.understanding.spoken_numbers import normalize_spoken_numbers

FALLBACK_SERVICE = "general_repair"
NO = re.compile(r"\b(no|nope|not|different|another|other|moved|new)\b")
# A caller is re-asked with a hint at most twice; the third miss offers a person instead.
MAX_FAILED_ANSWERS = 3
TIME_READER_DOWN = ("I'm sorry, I'm having trouble reading dates and times on my end right now. "
                    "Could you tell me the day and time once more in a moment? If it keeps happening, "
                    "the office will call you back to set it up.")


def duckling(profile) -> DucklingClient:
    return DucklingClient(settings().duckling_url, timezone=profile.timezone, timeout=2.0)


# "hold on, let me find it": the caller is still there; wait instead of counting a miss.
HOLD_ON = re.compile(
    r"^(?:(?:um+|uh+|yeah|yes|ok|okay|so|oh)\s+)*(?:hold on|hang on|one sec(?:ond)?|one moment|just a (?:sec|second|minute|moment)"
    r"|give me a (?:sec|second|minute|moment)|wait a (?:sec|second|minute)|bear with me)"
    r"(?:\s+(?:please|let me (?:check|look|find it|grab it|get it)|i need to (?:check|look|find it)))?\W*$",
    re.I,
)


class HoldAwareValidation(FormValidationAction):
    """Shared by every form: a caller asking us to hold gets a moment, not a miss."""

    @abstractmethod
    def name(self) -> str:
        """Each form's validator names itself."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        if HOLD_ON.match(tracker.latest_message.get("text", "").strip()):
            dispatcher.utter_message(text="Sure, take your time.")
            # Only the question's own slot took the words "hold on" as its answer.
            requested = tracker.get_slot("requested_slot")
            return [SlotSet(requested, None)] if requested else []
        return await super().run(dispatcher, tracker, domain)


def reject(slot: str, tracker: Tracker, dispatcher: CollectingDispatcher, hint: str | None,
           *, key: str | None = None, **extra: Any) -> dict[str, Any]:
    """Clear `slot` and re-ask with `hint`, or after too many misses give up on the form
    (needs_human ends it; a rule then offers a call back). `key` counts misses separately
    for forms that ask the same slot."""
    key = key or slot
    failed = dict(tracker.get_slot("failed_attempts") or {})
    failed[key] = failed.get(key, 0) + 1
    result: dict[str, Any] = {slot: None, "failed_attempts": failed, **extra}
    if failed[key] >= MAX_FAILED_ANSWERS:
        result["needs_human"] = True
    elif hint:
        dispatcher.utter_message(text=hint)
    return result


def gave_up(tracker: Tracker, key: str) -> bool:
    return (tracker.get_slot("failed_attempts") or {}).get(key, 0) >= MAX_FAILED_ANSWERS


def _first_valid(slot: str, slot_value: Any, normalize: Callable[[str], str | None],
                 dispatcher: CollectingDispatcher, tracker: Tracker, hint: str,
                 key: str | None = None) -> dict[str, Any]:
    """The first of one or more extracted values that normalises, else a hint to re-ask."""
    values = slot_value if isinstance(slot_value, list) else [slot_value]
    valid = next((v for v in (normalize(str(raw or "")) for raw in values) if v), None)
    if valid is None:
        return reject(slot, tracker, dispatcher, hint, key=key)
    return {slot: valid}


def offer_sentence(offered: list[str], profile, now: datetime) -> str:
    spoken = [spoken_booking_time(profile, datetime.fromisoformat(o), now) for o in offered]
    if len(spoken) == 1:
        return sentence(f"The nearest free time is {spoken[0]}") + " Does that work?"
    return sentence(f"I can do {spoken[0]}, or {spoken[1]}") + " Which works better?"


class ValidateAppointmentForm(CorrectionsAnywhere, HoldAwareValidation):
    def name(self) -> str:
        return "validate_appointment_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        if tracker.get_slot("needs_human"):
            return []
        if tracker.get_slot("address_from_file"):
            # A repeat customer confirms the address on file instead of giving one.
            return domain_slots
        return [slot for slot in domain_slots if slot != "address_confirmed"]

    def validate_problem(self, slot_value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        text = as_text(slot_value)
        if not text:
            return reject("problem", tracker, dispatcher, "Sorry, I didn't catch that. What's going on with your plumbing?")
        # The whole sentence too: the extracted span may miss the words that name the job
        # ("water pouring out of a [burst pipe]").
        said = tracker.latest_message.get("text", "")
        pending = tracker.get_slot("service_candidates") or {}
        with unit_of_work() as session:
            services = list_services(session=session)
            matcher = matcher_for(services)
            if pending.get("slugs"):
                # The answer to "is it the faucet or a pipe?": only those two are in play.
                found = matcher.match(said, among=pending["slugs"])
                slug, text = found.slug or pending["slugs"][0], pending.get("problem") or text
            else:
                found = matcher.match(f"{text} {said}")
                before = previous_value(tracker, "problem")
                if before and tracker.get_slot("requested_slot") not in (None, "problem") and found.slug is None:
                    # Words tagged as a problem while another question was open ("the zip is
                    # ... not ...") that name no job: the problem already given stands.
                    return {"problem": before}
                if found.ambiguous:
                    return {"problem": None, "service_candidates": {"slugs": [found.slug, found.runner_up],
                                                                     "problem": text[:500]}}
                slug = found.slug or FALLBACK_SERVICE
        urgency = assess_urgency(f"{text} {said}", now=utcnow())
        emergency = urgency.level == "emergency" or tracker.get_slot("urgency") == "emergency"
        return {"problem": text[:500], "service_slug": slug, "service_candidates": None,
                "urgency": "emergency" if emergency else "routine"}

    def validate_customer_name(self, slot_value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        values = slot_value if isinstance(slot_value, list) else [slot_value]
        if tracker.get_slot("requested_slot") == "customer_name":
            # The whole answer first: the name tagger often keeps only part of a lowercase
            # name ("victor chen" -> "chen").
            values = [tracker.latest_message.get("text", ""), *values]
        return _first_valid("customer_name", values, normalize_name, dispatcher, tracker,
                            "Sorry, could you tell me just your first and last name?")

    def validate_phone(self, slot_value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        before = previous_value(tracker, "phone")
        if before and tracker.get_slot("requested_slot") != "phone":
            # Digits said in passing ("the zip is 60610 not 60601") read as a phone number:
            # only a real number replaces the one already given.
            valid = next((v for v in map(normalize_phone, map(str, slot_value if isinstance(slot_value, list)
                                                              else [slot_value])) if v), None)
            return {"phone": valid or before}
        result = _first_valid("phone", slot_value, normalize_phone, dispatcher, tracker,
                              "That didn't sound like a full phone number. Could you say it with the area code?")
        # A web visitor proves nothing by a name and number: nothing on file is read back to them.
        if result.get("phone") and not tracker.get_slot("customer_id") and caller_context(tracker).channel != "web":
            result.update(self._customer_on_file(result["phone"], tracker, dispatcher))
        return result

    @staticmethod
    def _customer_on_file(phone: str, tracker: Tracker, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        """A number the caller says identifies them only together with the name on file;
        then the address on file is offered for confirmation instead of asked for."""
        with unit_of_work() as session:
            customer = identify_customer(session=session, phone=phone, name=as_text(tracker.get_slot("customer_name")))
            if customer is None:
                return {}
            found = {"customer_id": float(customer.id), "returning_customer": True}
            if customer.address and not tracker.get_slot("address"):
                found.update(address=customer.address, zip_code=customer.zip_code, address_from_file=True)
            first_name = customer.name.split()[0]
        dispatcher.utter_message(text=f"Thanks, {first_name}, I've found you in our records.")
        return found

    def validate_address_confirmed(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if isinstance(slot_value, str):
            text = slot_value.lower()
            said = parse_address(slot_value)
            if said is not None and said.zip_code:
                # A new address said instead of yes or no replaces the one on file.
                return {**self.validate_address(slot_value, dispatcher, tracker, domain),
                        "address_confirmed": True, "address_from_file": False}
            slot_value = True if YES.search(text) and not NO.search(text) else False if NO.search(text) else None
        if slot_value is True:
            return {"address_confirmed": True}
        if slot_value is False:
            # Ask for the new address next.
            return {"address_confirmed": False, "address": None, "zip_code": None, "address_from_file": False}
        return reject("address_confirmed", tracker, dispatcher, "Sorry, is that the right address? Yes or no?")

    def validate_address(self, slot_value: Any, dispatcher: CollectingDispatcher,
                         tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        failed = dict(tracker.get_slot("failed_attempts") or {})
        address = parse_address(as_text(slot_value))
        if failed.get("out_of_area") and (address is None or address.zip_code is None):
            # "No, that's the only address" after the area was refused: hand off, no loop.
            return {"address": None, "needs_human": True}
        if address is None:
            return reject("address", tracker, dispatcher, "Sorry, I need the street number, street name and ZIP code.")
        if address.zip_code is None:
            return reject("address", tracker, dispatcher, "Got it. And what's the ZIP code there?")
        with unit_of_work() as session:
            profile = load_profile(session=session)
        if not in_service_area(profile, address.zip_code):
            if failed.get("out_of_area"):
                return {"address": None, "needs_human": True, "failed_attempts": {**failed, "out_of_area": address.zip_code}}
            dispatcher.utter_message(text=f"I'm sorry, {address.zip_code} is outside the area we serve. "
                                          "Is the job at a different address?")
            return {"address": None, "failed_attempts": {**failed, "out_of_area": address.zip_code}}
        # Re-checked when the form starts (the address on file, or one said earlier): whether
        # it still needs confirming is unchanged.
        result = {"address": address.one_line(), "zip_code": address.zip_code}
        if failed.pop("out_of_area", None):
            result["failed_attempts"] = failed or None  # a new address inside the area after a refusal
        return result

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
                try:
                    request = self._read_time_directly(tracker, profile, now)
                except DucklingUnavailable:
                    # Our time reader is down: not the caller's miss, and they hear why.
                    assistant_failed(session=session, conversation_key=f"{tracker.sender_id}:duckling",
                                     phone=tracker.get_slot("phone"), step="reading dates and times")
                    dispatcher.utter_message(text=TIME_READER_DOWN)
                    return {"appointment_time": None}
            if request is None:
                return reject("appointment_time", tracker, dispatcher,
                              "Sorry, what day and time would suit you? For example, tomorrow at 10 a.m.")
            moving = tracker.get_slot("appointment_id") if tracker.active_loop_name == "reschedule_form" else None
            blocked = blocked_for_booking(session=session, settings=settings(),
                                          horizon_days=profile.booking.max_horizon_days, now=now)
            decision = decide_time(session=session, profile=profile, service=service, request=request,
                                   now=now, urgency=tracker.get_slot("urgency") or "routine",
                                   exclude_appointment_id=int(moving) if moving else None, blocked=blocked)
        if decision.start is not None:
            return {"appointment_time": decision.start.isoformat(), "offered_times": None}
        alternatives = [s.start.isoformat() for s in decision.alternatives]
        reason = REASONS[decision.reason].format(days=profile.booking.max_horizon_days)
        wanted = spoken_datetime(request.start, now) if request.exact else "then"
        if not alternatives:
            hint = f"Sorry, {reason}, and I have nothing free soon after {wanted}."
        else:
            hint = f"Sorry, {wanted} won't work: {reason}."
        return reject("appointment_time", tracker, dispatcher, hint, offered_times=alternatives or None)

    @staticmethod
    def _read_time_directly(tracker: Tracker, profile, now: datetime):
        """Rasa found no time in the words; ask Duckling ourselves, which also tells an
        outage (Rasa's extractor then just finds nothing) from a caller who named no time."""
        # "seven thirty" reads as 7:30 once spoken numbers are written as digits.
        said = normalize_spoken_numbers(tracker.latest_message.get("text", ""), mode="time")
        entities = duckling(profile).parse(said, dims=["time"], reftime=now) if said.strip() else []
        for entity in entities:
            try:
                return parse_time_value(slot_value_of(time_value(entity)), profile)
            except (ValueError, KeyError, TypeError):
                continue
        return None

    def validate_booking_confirmed(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        changed = [s for s in tracker.slots_to_validate() if s not in {"booking_confirmed", "requested_slot"}]
        if changed:
            # A correction at the read-back ("no, my name is ..."): that slot changed, and
            # the read-back is said once more with it.
            return {"booking_confirmed": None}
        if slot_value is True:
            return {"booking_confirmed": True}
        return reject("booking_confirmed", tracker, dispatcher,
                      "No problem. What should I change: the day and time, the address, or something else?")


class ActionAskProblem(Action):
    """The problem question, or when two services fit what was said, one short question
    to tell them apart."""

    def name(self) -> str:
        return "action_ask_problem"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        slugs = (tracker.get_slot("service_candidates") or {}).get("slugs")
        if not slugs:
            dispatcher.utter_message(response="utter_ask_problem")
            return []
        with unit_of_work() as session:
            first, second = (get_service_by_slug(session=session, slug=s) for s in slugs[:2])
            names = [first.name.lower(), second.name.lower()]
        dispatcher.utter_message(text=f"Just so I send the right plumber: is this mainly {names[0]}, or {names[1]}?")
        return []


class ActionAskAppointmentTime(Action):
    def name(self) -> str:
        return "action_ask_appointment_time"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        offered = tracker.get_slot("offered_times") or []
        now = utcnow()
        if not offered and tracker.get_slot("urgency") == "emergency":
            return self._offer_earliest(dispatcher, tracker, now)
        if offered:
            with unit_of_work() as session:
                profile = load_profile(session=session)
            dispatcher.utter_message(text=offer_sentence(offered, profile, now))
        else:
            dispatcher.utter_message(text="What day and time would you like us to come out?")
        return []

    @staticmethod
    def _offer_earliest(dispatcher: CollectingDispatcher, tracker: Tracker, now: datetime) -> list[dict]:
        """An emergency gets the earliest emergency slot, even outside business hours."""
        with unit_of_work() as session:
            profile = load_profile(session=session)
            service = get_service_by_slug(session=session, slug=tracker.get_slot("service_slug") or FALLBACK_SERVICE)
            slot = earliest_emergency_slot(session=session, profile=profile, service=service, now=now,
                                           zip_code=address_zip(tracker))
        if slot is None:
            dispatcher.utter_message(text="What's the earliest time someone could be there for you?")
            return []
        start = slot.start.astimezone(profile.tz)
        dispatcher.utter_message(text=sentence(f"The earliest I can get a plumber to you is {spoken_datetime(start, now)}")
                                 + " Does that work?")
        return [SlotSet("offered_times", [start.isoformat()])]


class ActionAskBookingConfirmed(Action):
    def name(self) -> str:
        return "action_ask_booking_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        with unit_of_work() as session:
            profile = load_profile(session=session)
            service = get_service_by_slug(session=session, slug=tracker.get_slot("service_slug") or FALLBACK_SERVICE)
            service_name = service.name.lower()
        start = datetime.fromisoformat(tracker.get_slot("appointment_time")).astimezone(profile.tz)
        if tracker.active_loop_name == "reschedule_form":
            dispatcher.utter_message(text=f"So I'll move your {service_name} to "
                                          f"{sentence(spoken_booking_time(profile, start, utcnow()))} Shall I make that change?")
            return []
        dispatcher.utter_message(
            text=(
                f"Let me read that back. {service_name.capitalize()} for {tracker.get_slot('customer_name')}, "
                f"at {tracker.get_slot('address')}, {sentence(spoken_booking_time(profile, start, utcnow()))} "
                f"Your number is {spoken_phone(tracker.get_slot('phone'))}. Shall I book it?"
            )
        )
        return []


class ActionAskAddressConfirmed(Action):
    def name(self) -> str:
        return "action_ask_address_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(text=f"Should the plumber come to {tracker.get_slot('address')} again?")
        return []


class ValidateRescheduleForm(ValidateAppointmentForm):
    """The new time for an existing appointment: the same checks as a booking, without
    counting the appointment being moved as a clash."""

    def name(self) -> str:
        return "validate_reschedule_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        return [] if tracker.get_slot("needs_human") else domain_slots

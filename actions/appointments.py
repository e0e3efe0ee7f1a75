"""Existing appointments: finding the caller's next one (by verified caller ID, by the name
and phone number on file together, and on the web also by a code texted to that number),
reading it out, cancelling and moving it."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel import caller_context
from actions.conversation import note_outcome
from actions.database import unit_of_work
from actions.forms import HoldAwareValidation, _first_valid, gave_up
from actions.verification import CODE_KEY, needs_code, proven_customer_id, validate_code, value_before_this_message
from business.customers.contacts import normalize_name, normalize_phone
from business.customers.identity import identify_customer, next_appointment
from business.models import Appointment, Customer, utcnow
from business.profile import load_profile
from business.scheduling import (
    SlotUnavailable,
    cancel_appointment,
    reschedule_appointment,
)
from business.scheduling.spoken import sentence, spoken_booking_time

LOOKUP_SLOTS = ("pending_request", "appointment_found", "booking_confirmed", "appointment_time", "offered_times",
                "needs_human", "failed_attempts")


def _describe(appointment: Appointment, profile, now: datetime) -> str:
    when = spoken_booking_time(profile, appointment.window_start or appointment.start_at, now)
    who = f" with {appointment.technician.name.split()[0]}" if appointment.technician else ""
    return f"your {appointment.service.name.lower()} {when}{who}"


class ValidateLookupForm(HoldAwareValidation):
    """Name and number, asked only when no verified caller ID already identified the caller;
    a web visitor then types the code texted to the number on file."""

    def name(self) -> str:
        return "validate_lookup_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        if any(gave_up(tracker, key) for key in ("lookup_name", "lookup_phone", CODE_KEY)):
            return []
        if needs_code(tracker):
            return [] if proven_customer_id(tracker) else domain_slots
        if tracker.get_slot("customer_id"):
            return []
        return [slot for slot in domain_slots if slot != "verification_code"]

    def validate_verification_code(self, slot_value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return validate_code(slot_value, dispatcher, tracker)

    def validate_customer_name(self, slot_value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return _first_valid("customer_name", slot_value, normalize_name, dispatcher, tracker,
                            "Sorry, could you tell me the first and last name the appointment is under?",
                            key="lookup_name")

    def validate_phone(self, slot_value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") == "verification_code":
            # Duckling reads a typed six-digit code as a phone number too: the number stays.
            return {"phone": value_before_this_message(tracker, "phone")}
        return _first_valid("phone", slot_value, normalize_phone, dispatcher, tracker,
                            "Sorry, what's the phone number on the appointment, with the area code?",
                            key="lookup_phone")


def _identified(tracker: Tracker, session) -> Customer | None:
    if needs_code(tracker):
        # A web visitor is whoever the texted code proved, never a name and number alone.
        proven = proven_customer_id(tracker)
        return session.get(Customer, proven) if proven else None
    customer_id = tracker.get_slot("customer_id")
    if customer_id:
        return session.get(Customer, int(customer_id))
    context = caller_context(tracker)
    return identify_customer(session=session, phone=tracker.get_slot("phone"), name=tracker.get_slot("customer_name"),
                             caller_id_trusted=bool(context.verified_phone) and tracker.get_slot("phone") == context.verified_phone)


class ActionFindAppointment(Action):
    """Reads the next appointment out (check) or asks what to do with it (cancel,
    reschedule). A caller who is not identified hears nothing about anyone's bookings."""

    def name(self) -> str:
        return "action_find_appointment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        request = tracker.get_slot("pending_request") or "check"
        now = utcnow()
        with unit_of_work() as session:
            profile = load_profile(session=session)
            customer = _identified(tracker, session)
            appointment = next_appointment(session=session, customer=customer, now=now) if customer else None
            if appointment is None:
                dispatcher.utter_message(
                    text="I couldn't find an upcoming appointment under that name and number. "
                         "If you like, I can have the office call you back to sort it out.")
                return [SlotSet("appointment_found", False),
                        *[SlotSet(s, None) for s in LOOKUP_SLOTS if s != "appointment_found"]]
            described = _describe(appointment, profile, now)
            events = [SlotSet("appointment_found", True), SlotSet("appointment_id", float(appointment.id)),
                      SlotSet("customer_id", float(customer.id)), SlotSet("service_slug", appointment.service.slug),
                      SlotSet("urgency", appointment.urgency)]
        if request == "check":
            dispatcher.utter_message(text=sentence(f"I have {described}") + " Is there anything else I can help with?")
            note_outcome(tracker, "information")
            return [*events, SlotSet("pending_request", None)]
        if request == "cancel":
            dispatcher.utter_message(text=sentence(f"I have {described}") + " Would you like me to cancel it?")
        else:
            dispatcher.utter_message(text=sentence(f"I have {described}"))
        # Rules after this action read both slots, so both are always set.
        return [*events, SlotSet("pending_request", request)]


def _appointment(tracker: Tracker, session) -> Appointment | None:
    appointment_id = tracker.get_slot("appointment_id")
    customer_id = tracker.get_slot("customer_id")
    appointment = session.get(Appointment, int(appointment_id)) if appointment_id else None
    # Only the appointment found for this identified caller, never another id.
    if appointment is None or customer_id is None or appointment.customer_id != int(customer_id):
        return None
    return appointment


class ActionCancelAppointment(Action):
    def name(self) -> str:
        return "action_cancel_appointment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:

        with unit_of_work() as session:
            appointment = _appointment(tracker, session)
            if appointment is not None:
                channel = caller_context(tracker).channel
                cancel_appointment(session=session, appointment=appointment, actor=f"the customer by {channel}",
                                   note=f"cancelled by the customer via {channel}")
        if appointment is None:
            dispatcher.utter_message(text="Sorry, I couldn't find that appointment any more. The office will call you back.")
            return [SlotSet(s, None) for s in LOOKUP_SLOTS]
        note_outcome(tracker, "cancelled")
        dispatcher.utter_message(text="Okay, your appointment is cancelled. We'll text you to confirm. "
                                      "Is there anything else I can help with?")
        return [SlotSet(s, None) for s in LOOKUP_SLOTS]


class ActionRescheduleAppointment(Action):
    def name(self) -> str:
        return "action_reschedule_appointment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:

        if not tracker.get_slot("booking_confirmed"):
            dispatcher.utter_message(text="Okay, I'll leave your appointment as it is. Is there anything else I can help with?")
            return [SlotSet(s, None) for s in LOOKUP_SLOTS]
        now = utcnow()
        with unit_of_work() as session:
            profile = load_profile(session=session)
            appointment = _appointment(tracker, session)
            if appointment is None:
                dispatcher.utter_message(text="Sorry, I couldn't find that appointment any more. The office will call you back.")
                return [SlotSet(s, None) for s in LOOKUP_SLOTS]
            try:
                reschedule_appointment(session=session, profile=profile, appointment=appointment,
                                       start=datetime.fromisoformat(tracker.get_slot("appointment_time")),
                                       actor=f"customer via {caller_context(tracker).channel}", now=now)
            except SlotUnavailable as taken:
                dispatcher.utter_message(text="I'm sorry, that time was just taken.")
                return [SlotSet("appointment_time", None), SlotSet("booking_confirmed", None),
                        SlotSet("offered_times", [s.start.isoformat() for s in taken.alternatives] or None),
                        FollowupAction("reschedule_form")]
            spoken = spoken_booking_time(profile, appointment.window_start or appointment.start_at, now)
        note_outcome(tracker, "rescheduled", when=spoken)
        dispatcher.utter_message(text=sentence(f"Done. Your appointment is now {spoken}")
                                 + " We'll text you the new time. Is there anything else I can help with?")
        return [SlotSet(s, None) for s in LOOKUP_SLOTS]


class ActionKeepAppointment(Action):
    """The caller decided not to cancel after all."""

    def name(self) -> str:
        return "action_keep_appointment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        dispatcher.utter_message(text="Okay, I'll leave your appointment as it is. Is there anything else I can help with?")
        return [SlotSet(s, None) for s in LOOKUP_SLOTS]

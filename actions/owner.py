"""The owner talking to the assistant: today's or any day's schedule, booking and
cancelling for a customer. Honoured only on the owner channel (a signed dashboard
session or the owner's verified phone), never for an anonymous caller."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.channel import caller_context
from actions.conversation import note_outcome
from actions.database import unit_of_work
from actions.forms import FALLBACK_SERVICE
from business.customers.identity import names_match, next_appointment
from business.models import Customer, utcnow
from business.profile import BusinessProfile, load_profile
from business.repository import (
    get_service_by_slug,
    list_appointments,
    list_technicians,
)
from business.understanding.service_matching import match_service
from business.scheduling.requested_times import parse_time_value
from business.scheduling import SlotUnavailable, book_appointment, cancel_appointment
from business.scheduling.spoken import sentence, spoken_booking_time, spoken_day, spoken_time

NOT_OWNER = "Sorry, I can only do that for the business owner. Is there anything else I can help with?"


def _entity(tracker: Tracker, name: str) -> Any:
    return next((e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name), None)


def _named_customer(session: Session, name: str | None, text: str = "") -> Customer | None:
    """The one customer whose name on file matches; none when it is ambiguous. Without a
    recognised name ("cancel the doe job", lowercase speech the name tagger misses), the one
    customer whose full name or surname is said."""
    words = re.sub(r"'s\b", "", name or "").split()  # "jin park's appointment"
    if words:
        candidates = session.scalars(select(Customer).where(Customer.name.ilike(f"%{words[-1]}%")))
        matches = [c for c in candidates if names_match(c.name, " ".join(words))]
        return matches[0] if len(matches) == 1 else None
    said = [re.sub(r"'s$", "", w) for w in re.findall(r"[a-z']+", text.lower())]
    said = [w for w in said if len(w) >= 3]
    found = {c.id: c for word in said
             for c in session.scalars(select(Customer).where(func.lower(Customer.name).like(f"% {word}")))}
    # "john doe" said in full narrows several Does to one.
    full = [c for c in found.values() if c.name.split()[0].lower() in said]
    matches = full or list(found.values())
    return matches[0] if len(matches) == 1 else None


class OwnerAction(Action, ABC):
    """Checks the owner channel, then answers inside one unit of work; `answer` returns
    the conversation outcome to note (and the spoken time), or None."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        now = utcnow()
        with unit_of_work() as session:
            profile = load_profile(session=session)
            if not caller_context(tracker).is_owner(profile):
                dispatcher.utter_message(text=NOT_OWNER)
                return []
            outcome = self.answer(dispatcher, tracker, session, profile, now)
        if outcome is not None:
            note_outcome(tracker, outcome[0], when=outcome[1])
        return []

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, session: Session,
               profile: BusinessProfile, now: datetime) -> tuple[str, str | None] | None:
        """Do the owner's request and say the result."""


class ActionOwnerCheckSchedule(OwnerAction):
    def name(self) -> str:
        return "action_owner_check_schedule"

    def answer(self, dispatcher, tracker, session, profile, now):
        request = parse_time_value(_entity(tracker, "time"), profile)
        day = (request.start if request else now).astimezone(profile.tz)
        start = day.replace(hour=0, minute=0, second=0, microsecond=0)
        words = tracker.latest_message.get("text", "").lower().split()
        technician = next((t for t in list_technicians(session=session) if t.name.split()[0].lower() in words), None)
        jobs = [a for a in list_appointments(session=session, start=start, end=start + timedelta(days=1))
                if technician is None or a.technician_id == technician.id]
        who = f"{technician.name.split()[0]} has" if technician else "You have"
        when = spoken_day(start, now)
        if not jobs:
            dispatcher.utter_message(text=sentence(f"{who} nothing booked {when}"))
            return "information", None
        lines = [f"{who} {len(jobs)} job{'s' if len(jobs) > 1 else ''} {when}."]
        for job in jobs:
            tech = f", with {job.technician.name.split()[0]}" if job.technician and not technician else ""
            lines.append(sentence(f"{spoken_time(job.start_at.astimezone(profile.tz))}, "
                                  f"{job.service.name.lower()} for {job.customer.name}{tech}"))
        dispatcher.utter_message(text=" ".join(lines))
        return "information", None


class ActionOwnerBookForCustomer(OwnerAction):
    def name(self) -> str:
        return "action_owner_book_for_customer"

    def answer(self, dispatcher, tracker, session, profile, now):
        customer = _named_customer(session, _entity(tracker, "PERSON"), tracker.latest_message.get("text", ""))
        request = parse_time_value(_entity(tracker, "time"), profile)
        service = (match_service(session=session, text=tracker.latest_message.get("text", ""))
                   or get_service_by_slug(session=session, slug=FALLBACK_SERVICE))
        if customer is None or request is None or not request.exact:
            dispatcher.utter_message(text="I need a customer on file, the job and an exact time, for example: "
                                          "schedule John Doe for a drain cleaning Friday at 2 p.m.")
            return None
        try:
            appointment = book_appointment(session=session, profile=profile, customer=customer, service=service,
                                           start=request.start, problem=service.name, source_channel="owner", now=now)
        except SlotUnavailable as taken:
            options = " or ".join(spoken_booking_time(profile, s.start, now) for s in taken.alternatives)
            dispatcher.utter_message(text=sentence(f"That time doesn't work: {taken.reason.replace('_', ' ')}"
                                                   + (f". The nearest free times are {options}" if options else "")))
            return None
        spoken = spoken_booking_time(profile, appointment.window_start or appointment.start_at, now)
        dispatcher.utter_message(text=sentence(f"Booked {service.name.lower()} for {customer.name}, {spoken}"))
        return "booked", spoken


class ActionOwnerCancelForCustomer(OwnerAction):
    def name(self) -> str:
        return "action_owner_cancel_for_customer"

    def answer(self, dispatcher, tracker, session, profile, now):
        customer = _named_customer(session, _entity(tracker, "PERSON"), tracker.latest_message.get("text", ""))
        appointment = next_appointment(session=session, customer=customer, now=now) if customer else None
        if appointment is None:
            dispatcher.utter_message(text="I couldn't find an upcoming appointment for that customer.")
            return None
        cancel_appointment(session=session, appointment=appointment, note="cancelled by the owner", actor="the owner")
        spoken = spoken_booking_time(profile, appointment.window_start or appointment.start_at, now)
        dispatcher.utter_message(text=sentence(f"Cancelled {customer.name}'s {appointment.service.name.lower()}, {spoken}"))
        return "cancelled", None

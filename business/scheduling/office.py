"""Booking, moving and cancelling from the dashboard, on the assistant's path: the time is
checked by the same availability search a caller gets (the owner's busy time included),
then booked or moved under the row lock with the same notifications."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from business.models import Appointment, Customer, Service
from business.profile import BusinessProfile
from business.scheduling.requested_times import TimeRequest, decide_time
from business.scheduling.booking import book_appointment, cancel_appointment, reschedule_appointment
from business.scheduling.rules import REASONS, SlotUnavailable

SOURCE = "dashboard"


def refusal_text(profile: BusinessProfile, error: SlotUnavailable) -> str:
    """The reason in the words a caller hears, capitalised for a page."""
    text = REASONS.get(error.reason, error.reason).format(days=profile.booking.max_horizon_days)
    return text[0].upper() + text[1:] + "."


def _checked_start(*, session: Session, profile: BusinessProfile, service: Service, start: datetime, now: datetime,
                   urgency: str, blocked: Sequence[tuple[datetime, datetime]],
                   exclude_appointment_id: int | None = None) -> datetime:
    decision = decide_time(session=session, profile=profile, service=service,
                           request=TimeRequest(start=start, end=None, exact=True), now=now, urgency=urgency,
                           exclude_appointment_id=exclude_appointment_id, blocked=blocked)
    if decision.start is None:
        raise SlotUnavailable(decision.reason or "full", decision.alternatives)
    return decision.start


def book_from_office(*, session: Session, profile: BusinessProfile, customer: Customer, service: Service,
                     start: datetime, now: datetime, blocked: Sequence[tuple[datetime, datetime]] = (),
                     problem: str | None = None, urgency: str = "routine") -> Appointment:
    """Books `service` for `customer` at `start` or raises SlotUnavailable with alternatives."""
    if urgency == "emergency":
        # An emergency goes to whoever can be there first, outside hours too, as on a call.
        return book_appointment(session=session, profile=profile, customer=customer, service=service, start=start,
                                problem=problem, source_channel=SOURCE, urgency=urgency, now=now)
    checked = _checked_start(session=session, profile=profile, service=service, start=start, now=now,
                             urgency=urgency, blocked=blocked)
    return book_appointment(session=session, profile=profile, customer=customer, service=service, start=checked,
                            problem=problem, source_channel=SOURCE, urgency=urgency, now=now)


def move_from_office(*, session: Session, profile: BusinessProfile, appointment: Appointment, start: datetime,
                     now: datetime, actor: str, blocked: Sequence[tuple[datetime, datetime]] = ()) -> Appointment:
    """Moves the appointment to `start` or raises SlotUnavailable (ValueError when it is
    cancelled or done)."""
    if appointment.status not in ("scheduled", "confirmed"):
        raise ValueError(f"a {appointment.status} appointment cannot be moved")
    checked = _checked_start(session=session, profile=profile, service=appointment.service, start=start, now=now,
                             urgency=appointment.urgency, blocked=blocked, exclude_appointment_id=appointment.id)
    return reschedule_appointment(session=session, profile=profile, appointment=appointment, start=checked,
                                  actor=actor, now=now)


def cancel_from_office(*, session: Session, appointment: Appointment, actor: str, note: str | None = None
                       ) -> Appointment:
    if appointment.status not in ("scheduled", "confirmed"):
        raise ValueError(f"a {appointment.status} appointment cannot be cancelled")
    return cancel_appointment(session=session, appointment=appointment, actor=actor,
                              note=note or f"cancelled from the dashboard by {actor}")

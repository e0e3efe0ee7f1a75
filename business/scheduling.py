"""Booking rules: business hours, holidays, lead time, horizon, technician skills and
working hours, travel buffer between jobs. Overlaps are checked under a row lock on the
technicians so two callers racing for the last place cannot both get it."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from business.models import (
    Appointment,
    AppointmentEvent,
    Conversation,
    Customer,
    Service,
    Technician,
    utcnow,
)
from business.profile import WEEKDAYS, BusinessProfile, parse_hhmm
from business.repository import ACTIVE_STATUSES


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    technician_id: int


REASONS = {
    "in_past": "that time has already passed",
    "too_soon": "that is too soon for us to get someone there",
    "too_far": "we only book up to {days} days ahead",
    "closed": "we're closed that day",
    "outside_hours": "that's outside our business hours",
    "full": "we're fully booked then",
}


@dataclass
class SlotUnavailable(Exception):
    reason: str
    alternatives: list[Slot] = field(default_factory=list)

    def __str__(self) -> str:
        return self.reason


def rule_violation(
    profile: BusinessProfile, start: datetime, end: datetime, *, now: datetime, urgency: str = "routine"
) -> str | None:
    """Why a time cannot be booked at all, regardless of who is free; None if it can."""
    if start <= now:
        return "in_past"
    if urgency == "emergency":
        return None  # emergencies may fall outside normal hours and lead time
    if start < now + timedelta(minutes=profile.booking.min_lead_minutes):
        return "too_soon"
    if start > now + timedelta(days=profile.booking.max_horizon_days):
        return "too_far"
    local_start, local_end = start.astimezone(profile.tz), end.astimezone(profile.tz)
    hours = profile.hours_on(local_start.date())
    if hours is None:
        return "closed"
    opening, closing = _local(local_start.date(), hours[0], profile), _local(local_start.date(), hours[1], profile)
    if local_start < opening or local_end > closing:
        return "outside_hours"
    return None


def _local(day: date, at: time, profile: BusinessProfile) -> datetime:
    return datetime.combine(day, at, tzinfo=profile.tz)


def _skilled(technicians: list[Technician], service: Service) -> list[Technician]:
    return [t for t in technicians if t.active and service.skill in (t.skills or [])]


def _works(tech: Technician, start: datetime, end: datetime, profile: BusinessProfile, urgency: str) -> bool:
    local_start = start.astimezone(profile.tz)
    shift = (tech.working_hours or {}).get(WEEKDAYS[local_start.weekday()])
    if not shift:
        return urgency == "emergency" and tech.status != "off"
    if urgency == "emergency":
        return tech.status != "off"
    day = local_start.date()
    return _local(day, parse_hhmm(shift[0]), profile) <= start and end <= _local(day, parse_hhmm(shift[1]), profile)


class Bookings:
    """Active appointments per technician in a time range, loaded with one query."""

    def __init__(self, session: Session, start: datetime, end: datetime, exclude_id: int | None = None):
        self.by_tech: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        rows = session.execute(
            select(Appointment.technician_id, Appointment.start_at, Appointment.end_at).where(
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.start_at < end,
                Appointment.end_at > start,
                Appointment.technician_id.is_not(None),
                Appointment.id != (exclude_id or -1),
            )
        )
        for tech_id, s, e in rows:
            self.by_tech[tech_id].append((s, e))

    def is_free(self, tech_id: int, start: datetime, end: datetime, buffer: timedelta) -> bool:
        return all(end + buffer <= s or e + buffer <= start for s, e in self.by_tech[tech_id])


def free_technician(
    *,
    session: Session,
    profile: BusinessProfile,
    service: Service,
    start: datetime,
    end: datetime,
    urgency: str = "routine",
    exclude_appointment_id: int | None = None,
    lock: bool = False,
) -> Technician | None:
    query = select(Technician).where(Technician.active.is_(True)).order_by(Technician.id)
    if lock:
        # Serialises concurrent bookings for the same technicians (PostgreSQL row locks;
        # SQLite is serialised by BEGIN IMMEDIATE in business.db).
        query = query.with_for_update()
    candidates = [t for t in _skilled(list(session.scalars(query)), service) if _works(t, start, end, profile, urgency)]
    buffer = timedelta(minutes=profile.booking.travel_buffer_minutes)
    bookings = Bookings(session, start - buffer, end + buffer, exclude_appointment_id)
    for tech in candidates:
        if bookings.is_free(tech.id, start, end, buffer):
            return tech
    return None


def find_open_slots(
    *,
    session: Session,
    profile: BusinessProfile,
    service: Service,
    preferred: datetime,
    count: int = 2,
    now: datetime | None = None,
    urgency: str = "routine",
    exclude_appointment_id: int | None = None,
) -> list[Slot]:
    """The `count` bookable slots nearest to `preferred`: the preferred day first,
    ordered by distance from the preferred time, then the following days in order."""
    now = now or utcnow()
    duration = timedelta(minutes=service.duration_minutes)
    buffer = timedelta(minutes=profile.booking.travel_buffer_minutes)
    step = timedelta(minutes=profile.booking.slot_step_minutes)
    technicians = _skilled(session.scalars(select(Technician).where(Technician.active.is_(True))).all(), service)
    first_day = max(preferred, now).astimezone(profile.tz).date()
    last_day = (now + timedelta(days=profile.booking.max_horizon_days)).astimezone(profile.tz).date()
    bookings = Bookings(
        session, _local(first_day, time(0), profile) - buffer,
        _local(last_day + timedelta(days=1), time(0), profile) + buffer, exclude_appointment_id,
    )
    found: list[Slot] = []
    day = first_day
    while day <= last_day and len(found) < count:
        day_slots = []
        for start in _day_starts(profile, day, step):
            end = start + duration
            if rule_violation(profile, start, end, now=now, urgency=urgency):
                continue
            tech = next(
                (t for t in technicians if _works(t, start, end, profile, urgency)
                 and bookings.is_free(t.id, start, end, buffer)),
                None,
            )
            if tech is not None:
                day_slots.append(Slot(start, end, tech.id))
        # On a tie the later time wins: callers hear "the next free time".
        day_slots.sort(key=lambda s: (abs(s.start - preferred), s.start < preferred))
        found.extend(day_slots[: count - len(found)])
        day += timedelta(days=1)
    return found


def _day_starts(profile: BusinessProfile, day: date, step: timedelta):
    hours = profile.hours_on(day)
    if hours is None:
        return
    start, closing = _local(day, hours[0], profile), _local(day, hours[1], profile)
    while start < closing:
        yield start
        start += step


def book_appointment(
    *,
    session: Session,
    profile: BusinessProfile,
    customer: Customer,
    service: Service,
    start: datetime,
    problem: str | None = None,
    address: str | None = None,
    zip_code: str | None = None,
    source_channel: str = "web",
    conversation: Conversation | None = None,
    urgency: str = "routine",
    now: datetime | None = None,
) -> Appointment:
    """Book `service` at `start` or raise SlotUnavailable carrying the nearest alternatives."""
    now = now or utcnow()
    end = start + timedelta(minutes=service.duration_minutes)
    reason = rule_violation(profile, start, end, now=now, urgency=urgency)
    tech = None
    if reason is None:
        tech = free_technician(
            session=session, profile=profile, service=service, start=start, end=end, urgency=urgency, lock=True
        )
        reason = None if tech else "full"
    if reason is not None:
        alternatives = find_open_slots(
            session=session, profile=profile, service=service, preferred=start, now=now, urgency=urgency
        )
        raise SlotUnavailable(reason, alternatives)
    appointment = Appointment(
        customer=customer,
        service=service,
        technician=tech,
        conversation_id=conversation.id if conversation else None,
        start_at=start,
        end_at=end,
        status="scheduled",
        urgency=urgency,
        problem=problem,
        address=address or customer.address,
        zip_code=zip_code or customer.zip_code,
        source_channel=source_channel,
        calendar_state="local",
    )
    session.add(appointment)
    session.flush()
    session.add(AppointmentEvent(appointment_id=appointment.id, status="scheduled", note=f"booked via {source_channel}"))
    session.flush()
    return appointment


def cancel_appointment(*, session: Session, appointment: Appointment, note: str | None = None) -> Appointment:
    appointment.status = "cancelled"
    session.add(AppointmentEvent(appointment_id=appointment.id, status="cancelled", note=note))
    session.flush()
    return appointment


# placeholder until the scheduling branch lands: the calendar sync calls this contract
# (reschedule_appointment(*, session, profile, appointment, start, actor, now=None)); the
# scheduling branch's full version replaces it.
def reschedule_appointment(
    *,
    session: Session,
    profile: BusinessProfile,
    appointment: Appointment,
    start: datetime,
    actor: str,
    now: datetime | None = None,
) -> Appointment:
    now = now or utcnow()
    end = start + (appointment.end_at - appointment.start_at)
    reason = rule_violation(profile, start, end, now=now, urgency=appointment.urgency)
    tech = None
    if reason is None:
        tech = free_technician(
            session=session, profile=profile, service=appointment.service, start=start, end=end,
            urgency=appointment.urgency, exclude_appointment_id=appointment.id, lock=True,
        )
        reason = None if tech else "full"
    if reason is not None:
        raise SlotUnavailable(reason, [])
    appointment.start_at, appointment.end_at, appointment.technician = start, end, tech
    appointment.calendar_state = "pending"
    session.add(AppointmentEvent(appointment_id=appointment.id, status="rescheduled", note=f"by {actor}"))
    session.flush()
    return appointment

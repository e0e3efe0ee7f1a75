"""Booking, rescheduling and cancelling. Each change runs under a row lock on the
technicians (see `business.dispatch.engine.Roster`), so two callers racing for the last place
cannot both get it, and keeps its history as AppointmentEvent rows."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from business.notifications import events

from business.dispatch.engine import Decision, JobRequest, Roster, decide, job_request, record_decision
from business.models import Appointment, AppointmentEvent, Conversation, Customer, Service, utcnow
from business.profile import BusinessProfile
from business.scheduling.availability import find_open_slots
from business.scheduling.rules import SlotUnavailable, candidate_violation, rule_violation, window_at


def _job(profile: BusinessProfile, service: Service, start: datetime, *, now: datetime, urgency: str,
         zip_code: str | None) -> tuple[str | None, JobRequest | None, tuple[datetime, datetime] | None]:
    """The rules for a requested start: why it cannot be booked, or the arrival range to
    dispatch (and the window promised, in windows mode)."""
    duration = timedelta(minutes=service.duration_minutes)
    if urgency == "emergency":
        reason = rule_violation(profile, start, start + duration, now=now, urgency=urgency)
        latest = start + timedelta(hours=profile.booking.emergency_search_hours)
        job = job_request(profile=profile, service=service, earliest=start, latest=latest,
                          zip_code=zip_code, urgency=urgency)
        return reason, job, None
    if profile.booking.mode == "window":
        window = window_at(profile, start)
        if window is None:
            closed = profile.hours_on(start.astimezone(profile.tz).date()) is None
            return ("closed" if closed else "outside_hours"), None, None
        reason, window = candidate_violation(profile, window, duration, now=now, urgency=urgency)
        job = job_request(profile=profile, service=service, earliest=window.earliest, latest=window.latest,
                          zip_code=zip_code, urgency=urgency)
        return reason, job, (window.start, window.end)
    reason = rule_violation(profile, start, start + duration, now=now, urgency=urgency)
    job = job_request(profile=profile, service=service, earliest=start, latest=start,
                      zip_code=zip_code, urgency=urgency)
    return reason, job, None


def _locked_decision(session: Session, profile: BusinessProfile, job: JobRequest,
                     exclude_appointment_id: int | None = None, keep_technician_id: int | None = None) -> Decision:
    roster = Roster(session=session, profile=profile, first_day=job.earliest.astimezone(profile.tz).date(),
                    last_day=(job.latest + job.duration).astimezone(profile.tz).date(),
                    exclude_appointment_id=exclude_appointment_id, lock=True)
    return decide(roster.states(job.earliest, job.latest + job.duration), job, keep_technician_id)


def _unavailable(session, profile, service, start, now, urgency, reason, exclude_appointment_id=None):
    alternatives = find_open_slots(session=session, profile=profile, service=service, preferred=start, now=now,
                                   urgency=urgency, exclude_appointment_id=exclude_appointment_id)
    return SlotUnavailable(reason, alternatives)


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
    """Book `service` at `start` (in windows mode, the window `start` falls in) and assign
    a technician through the dispatch engine, or raise SlotUnavailable with the nearest
    alternatives. An emergency goes to whoever can be there first from `start` on."""
    now = now or utcnow()
    zip_code = zip_code or customer.zip_code
    reason, job, window = _job(profile, service, start, now=now, urgency=urgency, zip_code=zip_code)
    decision = None
    if reason is None:
        decision = _locked_decision(session, profile, job)
        reason = None if decision.chosen else "full"
    if reason is not None:
        raise _unavailable(session, profile, service, start, now, urgency, reason)
    appointment = Appointment(
        customer=customer,
        service=service,
        conversation_id=conversation.id if conversation else None,
        start_at=decision.chosen.start,
        end_at=decision.chosen.end,
        time_kind="window" if window else "exact",
        window_start=window[0] if window else None,
        window_end=window[1] if window else None,
        status="scheduled",
        urgency=urgency,
        problem=problem,
        address=address or customer.address,
        zip_code=zip_code,
        source_channel=source_channel,
        calendar_state="pending",
    )
    session.add(appointment)
    session.flush()
    session.add(AppointmentEvent(appointment_id=appointment.id, status="scheduled",
                                 note=f"booked via {source_channel}", actor=source_channel))
    record_decision(session=session, appointment=appointment, decision=decision, job=job)
    # Confirmation, owner alert, reminder and the technician's job text, in this transaction.
    events.appointment_booked(session=session, appointment=appointment, now=now)
    if appointment.technician is not None:
        events.technician_assigned(session=session, appointment=appointment, technician=appointment.technician, now=now)
    return appointment


def reschedule_appointment(
    *,
    session: Session,
    profile: BusinessProfile,
    appointment: Appointment,
    start: datetime,
    actor: str,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment (same id) to `start`; its own old time does not count as a
    conflict. The technician stays if still free, otherwise it is dispatched again."""
    now = now or utcnow()
    if appointment.status not in ("scheduled", "confirmed"):
        raise ValueError(f"a {appointment.status} appointment cannot be rescheduled")
    service = appointment.service
    reason, job, window = _job(profile, service, start, now=now, urgency=appointment.urgency,
                               zip_code=appointment.zip_code)
    decision = None
    if reason is None:
        decision = _locked_decision(session, profile, job, exclude_appointment_id=appointment.id,
                                    keep_technician_id=appointment.technician_id)
        reason = None if decision.chosen else "full"
    if reason is not None:
        raise _unavailable(session, profile, service, start, now, appointment.urgency, reason, appointment.id)
    before = appointment.window_start or appointment.start_at
    appointment.time_kind = "window" if window else "exact"
    appointment.window_start, appointment.window_end = window if window else (None, None)
    appointment.calendar_state = "pending"
    record_decision(session=session, appointment=appointment, decision=decision, job=job)
    after = appointment.window_start or appointment.start_at
    tz = profile.tz
    session.add(AppointmentEvent(
        appointment_id=appointment.id, status="rescheduled", actor=actor,
        note=f"moved from {before.astimezone(tz):%Y-%m-%d %H:%M} to {after.astimezone(tz):%Y-%m-%d %H:%M}",
    ))
    session.flush()
    events.appointment_rescheduled(session=session, appointment=appointment, previous_start=before, now=now)
    if appointment.technician is not None:
        # Keys include the start time, so a kept technician also hears about the new time.
        events.technician_assigned(session=session, appointment=appointment, technician=appointment.technician, now=now)
    return appointment


def cancel_appointment(*, session: Session, appointment: Appointment, note: str | None = None,
                       actor: str = "system", text_customer: bool = True) -> Appointment:
    """Cancelling frees the technician's time at once; the calendar job removes the event,
    the outbox tells the customer and the owner. `text_customer=False` when the customer
    cancelled by text and the reply already confirms it."""
    appointment.status = "cancelled"
    appointment.calendar_state = "pending"
    session.add(AppointmentEvent(appointment_id=appointment.id, status="cancelled",
                                 note=note, actor=actor))
    session.flush()
    # The owner's alert says who cancelled, in words.
    events.appointment_cancelled(session=session, appointment=appointment,
                                 actor="the office" if actor == "system" else actor.replace("_", " "),
                                 text_customer=text_customer)
    return appointment

"""The technician's side of a dispatched job: accept, decline, on my way, arrived, done,
and moving a job on when its technician declines or does not answer in time. Used by
the technician's texts (business/dispatch/technician_sms.py), the dashboard and the worker."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from business.dispatch.engine import dispatch_appointment, latest_dispatch, update_technician_status
from business.models import Appointment, AppointmentEvent, DispatchRecord, Technician
from business.notifications import events
from business.profile import BusinessProfile, load_profile
from business.repository import ACTIVE_STATUSES

# What a technician can do with a job, in the order a job goes through them.
JOB_ACTIONS = ("accept", "decline", "en_route", "arrived", "done")
# Offers a technician turned down, by saying no or by not answering.
REFUSED_STATUSES = ("declined", "timed_out")
OPEN_STATUSES = ("assigned", "accepted")


class JobActionError(ValueError):
    """The action does not apply: not this technician's job, or the job is closed."""


def current_dispatch(*, session: Session, appointment: Appointment, technician: Technician) -> DispatchRecord:
    """The open offer of `appointment` to `technician`, or JobActionError."""
    record = latest_dispatch(session=session, appointment_id=appointment.id)
    if record is not None:
        # Locked and re-read, so a reply and the worker's timeout never both act on one offer.
        session.refresh(record, with_for_update=True)
    if record is None or record.technician_id != technician.id or record.status not in OPEN_STATUSES:
        raise JobActionError(f"job #{appointment.id} is not assigned to {technician.name}")
    if appointment.status not in ACTIVE_STATUSES:
        raise JobActionError(f"job #{appointment.id} is {appointment.status}")
    return record


def get_technician_job(*, session: Session, technician: Technician, appointment_id: int | None = None
                       ) -> Appointment | None:
    """The job a reply refers to: `appointment_id` if it is this technician's open job,
    otherwise the technician's most recently assigned open job."""
    query = (select(Appointment).join(DispatchRecord, DispatchRecord.appointment_id == Appointment.id)
             .where(DispatchRecord.technician_id == technician.id, DispatchRecord.status.in_(OPEN_STATUSES),
                    Appointment.technician_id == technician.id, Appointment.status.in_(ACTIVE_STATUSES))
             .order_by(DispatchRecord.id.desc()).limit(1))
    if appointment_id is not None:
        query = query.where(Appointment.id == appointment_id)
    return session.scalar(query)


def list_refused_technician_ids(*, session: Session, appointment_id: int) -> list[int]:
    """Everyone who declined this appointment or let the offer run out."""
    return sorted(set(session.scalars(select(DispatchRecord.technician_id).where(
        DispatchRecord.appointment_id == appointment_id, DispatchRecord.status.in_(REFUSED_STATUSES),
        DispatchRecord.technician_id.is_not(None)))))


def _history(session: Session, appointment: Appointment, status: str, note: str) -> None:
    session.add(AppointmentEvent(appointment_id=appointment.id, status=status, note=note, actor="technician"))


def accept_job(*, session: Session, appointment: Appointment, technician: Technician) -> DispatchRecord:
    record = current_dispatch(session=session, appointment=appointment, technician=technician)
    if record.status != "accepted":
        record.status = "accepted"
        _history(session, appointment, "accepted", f"{technician.name} accepted the job")
    if technician.status not in ("en_route", "on_site"):  # taking on the next job while at this one
        update_technician_status(session=session, technician=technician, status="assigned")
    return record


def decline_job(*, session: Session, appointment: Appointment, technician: Technician,
                now: datetime, profile: BusinessProfile | None = None) -> DispatchRecord:
    """Sends the job to the next best technician who has not refused it; tells the owner."""
    record = current_dispatch(session=session, appointment=appointment, technician=technician)
    _history(session, appointment, "declined", f"{technician.name} declined the job")
    return _move_on(session, appointment, record, "declined", "declined", now, profile)


def _move_on(session: Session, appointment: Appointment, record: DispatchRecord, status: str, reason: str,
             now: datetime, profile: BusinessProfile | None) -> DispatchRecord:
    previous = record.technician
    record.status = status
    session.flush()
    refused = list_refused_technician_ids(session=session, appointment_id=appointment.id)
    new = dispatch_appointment(session=session, profile=profile or load_profile(session=session),
                               appointment=appointment, exclude_technician_ids=refused, now=now)
    new.created_at = now  # the new technician's time to answer runs from now
    if appointment.technician is not None:
        events.technician_assigned(session=session, appointment=appointment, technician=appointment.technician,
                                   now=now)
    events.technician_changed(session=session, appointment=appointment, previous=previous, reason=reason, now=now)
    session.flush()
    return new


def start_travel(*, session: Session, appointment: Appointment, technician: Technician,
                 now: datetime) -> DispatchRecord:
    """On my way: the customer gets the "on the way" text. Saying so also accepts the job."""
    record = accept_job(session=session, appointment=appointment, technician=technician)
    update_technician_status(session=session, technician=technician, status="en_route")
    _history(session, appointment, "en_route", f"{technician.name} is on the way")
    events.technician_en_route(session=session, appointment=appointment, now=now)
    return record


def arrive(*, session: Session, appointment: Appointment, technician: Technician) -> DispatchRecord:
    record = accept_job(session=session, appointment=appointment, technician=technician)
    update_technician_status(session=session, technician=technician, status="on_site")
    _history(session, appointment, "on_site", f"{technician.name} arrived")
    return record


def complete_job(*, session: Session, appointment: Appointment, technician: Technician,
                 now: datetime) -> DispatchRecord:
    """The appointment becomes the customer's service history; they get the review request."""
    record = accept_job(session=session, appointment=appointment, technician=technician)
    update_technician_status(session=session, technician=technician, status="done")
    appointment.status = "completed"
    _history(session, appointment, "completed", f"completed by {technician.name}")
    session.flush()
    events.job_completed(session=session, appointment=appointment, now=now)
    return record


def apply_job_action(*, session: Session, action: str, appointment: Appointment, technician: Technician,
                     now: datetime) -> DispatchRecord:
    """One entry point for the texts and the dashboard buttons; `action` is in JOB_ACTIONS."""
    if action == "accept":
        return accept_job(session=session, appointment=appointment, technician=technician)
    if action == "decline":
        return decline_job(session=session, appointment=appointment, technician=technician, now=now)
    if action == "en_route":
        return start_travel(session=session, appointment=appointment, technician=technician, now=now)
    if action == "arrived":
        return arrive(session=session, appointment=appointment, technician=technician)
    if action == "done":
        return complete_job(session=session, appointment=appointment, technician=technician, now=now)
    raise JobActionError(f"unknown action {action!r}; expected one of {', '.join(JOB_ACTIONS)}")


def redispatch_unanswered(*, session: Session, now: datetime, profile: BusinessProfile | None = None) -> int:
    """Offers nobody answered within the profile's `technician_reply_minutes` go to the
    next best technician. Due times come from the stored offers, so a restart loses none.
    Returns how many jobs moved on."""
    profile = profile or load_profile(session=session)
    minutes = profile.booking.technician_reply_minutes
    due = session.scalars(
        select(DispatchRecord).join(Appointment, DispatchRecord.appointment_id == Appointment.id)
        .where(DispatchRecord.status == "assigned", DispatchRecord.technician_id.is_not(None),
               DispatchRecord.created_at <= now - timedelta(minutes=minutes),
               Appointment.status.in_(ACTIVE_STATUSES), Appointment.end_at > now)
        .order_by(DispatchRecord.id)
        .with_for_update(of=DispatchRecord, skip_locked=True)  # one being answered now: next round
    ).all()
    for record in due:
        appointment = record.appointment
        _history(session, appointment, "timed_out",
                 f"{record.technician.name} did not answer within {minutes} minutes")
        _move_on(session, appointment, record, "timed_out", f"did not answer within {minutes} minutes",
                 now, profile)
    return len(due)

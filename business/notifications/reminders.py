"""24-hour reminders. Each is an outbox row whose due time (next_attempt_at) is stored at
booking, so it survives restarts; its key names the appointment and its start, so the
same visit is never reminded twice and a rescheduled visit gets a new reminder."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from business.models import Appointment, Notification
from business.notifications.messages import appointment_context, queue_message
from business.notifications.outbox import cancel_pending
from business.profile import BusinessProfile
from business.repository import ACTIVE_STATUSES

REMINDER_LEAD = timedelta(hours=24)
KIND = "reminder"


def reminder_key(appointment: Appointment) -> str:
    return f"{KIND}:{appointment.id}:{int(appointment.start_at.timestamp())}"


def queue_reminder(
    *, session: Session, appointment: Appointment, profile: BusinessProfile, now: datetime
) -> list[Notification]:
    """Nothing for a visit less than a day away: its confirmation has just gone out."""
    due = appointment.start_at - REMINDER_LEAD
    if due <= now or appointment.status not in ACTIVE_STATUSES:
        return []
    # Rendered as of the due time, so "tomorrow" is right when the customer reads it.
    context = appointment_context(appointment, profile, due)
    return queue_message(
        session=session, kind=KIND, key=reminder_key(appointment), context=context,
        phone=appointment.customer.phone, email=appointment.customer.email,
        appointment_id=appointment.id, not_before=due,
    )


def cancel_reminders(*, session: Session, appointment: Appointment) -> int:
    return cancel_pending(session=session, appointment_id=appointment.id, kind=KIND)


def reminder_is_stale(*, session: Session, notification: Notification) -> bool:
    """True for a reminder whose appointment was cancelled or moved since it was queued."""
    if notification.kind != KIND or notification.appointment_id is None:
        return False
    appointment = session.get(Appointment, notification.appointment_id)
    if appointment is None or appointment.status not in ACTIVE_STATUSES:
        return True
    return not notification.idempotency_key.startswith(reminder_key(appointment) + ":")


def queue_missing_reminders(
    *, session: Session, profile: BusinessProfile, now: datetime, horizon: timedelta = timedelta(days=8)
) -> int:
    """Backstop for appointments booked or moved by code that did not call the events:
    queues the reminder of every active visit more than a day ahead that has none."""
    appointments = session.scalars(
        select(Appointment).where(
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.start_at > now + REMINDER_LEAD,
            Appointment.start_at < now + horizon,
        )
    ).all()
    queued = 0
    for appointment in appointments:
        key = reminder_key(appointment) + ":sms"
        if session.scalar(select(Notification.id).where(Notification.idempotency_key == key)) is None:
            queued += len(queue_reminder(session=session, appointment=appointment, profile=profile, now=now))
    return queued

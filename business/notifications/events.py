"""What other code calls when something happens, inside its own transaction. Each
function only writes outbox rows (sending is the worker's job), so a rolled-back booking
sends nothing and a committed one always sends. Repeating an event queues nothing new."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from business.models import Appointment, Lead, Notification, Technician, utcnow
from business.notifications.config import NotificationSettings
from business.notifications.messages import appointment_context, business_context, queue_message, spoken_when
from business.notifications.reminders import cancel_reminders, queue_reminder
from business.profile import BusinessProfile, load_profile
from business.push.queue import queue_owner_push, queue_push
from business.push.subscriptions import technician_user_ids


def _start_stamp(appointment: Appointment) -> int:
    return int(appointment.start_at.timestamp())


def _to_customer(session, appointment, kind, key, context) -> list[Notification]:
    return queue_message(
        session=session, kind=kind, key=f"{key}:customer", context=context,
        phone=appointment.customer.phone, email=appointment.customer.email, appointment_id=appointment.id,
    )


def _to_owner(session, profile: BusinessProfile, kind, key, context, appointment_id=None) -> list[Notification]:
    """The owner's text and email (as chosen in Settings), and a push to every browser
    subscribed to this kind."""
    return queue_message(
        session=session, kind=kind, key=f"{key}:owner", context=context,
        phone=profile.owner_phone if profile.alerts_owner(kind, "sms") else None,
        email=profile.email if profile.alerts_owner(kind, "email") else None, appointment_id=appointment_id,
    ) + queue_owner_push(session=session, kind=kind, key=f"{key}:owner", context=context,
                         appointment_id=appointment_id)


def appointment_booked(*, session: Session, appointment: Appointment, now: datetime | None = None) -> list[Notification]:
    """Customer confirmation (text and email), the owner's alert, the 24-hour reminder.
    An emergency booking alerts the owner as an emergency."""
    return _booked(session, appointment, now or utcnow(), emergency=appointment.urgency == "emergency")


def _booked(session, appointment, now, *, emergency: bool) -> list[Notification]:
    profile = load_profile(session=session)
    key = f"booked:{appointment.id}:{_start_stamp(appointment)}"
    context = appointment_context(appointment, profile, now)
    # One owner alert per booking whichever event comes first: the key has no kind in it.
    owner_kind = "owner_emergency" if emergency else "owner_booking"
    return (
        _to_customer(session, appointment, "booking_confirmation", key, context)
        + _to_owner(session, profile, owner_kind, key, context, appointment.id)
        + queue_reminder(session=session, appointment=appointment, profile=profile, now=now)
    )


def appointment_cancelled(
    *, session: Session, appointment: Appointment, actor: str, now: datetime | None = None,
    text_customer: bool = True,
) -> list[Notification]:
    """`actor` says who cancelled ("the customer", "the office"...), for the owner's alert.
    `text_customer=False` when the customer cancelled by text and has had the reply."""
    now = now or utcnow()
    profile = load_profile(session=session)
    cancel_reminders(session=session, appointment=appointment)
    key = f"cancelled:{appointment.id}"
    context = {**appointment_context(appointment, profile, now), "actor": actor}
    customer = queue_message(
        session=session, kind="cancellation_confirmation", key=f"{key}:customer", context=context,
        phone=appointment.customer.phone if text_customer else None, email=appointment.customer.email,
        appointment_id=appointment.id,
    )
    return customer + _to_owner(session, profile, "owner_cancellation", key, context, appointment.id)


def appointment_rescheduled(
    *, session: Session, appointment: Appointment, previous_start: datetime, now: datetime | None = None
) -> list[Notification]:
    now = now or utcnow()
    profile = load_profile(session=session)
    cancel_reminders(session=session, appointment=appointment)
    key = f"rescheduled:{appointment.id}:{_start_stamp(appointment)}"
    context = {
        **appointment_context(appointment, profile, now),
        "previous_when": spoken_when(appointment, profile, now, start=previous_start),
    }
    return (
        _to_customer(session, appointment, "reschedule_confirmation", key, context)
        + _to_owner(session, profile, "owner_reschedule", key, context, appointment.id)
        + queue_reminder(session=session, appointment=appointment, profile=profile, now=now)
    )


def technician_assigned(
    *, session: Session, appointment: Appointment, technician: Technician, now: datetime | None = None
) -> list[Notification]:
    """The job details to the technician's phone, and a push to the technician's own browsers."""
    profile = load_profile(session=session)
    context = appointment_context(appointment, profile, now or utcnow())
    key = f"dispatch:{appointment.id}:{technician.id}:{_start_stamp(appointment)}:technician"
    return queue_message(
        session=session, kind="technician_dispatch", key=key, context=context,
        phone=technician.phone, appointment_id=appointment.id,
    ) + queue_push(session=session, event="job_assigned", kind="technician_dispatch", key=key, context=context,
                   appointment_id=appointment.id,
                   user_ids=technician_user_ids(session=session, technician_id=technician.id))


def technician_en_route(*, session: Session, appointment: Appointment, now: datetime | None = None) -> list[Notification]:
    profile = load_profile(session=session)
    context = appointment_context(appointment, profile, now or utcnow())
    return queue_message(
        session=session, kind="en_route", key=f"en_route:{appointment.id}:{_start_stamp(appointment)}:customer",
        context=context, phone=appointment.customer.phone, appointment_id=appointment.id,
    )


def job_completed(*, session: Session, appointment: Appointment, now: datetime | None = None) -> list[Notification]:
    """The review request, by text and email."""
    profile = load_profile(session=session)
    review_url = NotificationSettings.from_env().review_url
    context = {
        **appointment_context(appointment, profile, now or utcnow()),
        "review_line": f"We'd love a review: {review_url}" if review_url else "Just reply to tell us.",
    }
    return _to_customer(session, appointment, "review_request", f"review:{appointment.id}", context)


def technician_changed(
    *, session: Session, appointment: Appointment, previous: Technician, reason: str, now: datetime | None = None
) -> list[Notification]:
    """The owner's alert when a technician declined or did not answer and the job moved on;
    `reason` reads after the name ("declined", "did not answer within 15 minutes")."""
    profile = load_profile(session=session)
    context = {**appointment_context(appointment, profile, now or utcnow()),
               "previous_technician": previous.name, "reason": reason}
    key = f"technician_change:{appointment.id}:{previous.id}"
    return _to_owner(session, profile, "owner_technician_change", key, context, appointment.id)


def lead_created(*, session: Session, lead: Lead) -> list[Notification]:
    """The owner's call-back alert."""
    profile = load_profile(session=session)
    context = {
        **business_context(profile), "lead_name": lead.name, "lead_phone": lead.phone,
        "reason": lead.reason or "not given",
    }
    return _to_owner(session, profile, "owner_lead", f"lead:{lead.id}", context)


def sms_unanswered(*, session: Session, phone: str, conversation_key: str) -> list[Notification]:
    """The owner's alert when a customer's text could not be answered (the assistant was down)."""
    profile = load_profile(session=session)
    context = {**business_context(profile), "lead_phone": phone}
    return _to_owner(session, profile, "owner_sms_unanswered", f"sms_unanswered:{conversation_key}", context)


def assistant_failed(*, session: Session, conversation_key: str, phone: str | None, step: str) -> list[Notification]:
    """The owner's alert when the assistant failed in the middle of a conversation."""
    profile = load_profile(session=session)
    context = {**business_context(profile), "lead_phone": phone or "an unknown number", "step": step}
    return _to_owner(session, profile, "owner_assistant_failed", f"assistant_failed:{conversation_key}", context)


def call_unanswered(*, session: Session, call_sid: str, phone: str | None) -> list[Notification]:
    """The owner's alert when the assistant could not answer a phone caller (down, failing
    or silent); once per call. `phone` is the verified caller ID, None when unknown."""
    profile = load_profile(session=session)
    context = {**business_context(profile), "lead_phone": phone or "a caller without caller ID",
               "callback_line": "Please call them back." if phone else "Their number is not known."}
    return _to_owner(session, profile, "owner_call_unanswered", f"call_unanswered:{call_sid}", context)

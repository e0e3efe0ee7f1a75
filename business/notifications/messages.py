"""What a message says about an appointment or a lead: the values templates fill in,
with times spoken the way the receptionist says them, and queueing one rendered message
per channel to a recipient."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from business.customers.contacts import spoken_phone
from business.models import Appointment, Notification
from business.notifications.outbox import create_notification
from business.notifications.templates import render
from business.profile import BusinessProfile
from business.scheduling.spoken import spoken_datetime, spoken_window


def business_context(profile: BusinessProfile) -> dict[str, Any]:
    return {"business": profile.name, "business_phone": spoken_phone(profile.phone)}


def spoken_when(appointment: Appointment, profile: BusinessProfile, now: datetime, start: datetime | None = None) -> str:
    start = (start or appointment.start_at).astimezone(profile.tz)
    if appointment.time_kind == "window":
        end = start + (appointment.end_at - appointment.start_at)
        return spoken_window(start, end.astimezone(profile.tz), now)
    return spoken_datetime(start, now)


def appointment_context(appointment: Appointment, profile: BusinessProfile, now: datetime) -> dict[str, Any]:
    customer, tech = appointment.customer, appointment.technician
    tech_first = tech.name.split()[0] if tech else "our technician"
    return {
        **business_context(profile),
        "appointment_id": appointment.id,
        "first_name": customer.name.split()[0] if customer.name else "there",
        "customer_name": customer.name,
        "customer_phone": spoken_phone(customer.phone),
        "service": appointment.service.name.lower(),
        "when": spoken_when(appointment, profile, now),
        "address": appointment.address or customer.address or "the address on file",
        "technician_first": tech_first,
        "technician_name": tech.name if tech else "not assigned yet",
        "technician_line": f"Your technician is {tech_first}." if tech else "",
        "problem": appointment.problem or "not given",
        "urgency": appointment.urgency,
        "channel": appointment.source_channel,
    }


def queue_message(
    *,
    session: Session,
    kind: str,
    key: str,
    context: dict[str, Any],
    phone: str | None = None,
    email: str | None = None,
    appointment_id: int | None = None,
    not_before: datetime | None = None,
) -> list[Notification]:
    """One outbox row per channel the recipient can be reached on; `key` plus the channel
    is the idempotency key, so an event repeated queues nothing new."""
    rendered = render(session=session, kind=kind, context=context)
    rows = []
    if phone:
        rows.append(create_notification(
            session=session, channel="sms", recipient=phone, kind=kind, key=f"{key}:sms", body=rendered.sms,
            appointment_id=appointment_id, not_before=not_before,
        ))
    if email:
        rows.append(create_notification(
            session=session, channel="email", recipient=email, kind=kind, key=f"{key}:email", body=rendered.text,
            subject=rendered.subject, html_body=rendered.html, appointment_id=appointment_id, not_before=not_before,
        ))
    return rows

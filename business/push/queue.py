"""Push notifications as rows of the same outbox as texts and emails, queued in the
caller's transaction: one row per subscribed browser, keyed by the event, so an event
repeated queues nothing new. A payload says no more than the notification shows: the job
number, the service and the time, never a customer's name, number or address."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from business.models import Notification
from business.notifications.outbox import create_notification
from business.push.subscriptions import list_push_subscriptions

# Owner alerts (business/notifications/events.py kinds) and the push event each belongs to.
OWNER_KIND_EVENTS = {
    "owner_booking": "new_booking",
    "owner_emergency": "emergency",
    "owner_lead": "lead_waiting",
    "owner_sms_unanswered": "lead_waiting",
    "owner_call_unanswered": "lead_waiting",
    "owner_assistant_failed": "lead_waiting",
}


def _job_line(context: dict[str, Any]) -> str:
    service = str(context.get("service", "a job"))
    return f"{service[:1].upper()}{service[1:]}, {context.get('when', '')}".rstrip(", ")


def payload_for(kind: str, context: dict[str, Any]) -> dict[str, str]:
    """Title, body and the page the notification opens, for an event of `kind`."""
    job = context.get("appointment_id")
    if kind == "owner_booking":
        return {"title": f"New booking #{job}", "body": _job_line(context), "url": "/today/"}
    if kind == "owner_emergency":
        return {"title": f"Emergency booking #{job}", "body": _job_line(context), "url": "/today/"}
    if kind == "technician_dispatch":
        return {"title": f"New job #{job} for you", "body": _job_line(context), "url": "/today/"}
    if kind in ("owner_lead", "owner_sms_unanswered", "owner_call_unanswered", "owner_assistant_failed"):
        return {"title": "A caller is waiting for a call back", "body": "Open Notifications for who and why.",
                "url": "/notifications/"}
    if kind == "message_failed":
        return {"title": f"A {context['channel_name']} could not be sent",
                "body": f"Message #{context['notification_id']}: {context['reason']}", "url": "/outbox/"}
    if kind == "calendar_conflict":
        return {"title": f"Calendar conflict on job #{job}",
                "body": "Changed in Google Calendar against the booking rules; we kept our time.",
                "url": "/settings/"}
    raise ValueError(f"no push payload for {kind}")


def queue_push(
    *, session: Session, event: str, kind: str, key: str, context: dict[str, Any],
    appointment_id: int | None = None, user_ids: list[int] | None = None,
) -> list[Notification]:
    """One outbox row per browser subscribed to `event` (only `user_ids`' browsers when
    given); its recipient is the subscription's id, its body the JSON payload."""
    subscriptions = list_push_subscriptions(session=session, event=event)
    if user_ids is not None:
        subscriptions = [row for row in subscriptions if row.user_id in user_ids]
    if not subscriptions:
        return []
    payload = {**payload_for(kind, context), "tag": key}
    body = json.dumps(payload, separators=(",", ":"))
    return [
        create_notification(session=session, channel="push", recipient=str(row.id), kind=kind,
                            key=f"{key}:push:{row.id}", body=body, subject=payload["title"],
                            appointment_id=appointment_id)
        for row in subscriptions
    ]


def queue_owner_push(*, session: Session, kind: str, key: str, context: dict[str, Any],
                     appointment_id: int | None = None) -> list[Notification]:
    """The push twin of an owner alert, for the kinds users can subscribe to."""
    event = OWNER_KIND_EVENTS.get(kind)
    if event is None:
        return []
    return queue_push(session=session, event=event, kind=kind, key=key, context=context,
                      appointment_id=appointment_id)

"""System alerts for the dashboard's Notifications page, read from where they already live:
the owner's alerts in the outbox (a caller waiting, a technician who did not answer), texts
and emails that failed, calendar conflicts and a Google Calendar that cannot be reached.
Each alert has a stable key, so every user marks it read for themselves."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from business.calendar.sync import CONFLICT
from business.models import AlertRead, AppointmentEvent, CalendarAccount, Notification
from business.notifications.outbox import mask_preview

ALERT_KINDS = {
    "owner_lead": "A caller asked for a call back",
    "owner_sms_unanswered": "A text could not be answered",
    "owner_call_unanswered": "A call could not be answered",
    "owner_assistant_failed": "The assistant could not finish a conversation",
    "owner_technician_change": "A technician declined or did not answer",
}
# The channel suffix of an outbox key: one alert queued as a text and an email is one alert.
_CHANNEL_SUFFIX = re.compile(r":(sms|email|push:\d+)$")


@dataclass(frozen=True)
class Alert:
    key: str
    at: datetime
    title: str
    detail: str
    url: str | None = None
    read: bool = False


def list_alerts(*, session: Session, user_id: int, limit: int = 100) -> list[Alert]:
    """Newest first, each with this user's read mark."""
    alerts: dict[str, Alert] = {}
    owner_rows = session.scalars(
        select(Notification).where(Notification.kind.in_(ALERT_KINDS), Notification.channel != "push")
        .order_by(Notification.created_at.desc()).limit(limit * 2))
    for row in owner_rows:
        key = "alert:" + _CHANNEL_SUFFIX.sub("", row.idempotency_key)
        alerts.setdefault(key, Alert(key, row.created_at, ALERT_KINDS[row.kind], mask_preview(row.body, 160)))
    failed = session.scalars(
        select(Notification).where(Notification.status.in_(("failed", "undelivered")), Notification.channel != "push")
        .order_by(Notification.created_at.desc()).limit(limit))
    for row in failed:
        what = "text" if row.channel == "sms" else "email"
        alerts[f"failed:{row.id}"] = Alert(f"failed:{row.id}", row.sent_at or row.created_at,
                                           f"A {what} could not be sent (#{row.id})",
                                           row.last_error or row.status, "/outbox/?status=" + row.status)
    conflicts = session.scalars(
        select(AppointmentEvent).where(AppointmentEvent.status == CONFLICT)
        .order_by(AppointmentEvent.at.desc()).limit(limit))
    for event in conflicts:
        alerts[f"conflict:{event.id}"] = Alert(f"conflict:{event.id}", event.at,
                                               f"Calendar conflict on job #{event.appointment_id}",
                                               event.note or "", "/settings/")
    account = session.scalar(select(CalendarAccount))
    if account is not None and account.last_error:
        digest = hashlib.sha256(account.last_error.encode()).hexdigest()[:16]
        key = f"calendar_error:{digest}"
        alerts[key] = Alert(key, account.last_pull_at or account.linked_at, "Google Calendar cannot be reached",
                            account.last_error[:200], "/settings/")
    read = set(session.scalars(select(AlertRead.alert_key).where(AlertRead.user_id == user_id,
                                                                 AlertRead.alert_key.in_(list(alerts)))))
    ordered = sorted(alerts.values(), key=lambda alert: alert.at, reverse=True)[:limit]
    return [replace(alert, read=alert.key in read) for alert in ordered]


def mark_alerts_read(*, session: Session, user_id: int, keys: list[str], now: datetime) -> int:
    """Marks the given alerts read for this user; keys already read are left alone."""
    keys = [key[:160] for key in dict.fromkeys(keys)]
    done = set(session.scalars(select(AlertRead.alert_key).where(AlertRead.user_id == user_id,
                                                                 AlertRead.alert_key.in_(keys))))
    for key in keys:
        if key not in done:
            session.add(AlertRead(user_id=user_id, alert_key=key, read_at=now))
    session.flush()
    return len(set(keys) - done)

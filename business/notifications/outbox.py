"""The outbox table's rules: idempotent enqueueing, claiming due rows under a lease,
recording each attempt's outcome with exponential backoff, and Twilio status callbacks."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from business.models import Notification, utcnow
from business.notifications.base import Sent

PENDING = ("queued", "unconfirmed")  # unconfirmed: the last attempt may have reached the provider
RESENDABLE = ("failed", "undelivered")
FINAL_DELIVERY = {"delivered": "delivered", "undelivered": "undelivered", "failed": "failed"}
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(minutes=30)
# With 30-minute steps after the first few, 40 attempts keep trying for about 18 hours.
MAX_ATTEMPTS = 40


def create_notification(
    *,
    session: Session,
    channel: str,
    recipient: str,
    kind: str,
    key: str,
    body: str,
    subject: str | None = None,
    html_body: str | None = None,
    appointment_id: int | None = None,
    not_before: datetime | None = None,
) -> Notification:
    """Adds a queued message in the caller's transaction; the same `key` twice keeps the first."""
    if len(key) > 120:
        raise ValueError("idempotency keys are at most 120 characters")
    query = select(Notification).where(Notification.idempotency_key == key)
    existing = session.scalar(query)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            row = Notification(
                channel=channel, recipient=recipient, kind=kind, idempotency_key=key, body=body,
                subject=subject, html_body=html_body, appointment_id=appointment_id,
                status="queued", attempts=0, next_attempt_at=not_before,
            )
            session.add(row)
    except IntegrityError:  # another transaction queued the same key first
        row = session.scalars(query).one()
    return row


def get_notification(*, session: Session, notification_id: int) -> Notification | None:
    return session.get(Notification, notification_id)


def list_notifications(*, session: Session, limit: int = 200, status: str | None = None) -> list[Notification]:
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    if status:
        query = query.where(Notification.status == status)
    return list(session.scalars(query))


def update_notification_for_resend(*, session: Session, notification: Notification, now: datetime | None = None) -> bool:
    """The owner's "resend" of a failed message: queued again with a fresh attempt budget."""
    if notification.status not in RESENDABLE:
        return False
    notification.status = "queued"
    notification.attempts = 0
    notification.next_attempt_at = now or utcnow()
    notification.claimed_until = None
    notification.provider_id = None
    notification.delivery_status = None
    session.flush()
    return True


def cancel_pending(*, session: Session, appointment_id: int, kind: str) -> int:
    """Withdraws messages not yet sent, e.g. the reminder of a cancelled appointment."""
    rows = session.scalars(
        select(Notification).where(
            Notification.appointment_id == appointment_id,
            Notification.kind == kind,
            Notification.status.in_(PENDING),
        )
    ).all()
    for row in rows:
        row.status = "cancelled"
    session.flush()
    return len(rows)


# Sending

@dataclass(frozen=True)
class Claim:
    id: int
    in_doubt: bool  # an earlier attempt may have reached the provider: check before sending


def claim_due(*, session: Session, now: datetime, limit: int = 20) -> list[Claim]:
    """Leases up to `limit` due rows to this sender. PostgreSQL skips rows another sender
    holds; SQLite serialises claimers with BEGIN IMMEDIATE (business.db)."""
    query = (
        select(Notification)
        .where(
            or_(
                Notification.status.in_(PENDING),
                and_(Notification.status == "sending", Notification.claimed_until < now),
            ),
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .order_by(Notification.next_attempt_at.is_not(None), Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claims = []
    for row in session.scalars(query):
        claims.append(Claim(row.id, in_doubt=row.status in ("sending", "unconfirmed")))
        row.status = "sending"
        row.claimed_until = now + LEASE
        row.attempts += 1
    session.flush()
    return claims


def mark_sent(*, notification: Notification, sent: Sent, now: datetime) -> None:
    notification.provider_id = sent.provider_id
    notification.delivery_status = notification.delivery_status or sent.delivery_status
    # A status callback can arrive before this attempt is recorded.
    notification.status = FINAL_DELIVERY.get(notification.delivery_status or "", sent.status)
    notification.sent_at = now
    notification.claimed_until = None
    notification.last_error = None


def mark_retry(*, notification: Notification, reason: str, maybe_sent: bool, now: datetime) -> None:
    notification.last_error = reason
    notification.claimed_until = None
    if notification.attempts >= MAX_ATTEMPTS:
        notification.status = "failed"
        return
    notification.status = "unconfirmed" if maybe_sent else "queued"
    delay = min(FIRST_RETRY * 2 ** (notification.attempts - 1), MAX_RETRY)
    notification.next_attempt_at = now + delay


def mark_failed(*, notification: Notification, reason: str, status: str = "failed") -> None:
    notification.status = status
    notification.last_error = reason
    notification.claimed_until = None


def update_delivery_status(
    *,
    session: Session,
    provider_id: str,
    delivery_status: str,
    error_code: str | None = None,
    notification_id: int | None = None,
) -> Notification | None:
    """Applies a Twilio status callback. `notification_id` (from the callback URL) finds a
    row whose send was not recorded yet, e.g. when the sender crashed after Twilio took it."""
    row = session.scalar(select(Notification).where(Notification.provider_id == provider_id))
    if row is None and notification_id is not None:
        row = session.get(Notification, notification_id)
        if row is None or row.channel != "sms" or (row.provider_id and row.provider_id != provider_id):
            return None
        row.provider_id = provider_id
    if row is None:
        return None
    if row.delivery_status in FINAL_DELIVERY:
        return row  # callbacks can arrive out of order; a final state stays
    row.delivery_status = delivery_status[:20]
    # While the sender holds the row it records the outcome itself; mark_sent reads this.
    if delivery_status in FINAL_DELIVERY and row.status not in ("sending", *PENDING):
        row.status = FINAL_DELIVERY[delivery_status]
    if delivery_status in ("undelivered", "failed"):
        row.last_error = f"Twilio {delivery_status}" + (f" error {error_code}" if error_code else "")
    session.flush()
    return row


# The dashboard's preview hides the details that identify a person.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")


def mask_preview(body: str, limit: int = 60) -> str:
    text = _EMAIL.sub("•••@•••", body)
    text = _PHONE.sub(lambda m: "•••" + re.sub(r"\D", "", m.group())[-2:], text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

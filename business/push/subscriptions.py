"""Push subscriptions: one row per browser (its endpoint is unique), owned by the dashboard
user who subscribed it, with the events that user wants on it."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from business.models import PushSubscription, User

# What a user may choose to hear about, in the order the settings page lists them.
EVENTS = {
    "new_booking": "New booking",
    "emergency": "Emergency booking",
    "lead_waiting": "A caller waiting for a call back",
    "message_failed": "A text or email that could not be sent",
    "calendar_conflict": "A calendar conflict",
    "job_assigned": "A job assigned to me (technicians)",
}
DEFAULT_EVENTS = ("new_booking", "emergency", "lead_waiting", "job_assigned")


def _valid_events(events: list[str]) -> list[str]:
    unknown = set(events) - set(EVENTS)
    if unknown:
        raise ValueError(f"unknown events: {', '.join(sorted(unknown))}")
    return [name for name in EVENTS if name in events]


def save_push_subscription(
    *, session: Session, user_id: int, endpoint: str, p256dh: str, auth: str, events: list[str], device: str = "",
) -> PushSubscription:
    """Creates or updates this browser's subscription. An endpoint another user had (the
    browser changed hands after a sign-out) now belongs to `user_id` alone."""
    row = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if row is None:
        row = PushSubscription(endpoint=endpoint)
        session.add(row)
    row.user_id, row.p256dh, row.auth = user_id, p256dh, auth
    row.events, row.device = _valid_events(events), device[:120]
    session.flush()
    return row


def get_push_subscription(*, session: Session, subscription_id: int) -> PushSubscription | None:
    return session.get(PushSubscription, subscription_id)


def list_push_subscriptions(*, session: Session, user_id: int | None = None,
                            event: str | None = None) -> list[PushSubscription]:
    query = select(PushSubscription).order_by(PushSubscription.id)
    if user_id is not None:
        query = query.where(PushSubscription.user_id == user_id)
    rows = list(session.scalars(query))
    # JSON containment differs by database; a business has a handful of devices.
    return [row for row in rows if event is None or event in row.events]


def delete_push_subscription(*, session: Session, endpoint: str | None = None,
                             subscription_id: int | None = None, user_id: int | None = None) -> int:
    """Deletes by endpoint or id; `user_id` limits it to that user's own devices."""
    query = delete(PushSubscription)
    if endpoint is not None:
        query = query.where(PushSubscription.endpoint == endpoint)
    if subscription_id is not None:
        query = query.where(PushSubscription.id == subscription_id)
    if user_id is not None:
        query = query.where(PushSubscription.user_id == user_id)
    return session.execute(query).rowcount


def technician_user_ids(*, session: Session, technician_id: int) -> list[int]:
    """Dashboard users who are this technician (a technician's login is linked to their row)."""
    return list(session.scalars(select(User.id).where(User.technician_id == technician_id)))

"""The worker job that sends the outbox: claim due rows, send each outside any database
transaction, record the outcome. A crash between sending and recording leaves the row
"sending" until its lease ends; the next attempt asks the provider before sending again."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from business.db import session_scope
from business.models import Notification, utcnow
from business.notifications.base import Outgoing, PermanentError, SendError, Sent, SubscriptionGone, Transport
from business.notifications.config import NotificationSettings
from business.notifications.email import make_email_transport
from business.notifications.opt_outs import is_opted_out, update_opt_out
from business.notifications.outbox import claim_due, mark_failed, mark_retry, mark_sent
from business.notifications.reminders import queue_missing_reminders, reminder_is_stale
from business.notifications.push import LocalPush, make_push_transport
from business.notifications.sms import make_sms_transport
from business.profile import load_profile
from business.push.queue import queue_push
from business.push.subscriptions import delete_push_subscription, get_push_subscription
from business.settings import Settings

log = logging.getLogger(__name__)
REMINDER_SCAN_SECONDS = 300


class OutboxSender:
    def __init__(
        self,
        database_url: str,
        *,
        sms: Transport,
        email: Transport,
        push: Transport | None = None,
        status_callback: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 20,
    ):
        self.database_url = database_url
        self.transports = {"sms": sms, "email": email, "push": push or LocalPush()}
        self.status_callback = status_callback
        self.clock = clock
        self.batch = batch
        self._next_reminder_scan = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, notify: NotificationSettings | None = None) -> "OutboxSender":
        notify = notify or NotificationSettings.from_env()
        return cls(
            settings.database_url,
            sms=make_sms_transport(notify),
            email=make_email_transport(notify),
            push=make_push_transport(notify),
            status_callback=notify.status_callback_url,
        )

    def __call__(self, _settings: Settings | None = None) -> int:
        now = time.monotonic()
        if now >= self._next_reminder_scan:
            self._next_reminder_scan = now + REMINDER_SCAN_SECONDS
            self.queue_missing_reminders()
        return self.send_due()

    def queue_missing_reminders(self) -> int:
        with session_scope(self.database_url) as session:
            try:
                profile = load_profile(session=session)
            except LookupError:
                return 0  # not seeded yet
            return queue_missing_reminders(session=session, profile=profile, now=self.clock())

    def send_due(self) -> int:
        """Sends one batch of due messages; returns how many rows it handled."""
        with session_scope(self.database_url) as session:
            claims = claim_due(session=session, now=self.clock(), limit=self.batch)
        for claim in claims:
            self._deliver(claim.id, claim.in_doubt)
        return len(claims)

    def _deliver(self, notification_id: int, in_doubt: bool) -> None:
        with session_scope(self.database_url) as session:
            row = session.get(Notification, notification_id)
            if _withdrawn(session, row):
                return
            message = self._outgoing(row, subscription=_subscription_info(session, row))
            already = Sent(row.provider_id, delivery_status=row.delivery_status) if row.provider_id else None
            channel, kind = row.channel, row.kind
        transport = self.transports[channel]
        outcome: Sent | SendError
        try:
            if already is None and in_doubt:
                already = transport.find_sent(message)
            outcome = already or transport.send(message)
        except SendError as exc:
            outcome = exc
        with session_scope(self.database_url) as session:
            row = session.get(Notification, notification_id)
            now = self.clock()
            if isinstance(outcome, Sent):
                mark_sent(notification=row, sent=outcome, now=now)
            elif isinstance(outcome, SubscriptionGone):
                mark_failed(notification=row, reason=outcome.reason, status="suppressed")
                delete_push_subscription(session=session, subscription_id=int(row.recipient))
            elif isinstance(outcome, PermanentError):
                mark_failed(notification=row, reason=outcome.reason)
                if outcome.opted_out:
                    update_opt_out(session=session, phone=row.recipient, opted_out=True, keyword="carrier")
            else:
                mark_retry(notification=row, reason=outcome.reason, maybe_sent=outcome.maybe_sent, now=now)
            if row.status == "failed" and channel != "push":
                _push_failure(session, row)
            # The id, kind and outcome only: bodies and recipients carry personal data.
            log.info("notification %s (%s %s): %s", notification_id, channel, kind, row.status)

    def _outgoing(self, row: Notification, subscription: dict | None = None) -> Outgoing:
        callback = None
        if row.channel == "sms" and self.status_callback:
            callback = f"{self.status_callback}?n={row.id}"
        return Outgoing(
            key=row.idempotency_key, recipient=row.recipient, body=row.body, subject=row.subject,
            html_body=row.html_body, status_callback=callback, first_attempt_at=row.created_at,
            subscription=subscription,
        )


def _subscription_info(session, row: Notification) -> dict | None:
    if row.channel != "push":
        return None
    found = get_push_subscription(session=session, subscription_id=int(row.recipient))
    return {"endpoint": found.endpoint, "keys": {"p256dh": found.p256dh, "auth": found.auth}}


def _push_failure(session, row: Notification) -> None:
    """Subscribed browsers hear that a text or email will not arrive."""
    context = {"channel_name": "text" if row.channel == "sms" else "email", "notification_id": row.id,
               "reason": row.last_error or "refused"}
    queue_push(session=session, event="message_failed", kind="message_failed", key=f"failed:{row.id}:{row.attempts}",
               context=context, appointment_id=row.appointment_id)


def _withdrawn(session, row: Notification) -> bool:
    """Marks and skips a message that must not go out any more."""
    if row.channel == "push" and get_push_subscription(session=session, subscription_id=int(row.recipient)) is None:
        mark_failed(notification=row, reason="the browser unsubscribed", status="cancelled")
        return True
    if row.channel == "sms" and is_opted_out(session=session, phone=row.recipient):
        mark_failed(notification=row, reason="the number opted out of texts", status="suppressed")
        return True
    if reminder_is_stale(session=session, notification=row):
        mark_failed(notification=row, reason="the appointment changed or was cancelled", status="cancelled")
        return True
    return False

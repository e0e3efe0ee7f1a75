"""Web Push (RFC 8030, payloads encrypted per RFC 8291, signed with VAPID per RFC 8292)
through pywebpush, or the local outbox when no VAPID key is set.

404 and 410 mean the browser unsubscribed or the subscription expired: the sender deletes
it. 429 and 5xx are retried; any other 4xx is our request's fault and is not."""
from __future__ import annotations

import hashlib

import requests
from pywebpush import WebPushException, webpush

from business.notifications.base import Outgoing, PermanentError, Sent, SubscriptionGone, TransientError
from business.notifications.config import NotificationSettings

TIMEOUT_SECONDS = 15
# An alert older than a day is stale; the push service drops it rather than wake the phone.
TTL_SECONDS = 24 * 3600


def topic(key: str) -> str:
    """RFC 8030 Topic (at most 32 URL-safe characters): a retry after a timeout replaces the
    copy still waiting at the push service instead of arriving twice."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class WebPush:
    channel = "push"
    local = False

    def __init__(self, settings: NotificationSettings, http: requests.Session | None = None):
        self.private_key = settings.vapid_private_key
        self.subject = settings.vapid_subject
        self.http = http or requests.Session()

    def send(self, message: Outgoing) -> Sent:
        if not message.subscription:
            raise PermanentError("no push subscription")
        try:
            response = webpush(
                subscription_info=dict(message.subscription), data=message.body,
                vapid_private_key=self.private_key, vapid_claims={"sub": self.subject},
                ttl=TTL_SECONDS, timeout=TIMEOUT_SECONDS, requests_session=self.http,
                headers={"Topic": topic(message.key), "Urgency": "high"},
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (404, 410):
                raise SubscriptionGone(f"push service {status}: the subscription is gone") from None
            if status is None or status == 429 or status >= 500:
                raise TransientError(f"push service {status or 'unreachable'}") from None
            raise PermanentError(f"push service refused the message ({status})") from None
        except requests.Timeout:
            raise TransientError("push service timed out", maybe_sent=True) from None
        except (requests.RequestException, OSError) as exc:
            raise TransientError(f"push service unreachable: {type(exc).__name__}") from None
        location = response.headers.get("Location", "")
        return Sent(provider_id=(location or f"push:{message.key}")[-120:])

    def find_sent(self, message: Outgoing) -> Sent | None:
        return None  # push services cannot be asked; the Topic header collapses a resend


class LocalPush:
    """Keeps every push in the outbox table, visible on the dashboard, and sends nothing."""

    channel = "push"
    local = True

    def send(self, message: Outgoing) -> Sent:
        return Sent(provider_id=f"local:{message.key}", status="held_local")

    def find_sent(self, message: Outgoing) -> Sent | None:
        return None


def make_push_transport(settings: NotificationSettings, http: requests.Session | None = None):
    if settings.push_enabled:
        return WebPush(settings, http)
    return LocalPush()

"""What every message transport returns or raises, so the sender treats Twilio, SMTP and
the local outbox alike."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from collections.abc import Mapping
from typing import Any, Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message as the transport sees it; `key` is the outbox row's idempotency key."""

    key: str
    recipient: str
    body: str
    subject: str | None = None
    html_body: str | None = None
    status_callback: str | None = None
    first_attempt_at: datetime | None = None
    # Web Push only: the browser's endpoint and keys ({"endpoint": ..., "keys": {...}}).
    subscription: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Sent:
    provider_id: str
    status: str = "sent"  # "held_local" when the message stayed on this machine
    delivery_status: str | None = None


class SendError(Exception):
    """A provider refused or failed; `reason` is safe to store and show (no message body)."""

    def __init__(self, reason: str, *, maybe_sent: bool = False):
        super().__init__(reason)
        self.reason = reason
        # A timeout after the request left: the provider may have accepted it, so the next
        # attempt checks before sending again.
        self.maybe_sent = maybe_sent


class TransientError(SendError):
    """Worth retrying later: rate limits, 5xx, timeouts, a mail server that is down."""


class PermanentError(SendError):
    """Retrying cannot help: an invalid or opted-out number, a refused address."""

    def __init__(self, reason: str, *, opted_out: bool = False):
        super().__init__(reason)
        self.opted_out = opted_out


class SubscriptionGone(PermanentError):
    """The push service no longer knows this browser (HTTP 404 or 410): forget the subscription."""


class Transport(Protocol):
    channel: str
    local: bool

    def send(self, message: Outgoing) -> Sent: ...

    def find_sent(self, message: Outgoing) -> Sent | None:
        """The provider's record of this message if an earlier attempt reached it."""

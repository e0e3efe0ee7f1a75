"""SMS through Twilio's official SDK, or the local outbox when no Twilio credentials are set.

Twilio error codes decide retrying: 21211 (invalid number), 21610 (opted out) and other 4xx
are permanent; 429, 5xx and network timeouts are retried by the sender."""
from __future__ import annotations

import logging
from datetime import timedelta

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http import HttpClient
from twilio.rest import Client

from business.notifications.base import Outgoing, PermanentError, Sent, TransientError
from business.notifications.config import NotificationSettings

log = logging.getLogger(__name__)

OPTED_OUT_CODES = {21610}
TIMEOUT_SECONDS = 15


class TwilioSms:
    channel = "sms"
    local = False

    def __init__(self, settings: NotificationSettings, http_client: HttpClient | None = None):
        self.from_number = settings.twilio_from_number or None
        self.messaging_service_sid = settings.twilio_messaging_service_sid or None
        # The SDK logs each request's query at INFO, and a lookup's query holds a phone number.
        logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
        self.client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=http_client or TwilioHttpClient(timeout=TIMEOUT_SECONDS),
        )

    def send(self, message: Outgoing) -> Sent:
        params = {"to": message.recipient, "body": message.body}
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        if self.from_number:
            params["from_"] = self.from_number
        if message.status_callback:
            params["status_callback"] = message.status_callback
        try:
            created = self.client.messages.create(**params)
        except TwilioRestException as exc:
            raise _classify(exc) from None
        except requests.Timeout as exc:
            raise TransientError(f"Twilio timed out: {type(exc).__name__}", maybe_sent=True) from None
        except (requests.RequestException, TwilioException, OSError) as exc:
            raise TransientError(f"Twilio unreachable: {type(exc).__name__}") from None
        return Sent(provider_id=created.sid, delivery_status=created.status)

    def find_sent(self, message: Outgoing) -> Sent | None:
        """Twilio has no idempotency key for messages; an earlier attempt that reached it
        shows up as a message to the same number with the same body since the first try."""
        since = message.first_attempt_at - timedelta(days=1) if message.first_attempt_at else None
        try:
            recent = self.client.messages.list(
                to=message.recipient,
                date_sent_after=since.date() if since else None,
                limit=50,
            )
        except TwilioRestException as exc:
            raise _classify(exc) from None
        except (requests.RequestException, TwilioException, OSError) as exc:
            raise TransientError(f"Twilio unreachable: {type(exc).__name__}", maybe_sent=True) from None
        for found in recent:
            if found.body == message.body and found.direction and found.direction.startswith("outbound"):
                return Sent(provider_id=found.sid, delivery_status=found.status)
        return None


def _classify(exc: TwilioRestException):
    reason = f"Twilio {exc.status}" + (f" error {exc.code}" if exc.code else "")
    if exc.status == 429 or exc.status >= 500:
        return TransientError(reason)
    return PermanentError(reason, opted_out=exc.code in OPTED_OUT_CODES)


class LocalSms:
    """Keeps every text in the outbox table, visible on the dashboard, and sends nothing."""

    channel = "sms"
    local = True

    def send(self, message: Outgoing) -> Sent:
        return Sent(provider_id=f"local:{message.key}", status="held_local")

    def find_sent(self, message: Outgoing) -> Sent | None:
        return None  # nothing ever left the machine


def make_sms_transport(settings: NotificationSettings, http_client: HttpClient | None = None):
    if settings.twilio_enabled:
        return TwilioSms(settings, http_client)
    return LocalSms()

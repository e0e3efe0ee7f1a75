"""Checks a browser's PushSubscription JSON before it is stored: the worker will POST to the
endpoint, so only https push services (and loopback in development) are accepted, and the
keys must be a P-256 point and a 16-byte secret as RFC 8291 requires."""
from __future__ import annotations

import binascii
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from business.notifications.vapid import b64url_decode
from business.push.subscriptions import EVENTS

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class BadSubscription(ValueError):
    """Said to the browser as a 400."""


@dataclass(frozen=True)
class SubscriptionInput:
    endpoint: str
    p256dh: str
    auth: str
    events: list[str]


def _key(value: Any, length: int, name: str) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise BadSubscription(f"keys.{name} is missing")
    try:
        raw = b64url_decode(value)
    except (binascii.Error, ValueError):
        raise BadSubscription(f"keys.{name} is not base64url") from None
    if len(raw) != length or (name == "p256dh" and raw[0] != 4):
        raise BadSubscription(f"keys.{name} has the wrong length")
    return value


def endpoint_allowed(endpoint: str, development: bool) -> bool:
    parts = urlsplit(endpoint)
    if parts.scheme == "https" and parts.hostname:
        return True
    return development and parts.scheme == "http" and parts.hostname in LOOPBACK


def parse_subscription(data: Any, *, development: bool) -> SubscriptionInput:
    if not isinstance(data, dict):
        raise BadSubscription("send the subscription as a JSON object")
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 2000 or not endpoint_allowed(endpoint, development):
        raise BadSubscription("endpoint must be an https URL of a push service")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    events = data.get("events", [])
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events) or set(events) - set(EVENTS):
        raise BadSubscription(f"events must be a list of: {', '.join(EVENTS)}")
    return SubscriptionInput(endpoint, _key(keys.get("p256dh"), 65, "p256dh"), _key(keys.get("auth"), 16, "auth"),
                             events)

"""Who is on the line: the channel and caller number the voice bridge, SMS webhook or
web widget passed as message metadata, and whether our own front end vouched for them."""
from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker

from actions.database import settings
from channels.trust import metadata_is_signed
from business.customers.contacts import normalize_phone
from business.profile import BusinessProfile

CHANNELS = {"phone", "web", "sms", "owner"}


@dataclass(frozen=True)
class CallerContext:
    channel: str
    caller_phone: str | None
    # True when the voice bridge, SMS webhook or dashboard signed channel and caller.
    trusted: bool = False

    def is_owner(self, profile: BusinessProfile) -> bool:
        if not self.trusted:
            return False
        return self.channel == "owner" or (
            self.channel in {"phone", "sms"} and bool(profile.owner_phone) and self.caller_phone == profile.owner_phone
        )

    @property
    def verified_phone(self) -> str | None:
        """A caller ID we may use to identify the customer."""
        return self.caller_phone if self.trusted and self.channel in {"phone", "sms"} else None


def caller_context(tracker: Tracker, metadata: dict | None = None) -> CallerContext:
    """Who sent the message being handled now, from that message's own metadata alone.

    Never from earlier messages: a message without a valid signature is an anonymous web
    visitor even in a conversation that began as a signed phone call or text, so nobody
    can continue someone else's conversation by reusing its sender id.
    """
    if metadata is None:
        metadata = _latest_user_metadata(tracker)
    channel = str(metadata.get("channel") or "").lower()
    caller = metadata.get("caller")
    trusted = channel in CHANNELS and metadata_is_signed(settings().secret_key, tracker.sender_id, metadata)
    if not trusted:
        return CallerContext(channel="web", caller_phone=None, trusted=False)
    phone = normalize_phone(caller) if isinstance(caller, str) and caller else None
    return CallerContext(channel=channel, caller_phone=phone, trusted=True)


def _latest_user_metadata(tracker: Tracker) -> dict:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            metadata = event.get("metadata")
            return metadata if isinstance(metadata, dict) else {}
    return {}

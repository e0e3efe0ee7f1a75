"""Who is on the line: the channel and caller number the voice bridge, SMS webhook or
web widget passed as message metadata, and whether our own front end vouched for them."""
from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker

from actions.database import settings
from business.channel_trust import channel_is_signed
from business.contacts import normalize_phone
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


def caller_context(tracker: Tracker) -> CallerContext:
    # Channels may send the caller only with the first message, and Rasa adds its own
    # keys (model_id) to every message's metadata, so take the newest value of each.
    channel, raw, trusted = "", None, False
    metadata_seen = [tracker.get_slot("session_started_metadata") or {}]
    metadata_seen += [e.get("metadata") or {} for e in tracker.events if e.get("event") == "user"]
    for metadata in metadata_seen:
        if not metadata.get("channel"):
            continue
        channel, caller = str(metadata["channel"]).lower(), metadata.get("caller")
        trusted = channel_is_signed(settings().secret_key, channel=channel, caller=caller,
                                    sender_id=tracker.sender_id, signature=metadata.get("signature"))
        raw = caller or raw
    if channel not in CHANNELS:
        channel, trusted = "web", False
    return CallerContext(channel=channel, caller_phone=normalize_phone(str(raw)) if raw else None, trusted=trusted)

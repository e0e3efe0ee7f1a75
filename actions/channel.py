"""Who is on the line: the channel and caller number the voice bridge, SMS webhook or
web widget passed as message metadata."""
from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker

from business.contacts import normalize_phone

CHANNELS = {"phone", "web", "sms", "owner"}


@dataclass(frozen=True)
class CallerContext:
    channel: str
    caller_phone: str | None


def caller_context(tracker: Tracker) -> CallerContext:
    # Channels may send the caller only with the first message, and Rasa adds its own
    # keys (model_id) to every message's metadata, so take the newest value of each.
    channel, raw = "", None
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        metadata = event.get("metadata") or {}
        channel = str(metadata.get("channel") or channel).lower()
        raw = metadata.get("caller") or raw
    if channel not in CHANNELS:
        channel = "web"
    return CallerContext(channel=channel, caller_phone=normalize_phone(str(raw)) if raw else None)

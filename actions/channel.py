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
    metadata = {}
    for event in tracker.events:
        if event.get("event") == "user" and event.get("metadata"):
            metadata = event["metadata"]
    channel = str(metadata.get("channel", "")).lower()
    if channel not in CHANNELS:
        channel = "web"
    raw = metadata.get("caller")
    return CallerContext(channel=channel, caller_phone=normalize_phone(str(raw)) if raw else None)

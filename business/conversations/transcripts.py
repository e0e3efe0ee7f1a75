"""Copies the events Rasa's event broker publishes into our conversations and transcript
turns (the broker sources, and how each is consumed exactly once, are in
business/conversations/event_broker.py). Text is cleaned on the way in (control characters, lone
surrogates); an event that still cannot be written is recorded in `skipped_events` and
passed over, so one bad message never stops the ones behind it.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from business.customers.contacts import normalize_phone
from business.models import Conversation, SkippedEvent
from business.repository import add_turn, get_or_create_conversation

# Intents that say nothing about why someone called.
SMALL_TALK = {"greet", "goodbye", "thank", "affirm", "deny", "inform", "nlu_fallback", "out_of_scope", "bot_challenge"}
CHANNELS = {"phone", "web", "sms", "owner"}
# PostgreSQL refuses NUL in text; the other control characters (C0 and C1, but not newline
# and tab) are never meant for a transcript. A surrogate left in a decoded string is half
# of a pair, which no driver can encode.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LONE_SURROGATES = re.compile("[\ud800-\udfff]")
# What one event's data can do to its copy; anything else (the database going away, a bug)
# stops the batch, which is retried whole.
UNWRITABLE = (ValueError, TypeError, AttributeError, KeyError, DataError, IntegrityError)

log = logging.getLogger(__name__)


def clean_text(value: str) -> str:
    """Text as stored: without NUL and other control characters, lone surrogates replaced."""
    return LONE_SURROGATES.sub("\ufffd", CONTROL_CHARACTERS.sub("", value))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _when(timestamp: float | None) -> datetime:
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc)


def _channel_and_caller(data: dict[str, Any]) -> tuple[str, str | None]:
    metadata = data.get("metadata") or {}
    channel = str(metadata.get("channel") or "").lower()
    if channel not in CHANNELS:
        channel = "web"
    caller = metadata.get("caller")
    return channel, normalize_phone(str(caller)) if caller else None


@dataclass(frozen=True)
class BrokerEvent:
    """One event as Rasa's event broker published it: `data` is the event's JSON (its
    `event` key is the type), `position` orders it within its source."""

    position: int
    sender_id: str
    data: str


def project_events(*, session: Session, events: list[BrokerEvent], source: str) -> None:
    """Copy `events` into conversations and turns within the caller's transaction; an event
    that cannot be written is recorded in `skipped_events` under `source` and passed over."""
    conversations: dict[str, Conversation] = {}
    for event in events:
        try:
            with session.begin_nested():  # one savepoint per event: a failure undoes only it
                _copy_event(session, event, conversations)
        except UNWRITABLE as exc:
            conversations.clear()  # what the savepoint undid is reloaded from the database
            session.add(SkippedEvent(source=source, position=event.position, error=type(exc).__name__))
            log.warning("broker event %s skipped: %s", event.position, type(exc).__name__)
    session.flush()


def _copy_event(session: Session, event: BrokerEvent, conversations: dict[str, Conversation]) -> None:
    data = json.loads(event.data or "{}")
    kind = data.get("event")
    if kind not in {"user", "bot", "session_started", "slot"}:
        return
    data = _clean(data)
    timestamp = data.get("timestamp")
    timestamp = float(timestamp) if isinstance(timestamp, (int, float)) else None
    sender_id = clean_text(event.sender_id)
    channel, caller = _channel_and_caller(data)
    conversation = conversations.get(sender_id) or get_or_create_conversation(
        session=session, external_id=sender_id, channel=channel, caller=caller,
        started_at=_when(timestamp),
    )
    conversations[sender_id] = conversation
    if kind == "slot":
        _record_slot(conversation, data)
        return
    if kind == "user":
        _record_user(session, conversation, data, timestamp, channel, caller)
    elif kind == "bot" and data.get("text"):
        add_turn(session=session, conversation=conversation, speaker="assistant",
                 text=data["text"], at=_when(timestamp))
    conversation.ended_at = _when(timestamp)


def _record_slot(conversation: Conversation, data: dict[str, Any]) -> None:
    # Kept for the Live calls page, which shows what the dialogue has filled so far.
    name = data.get("name")
    if isinstance(name, str) and name not in {"requested_slot", "session_started_metadata"}:
        conversation.slots = {**(conversation.slots or {}), name: data.get("value")}


def _stt_confidence(data: dict[str, Any]) -> float | None:
    # The voice bridge sends its recogniser's confidence as a string in the message metadata.
    try:
        value = float((data.get("metadata") or {}).get("stt_confidence"))
    except (TypeError, ValueError):
        return None
    return value if 0.0 <= value <= 1.0 else None


def _record_user(session: Session, conversation: Conversation, data: dict[str, Any],
                 timestamp: float | None, channel: str, caller: str | None) -> None:
    parse = data.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    entities = [
        {"entity": e.get("entity"), "value": e.get("value"), "extractor": e.get("extractor")}
        for e in parse.get("entities") or []
    ]
    if conversation.channel == "web" and channel != "web":
        conversation.channel = channel
    conversation.caller = conversation.caller or caller
    if intent and intent not in SMALL_TALK and conversation.intent is None:
        conversation.intent = intent
    add_turn(
        session=session, conversation=conversation, speaker="caller", text=data.get("text") or "",
        at=_when(timestamp), confidence=(parse.get("intent") or {}).get("confidence"),
        intent=intent, entities=entities, stt_confidence=_stt_confidence(data),
    )

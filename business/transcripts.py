"""Copies Rasa's tracker events into our conversations and transcript turns.

Rasa's SQL tracker store already records every message of every channel (REST, socket.io,
the voice bridge), so we read its `events` table forward from a cursor rather than adding a
second writer on the message path. The cursor moves in the same transaction as the turns,
so each event is copied exactly once even across crashes, and with several workers (the
cursor row is locked by the one copying). Text is cleaned on the way in
(control characters, lone surrogates); an event that still cannot be written is recorded
in `skipped_events` and passed over, so one bad message never stops the ones behind it.
"""
from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from business.contacts import normalize_phone
from business.models import Conversation, SkippedEvent, SyncCursor
from business.repository import add_turn, get_or_create_conversation

CURSOR = "rasa_tracker_events"
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


def project_tracker_events(*, session: Session, tracker_engine: Engine, batch: int = 500) -> int:
    """Copy up to `batch` new events; returns how many were read."""
    if not inspect(tracker_engine).has_table("events"):
        return 0  # Rasa has not started yet
    cursor = _claim_cursor(session)
    if cursor is None:
        return 0  # another worker is copying this batch; its cursor moves when it commits
    with tracker_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, sender_id, type_name, timestamp, data FROM events "
                 "WHERE id > :position ORDER BY id LIMIT :batch"),
            {"position": cursor.position, "batch": batch},
        ).all()
    conversations: dict[str, Conversation] = {}
    for row in rows:
        try:
            with session.begin_nested():  # one savepoint per event: a failure undoes only it
                _copy_event(session, row, conversations)
        except UNWRITABLE as exc:
            conversations.clear()  # what the savepoint undid is reloaded from the database
            session.add(SkippedEvent(source=CURSOR, position=row.id, error=type(exc).__name__))
            log.warning("tracker event %s skipped: %s", row.id, type(exc).__name__)
        cursor.position = row.id
    session.flush()
    return len(rows)


def _claim_cursor(session: Session) -> SyncCursor | None:
    """The cursor, held until this transaction ends, so that of several workers one copies
    each event. PostgreSQL: a worker that finds it held skips the job instead of waiting.
    SQLite: BEGIN IMMEDIATE (business.db) already lets one writer in at a time."""
    if session.get_bind().dialect.name != "postgresql":
        cursor = session.get(SyncCursor, CURSOR)
        if cursor is None:
            cursor = SyncCursor(name=CURSOR, position=0)
            session.add(cursor)
        return cursor
    # Two first runs at once must not both insert the row (the loser's batch would fail).
    session.execute(pg_insert(SyncCursor).values(name=CURSOR, position=0).on_conflict_do_nothing())
    return session.scalar(select(SyncCursor).where(SyncCursor.name == CURSOR)
                          .with_for_update(skip_locked=True).execution_options(populate_existing=True))


def _copy_event(session: Session, row: Row, conversations: dict[str, Conversation]) -> None:
    if row.type_name not in {"user", "bot", "session_started", "slot"}:
        return
    data = _clean(json.loads(row.data or "{}"))
    sender_id = clean_text(row.sender_id)
    channel, caller = _channel_and_caller(data)
    conversation = conversations.get(sender_id) or get_or_create_conversation(
        session=session, external_id=sender_id, channel=channel, caller=caller,
        started_at=_when(row.timestamp),
    )
    conversations[sender_id] = conversation
    if row.type_name == "slot":
        _record_slot(conversation, data)
        return
    if row.type_name == "user":
        _record_user(session, conversation, data, row.timestamp, channel, caller)
    elif row.type_name == "bot" and data.get("text"):
        add_turn(session=session, conversation=conversation, speaker="assistant",
                 text=data["text"], at=_when(row.timestamp))
    conversation.ended_at = _when(row.timestamp)


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


def latest_user_intent(*, tracker_engine: Engine, sender_id: str) -> str | None:
    """The intent Rasa recognised in a conversation's last message, read straight from its
    tracker store (the voice bridge needs it before the projection has run)."""
    if not inspect(tracker_engine).has_table("events"):
        return None
    with tracker_engine.connect() as conn:
        data = conn.scalar(
            text("SELECT data FROM events WHERE sender_id = :sender AND type_name = 'user' "
                 "ORDER BY id DESC LIMIT 1"),
            {"sender": sender_id},
        )
    if not data:
        return None
    return ((json.loads(data).get("parse_data") or {}).get("intent") or {}).get("name")

"""Retention (RETENTION_MONTHS): transcript turns and Rasa's tracker events older than the
limit are deleted, and conversations last active before it are anonymised, keeping the
channel, intent, outcome and dates the analytics count. Runs from the worker in batches."""
from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import Engine, String, cast, delete, func, inspect, select, text, update
from sqlalchemy.orm import Session

from business.db import session_scope
from business.conversations.event_broker import forget_projected_keys
from business.models import Conversation, TranscriptTurn

BATCH = 1000
ANONYMISED = "anonymised-"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March - 1 -> 28 February)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def apply_retention(*, database_url: str, tracker_engine: Engine, months: int, now: datetime,
                    batch: int = BATCH) -> int:
    """One batch of each kind; returns how many rows it changed (0: nothing left to do).
    `months` 0 keeps everything. Our tables and Rasa's change in separate transactions:
    with SQLite they may share one file, whose write lock a transaction holds."""
    if months <= 0:
        return 0
    cutoff = months_before(now, months)
    with session_scope(database_url) as session:
        done = _delete_old_turns(session, cutoff, batch) + _anonymise_old_conversations(session, cutoff, batch)
        done += forget_projected_keys(session=session, before=cutoff)
    return done + _delete_old_tracker_events(tracker_engine, cutoff, batch)


def _delete_old_turns(session: Session, cutoff: datetime, batch: int) -> int:
    ids = select(TranscriptTurn.id).where(TranscriptTurn.at < cutoff).order_by(TranscriptTurn.id).limit(batch)
    result = session.execute(delete(TranscriptTurn).where(TranscriptTurn.id.in_(ids)),
                             execution_options={"synchronize_session": False})
    return result.rowcount


def _anonymise_old_conversations(session: Session, cutoff: datetime, batch: int) -> int:
    # Last active before the cutoff: a text conversation (one per number) that began long
    # ago and is still going keeps its caller; only its old turns go.
    ids = (
        select(Conversation.id)
        .where(func.coalesce(Conversation.ended_at, Conversation.started_at) < cutoff)
        .where(Conversation.external_id.not_like(f"{ANONYMISED}%"))
        .order_by(Conversation.id)
        .limit(batch)
    )
    # The external id goes too: Rasa's sender id for a text is "sms:<number>".
    result = session.execute(
        update(Conversation).where(Conversation.id.in_(ids)).values(
            external_id=ANONYMISED + cast(Conversation.id, String),
            caller=None, summary=None, slots=None, customer_id=None,
        ),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount


def _delete_old_tracker_events(tracker_engine: Engine, cutoff: datetime, batch: int) -> int:
    # Rasa keeps no retention of its own; its tracker rows hold the same personal data.
    if not inspect(tracker_engine).has_table("events"):
        return 0
    with tracker_engine.begin() as conn:
        result = conn.execute(
            text("DELETE FROM events WHERE id IN (SELECT id FROM events WHERE timestamp < :cutoff "
                 "ORDER BY id LIMIT :batch)"),
            {"cutoff": cutoff.timestamp(), "batch": batch},
        )
        return result.rowcount

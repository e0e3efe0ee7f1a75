"""Searching the calls, chats and texts: by keyword (transcript and summary), phone and
customer name, filtered by date range, channel, intent and outcome, paginated in SQL."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from business.conversations.follow_up import call_back_conditions
from business.models import Appointment, Conversation, Customer, TranscriptTurn

# Outcome filters beyond the stored outcomes.
NO_OUTCOME = "no_outcome"
NEEDS_CALL_BACK = "needs_call_back"


@dataclass(frozen=True)
class CallFilter:
    keyword: str = ""
    phone: str = ""
    name: str = ""
    start: datetime | None = None
    end: datetime | None = None
    channel: str = ""
    intent: str = ""
    outcome: str = ""


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _conditions(f: CallFilter) -> list:
    where = []
    if f.keyword:
        pattern = _like(f.keyword)
        in_turns = exists().where(TranscriptTurn.conversation_id == Conversation.id,
                                  func.lower(TranscriptTurn.text).like(pattern, escape="\\"))
        where.append(or_(func.lower(Conversation.summary).like(pattern, escape="\\"), in_turns))
    digits = "".join(ch for ch in f.phone if ch.isdigit())
    if digits:
        where.append(Conversation.caller.like(f"%{digits}%"))
    if f.name:
        where.append(exists().where(Customer.id == Conversation.customer_id,
                                    func.lower(Customer.name).like(_like(f.name), escape="\\")))
    if f.start is not None:
        where.append(Conversation.started_at >= f.start)
    if f.end is not None:
        where.append(Conversation.started_at < f.end)
    if f.channel:
        where.append(Conversation.channel == f.channel)
    if f.intent:
        where.append(Conversation.intent == f.intent)
    if f.outcome == NO_OUTCOME:
        where.append(Conversation.outcome.is_(None))
    elif f.outcome == NEEDS_CALL_BACK:
        where += call_back_conditions()
    elif f.outcome:
        where.append(Conversation.outcome == f.outcome)
    return where


def search_conversations(*, session: Session, filters: CallFilter, limit: int = 25, offset: int = 0
                         ) -> list[Conversation]:
    return list(session.scalars(select(Conversation).where(*_conditions(filters))
                                .order_by(Conversation.started_at.desc(), Conversation.id.desc())
                                .limit(limit).offset(offset)))


def count_conversations(*, session: Session, filters: CallFilter) -> int:
    return session.scalar(select(func.count()).select_from(Conversation).where(*_conditions(filters))) or 0


def list_conversation_intents(*, session: Session) -> list[str]:
    return list(session.scalars(select(Conversation.intent).where(Conversation.intent.is_not(None))
                                .distinct().order_by(Conversation.intent)))


def appointments_by_conversation(*, session: Session, conversation_ids: Sequence[int]) -> dict[int, Appointment]:
    """The appointment each conversation booked, if any."""
    if not conversation_ids:
        return {}
    rows = session.scalars(select(Appointment).where(Appointment.conversation_id.in_(conversation_ids))
                           .order_by(Appointment.id))
    return {a.conversation_id: a for a in rows}


def customers_by_id(*, session: Session, customer_ids: Sequence[int]) -> dict[int, Customer]:
    ids = {i for i in customer_ids if i is not None}
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))}

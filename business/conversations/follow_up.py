"""Who is waiting for the business: calls that came to nothing (no booking, no answer,
handed to a person), leads by status, and marking either as handled from the dashboard."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from business.models import Conversation, Lead

# Outcomes after which nobody needs to phone the caller.
SETTLED_OUTCOMES = ("booked", "rescheduled", "cancelled", "information", "lead")
# A lead is a request for a call back; these are the steps the owner takes it through.
LEAD_STATUSES = ("new", "called", "booked", "lost")
OPEN_LEAD_STATUSES = ("new", "called")
EMERGENCY_INTENT = "emergency_request"


class FollowUpError(ValueError):
    """A status we do not know, or a call that needs no call back."""


def call_result(conversation: Conversation) -> str:
    """What a list shows for a conversation: "in-progress" while it lasts, then its outcome;
    "no_outcome" when it ended without one (shown red, never as a green "completed")."""
    if conversation.status == "in-progress":
        return "in-progress"
    return conversation.outcome or "no_outcome"


def needs_call_back(conversation: Conversation) -> bool:
    return (conversation.status != "in-progress" and conversation.called_back_at is None
            and conversation.caller is not None and conversation.channel != "owner"
            and conversation.outcome not in SETTLED_OUTCOMES)


def call_back_conditions() -> tuple:
    """SQL conditions for a call that still needs a call back (as needs_call_back)."""
    return (Conversation.called_back_at.is_(None), Conversation.caller.is_not(None),
            Conversation.channel != "owner",
            or_(Conversation.status.is_(None), Conversation.status != "in-progress"),
            or_(Conversation.outcome.is_(None), Conversation.outcome.not_in(SETTLED_OUTCOMES)))


def list_calls_to_call_back(*, session: Session, since: datetime, limit: int = 50) -> list[Conversation]:
    """Callers since `since` whose call ended with nothing settled and who were not called
    back yet; emergencies first, then newest first."""
    emergency_first = (Conversation.intent == EMERGENCY_INTENT).desc()
    return list(session.scalars(
        select(Conversation).where(Conversation.started_at >= since, *call_back_conditions())
        .order_by(emergency_first, Conversation.started_at.desc()).limit(limit)))


def count_calls_to_call_back(*, session: Session, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(Conversation)
                          .where(Conversation.started_at >= since, *call_back_conditions())) or 0


def mark_called_back(*, session: Session, conversation: Conversation, by: str, now: datetime) -> None:
    if not needs_call_back(conversation):
        raise FollowUpError("that call needs no call back")
    conversation.called_back_at, conversation.called_back_by = now, by


def list_leads(*, session: Session, statuses: tuple[str, ...] | None = None, limit: int = 50,
               offset: int = 0) -> list[Lead]:
    query = select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit).offset(offset)
    if statuses:
        query = query.where(Lead.status.in_(statuses))
    return list(session.scalars(query))


def count_leads(*, session: Session, statuses: tuple[str, ...] | None = None) -> int:
    query = select(func.count()).select_from(Lead)
    if statuses:
        query = query.where(Lead.status.in_(statuses))
    return session.scalar(query) or 0


def update_lead_status(*, session: Session, lead: Lead, status: str, by: str, now: datetime) -> None:
    if status not in LEAD_STATUSES:
        raise FollowUpError(f"a lead's status is one of {', '.join(LEAD_STATUSES)}")
    lead.status, lead.handled_by, lead.handled_at = status, by, now

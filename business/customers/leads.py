"""Leads: callers who asked for a person. Creating one queues the owner's call-back alert
in the same transaction."""
from __future__ import annotations

from sqlalchemy.orm import Session

from business.models import Conversation, Lead
from business.notifications.events import lead_created


def create_lead(
    *, session: Session, name: str, phone: str, reason: str | None, conversation: Conversation | None = None
) -> Lead:
    lead = Lead(
        name=name[:120], phone=phone, reason=reason,
        conversation_id=conversation.id if conversation else None, status="new",
    )
    session.add(lead)
    session.flush()
    lead_created(session=session, lead=lead)
    return lead

"""Every conversation that ends without a booking keeps what the caller gave: an outcome,
a summary, and a lead for the office when there is a number to call back and the caller
asked for service or gave their details. Used when a call hangs up and, for chats and
texts that just stop, by the worker once they have been idle for a while."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from business.customers.contacts import normalize_phone
from business.conversations.outcome import Facts, facts_from_slots, record_outcome, stronger
from business.customers.leads import create_lead
from business.models import Conversation, Lead, utcnow

# A chat or text with no new message for this long has ended (web visitors close the tab).
IDLE_AFTER = timedelta(minutes=15)
SETTLED = {"booked", "rescheduled", "cancelled", "lead"}
# Slots that show the caller was on the way to a booking when they left.
BOOKING_SLOTS = ("problem", "service_slug", "appointment_time", "address")
CONTACT_SLOTS = ("customer_name", "phone", "email", "address")


def lead_for_unbooked(*, session: Session, conversation: Conversation, facts: Facts) -> Lead | None:
    """A lead when nothing was settled, a number is known, and the caller asked for service
    or gave their details; never two for one conversation."""
    if conversation.outcome in SETTLED:
        return None
    slots = conversation.slots or {}
    phone = normalize_phone(str(slots.get("phone") or "")) or conversation.caller
    asked = any(slots.get(s) for s in BOOKING_SLOTS)
    gave = any(slots.get(s) for s in CONTACT_SLOTS)
    if not phone or not (asked or gave):
        return None
    if session.scalar(select(func.count(Lead.id)).where(Lead.conversation_id == conversation.id)):
        return None
    said = "; ".join(f"{label}: {value}" for label, value in (
        ("problem", facts.problem), ("service", facts.service_name), ("address", facts.address),
        ("urgency", "EMERGENCY" if facts.urgency == "emergency" else None),
        ("time asked for", slots.get("appointment_time"))) if value)
    reason = f"The conversation ended before anything was booked ({conversation.outcome}). {said}".strip()
    return create_lead(session=session, name=facts.customer_name or "Caller (name not given)", phone=phone,
                       reason=reason[:2000], conversation=conversation)


def close_conversation(*, session: Session, conversation: Conversation, outcome: str,
                       now: datetime | None = None) -> Conversation:
    """Settle the outcome (a stronger one already there is kept), rewrite the summary from
    the captured slots, and take a lead if one is owed."""
    facts = facts_from_slots(session, conversation)
    record_outcome(session=session, external_id=conversation.external_id, outcome=outcome, facts=facts,
                   caller=conversation.caller, ended=True, now=now)
    lead = lead_for_unbooked(session=session, conversation=conversation, facts=facts)
    if lead is not None and stronger(conversation.outcome, "abandoned") == "abandoned":
        conversation.summary = f"{conversation.summary} A lead was created for the office to call back."
    session.flush()
    return conversation


def close_idle_conversations(*, session: Session, now: datetime | None = None,
                             idle: timedelta = IDLE_AFTER) -> int:
    """Worker job: chats, texts and REST conversations with no message for `idle` get their
    outcome, summary and lead. Phone calls the voice bridge tracks (status set) are closed
    by the bridge when they end."""
    now = now or utcnow()
    cutoff = now - idle
    stale = session.scalars(
        select(Conversation)
        .where(Conversation.status.is_(None))
        .where(func.coalesce(Conversation.ended_at, Conversation.started_at) < cutoff)
        .limit(200)
    ).all()
    for conversation in stale:
        slots = conversation.slots or {}
        outcome = "abandoned" if any(slots.get(s) for s in BOOKING_SLOTS) else "information"
        close_conversation(session=session, conversation=conversation, outcome=outcome, now=now)
        conversation.status = "ended"
    session.flush()
    return len(stale)

"""What a conversation came to: its outcome (booked, rescheduled, cancelled, lead,
information, abandoned, handed off) and a one-paragraph summary built from what the
caller told us. No language model: the sentences are assembled from the facts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from business.customers.contacts import spoken_phone
from business.models import Conversation, utcnow
from business.repository import get_or_create_conversation, get_service_by_slug
from business.scheduling.spoken import sentence

# A stronger outcome is never replaced by a weaker one: a caller who booked and then
# asked about payment still booked.
OUTCOMES = ("abandoned", "information", "out_of_area", "handed_off", "lead", "cancelled", "rescheduled", "booked")
CHANNEL_WORDS = {"phone": "by phone", "sms": "by text", "web": "on the website chat", "owner": "as the owner"}
OUTCOME_WORDS = {
    "booked": "An appointment was booked",
    "rescheduled": "An existing appointment was moved",
    "cancelled": "An existing appointment was cancelled",
    "lead": "The caller asked for a call back, and a lead was created for the office",
    "information": "The caller got the information they asked for; nothing was booked",
    "abandoned": "The conversation ended before anything was booked",
    "handed_off": "The call was handed to a person",
    "out_of_area": "The address is outside the service area, so nothing was booked",
}


@dataclass
class Facts:
    """What the assistant knows at the end; every field is optional."""

    channel: str = "web"
    customer_name: str | None = None
    phone: str | None = None
    problem: str | None = None
    service_name: str | None = None
    when: str | None = None
    address: str | None = None
    urgency: str | None = None


def stronger(current: str | None, new: str) -> str:
    if current not in OUTCOMES:
        return new
    return new if OUTCOMES.index(new) >= OUTCOMES.index(current) else current


def summarize(facts: Facts, outcome: str) -> str:
    who = facts.customer_name or "An unidentified caller"
    contact = f" ({spoken_phone(facts.phone)})" if facts.phone else ""
    parts = [f"{who}{contact} contacted us {CHANNEL_WORDS.get(facts.channel, 'by ' + facts.channel)}"]
    if facts.problem:
        parts[0] += f" about {facts.problem.rstrip('.')}"
    if facts.urgency == "emergency":
        parts[0] += ", as an emergency"
    sentences = [sentence(parts[0])]
    detail = OUTCOME_WORDS.get(outcome, outcome)
    if outcome in {"booked", "rescheduled"} and facts.when:
        service = f" for {facts.service_name.lower()}" if facts.service_name else ""
        place = f" at {facts.address}" if facts.address else ""
        detail += f"{service}, {facts.when}{place}"
    sentences.append(sentence(detail))
    return " ".join(sentences)


def record_outcome(*, session: Session, external_id: str, outcome: str, facts: Facts,
                   intent: str | None = None, customer_id: int | None = None,
                   caller: str | None = None, ended: bool = False, now: datetime | None = None) -> Conversation:
    """Set the outcome (keeping a stronger one) and rewrite the summary, so the row is
    right even if the caller hangs up without saying goodbye."""
    conversation = get_or_create_conversation(session=session, external_id=external_id,
                                              channel=facts.channel, caller=caller)
    weaker = conversation.summary is not None and stronger(conversation.outcome, outcome) != outcome
    conversation.outcome = stronger(conversation.outcome, outcome)
    conversation.intent = conversation.intent or intent
    if customer_id and not conversation.customer_id:
        conversation.customer_id = customer_id
    if not weaker:
        # A weaker later note (goodbye after a hand-off) keeps the summary written when
        # the outcome was settled: the slots it was built from may have been reset since.
        conversation.summary = summarize(facts, conversation.outcome)
    if ended:
        conversation.ended_at = now or utcnow()
    session.flush()
    return conversation


def record_call_ended(*, session: Session, external_id: str, status: str,
                      now: datetime | None = None) -> Conversation:
    """A phone call is over: a transferred call was handed off, any other end (the caller
    hung up, or stayed silent) abandons what was not settled, and a caller who asked for
    service or gave details gets a lead. The actions never see a hang-up, so only the
    bridge can record this. A settled outcome (booked, a lead) and its summary are kept:
    the summary has details the stored slots lack."""
    from business.conversations.close import close_conversation

    outcome = "handed_off" if status == "transferred" else "abandoned"
    conversation = get_or_create_conversation(session=session, external_id=external_id, channel="phone")
    if conversation.summary and stronger(conversation.outcome, outcome) == conversation.outcome \
            and conversation.outcome not in {"abandoned", "information"}:
        conversation.ended_at = now or utcnow()
        session.flush()
        return conversation
    return close_conversation(session=session, conversation=conversation, outcome=outcome, now=now)


def facts_from_slots(session: Session, conversation: Conversation) -> Facts:
    """What the dialogue had filled, as the transcript worker last copied it."""
    slots = conversation.slots or {}

    def text(name: str) -> str | None:
        value = slots.get(name)
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        return value if isinstance(value, str) and value else None

    slug = text("service_slug")
    service = get_service_by_slug(session=session, slug=slug) if slug else None
    return Facts(channel=conversation.channel, customer_name=text("customer_name"),
                 phone=text("phone") or conversation.caller, problem=text("problem"),
                 service_name=service.name if service else None, address=text("address"),
                 urgency=text("urgency"))

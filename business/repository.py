"""Create, read and update functions for the business's records. Every function takes
the session as a keyword argument and leaves committing to the caller."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from business.models import (
    Appointment,
    Conversation,
    Customer,
    Service,
    Technician,
    TranscriptTurn,
    utcnow,
)

ACTIVE_STATUSES = ("scheduled", "confirmed")
# No job lasts longer than this (the longest service is hours, an arrival window half a day).
LONGEST_APPOINTMENT = timedelta(days=1)


# Customers

def get_customer_by_phone(*, session: Session, phone: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.phone == phone))


def upsert_customer(
    *,
    session: Session,
    phone: str,
    name: str,
    email: str | None = None,
    address: str | None = None,
    zip_code: str | None = None,
) -> Customer:
    """The phone number identifies a customer; newer details replace older ones."""
    customer = get_customer_by_phone(session=session, phone=phone)
    if customer is None:
        customer = Customer(phone=phone, name=name)
        session.add(customer)
    customer.name = name or customer.name
    customer.email = email or customer.email
    customer.address = address or customer.address
    customer.zip_code = zip_code or customer.zip_code
    session.flush()
    return customer


def _customer_search(search: str | None):
    """Conditions matching `search` in the name, phone digits, address or ZIP code."""
    text = (search or "").strip().lower()
    if not text:
        return ()
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = [func.lower(Customer.name).like(pattern, escape="\\"),
               func.lower(Customer.address).like(pattern, escape="\\"),
               Customer.zip_code.like(pattern, escape="\\")]
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3:  # a phone number typed any way: (312) 555-0123, 312.555.0123
        matches.append(Customer.phone.like(f"%{digits}%"))
    return (or_(*matches),)


def list_customers(*, session: Session, search: str | None = None, limit: int = 200, offset: int = 0) -> list[Customer]:
    query = select(Customer).where(*_customer_search(search)).order_by(Customer.name, Customer.id)
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_customers(*, session: Session, search: str | None = None) -> int:
    return session.scalar(select(func.count()).select_from(Customer).where(*_customer_search(search))) or 0


# Services and technicians

def list_services(*, session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.name)))


def get_service_by_slug(*, session: Session, slug: str) -> Service | None:
    return session.scalar(select(Service).where(Service.slug == slug))


def list_technicians(*, session: Session, active_only: bool = True) -> list[Technician]:
    query = select(Technician).order_by(Technician.name)
    if active_only:
        query = query.where(Technician.active.is_(True))
    return list(session.scalars(query))


# Appointments

def list_appointments(
    *,
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: tuple[str, ...] | None = ACTIVE_STATUSES,
    limit: int = 500,
    technician_id: int | None = None,
) -> list[Appointment]:
    query = (
        select(Appointment)
        .options(
            selectinload(Appointment.customer),
            selectinload(Appointment.service),
            selectinload(Appointment.technician),
        )
        .order_by(Appointment.start_at)
        .limit(limit)
    )
    if start is not None:
        query = query.where(Appointment.end_at > start)
        # The start bound lets the start_at index narrow the scan; end_at alone has none.
        # (Not for a start at the very beginning of the calendar, where it would overflow.)
        if start > datetime.min.replace(tzinfo=start.tzinfo) + LONGEST_APPOINTMENT:
            query = query.where(Appointment.start_at > start - LONGEST_APPOINTMENT)
    if end is not None:
        query = query.where(Appointment.start_at < end)
    if statuses:
        query = query.where(Appointment.status.in_(statuses))
    if technician_id is not None:
        query = query.where(Appointment.technician_id == technician_id)
    return list(session.scalars(query))


# Conversations and transcripts

def get_or_create_conversation(
    *,
    session: Session,
    external_id: str,
    channel: str = "web",
    caller: str | None = None,
    started_at: datetime | None = None,
) -> Conversation:
    """The actions server and the transcript worker may both create the same conversation;
    the unique external id decides, and the loser reads the winner's row."""
    query = select(Conversation).where(Conversation.external_id == external_id)
    conversation = session.scalar(query)
    if conversation is not None:
        return conversation
    try:
        with session.begin_nested():
            conversation = Conversation(
                external_id=external_id, channel=channel, caller=caller, started_at=started_at or utcnow()
            )
            session.add(conversation)
    except IntegrityError:
        conversation = session.scalars(query).one()
    return conversation


def add_turn(
    *,
    session: Session,
    conversation: Conversation,
    speaker: str,
    text: str,
    at: datetime | None = None,
    confidence: float | None = None,
    intent: str | None = None,
    entities: list[Any] | None = None,
    stt_confidence: float | None = None,
) -> TranscriptTurn:
    next_seq = (
        session.scalar(
            select(func.max(TranscriptTurn.seq)).where(TranscriptTurn.conversation_id == conversation.id)
        )
        or 0
    ) + 1
    turn = TranscriptTurn(
        conversation_id=conversation.id,
        seq=next_seq,
        speaker=speaker,
        text=text,
        at=at or utcnow(),
        confidence=confidence,
        intent=intent,
        entities=entities or [],
        stt_confidence=stt_confidence,
    )
    session.add(turn)
    session.flush()
    return turn


def update_conversation(*, session: Session, conversation: Conversation, **fields: Any) -> Conversation:
    for name, value in fields.items():
        if not hasattr(Conversation, name):
            raise AttributeError(f"Conversation has no field {name!r}")
        setattr(conversation, name, value)
    session.flush()
    return conversation


def update_assistant_turn_interrupted(*, session: Session, external_id: str, text: str) -> bool:
    """Marks the latest assistant turn saying `text` as talked over; False while the transcript
    worker has not copied it yet (the voice bridge retries)."""
    turn = session.scalar(
        select(TranscriptTurn)
        .join(Conversation)
        .where(Conversation.external_id == external_id, TranscriptTurn.speaker == "assistant",
               TranscriptTurn.text == text)
        .order_by(TranscriptTurn.seq.desc())
        .limit(1)
    )
    if turn is None:
        return False
    turn.interrupted = True
    session.flush()
    return True


def list_live_conversations(*, session: Session, since: datetime, limit: int = 20) -> list[Conversation]:
    """Calls in progress and those that ended after `since`, and website chats with a message
    since then (a chat has no call status: it simply goes quiet), newest first, with turns."""
    recent_chat = (Conversation.status.is_(None) & (Conversation.channel == "web")
                   & Conversation.turns.any(TranscriptTurn.at >= since))
    return list(
        session.scalars(
            select(Conversation)
            .options(selectinload(Conversation.turns))
            .where((Conversation.status == "in-progress")
                   | (Conversation.status.is_not(None) & (Conversation.ended_at >= since)) | recent_chat)
            .order_by(Conversation.started_at.desc())
            .limit(limit)
        )
    )


def list_conversations(*, session: Session, limit: int = 100) -> list[Conversation]:
    return list(
        session.scalars(
            select(Conversation)
            .options(selectinload(Conversation.turns))
            .order_by(Conversation.started_at.desc())
            .limit(limit)
        )
    )


def get_conversation(*, session: Session, conversation_id: int) -> Conversation | None:
    return session.scalar(
        select(Conversation)
        .options(selectinload(Conversation.turns))
        .where(Conversation.id == conversation_id)
    )

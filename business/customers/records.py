"""One customer's whole record: appointments (service history), calls, chats and texts,
leads; editing the details; exporting it (JSON, CSV) and erasing it on request, with
the erasure recorded in customer_erasures."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from business.customers.contacts import normalize_phone
from business.models import Appointment, Conversation, Customer, CustomerErasure, Lead, TranscriptTurn
from business.conversations.retention import ANONYMISED

ERASED_NAME = "Erased customer"


class CustomerRecordError(ValueError):
    """Details we refuse to store (e.g. a phone number that is not one, or already taken)."""


@dataclass(frozen=True)
class CustomerRecord:
    customer: Customer
    appointments: list[Appointment]
    conversations: list[Conversation]
    leads: list[Lead]


def _conversations_of(customer: Customer):
    return or_(Conversation.customer_id == customer.id, Conversation.caller == customer.phone)


def get_customer_record(*, session: Session, customer_id: int, conversation_limit: int = 200) -> CustomerRecord | None:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    appointments = list(session.scalars(
        select(Appointment).where(Appointment.customer_id == customer.id)
        .options(selectinload(Appointment.service), selectinload(Appointment.technician),
                 selectinload(Appointment.history))
        .order_by(Appointment.start_at.desc())))
    conversations = list(session.scalars(
        select(Conversation).where(_conversations_of(customer))
        .order_by(Conversation.started_at.desc()).limit(conversation_limit)))
    leads = list(session.scalars(select(Lead).where(Lead.phone == customer.phone).order_by(Lead.created_at.desc())))
    return CustomerRecord(customer, appointments, conversations, leads)


def update_customer(*, session: Session, customer: Customer, name: str, phone: str, email: str | None,
                    address: str | None, zip_code: str | None, notes: str | None) -> Customer:
    number = normalize_phone(phone)
    if number is None:
        raise CustomerRecordError("That is not a phone number we can text or call.")
    taken = session.scalar(select(Customer.id).where(Customer.phone == number, Customer.id != customer.id))
    if taken is not None:
        raise CustomerRecordError("Another customer has that phone number.")
    customer.name, customer.phone = name.strip(), number
    customer.email, customer.address = email or None, address or None
    customer.zip_code, customer.notes = zip_code or None, notes or None
    try:
        session.flush()
    except IntegrityError as exc:  # the same number saved by someone else meanwhile
        raise CustomerRecordError("Another customer has that phone number.") from exc
    return customer


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def export_customer(*, session: Session, customer_id: int) -> dict[str, Any] | None:
    """Everything we hold about the customer, as plain data (what a data request gets)."""
    record = get_customer_record(session=session, customer_id=customer_id, conversation_limit=10_000)
    if record is None:
        return None
    c = record.customer
    turns = {conv.id: list(session.scalars(select(TranscriptTurn).where(TranscriptTurn.conversation_id == conv.id)
                                           .order_by(TranscriptTurn.seq))) for conv in record.conversations}
    return {
        "customer": {"id": c.id, "name": c.name, "phone": c.phone, "email": c.email, "address": c.address,
                     "zip_code": c.zip_code, "notes": c.notes, "created_at": _iso(c.created_at)},
        "appointments": [
            {"id": a.id, "service": a.service.name, "start_at": _iso(a.start_at), "end_at": _iso(a.end_at),
             "status": a.status, "urgency": a.urgency, "problem": a.problem, "address": a.address,
             "zip_code": a.zip_code, "technician": a.technician.name if a.technician else None,
             "history": [{"status": e.status, "at": _iso(e.at), "note": e.note, "actor": e.actor} for e in a.history]}
            for a in record.appointments],
        "conversations": [
            {"id": conv.id, "channel": conv.channel, "started_at": _iso(conv.started_at),
             "ended_at": _iso(conv.ended_at), "intent": conv.intent, "outcome": conv.outcome, "summary": conv.summary,
             "turns": [{"speaker": t.speaker, "text": t.text, "at": _iso(t.at)} for t in turns[conv.id]]}
            for conv in record.conversations],
        "leads": [{"id": lead.id, "name": lead.name, "phone": lead.phone, "reason": lead.reason,
                   "status": lead.status, "created_at": _iso(lead.created_at)} for lead in record.leads],
    }


def export_customer_csv(data: dict[str, Any]) -> str:
    """The export as one CSV table: record, record id, field, value (turns and history as
    their own records), so a spreadsheet opens it without nesting."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["record", "record_id", "field", "value"])

    def rows(kind: str, item: dict[str, Any], record_id: Any) -> None:
        for field, value in item.items():
            if isinstance(value, list):
                for i, child in enumerate(value, start=1):
                    rows(f"{kind}.{field}", child, f"{record_id}.{i}")
            else:
                writer.writerow([kind, record_id, field, "" if value is None else value])

    rows("customer", data["customer"], data["customer"]["id"])
    for kind in ("appointments", "conversations", "leads"):
        for item in data[kind]:
            rows(kind.rstrip("s"), item, item["id"])
    return out.getvalue()


def erase_customer(*, session: Session, customer: Customer, by: str, reason: str | None, now: datetime
                   ) -> CustomerErasure:
    """Anonymises the customer on request: name, contact details and notes; the problem
    and address on their appointments; their conversations' caller, summary, slots and
    transcripts; their leads. Dates, services, statuses and outcomes stay for the counts.
    Records who did it and how many rows changed."""
    phone, placeholder = customer.phone, f"{ANONYMISED}{customer.id}"[:20]
    conversation_ids = list(session.scalars(select(Conversation.id).where(_conversations_of(customer))))
    counts = {
        "transcript_turns": session.execute(
            delete(TranscriptTurn).where(TranscriptTurn.conversation_id.in_(conversation_ids)),
            execution_options={"synchronize_session": False}).rowcount,
        "conversations": session.execute(
            update(Conversation).where(Conversation.id.in_(conversation_ids)).values(
                # The external id goes too: Rasa's sender id for a text is "sms:<number>".
                external_id=ANONYMISED + cast(Conversation.id, String),
                caller=None, summary=None, slots=None, called_back_by=None),
            execution_options={"synchronize_session": False}).rowcount,
        "appointments": session.execute(
            update(Appointment).where(Appointment.customer_id == customer.id).values(
                problem=None, address=None, zip_code=None),
            execution_options={"synchronize_session": False}).rowcount,
        "leads": session.execute(
            update(Lead).where(Lead.phone == phone).values(name=ERASED_NAME, phone=placeholder, reason=None),
            execution_options={"synchronize_session": False}).rowcount,
    }
    customer.name, customer.phone = ERASED_NAME, placeholder
    customer.email = customer.address = customer.zip_code = customer.notes = None
    erasure = CustomerErasure(customer_id=customer.id, done_by=by, done_at=now, reason=reason, counts=counts)
    session.add(erasure)
    session.flush()
    session.expire_all()  # the bulk updates bypassed the identity map
    return erasure


def list_customer_erasures(*, session: Session, customer_id: int) -> list[CustomerErasure]:
    return list(session.scalars(select(CustomerErasure).where(CustomerErasure.customer_id == customer_id)
                                .order_by(CustomerErasure.done_at)))

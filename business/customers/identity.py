"""Who is calling: matching a caller to a customer record, by caller ID or by name plus
phone, so that nobody hears another customer's appointment or details."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from business.customers.contacts import normalize_email
from business.models import Appointment, Customer
from business.repository import ACTIVE_STATUSES, get_customer_by_phone, upsert_customer


def _name_words(name: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z]+", plain)


def names_match(on_file: str, said: str) -> bool:
    """'Jessica Miller' matches 'jessica miller' and 'miller, jessica', and a spoken first
    name plus the right surname; a first name alone is not enough to prove who it is."""
    file_words, said_words = _name_words(on_file), _name_words(said)
    if not file_words or not said_words:
        return False
    if len(file_words) == 1:
        return file_words[0] in said_words
    return file_words[-1] in said_words and file_words[0] in said_words


def identify_customer(*, session: Session, phone: str | None, name: str | None = None,
                      caller_id_trusted: bool = False) -> Customer | None:
    """The customer on file for `phone`. A trusted caller ID identifies them alone; a number
    the caller only said must come with the name on file."""
    if not phone:
        return None
    customer = get_customer_by_phone(session=session, phone=phone)
    if customer is None:
        return None
    if caller_id_trusted or (name and names_match(customer.name, name)):
        return customer
    return None


def customer_for_booking(*, session: Session, phone: str, name: str, email: str | None = None,
                         address: str | None = None, zip_code: str | None = None,
                         caller_id_trusted: bool = False) -> Customer | None:
    """The customer a booking is made for, or None when the number is on file under someone
    else and nothing proves the caller is them: an unverified caller never renames or
    readdresses a customer, nor acts as them (the booking becomes a lead for the owner).

    A new number creates the customer; a verified caller ID updates what is on file; the
    name on file said with its number only fills in what is missing. An email that is not
    an address (a misheard "jessica at example") is left out rather than stored."""
    email = normalize_email(email) if email else None
    customer = get_customer_by_phone(session=session, phone=phone)
    if customer is None or caller_id_trusted:
        return upsert_customer(session=session, phone=phone, name=name, email=email, address=address,
                               zip_code=zip_code)
    if not names_match(customer.name, name or ""):
        return None
    customer.email = customer.email or email
    customer.address = customer.address or address
    customer.zip_code = customer.zip_code or zip_code
    session.flush()
    return customer


def next_appointment(*, session: Session, customer: Customer, now: datetime) -> Appointment | None:
    return session.scalar(
        select(Appointment)
        .where(Appointment.customer_id == customer.id, Appointment.status.in_(ACTIVE_STATUSES),
               Appointment.end_at > now)
        .order_by(Appointment.start_at)
        .limit(1)
    )


def last_visit(*, session: Session, customer: Customer, now: datetime) -> Appointment | None:
    """The most recent appointment that has happened (or was booked to), for 'last time we…'."""
    return session.scalar(
        select(Appointment)
        .where(Appointment.customer_id == customer.id, Appointment.start_at <= now,
               Appointment.status != "cancelled")
        .order_by(Appointment.start_at.desc())
        .limit(1)
    )

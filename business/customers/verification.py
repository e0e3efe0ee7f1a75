"""One-time codes that prove a website visitor is the customer on file: texted through the
notifications outbox to the number on file, stored only as a keyed hash, short-lived, with
few attempts, and few codes per customer so nobody can flood a customer's phone."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from business.models import Customer, VerificationCode, utcnow
from business.notifications.outbox import create_notification
from business.profile import load_profile

CODE_DIGITS = 6
LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5  # wrong tries per code; the code is spent after that
MAX_CODES_PER_HOUR = 3  # per customer, whichever conversations asked
VERIFIED = re.compile(r"verified:(\d+)")


def _hash(secret_key: str, conversation_key: str, code: str) -> str:
    # Keyed by SECRET_KEY: a copy of the database alone cannot try the million codes.
    return hmac.new(secret_key.encode(), f"{conversation_key}:{code}".encode(), hashlib.sha256).hexdigest()


def live_code(*, session: Session, conversation_key: str, now: datetime | None = None) -> VerificationCode | None:
    """The code this conversation may still type, if any."""
    now = now or utcnow()
    return session.scalar(
        select(VerificationCode)
        .where(VerificationCode.conversation_key == conversation_key, VerificationCode.used_at.is_(None),
               VerificationCode.expires_at > now, VerificationCode.attempts < MAX_ATTEMPTS)
        .order_by(VerificationCode.id.desc()).limit(1)
    )


def issue_code(*, session: Session, customer: Customer, conversation_key: str, secret_key: str,
               now: datetime | None = None) -> VerificationCode | None:
    """Texts a new code to the customer's number on file; None when this customer already
    had MAX_CODES_PER_HOUR codes in the last hour. Earlier codes of the conversation end."""
    now = now or utcnow()
    recent = session.scalar(select(func.count()).select_from(VerificationCode).where(
        VerificationCode.customer_id == customer.id, VerificationCode.created_at > now - timedelta(hours=1)))
    if recent >= MAX_CODES_PER_HOUR:
        return None
    for earlier in session.scalars(select(VerificationCode).where(
            VerificationCode.conversation_key == conversation_key, VerificationCode.used_at.is_(None))):
        earlier.used_at = now
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = VerificationCode(customer_id=customer.id, conversation_key=conversation_key,
                           code_hash=_hash(secret_key, conversation_key, code), created_at=now,
                           expires_at=now + LIFETIME, attempts=0)
    session.add(row)
    session.flush()
    business = load_profile(session=session).name
    create_notification(
        session=session, channel="sms", recipient=customer.phone, kind="verification_code",
        key=f"verification:{row.id}",
        body=f"{business}: your code is {code}. It expires in {LIFETIME.seconds // 60} minutes. "
             "If you did not ask for it on our website, ignore this text.",
    )
    return row


def check_code(*, session: Session, conversation_key: str, typed: str, secret_key: str,
               now: datetime | None = None) -> Customer | None:
    """The customer the conversation's live code belongs to when `typed` is that code; the
    code is then spent. A wrong code counts an attempt."""
    now = now or utcnow()
    row = live_code(session=session, conversation_key=conversation_key, now=now)
    digits = re.sub(r"\D", "", typed or "")
    if row is None:
        return None
    if len(digits) != CODE_DIGITS or not hmac.compare_digest(
            row.code_hash, _hash(secret_key, conversation_key, digits)):
        row.attempts += 1
        return None
    row.used_at = now
    return session.get(Customer, row.customer_id)


def verified_customer_id(slot_value: object) -> int | None:
    """The customer id a checked code proved ("verified:<id>", set only by the validator)."""
    match = VERIFIED.fullmatch(slot_value) if isinstance(slot_value, str) else None
    return int(match.group(1)) if match else None

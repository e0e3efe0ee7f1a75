"""One-time codes for website visitors: texted through the outbox to the number on file,
stored only as a keyed hash, spent on use, limited in time, tries and codes per hour."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from business.models import Notification, VerificationCode, utcnow
from business.repository import upsert_customer
from business.customers.verification import (
    LIFETIME,
    MAX_ATTEMPTS,
    MAX_CODES_PER_HOUR,
    check_code,
    issue_code,
    live_code,
    verified_customer_id,
)

KEY = "a-test-secret-key-of-thirty-two-chars"


def _texted_code(session, row: VerificationCode) -> str:
    text = session.scalars(select(Notification).where(Notification.idempotency_key == f"verification:{row.id}")).one()
    assert text.channel == "sms" and text.kind == "verification_code"
    return re.search(r"\b(\d{6})\b", text.body).group(1)


def test_the_texted_code_proves_the_customer_once(session):
    customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
    row = issue_code(session=session, customer=customer, conversation_key="web:abc", secret_key=KEY)
    code = _texted_code(session, row)
    text = session.scalars(select(Notification).where(Notification.kind == "verification_code")).one()
    assert text.recipient == "+13125550199" and text.status == "queued"
    assert code not in row.code_hash and len(row.code_hash) == 64  # only a hash is kept
    assert check_code(session=session, conversation_key="web:other", typed=code, secret_key=KEY) is None
    assert check_code(session=session, conversation_key="web:abc", typed=f"  {code[:3]} {code[3:]} ",
                      secret_key=KEY) == customer
    assert check_code(session=session, conversation_key="web:abc", typed=code, secret_key=KEY) is None  # spent


def test_wrong_codes_spend_the_code_after_the_attempt_limit(session):
    customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
    row = issue_code(session=session, customer=customer, conversation_key="web:abc", secret_key=KEY)
    code = _texted_code(session, row)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(MAX_ATTEMPTS):
        assert check_code(session=session, conversation_key="web:abc", typed=wrong, secret_key=KEY) is None
    assert live_code(session=session, conversation_key="web:abc") is None
    assert check_code(session=session, conversation_key="web:abc", typed=code, secret_key=KEY) is None


def test_an_expired_code_proves_nothing(session):
    customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
    issued_at = utcnow() - LIFETIME - timedelta(seconds=1)
    row = issue_code(session=session, customer=customer, conversation_key="web:abc", secret_key=KEY, now=issued_at)
    code = _texted_code(session, row)
    assert check_code(session=session, conversation_key="web:abc", typed=code, secret_key=KEY) is None


def test_a_new_code_ends_the_earlier_one(session):
    customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
    first_code = _texted_code(session, issue_code(session=session, customer=customer, conversation_key="web:abc",
                                                  secret_key=KEY))
    second_code = _texted_code(session, issue_code(session=session, customer=customer, conversation_key="web:abc",
                                                   secret_key=KEY))
    if first_code != second_code:  # one in a million they are equal
        assert check_code(session=session, conversation_key="web:abc", typed=first_code, secret_key=KEY) is None
    assert check_code(session=session, conversation_key="web:abc", typed=second_code, secret_key=KEY) == customer


def test_codes_per_customer_and_hour_are_limited(session):
    customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
    rows = [issue_code(session=session, customer=customer, conversation_key=f"web:{n}", secret_key=KEY)
            for n in range(MAX_CODES_PER_HOUR)]
    assert all(rows)
    assert issue_code(session=session, customer=customer, conversation_key="web:more", secret_key=KEY) is None
    texts = session.scalars(select(Notification).where(Notification.kind == "verification_code")).all()
    assert len(texts) == MAX_CODES_PER_HOUR
    later = utcnow() + timedelta(hours=1, minutes=1)
    assert issue_code(session=session, customer=customer, conversation_key="web:more", secret_key=KEY, now=later)


def test_only_the_validators_marker_names_a_verified_customer():
    assert verified_customer_id("verified:12") == 12
    assert verified_customer_id("123456") is None and verified_customer_id("verified:12 ") is None
    assert verified_customer_id(None) is None

"""SMS opt-outs per number: STOP and its synonyms opt out, START and UNSTOP opt back in."""
from __future__ import annotations

from sqlalchemy.orm import Session

from business.models import SmsOptOut, utcnow


def is_opted_out(*, session: Session, phone: str) -> bool:
    row = session.get(SmsOptOut, phone)
    return bool(row and row.opted_out)


def update_opt_out(*, session: Session, phone: str, opted_out: bool, keyword: str) -> SmsOptOut:
    row = session.get(SmsOptOut, phone)
    if row is None:
        row = SmsOptOut(phone=phone)
        session.add(row)
    row.opted_out = opted_out
    row.keyword = keyword[:20]
    row.updated_at = utcnow()
    session.flush()
    return row

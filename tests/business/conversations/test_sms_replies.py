"""The business's own answers to texts, without any channel: keywords and technicians get
replies, anything else is not ours (None) and goes to the assistant."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from business.models import Technician
from business.conversations.sms_replies import reply_to_text

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
STRANGER = "+13125550777"


def test_opt_out_and_help_are_answered_and_the_rest_is_for_the_assistant(session):
    assert "unsubscribed" in reply_to_text(session=session, phone=STRANGER, text="Stop", now=NOW)[0]
    assert reply_to_text(session=session, phone=STRANGER, text="can you fix a leak?", now=NOW) == []  # opted out
    assert "resubscribed" in reply_to_text(session=session, phone=STRANGER, text="START", now=NOW)[0]
    assert "Reply YES" in reply_to_text(session=session, phone=STRANGER, text="help", now=NOW)[0]
    assert reply_to_text(session=session, phone=STRANGER, text="can you fix a leak?", now=NOW) is None
    assert reply_to_text(session=session, phone=STRANGER, text="yes", now=NOW) is None  # no appointment


def test_a_technicians_text_is_never_for_the_assistant(session):
    technician = session.scalars(select(Technician).where(Technician.active.is_(True))).first()
    [reply] = reply_to_text(session=session, phone=technician.phone, text="what's up?", now=NOW)
    assert reply.startswith("Reply ACCEPT or DECLINE")

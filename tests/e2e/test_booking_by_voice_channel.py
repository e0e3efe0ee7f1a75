"""The thin slice: a caller books through Rasa's REST channel and the booking, the
customer and the transcript land in the database; a second caller for the same slot is
offered the next free time."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from business.db import session_factory
from business.models import Appointment, Conversation, Customer

pytestmark = pytest.mark.e2e
CHICAGO = ZoneInfo("America/Chicago")


def wait_for(predicate, timeout: float = 30.0):
    """Poll a condition (the transcript worker copies events asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_caller_books_and_second_caller_gets_next_free_time(stack):
    tomorrow = (datetime.now(CHICAGO) + timedelta(days=1)).date()
    replies = stack.call("CA-jessica", "hi this is Jessica Miller, my kitchen faucet is leaking, can someone come "
                         "tomorrow at 9am? my number is 312 555 0199", "+13125550199")
    assert any("address" in r.lower() for r in replies), replies

    replies = stack.call("CA-jessica", "1420 north lake shore drive chicago 60610", "+13125550199")
    read_back = " ".join(replies)
    assert f"tomorrow, {tomorrow:%A} {tomorrow:%B} {tomorrow.day} at 9 a.m." in read_back, replies
    assert "Jessica Miller" in read_back and "1420 North Lake Shore Drive" in read_back

    replies = stack.call("CA-jessica", "yes that's right", "+13125550199")
    assert any("all set" in r.lower() for r in replies), replies

    with session_factory(stack.database_url)() as session:
        customer = session.scalars(select(Customer).where(Customer.phone == "+13125550199")).one()
        assert customer.name == "Jessica Miller"
        assert customer.zip_code == "60610"
        booked = session.scalars(select(Appointment).where(Appointment.customer_id == customer.id)).one()
        local = booked.start_at.astimezone(CHICAGO)
        assert (local.date(), local.hour, local.minute) == (tomorrow, 9, 0)
        assert booked.status == "scheduled" and booked.source_channel == "phone"
        assert booked.service.slug == "faucet_repair"
        assert booked.technician.name == "Mike Alvarez"

    def jessica_turns():
        with session_factory(stack.database_url)() as session:
            conversation = session.scalars(select(Conversation).where(Conversation.external_id == "CA-jessica")).one_or_none()
            return conversation and len(conversation.turns) >= 6 and conversation

    conversation = wait_for(jessica_turns)
    assert conversation, "the transcript worker did not record the conversation"
    assert conversation.channel == "phone" and conversation.caller == "+13125550199"
    assert conversation.outcome == "booked" and conversation.intent == "book_appointment"
    with session_factory(stack.database_url)() as session:
        turns = session.get(Conversation, conversation.id).turns
        speakers = [t.speaker for t in turns]
        assert speakers.count("caller") == 3 and speakers.count("assistant") >= 3
        assert turns[0].text.startswith("hi this is Jessica Miller") and turns[0].intent == "book_appointment"

    # Same slot, second caller: the only plumber on duty is taken at 9.
    replies = stack.say("CA-robert", "hello my name is Robert Brown my bathroom faucet is dripping can you "
                        "come tomorrow at 9am my number is 312 555 0142")
    offer = " ".join(replies)
    assert "9 a.m." in offer and "won't work" in offer, replies
    assert "10:30 a.m." in offer, replies  # 9:00-10:00 job plus the 30-minute travel buffer

    replies = stack.say("CA-robert", "the first one please")
    assert any("address" in r.lower() for r in replies), replies
    stack.say("CA-robert", "2250 west chicago avenue 60622")
    replies = stack.say("CA-robert", "yes")
    assert any("all set" in r.lower() for r in replies), replies

    with session_factory(stack.database_url)() as session:
        robert = session.scalars(select(Customer).where(Customer.phone == "+13125550142")).one()
        second = session.scalars(select(Appointment).where(Appointment.customer_id == robert.id)).one()
        local = second.start_at.astimezone(CHICAGO)
        assert (local.date(), local.hour, local.minute) == (tomorrow, 10, 30)
        assert session.scalar(select(Appointment).where(Appointment.customer_id == customer.id)).start_at == booked.start_at

"""Complete multi-turn conversations through the running Rasa server and action server
(REST channel with signed caller metadata, as the voice bridge sends it), each checked
against the database afterwards."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from business.db import session_factory
from business.models import Appointment, AppointmentEvent, Conversation, Customer, Lead, Notification
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from tests.e2e.test_booking_by_voice_channel import wait_for
from channels.trust import sign_channel
from tests.e2e.conftest import SECRET_KEY, date_words, day_ahead

pytestmark = pytest.mark.e2e
CHICAGO = ZoneInfo("America/Chicago")




def _customer_with_visit(stack, phone: str, name: str, address: str, zip_code: str, *,
                         start: datetime, service: str = "toilet_repair") -> int:
    """A customer on file with one appointment at `start` (in the past or the future)."""
    with session_factory(stack.database_url).begin() as session:
        customer = upsert_customer(session=session, phone=phone, name=name, address=address, zip_code=zip_code)
        book_appointment(session=session, profile=load_profile(session=session), customer=customer,
                         service=get_service_by_slug(session=session, slug=service), start=start,
                         now=start - timedelta(days=2))
        return customer.id


def _appointments(stack, phone: str) -> list[Appointment]:
    with session_factory(stack.database_url)() as session:
        customer = session.scalars(select(Customer).where(Customer.phone == phone)).one()
        return list(session.scalars(select(Appointment).options(selectinload(Appointment.service))
                                    .where(Appointment.customer_id == customer.id).order_by(Appointment.start_at)))


def _outcome(stack, sender: str) -> Conversation | None:
    with session_factory(stack.database_url)() as session:
        return session.scalars(select(Conversation).where(Conversation.external_id == sender)).one_or_none()


def test_repeat_caller_is_greeted_by_name_and_asked_only_what_is_missing(stack):
    phone = "+13125550301"
    _customer_with_visit(stack, phone, "Linda Park", "88 West Schiller Street, Chicago, 60610", "60610",
                         start=day_ahead(-20, 10))
    greeting = " ".join(stack.call("CA-linda", "hi", phone))
    assert "Hi Linda" in greeting and "Last time we took care of your toilet repair" in greeting, greeting
    replies = " ".join(stack.call("CA-linda", f"my kitchen sink is clogged can someone come on {date_words(3)} at 2pm", phone))
    assert "88 West Schiller Street" in replies and "again?" in replies, replies
    assert "name" not in replies.lower() and "phone number" not in replies.lower()
    read_back = " ".join(stack.call("CA-linda", "yes same place", phone))
    assert "Linda Park" in read_back and "2 p.m." in read_back, read_back
    assert "all set" in " ".join(stack.call("CA-linda", "yes", phone)).lower()
    booked = _appointments(stack, phone)[-1]
    assert booked.start_at == day_ahead(3, 14) and booked.service.slug == "drain_cleaning"
    assert booked.address == "88 West Schiller Street, Chicago, 60610"


def test_emergency_gets_safety_advice_and_the_earliest_emergency_slot(stack):
    phone = "+13125550302"
    replies = " ".join(stack.call("CA-flood", "help there's water pouring out of a burst pipe in my basement", phone))
    assert "shut off your main water valve" in replies, replies
    replies = " ".join(stack.call("CA-flood", "omar farouk", phone))
    assert "The earliest I can get a plumber to you is" in replies, replies
    replies = " ".join(stack.call("CA-flood", "yes please", phone))
    assert "address" in replies.lower(), replies
    stack.call("CA-flood", "2250 west chicago avenue 60622", phone)
    assert "all set" in " ".join(stack.call("CA-flood", "yes", phone)).lower()
    booked = _appointments(stack, phone)[-1]
    assert booked.urgency == "emergency" and booked.service.slug == "burst_pipe"


def test_verified_caller_cancels_their_appointment(stack):
    phone = "+13125550303"
    _customer_with_visit(stack, phone, "Greg Wilson", "400 North State Street, Chicago, 60654", "60654",
                         start=day_ahead(5, 9), service="drain_cleaning")
    replies = " ".join(stack.call("CA-cancel", "hi i need to cancel my appointment", phone))
    assert "Would you like me to cancel it?" in replies and "drain cleaning" in replies.lower(), replies
    assert "cancelled" in " ".join(stack.call("CA-cancel", "yes please", phone)).lower()
    (appointment,) = _appointments(stack, phone)
    assert appointment.status == "cancelled"
    with session_factory(stack.database_url)() as session:
        statuses = session.scalars(select(AppointmentEvent.status).where(
            AppointmentEvent.appointment_id == appointment.id)).all()
        assert statuses == ["scheduled", "cancelled"]
    assert _outcome(stack, "CA-cancel").outcome == "cancelled"


def _texted_code(stack, phone: str) -> str:
    with session_factory(stack.database_url)() as session:
        text = session.scalars(select(Notification).where(Notification.kind == "verification_code",
                                                          Notification.recipient == phone)
                               .order_by(Notification.id.desc())).first()
        return re.search(r"\b(\d{6})\b", text.body).group(1)


def test_web_visitor_gives_name_number_and_the_texted_code(stack):
    phone = "+13125550304"
    _customer_with_visit(stack, phone, "Karen White", "1 East Erie Street, Chicago, 60611", "60611",
                         start=day_ahead(6, 9), service="water_heater")
    replies = " ".join(stack.say("web-karen", "when is my appointment"))
    assert "name" in replies.lower(), replies
    replies = " ".join(stack.say("web-karen", "karen white"))
    assert "number" in replies.lower(), replies
    replies = " ".join(stack.say("web-karen", "312 555 0304"))
    assert "texted a code" in replies and "water heater" not in replies.lower(), replies
    replies = " ".join(stack.say("web-karen", _texted_code(stack, phone)))
    assert "water heater" in replies.lower() and "9 a.m." in replies, replies
    # Someone else with Karen's number but another name hears the same, and no code is sent.
    stack.say("web-intruder", "when is my appointment")
    stack.say("web-intruder", "tom becker")
    replies = " ".join(stack.say("web-intruder", "312 555 0304"))
    assert "texted a code" in replies and "water heater" not in replies.lower(), replies
    replies = " ".join(stack.say("web-intruder", "123456"))
    assert "doesn't match" in replies and "water heater" not in replies.lower(), replies
    with session_factory(stack.database_url)() as session:
        assert len(session.scalars(select(Notification).where(Notification.kind == "verification_code",
                                                              Notification.recipient == phone)).all()) == 1


def test_reschedule_moves_the_appointment_and_keeps_history(stack):
    phone = "+13125550305"
    _customer_with_visit(stack, phone, "Susan Reed", "233 South Wacker Drive, Chicago, 60606", "60606",
                         start=day_ahead(4, 15), service="faucet_repair")
    replies = " ".join(stack.call("CA-move", "i need to reschedule my appointment", phone))
    assert "faucet" in replies.lower() and "What day and time" in replies, replies
    replies = " ".join(stack.call("CA-move", f"on {date_words(7)} at 11am", phone))
    assert "move your" in replies and "11 a.m." in replies, replies
    assert "now" in " ".join(stack.call("CA-move", "yes", phone))
    (appointment,) = _appointments(stack, phone)
    assert appointment.start_at == day_ahead(7, 11) and appointment.status in {"scheduled", "confirmed"}
    assert _outcome(stack, "CA-move").outcome == "rescheduled"


def test_faq_mid_booking_is_answered_and_the_form_resumes(stack):
    phone = "+13125550306"
    replies = " ".join(stack.call("CA-faq", "i need a plumber my garbage disposal is jammed", phone))
    assert "name" in replies.lower(), replies
    replies = " ".join(stack.call("CA-faq", "do you take credit cards", phone))
    assert "card" in replies.lower() and "name" in replies.lower(), replies
    replies = " ".join(stack.call("CA-faq", "rachel green", phone))
    assert "day and time" in replies.lower(), replies


def test_request_for_a_human_creates_a_lead_for_the_office(stack):
    phone = "+13125550307"
    replies = " ".join(stack.call("sms:+13125550307", "can i talk to a real person please", phone, channel="sms"))
    assert "call you back at (312) 555-0307" in replies, replies
    with session_factory(stack.database_url)() as session:
        lead = session.scalars(select(Lead).where(Lead.phone == phone)).one()
        assert lead.conversation_id is not None
        alert = session.scalars(select(Notification).where(Notification.kind.like("owner_lead%"))).all()
        assert alert, "the owner was not alerted"
    assert _outcome(stack, "sms:+13125550307").outcome == "lead"


def test_a_phone_caller_asking_for_a_person_is_handed_to_the_bridge_with_a_lead_behind(stack):
    phone = "+13125550308"
    signature = sign_channel(SECRET_KEY, channel="phone", caller=phone, sender_id="CA-human")
    answer = stack.answer("CA-human", "can i talk to a real person please",
                          {"channel": "phone", "caller": phone, "signature": signature})
    assert {"handoff": "transfer"} in [m.get("custom") for m in answer], answer
    with session_factory(stack.database_url)() as session:
        assert session.scalars(select(Lead).where(Lead.phone == phone)).one().reason == "asked for a person"


def test_goodbye_closes_the_conversation_with_a_summary(stack):
    stack.call("CA-info", "what are your hours", "+13125550308")
    stack.call("CA-info", "ok thanks bye", "+13125550308")
    conversation = wait_for(lambda: (c := _outcome(stack, "CA-info")) and c.ended_at and c)
    assert conversation.outcome == "information" and "by phone" in conversation.summary

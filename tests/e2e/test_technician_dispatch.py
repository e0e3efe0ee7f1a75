"""Booking through Rasa dispatches a technician, then the texts take it from there: the
customer's YES confirms through the signed /twilio/sms webhook of a dashboard app on the
stack's database, and the technician's ACCEPT, OMW and DONE run the job to completion."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from business.db import session_factory
from business.models import Appointment, Customer, DispatchRecord, Notification, Technician
from business.notifications.config import NotificationSettings
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from dashboard import create_app
from tests.e2e.conftest import SECRET_KEY
from tests.e2e.conftest import date_words, day_ahead

pytestmark = pytest.mark.e2e
CHICAGO = ZoneInfo("America/Chicago")
PUBLIC = "https://receptionist.example.com"
AUTH_TOKEN = "e2e-twilio-auth-token"
PHONE = "+13125550311"




def _texter(stack):
    app = create_app({"DATABASE_URL": stack.database_url, "SECRET_KEY": SECRET_KEY, "TESTING": True,
                      "RASA_URL": stack.rasa_url,
                      "NOTIFY": NotificationSettings(twilio_auth_token=AUTH_TOKEN, public_base_url=PUBLIC)})
    client = app.test_client()

    def text(sender: str, body: str) -> list[str]:
        params = {"From": sender, "Body": body, "MessageSid": "SM" + uuid.uuid4().hex}
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + "/twilio/sms", params)
        response = client.post("/twilio/sms", data=params, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200, response.data
        return [m.text for m in ElementTree.fromstring(response.data).iter("Message")]

    return text


def test_a_booking_is_dispatched_confirmed_by_text_and_completed_by_the_technician(stack):
    with session_factory(stack.database_url).begin() as session:
        customer = upsert_customer(session=session, phone=PHONE, name="Nora Quinn",
                                   address="1200 West Fullerton Avenue, Chicago, 60614", zip_code="60614")
        book_appointment(session=session, profile=load_profile(session=session), customer=customer,
                         service=get_service_by_slug(session=session, slug="toilet_repair"), start=day_ahead(-30, 10),
                         now=day_ahead(-32, 10))
    stack.call("CA-nora", "hi", PHONE)
    replies = " ".join(stack.call("CA-nora", f"my kitchen sink is clogged can someone come on {date_words(3)} at 4pm", PHONE))
    assert "1200 West Fullerton Avenue" in replies, replies
    stack.call("CA-nora", "yes same place", PHONE)
    assert "all set" in " ".join(stack.call("CA-nora", "yes", PHONE)).lower()

    with session_factory(stack.database_url)() as session:
        customer_id = session.scalar(select(Customer.id).where(Customer.phone == PHONE))
        appointment = session.scalars(select(Appointment).where(
            Appointment.customer_id == customer_id).order_by(Appointment.start_at.desc())).first()
        # 4 p.m.: the repeat-caller conversation test books 2 p.m. that day with the same plumber.
        assert appointment.start_at == day_ahead(3, 16) and appointment.status == "scheduled"
        mike = session.scalar(select(Technician).where(Technician.name == "Mike Alvarez"))
        record = session.scalar(select(DispatchRecord).where(DispatchRecord.appointment_id == appointment.id))
        assert (record.technician_id, record.status) == (mike.id, "assigned")
        sent = {(n.kind, n.recipient) for n in session.scalars(select(Notification).where(
            Notification.appointment_id == appointment.id))}
        assert ("technician_dispatch", mike.phone) in sent and ("booking_confirmation", PHONE) in sent
        appointment_id, mike_phone = appointment.id, mike.phone

    text = _texter(stack)
    (reply,) = text(PHONE, "YES")
    assert reply.startswith("Thanks, Nora! Your drain cleaning is confirmed"), reply
    (reply,) = text(mike_phone, "accept")
    assert reply.startswith(f"Thanks, Mike! Job #{appointment_id} is yours"), reply
    assert text(mike_phone, "OMW") == ["Thanks, Mike. We've told Nora you're on the way."]
    assert text(mike_phone, f"DONE {appointment_id}") == [f"Great work, Mike! Job #{appointment_id} is marked done."]

    with session_factory(stack.database_url)() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment.status == "completed"
        assert [e.status for e in appointment.history] == ["scheduled", "confirmed", "accepted", "en_route",
                                                           "completed"]
        kinds = set(session.scalars(select(Notification.kind).where(Notification.recipient == PHONE)))
        assert {"booking_confirmation", "en_route", "review_request"} <= kinds

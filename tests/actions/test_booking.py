"""The booking action stores the customer, the appointment and the conversation link."""
from __future__ import annotations

from sqlalchemy import select

from actions.booking import ActionBookAppointment
from business.db import session_factory
from business.models import Appointment, Conversation, Customer, Technician
from tests.actions.conftest import CHI, make_tracker, next_tuesday_at, said, signed_metadata

SLOTS = {"service_slug": "faucet_repair", "customer_name": "Jessica Miller", "phone": "+13125550199",
         "address": "1420 North Lake Shore Drive, Chicago, 60610", "zip_code": "60610",
         "problem": "kitchen faucet is leaking", "booking_confirmed": True}


def test_books_and_links_conversation(actions_db, dispatcher):
    start = next_tuesday_at(9)
    tracker = make_tracker({**SLOTS, "appointment_time": start.isoformat()}, text="yes", intent="affirm",
                           metadata=signed_metadata("phone", "+1 312 555 0199", sender="CA123"), sender="CA123")
    events = ActionBookAppointment().run(dispatcher, tracker, {})
    assert "You're all set, Jessica" in said(dispatcher)
    assert {"event": "slot", "timestamp": None, "name": "appointment_time", "value": None} in events
    with session_factory(actions_db)() as session:
        appointment = session.scalars(select(Appointment)).one()
        assert appointment.start_at.astimezone(CHI) == start
        assert appointment.source_channel == "phone" and appointment.problem == "kitchen faucet is leaking"
        conversation = session.scalars(select(Conversation).where(Conversation.external_id == "CA123")).one()
        assert (conversation.outcome, conversation.caller, conversation.channel) == ("booked", "+13125550199", "phone")
        assert appointment.conversation_id == conversation.id


def test_slot_taken_meanwhile_reopens_form_with_offers(actions_db, dispatcher):
    start = next_tuesday_at(9)
    with session_factory(actions_db).begin() as session:
        for tech in session.scalars(select(Technician).where(Technician.name != "Mike Alvarez")):
            tech.active = False
    first = make_tracker({**SLOTS, "appointment_time": start.isoformat()}, sender="first")
    ActionBookAppointment().run(dispatcher, first, {})
    second = make_tracker({**SLOTS, "phone": "+13125550142", "customer_name": "Robert Brown",
                           "appointment_time": start.isoformat()}, sender="second")
    events = ActionBookAppointment().run(dispatcher, second, {})
    assert {"event": "followup", "timestamp": None, "name": "appointment_form"} in events
    offered = next(e["value"] for e in events if e.get("name") == "offered_times")
    assert len(offered) == 2
    with session_factory(actions_db)() as session:
        assert len(session.scalars(select(Appointment)).all()) == 1
        assert session.scalars(select(Customer).where(Customer.phone == "+13125550142")).one()


def test_declined_confirmation_books_nothing(actions_db, dispatcher):
    tracker = make_tracker({**SLOTS, "booking_confirmed": False, "appointment_time": next_tuesday_at(9).isoformat()})
    ActionBookAppointment().run(dispatcher, tracker, {})
    assert "won't book anything" in said(dispatcher)
    with session_factory(actions_db)() as session:
        assert session.scalars(select(Appointment)).all() == []


def test_unsigned_message_never_inherits_an_earlier_signed_caller(actions_db, dispatcher):
    """The takeover: a conversation began as a signed call from the owner's number; a later
    message with no signature (anyone reusing the sender id) is an anonymous visitor."""
    from rasa_sdk import Tracker

    from actions.channel import caller_context
    signed = signed_metadata("phone", "+13125550199", sender="CA9")
    events = [
        {"event": "user", "text": "hi", "metadata": {**signed, "model_id": "m"}},
        {"event": "bot", "text": "hello"},
        {"event": "user", "text": "when is my appointment", "metadata": {"model_id": "m"}},
    ]
    context = caller_context(Tracker("CA9", {}, {}, events, False, None, {}, "action_listen"))
    assert (context.channel, context.caller_phone, context.trusted) == ("web", None, False)
    # The same message signed (as every message of a real call is) is believed, with
    # Rasa's own keys beside the signature.
    events[-1]["metadata"] = {**signed_metadata("phone", "+13125550199", sender="CA9"), "model_id": "m"}
    context = caller_context(Tracker("CA9", {}, {}, events, False, None, {}, "action_listen"))
    assert (context.channel, context.caller_phone, context.trusted) == ("phone", "+13125550199", True)
    # A signature made for another conversation is refused.
    events[-1]["metadata"] = signed_metadata("phone", "+13125550199", sender="CA1")
    assert not caller_context(Tracker("CA9", {}, {}, events, False, None, {}, "action_listen")).trusted
    plain = caller_context(Tracker("s", {}, {}, [{"event": "user", "metadata": {"channel": "admin"}}], False, None, {}, ""))
    assert (plain.channel, plain.caller_phone) == ("web", None)


def _on_file(database_url):
    from business.repository import upsert_customer
    with session_factory(database_url).begin() as session:
        upsert_customer(session=session, phone="+13125550123", name="Tom Becker", email="tom@example.com",
                        address="2250 N Clark St, Chicago, 60614", zip_code="60614")


def test_unverified_visitor_cannot_take_over_a_customer_by_phone_number(actions_db, dispatcher):
    """The takeover: an anonymous visitor books with a customer's number under another name."""
    from business.models import Lead
    _on_file(actions_db)
    tracker = make_tracker({**SLOTS, "customer_name": "Eve Intruder", "phone": "+13125550123",
                            "appointment_time": next_tuesday_at(9).isoformat()}, sender="web:abc")
    events = ActionBookAppointment().run(dispatcher, tracker, {})
    assert "already on file under a different name" in said(dispatcher)
    assert not any(e.get("name") == "customer_id" and e.get("value") for e in events)
    with session_factory(actions_db)() as session:
        tom = session.scalars(select(Customer).where(Customer.phone == "+13125550123")).one()
        assert (tom.name, tom.email, tom.address) == ("Tom Becker", "tom@example.com", "2250 N Clark St, Chicago, 60614")
        assert session.scalars(select(Appointment)).all() == []
        lead = session.scalars(select(Lead)).one()
        assert lead.name == "Eve Intruder" and "on file under another customer" in lead.reason
        conversation = session.scalars(select(Conversation).where(Conversation.external_id == "web:abc")).one()
        assert conversation.outcome == "lead" and conversation.customer_id is None


def test_name_on_file_books_without_rewriting_the_record(actions_db, dispatcher):
    _on_file(actions_db)
    tracker = make_tracker({**SLOTS, "customer_name": "tom becker", "phone": "+13125550123",
                            "address": "99 W Elm St, Chicago, 60610", "zip_code": "60610",
                            "appointment_time": next_tuesday_at(9).isoformat()}, sender="web:def")
    ActionBookAppointment().run(dispatcher, tracker, {})
    assert "You're all set, Tom" in said(dispatcher)
    with session_factory(actions_db)() as session:
        tom = session.scalars(select(Customer).where(Customer.phone == "+13125550123")).one()
        assert (tom.name, tom.address) == ("Tom Becker", "2250 N Clark St, Chicago, 60614")
        appointment = session.scalars(select(Appointment)).one()
        assert appointment.customer_id == tom.id and appointment.address.startswith("99 W Elm St")


def test_verified_caller_id_updates_the_record(actions_db, dispatcher):
    _on_file(actions_db)
    tracker = make_tracker({**SLOTS, "customer_name": "Thomas Becker", "phone": "+13125550123",
                            "appointment_time": next_tuesday_at(9).isoformat()},
                           metadata=signed_metadata("phone", "+13125550123", sender="CA77"), sender="CA77")
    ActionBookAppointment().run(dispatcher, tracker, {})
    with session_factory(actions_db)() as session:
        tom = session.scalars(select(Customer).where(Customer.phone == "+13125550123")).one()
        assert tom.name == "Thomas Becker" and tom.address.startswith("1420 North Lake Shore Drive")

"""Existing appointments: a caller hears about, cancels or moves only their own
appointment, identified by verified caller ID or by name plus number."""
from __future__ import annotations


from sqlalchemy import select

from actions.appointments import ActionCancelAppointment, ActionFindAppointment, ActionKeepAppointment
from business.db import session_factory
from business.models import Appointment, AppointmentEvent, Conversation
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from tests.actions.conftest import make_tracker, next_tuesday_at, said, signed_metadata


def _book_jessica(url: str) -> tuple[int, int]:
    with session_factory(url)() as session:
        customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
        appointment = book_appointment(session=session, profile=load_profile(session=session), customer=customer,
                                       service=get_service_by_slug(session=session, slug="faucet_repair"),
                                       start=next_tuesday_at(9))
        session.commit()
        return customer.id, appointment.id


def _slots(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_name_and_number_find_the_appointment(actions_db, dispatcher):
    customer_id, appointment_id = _book_jessica(actions_db)
    # A phone caller with the caller ID withheld; the web widget also needs a texted code.
    tracker = make_tracker({"customer_name": "jessica miller", "phone": "+13125550199", "pending_request": "check"},
                           metadata=signed_metadata("phone", None))
    slots = _slots(ActionFindAppointment().run(dispatcher, tracker, {}))
    assert slots["appointment_found"] is True and slots["appointment_id"] == appointment_id
    assert slots["pending_request"] is None
    assert "I have your faucet repair or replacement" in said(dispatcher) and "at 9 a.m." in said(dispatcher)


def test_wrong_name_or_unsigned_caller_id_hears_nothing(actions_db, dispatcher):
    _book_jessica(actions_db)
    wrong_name = make_tracker({"customer_name": "tom becker", "phone": "+13125550199", "pending_request": "check"})
    assert _slots(ActionFindAppointment().run(dispatcher, wrong_name, {}))["appointment_found"] is False
    unsigned = make_tracker({"phone": "+13125550199", "pending_request": "check"},
                            metadata={"channel": "phone", "caller": "+13125550199"})
    assert _slots(ActionFindAppointment().run(dispatcher, unsigned, {}))["appointment_found"] is False
    assert "faucet" not in said(dispatcher) and "9 a.m." not in said(dispatcher)
    assert said(dispatcher).count("I couldn't find an upcoming appointment") == 2


def test_verified_caller_id_cancels_after_confirming(actions_db, dispatcher):
    customer_id, appointment_id = _book_jessica(actions_db)
    metadata = signed_metadata("phone", "+13125550199")
    find = make_tracker({"phone": "+13125550199", "pending_request": "cancel"}, metadata=metadata)
    slots = _slots(ActionFindAppointment().run(dispatcher, find, {}))
    assert "Would you like me to cancel it?" in said(dispatcher)
    cancel = make_tracker({**slots, "pending_request": "cancel"}, metadata=metadata, intent="affirm")
    ActionCancelAppointment().run(dispatcher, cancel, {})
    with session_factory(actions_db)() as session:
        appointment = session.get(Appointment, appointment_id)
        assert appointment.status == "cancelled"
        history = session.scalars(select(AppointmentEvent.status).where(
            AppointmentEvent.appointment_id == appointment_id)).all()
        assert history[-1] == "cancelled"
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.outcome == "cancelled" and "cancelled" in conversation.summary


def test_cancel_refuses_someone_elses_appointment_id(actions_db, dispatcher):
    _, appointment_id = _book_jessica(actions_db)
    with session_factory(actions_db)() as session:
        other = upsert_customer(session=session, phone="+17735550123", name="Tom Becker")
        session.commit()
        other_id = other.id
    forged = make_tracker({"appointment_id": float(appointment_id), "customer_id": float(other_id)}, intent="affirm")
    ActionCancelAppointment().run(dispatcher, forged, {})
    with session_factory(actions_db)() as session:
        assert session.get(Appointment, appointment_id).status == "scheduled"


def test_keeping_the_appointment_clears_the_request(actions_db, dispatcher):
    events = ActionKeepAppointment().run(dispatcher, make_tracker({"pending_request": "cancel"}), {})
    assert _slots(events)["pending_request"] is None and "leave your appointment" in said(dispatcher)

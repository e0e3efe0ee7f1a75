"""A web visitor proves an existing appointment with the code texted to the number on file:
the lookup form asks for it, the text goes to the local outbox, a wrong code reveals
nothing, and a booking's customer id alone never stands in for the code."""
from __future__ import annotations

import asyncio
import re

from sqlalchemy import select

from actions.appointments import ActionFindAppointment, ValidateLookupForm
from actions.verification import ActionAskVerificationCode
from business.db import session_factory
from business.models import Notification
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from tests.actions.conftest import domain, make_tracker, next_tuesday_at, said, signed_metadata

SENDER = "web:0123456789abcdef"
ON_FILE = {"customer_name": "jessica miller", "phone": "+13125550199", "pending_request": "check"}


def _book_jessica(url: str) -> int:
    with session_factory(url)() as session:
        customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
        book_appointment(session=session, profile=load_profile(session=session), customer=customer,
                         service=get_service_by_slug(session=session, slug="faucet_repair"), start=next_tuesday_at(9))
        session.commit()
        return customer.id


def _codes(url: str) -> list[Notification]:
    with session_factory(url)() as session:
        return list(session.scalars(select(Notification).where(Notification.kind == "verification_code")))


def _slots(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def _required(tracker) -> list[str]:
    slots = ["customer_name", "phone", "verification_code"]
    return asyncio.run(ValidateLookupForm().required_slots(slots, None, tracker, domain()))


def test_web_visitor_is_asked_for_a_code_and_a_phone_caller_is_not(actions_db):
    assert _required(make_tracker(ON_FILE, sender=SENDER)) == ["customer_name", "phone", "verification_code"]
    phone = make_tracker(ON_FILE, metadata=signed_metadata("phone", None))
    assert _required(phone) == ["customer_name", "phone"]
    # A booking earlier in the chat set customer_id; on the web that proves nothing.
    assert "verification_code" in _required(make_tracker({**ON_FILE, "customer_id": 1.0}, sender=SENDER))


def test_the_code_is_texted_only_to_a_match_and_the_visitor_hears_the_same(actions_db, dispatcher):
    _book_jessica(actions_db)
    stranger = make_tracker({**ON_FILE, "customer_name": "tom becker"}, sender="web:stranger-0000000001")
    ActionAskVerificationCode().run(dispatcher, stranger, {})
    assert _codes(actions_db) == []
    said_to_stranger = said(dispatcher)
    dispatcher.messages.clear()
    ActionAskVerificationCode().run(dispatcher, make_tracker(ON_FILE, sender=SENDER), {})
    assert said(dispatcher) == said_to_stranger and "code" in said_to_stranger
    (text,) = _codes(actions_db)
    assert text.recipient == "+13125550199" and text.status == "queued"
    # Asking again in the same chat does not text again.
    ActionAskVerificationCode().run(dispatcher, make_tracker(ON_FILE, sender=SENDER), {})
    assert len(_codes(actions_db)) == 1


def test_only_the_right_code_reveals_the_appointment(actions_db, dispatcher):
    customer_id = _book_jessica(actions_db)
    ActionAskVerificationCode().run(dispatcher, make_tracker(ON_FILE, sender=SENDER), {})
    code = re.search(r"\b(\d{6})\b", _codes(actions_db)[0].body).group(1)
    form = ValidateLookupForm()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    missed = form.validate_verification_code(wrong, dispatcher, make_tracker(ON_FILE, sender=SENDER), {})
    assert missed["verification_code"] is None and missed["failed_attempts"] == {"lookup_code": 1}
    not_yet = make_tracker({**ON_FILE, "customer_id": float(customer_id)}, sender=SENDER)
    assert _slots(ActionFindAppointment().run(dispatcher, not_yet, {}))["appointment_found"] is False
    assert "faucet" not in said(dispatcher)
    proven = form.validate_verification_code(code, dispatcher, make_tracker(ON_FILE, sender=SENDER), {})
    assert proven == {"verification_code": f"verified:{customer_id}", "customer_id": float(customer_id)}
    found = make_tracker({**ON_FILE, **proven}, sender=SENDER)
    assert _slots(ActionFindAppointment().run(dispatcher, found, {}))["appointment_found"] is True
    assert "faucet repair" in said(dispatcher)


def test_a_typed_marker_is_not_taken_for_a_proof(actions_db, dispatcher):
    customer_id = _book_jessica(actions_db)
    ActionAskVerificationCode().run(dispatcher, make_tracker(ON_FILE, sender=SENDER), {})
    # Rasa has already put the typed text in the slot when the validator runs.
    typed = make_tracker({**ON_FILE, "verification_code": f"verified:{customer_id}"}, sender=SENDER)
    forged = ValidateLookupForm().validate_verification_code(f"verified:{customer_id}", dispatcher, typed, {})
    assert forged["verification_code"] is None


def test_a_typed_code_read_as_a_phone_number_keeps_the_number(actions_db, dispatcher):
    tracker = make_tracker({"phone": "482913", "verification_code": "482913"}, text="482913",
                           known={**ON_FILE}, sender=SENDER, requested_slot="verification_code", form="lookup_form")
    kept = ValidateLookupForm().validate_phone("482913", dispatcher, tracker, {})
    assert kept == {"phone": "+13125550199"} and said(dispatcher) == ""

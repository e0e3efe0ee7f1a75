"""Repeat customers: a verified caller ID fills in what is on file and the greeting
welcomes them back; an unsigned caller number identifies nobody."""
from __future__ import annotations

from datetime import timedelta

from rasa_sdk import Tracker

from actions.customers import ActionGreet, ActionSessionStart
from business.db import session_factory
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from tests.actions.conftest import make_tracker, next_tuesday_at, run_action, said, signed_metadata


def _jessica_with_past_visit(url: str) -> int:
    with session_factory(url)() as session:
        customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller",
                                   address="1200 West Addison Street, Chicago, 60613", zip_code="60613")
        profile = load_profile(session=session)
        start = next_tuesday_at(9)
        # Booked for a date that has passed by "now" (the visit happened).
        book_appointment(session=session, profile=profile, customer=customer,
                         service=get_service_by_slug(session=session, slug="faucet_repair"), start=start,
                         now=start - timedelta(days=1))
        session.commit()
        return customer.id


def _session_start(metadata: dict) -> list[dict]:
    from rasa_sdk.executor import CollectingDispatcher

    tracker = Tracker("test-sender", {"session_started_metadata": metadata}, {}, [], False, None, {}, "action_listen")
    return run_action(ActionSessionStart(), tracker, CollectingDispatcher())


def _slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_verified_caller_id_fills_what_is_on_file(actions_db):
    customer_id = _jessica_with_past_visit(actions_db)
    events = _session_start(signed_metadata("phone", "+13125550199"))
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    slots = _slots(events)
    assert slots["customer_id"] == customer_id and slots["customer_name"] == "Jessica Miller"
    assert slots["phone"] == "+13125550199" and slots["address_from_file"] is True
    assert slots["address"] == "1200 West Addison Street, Chicago, 60613"


def test_unsigned_or_forged_caller_id_identifies_nobody(actions_db):
    _jessica_with_past_visit(actions_db)
    unsigned = _slots(_session_start({"channel": "phone", "caller": "+13125550199"}))
    forged = {**signed_metadata("phone", "+13125550100"), "caller": "+13125550199"}
    assert "customer_id" not in unsigned and "customer_name" not in unsigned
    assert "customer_id" not in _slots(_session_start(forged))


def test_new_caller_keeps_only_their_number(actions_db):
    # One signed metadata for both sides: a second signature made a second later differs.
    metadata = signed_metadata("phone", "+17735550123")
    slots = _slots(_session_start(metadata))
    assert slots == {"session_started_metadata": metadata, "caller_phone": "+17735550123", "phone": "+17735550123"}


def test_greeting_by_name_mentions_last_service(actions_db, dispatcher, monkeypatch):
    customer_id = _jessica_with_past_visit(actions_db)
    # The visit is in the past once "now" is after it.
    monkeypatch.setattr("actions.customers.utcnow", lambda: next_tuesday_at(12) + timedelta(days=1))
    ActionGreet().run(dispatcher, make_tracker({"customer_id": float(customer_id), "returning_customer": True}), {})
    assert said(dispatcher) == ("Hi Jessica, thanks for calling Lakeshore Plumbing again. "
                                "Last time we took care of your faucet repair or replacement. How can I help you today?")


def test_new_caller_gets_the_standard_greeting(actions_db, dispatcher):
    ActionGreet().run(dispatcher, make_tracker(), {})
    assert said(dispatcher) == "Thanks for calling Lakeshore Plumbing, this is the virtual assistant. How can I help you today?"

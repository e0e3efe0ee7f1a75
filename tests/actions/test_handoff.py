"""Hand-off to a person: the lead carries the callback number (caller ID or said), the
owner is alerted, and the conversation's outcome is a lead."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from actions.handoff import ActionCreateLead, ValidateCallbackForm
from business.db import session_factory
from business.models import Conversation, Lead, Notification
from tests.actions.conftest import make_tracker, said, signed_metadata


def test_lead_from_verified_caller_id_without_a_name(actions_db, dispatcher):
    tracker = make_tracker({"phone": "+13125550307"}, intent="request_human",
                           metadata=signed_metadata("sms", "+13125550307"))
    events = ActionCreateLead().run(dispatcher, tracker, {})
    assert "call you back at (312) 555-0307" in said(dispatcher)
    with session_factory(actions_db)() as session:
        lead = session.scalars(select(Lead)).one()
        assert (lead.phone, lead.reason) == ("+13125550307", "asked for a person")
        conversation = session.scalars(select(Conversation)).one()
        assert lead.conversation_id == conversation.id and conversation.outcome == "lead"
        assert session.scalars(select(Notification).where(Notification.kind == "owner_lead")).all()
    assert {"event": "slot", "name": "needs_human", "value": None, "timestamp": None} in events


def test_lead_after_the_form_gave_up_says_why(actions_db, dispatcher):
    tracker = make_tracker({"phone": "+17735550123", "needs_human": True, "problem": "water heater",
                            "customer_name": "Jessica Miller"})
    ActionCreateLead().run(dispatcher, tracker, {})
    with session_factory(actions_db)() as session:
        lead = session.scalars(select(Lead)).one()
        assert lead.name == "Jessica Miller"
        assert lead.reason == "the assistant could not understand; problem: water heater"


def test_no_number_no_lead(actions_db, dispatcher):
    ActionCreateLead().run(dispatcher, make_tracker(), {})
    assert "without a number" in said(dispatcher)
    with session_factory(actions_db)() as session:
        assert session.scalars(select(Lead)).all() == []


def test_callback_number_is_asked_at_most_three_times(actions_db, dispatcher):
    validator = ValidateCallbackForm()
    tracker = make_tracker({"failed_attempts": {"callback_phone": 2}})
    result = validator.validate_phone("five five five", dispatcher, tracker, {})
    assert result["failed_attempts"] == {"callback_phone": 3} and "needs_human" not in result


def test_a_phone_caller_asking_for_a_person_is_put_through_with_a_lead_behind(actions_db, dispatcher):
    tracker = make_tracker(intent="request_human", metadata=signed_metadata("phone", "+13125550307"))
    ActionCreateLead().run(dispatcher, tracker, {})
    assert {"handoff": "transfer"} in [m.get("custom") for m in dispatcher.messages]
    assert not said(dispatcher)  # the bridge says its own transfer line
    with session_factory(actions_db)() as session:
        assert session.scalars(select(Lead)).one().phone == "+13125550307"


def test_an_unsigned_phone_claim_is_never_transferred(actions_db, dispatcher):
    tracker = make_tracker({"phone": "+13125550307"}, intent="request_human",
                           metadata={"channel": "phone", "caller": "+13125550307"})
    ActionCreateLead().run(dispatcher, tracker, {})
    assert all(not m.get("custom") for m in dispatcher.messages)
    assert "call you back" in said(dispatcher)


def test_a_verified_caller_id_is_not_asked_for_again(actions_db, dispatcher):
    validator = ValidateCallbackForm()
    verified = make_tracker(intent="request_human", metadata=signed_metadata("phone", "+13125550307"))
    anonymous = make_tracker(intent="request_human")
    assert asyncio.run(validator.required_slots(["phone"], dispatcher, verified, {})) == []
    assert asyncio.run(validator.required_slots(["phone"], dispatcher, anonymous, {})) == ["phone"]

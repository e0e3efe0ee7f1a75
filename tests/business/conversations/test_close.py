"""Every conversation that ends without a booking gets an outcome, a summary and, when the
caller asked for service or gave details and a number is known, one lead."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from business.conversations.close import close_idle_conversations
from business.conversations.outcome import Facts, record_call_ended, record_outcome
from business.models import Conversation, Lead, Notification, utcnow
from business.repository import get_or_create_conversation


def _leads(session, conversation):
    return list(session.scalars(select(Lead).where(Lead.conversation_id == conversation.id)))


def test_a_phone_hang_up_mid_form_is_abandoned_with_a_lead_and_an_owner_alert(session):
    call = get_or_create_conversation(session=session, external_id="CA-mid-form", channel="phone",
                                      caller="+13125550199")
    call.slots = {"customer_name": "Maria Lopez", "problem": "kitchen faucet leaking",
                  "service_slug": "faucet_repair", "urgency": "routine"}
    conversation = record_call_ended(session=session, external_id="CA-mid-form", status="completed")
    assert conversation.outcome == "abandoned"
    assert conversation.summary == (
        "Maria Lopez ((312) 555-0199) contacted us by phone about kitchen faucet leaking. The conversation "
        "ended before anything was booked. A lead was created for the office to call back.")
    [lead] = _leads(session, conversation)
    assert (lead.name, lead.phone) == ("Maria Lopez", "+13125550199")
    assert "Faucet repair" in lead.reason
    assert session.scalar(select(Notification).where(Notification.kind == "owner_lead")) is not None
    # The bridge may report the end twice: still one lead.
    record_call_ended(session=session, external_id="CA-mid-form", status="completed")
    assert len(_leads(session, conversation)) == 1


def test_a_booked_call_gets_no_lead(session):
    record_outcome(session=session, external_id="CA-done", outcome="booked",
                   facts=Facts(channel="phone", customer_name="Tom Becker", phone="+13125550456"))
    conversation = record_call_ended(session=session, external_id="CA-done", status="completed")
    assert conversation.outcome == "booked" and _leads(session, conversation) == []


def test_an_idle_web_chat_with_a_name_and_number_is_closed_with_a_lead(session):
    chat = get_or_create_conversation(session=session, external_id="web-idle", channel="web")
    chat.slots = {"customer_name": "Ana Ruiz", "phone": "+17735550123", "problem": "toilet keeps running",
                  "service_slug": "toilet_repair"}
    chat.started_at = utcnow() - timedelta(hours=1)
    chat.ended_at = utcnow() - timedelta(minutes=20)
    fresh = get_or_create_conversation(session=session, external_id="web-fresh", channel="web")
    fresh.slots = {"problem": "clogged drain"}
    assert close_idle_conversations(session=session, now=utcnow()) == 1
    assert (chat.outcome, chat.status) == ("abandoned", "ended")
    assert chat.summary.startswith("Ana Ruiz ((773) 555-0123) contacted us on the website chat about toilet")
    assert chat.caller_label == "Ana Ruiz, +17735550123"
    [lead] = _leads(session, chat)
    assert lead.phone == "+17735550123"
    assert fresh.outcome is None  # still talking
    assert close_idle_conversations(session=session, now=utcnow()) == 0


def test_an_idle_question_only_chat_is_information_without_a_lead(session):
    chat = get_or_create_conversation(session=session, external_id="web-faq", channel="web")
    chat.started_at = utcnow() - timedelta(hours=1)
    assert close_idle_conversations(session=session, now=utcnow()) == 1
    assert chat.outcome == "information" and chat.summary and _leads(session, chat) == []
    assert session.get(Conversation, chat.id).caller_label == "Unknown"


def test_a_later_weaker_note_keeps_the_settled_summary(session):
    first = record_outcome(session=session, external_id="web-handoff", outcome="handed_off",
                           facts=Facts(channel="web", customer_name="Lee Park", problem="no hot water"))
    summary = first.summary
    again = record_outcome(session=session, external_id="web-handoff", outcome="information",
                           facts=Facts(channel="web"), ended=True)
    assert (again.outcome, again.summary) == ("handed_off", summary)

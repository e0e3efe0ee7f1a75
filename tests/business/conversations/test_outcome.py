"""Conversation outcomes and summaries: a stronger outcome is kept, the summary is
rebuilt from the facts every time; a phone call's end is an outcome too."""
from __future__ import annotations

from business.conversations.outcome import Facts, record_call_ended, record_outcome, stronger, summarize
from business.repository import get_or_create_conversation


def test_stronger_outcome_wins():
    assert stronger(None, "information") == "information"
    assert stronger("booked", "information") == "booked"
    assert stronger("information", "lead") == "lead"
    assert stronger("abandoned", "booked") == "booked"


def test_summary_reads_as_one_paragraph_from_the_facts():
    facts = Facts(channel="phone", customer_name="Jessica Miller", phone="+13125550199",
                  problem="a leaking kitchen faucet", service_name="Faucet repair or replacement",
                  when="tomorrow, Tuesday November 24 at 9 a.m.", address="1200 West Addison Street, Chicago, 60613")
    assert summarize(facts, "booked") == (
        "Jessica Miller ((312) 555-0199) contacted us by phone about a leaking kitchen faucet. "
        "An appointment was booked for faucet repair or replacement, tomorrow, Tuesday November 24 at 9 a.m. "
        "at 1200 West Addison Street, Chicago, 60613.")
    assert summarize(Facts(), "abandoned") == (
        "An unidentified caller contacted us on the website chat. "
        "The conversation ended before anything was booked.")


def test_record_outcome_keeps_the_stronger_one_and_ends(session):
    facts = Facts(channel="sms", customer_name="Tom Becker", problem="running toilet")
    conversation = record_outcome(session=session, external_id="sms:+13125550456", outcome="booked",
                                  facts=facts, intent="book_appointment")
    conversation = record_outcome(session=session, external_id="sms:+13125550456", outcome="information",
                                  facts=facts, intent="faq", ended=True)
    assert (conversation.outcome, conversation.intent) == ("booked", "book_appointment")
    assert conversation.ended_at is not None and conversation.channel == "sms"
    assert conversation.summary.startswith("Tom Becker contacted us by text about running toilet.")


def test_a_hang_up_mid_booking_abandons_it_with_what_the_dialogue_had(session):
    call = get_or_create_conversation(session=session, external_id="CA-hangup", channel="phone",
                                      caller="+13125550199")
    call.slots = {"customer_name": "Jessica Miller", "problem": ["kitchen", "faucet leaking"],
                  "service_slug": "drain_cleaning"}
    conversation = record_call_ended(session=session, external_id="CA-hangup", status="completed")
    assert conversation.outcome == "abandoned" and conversation.ended_at is not None
    assert conversation.summary == ("Jessica Miller ((312) 555-0199) contacted us by phone about kitchen "
                                    "faucet leaking. The conversation ended before anything was booked. "
                                    "A lead was created for the office to call back.")


def test_a_settled_call_keeps_its_outcome_and_summary_and_a_transfer_is_a_hand_off(session):
    booked = record_outcome(session=session, external_id="CA-booked", outcome="booked",
                            facts=Facts(channel="phone", customer_name="Tom Becker", when="Friday at 2 p.m."))
    summary = booked.summary
    for status in ("completed", "transferred"):
        conversation = record_call_ended(session=session, external_id="CA-booked", status=status)
        assert (conversation.outcome, conversation.summary) == ("booked", summary)
    record_outcome(session=session, external_id="CA-faq", outcome="information", facts=Facts(channel="phone"))
    conversation = record_call_ended(session=session, external_id="CA-faq", status="transferred")
    assert conversation.outcome == "handed_off" and conversation.summary.endswith("handed to a person.")

"""Conversation outcomes and summaries: a stronger outcome is kept, the summary is
rebuilt from the facts every time."""
from __future__ import annotations

from business.conversation_outcome import Facts, record_outcome, stronger, summarize


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

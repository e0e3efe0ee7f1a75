"""Rasa's tracker events become conversations and transcript turns, exactly once, on
both databases. The events table has the columns of Rasa 3.6's SQLTrackerStore."""
from __future__ import annotations

import json

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, insert, select

from business.db import get_engine, make_engine, session_factory
from business.models import Conversation
from business.transcripts import project_tracker_events

events = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True), Column("sender_id", String(255)), Column("type_name", String(255)),
    Column("timestamp", Float), Column("intent_name", String(255)), Column("action_name", String(255)),
    Column("data", Text),
)


def user(text, intent, confidence=0.97, metadata=None, ts=1.0):
    return {"type_name": "user", "timestamp": ts, "intent_name": intent, "data": json.dumps({
        "event": "user", "text": text, "metadata": metadata or {},
        "parse_data": {"intent": {"name": intent, "confidence": confidence},
                       "entities": [{"entity": "time", "value": "2026-11-24T09:00:00-06:00", "extractor": "Duckling"}]}})}


def bot(text, ts=2.0):
    return {"type_name": "bot", "timestamp": ts, "data": json.dumps({"event": "bot", "text": text})}


def test_projection_is_exactly_once(database_url):
    # Rasa's table beside ours, as with PostgreSQL in production.
    events.create(get_engine(database_url))
    tracker = make_engine(database_url, read_only=True)
    phone = {"channel": "phone", "caller": "312 555 0199"}
    rows = [
        {"sender_id": "CA1", **user("hi", "greet", metadata=phone, ts=100.0)},
        {"sender_id": "CA1", **bot("Thanks for calling. How can I help?", ts=100.5)},
        {"sender_id": "CA1", "type_name": "action", "timestamp": 100.6, "action_name": "action_listen", "data": "{}"},
        {"sender_id": "CA1", **user("my faucet is leaking", "book_appointment", metadata=phone, ts=101.0)},
        {"sender_id": "web-7", **user("what are your hours", "faq", ts=102.0)},
    ]
    with get_engine(database_url).begin() as conn:
        for row in rows:
            conn.execute(insert(events).values(**row))
    factory = session_factory(database_url)
    with factory.begin() as session:
        assert project_tracker_events(session=session, tracker_engine=tracker) == 5
    with factory.begin() as session:
        assert project_tracker_events(session=session, tracker_engine=tracker) == 0  # nothing twice
    with get_engine(database_url).begin() as conn:
        conn.execute(insert(events).values(sender_id="CA1", **bot("Who am I speaking with?", ts=101.5)))
    with factory.begin() as session:
        assert project_tracker_events(session=session, tracker_engine=tracker) == 1

    with factory() as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA1")).one()
        assert (call.channel, call.caller, call.intent) == ("phone", "+13125550199", "book_appointment")
        assert [(t.seq, t.speaker, t.text) for t in call.turns] == [
            (1, "caller", "hi"), (2, "assistant", "Thanks for calling. How can I help?"),
            (3, "caller", "my faucet is leaking"), (4, "assistant", "Who am I speaking with?")]
        assert call.turns[2].confidence == 0.97 and call.turns[2].entities[0]["entity"] == "time"
        assert call.turns[0].at.timestamp() == 100.0 and call.ended_at.timestamp() == 101.5
        web = session.scalars(select(Conversation).where(Conversation.external_id == "web-7")).one()
        assert (web.channel, web.caller, web.intent) == ("web", None, "faq")


def test_no_events_table_yet_is_a_no_op(database_url):
    with session_factory(database_url).begin() as session:
        assert project_tracker_events(session=session, tracker_engine=make_engine(database_url, read_only=True)) == 0

"""Rasa's tracker events become conversations and transcript turns, exactly once, on
both databases. The events table has the columns of Rasa 3.6's SQLTrackerStore."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, insert, select

from business.db import get_engine, make_engine, session_factory
from business.models import Conversation, SkippedEvent
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


def _insert(database_url, rows):
    with get_engine(database_url).begin() as conn:
        for row in rows:
            conn.execute(insert(events).values(**row))


def _turn_texts(database_url, external_id):
    with session_factory(database_url)() as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == external_id)).one()
        return [t.text for t in call.turns]


def _project(database_url, tracker):
    with session_factory(database_url).begin() as session:
        return project_tracker_events(session=session, tracker_engine=tracker)


def test_nul_and_control_characters_and_lone_surrogates_are_cleaned_and_later_events_still_copied(database_url):
    # PostgreSQL refuses NUL in text and the drivers refuse lone surrogates: before the
    # fix, the first such message stopped every transcript behind it, for good.
    events.create(get_engine(database_url))
    tracker = make_engine(database_url, read_only=True)
    caller = {"channel": "phone", "caller": "312 555 0199"}
    # json.dumps escapes them as \u0000 and \ud800, exactly as Rasa's tracker store writes them.
    _insert(database_url, [
        {"sender_id": "CA1", **user("my name is\x00 Jo\x07e\nSmith\tJr", "inform", metadata=caller, ts=100.0)},
        {"sender_id": "CA1", **user("bad \ud800 half", "inform", metadata={**caller, "note": "x\x00"}, ts=100.2)},
        {"sender_id": "CA1", **bot("Thanks, Joe.", ts=100.5)},
    ])
    assert _project(database_url, tracker) == 3
    _insert(database_url, [{"sender_id": "CA1", **user("tomorrow at 9", "inform", metadata=caller, ts=101.0)}])
    assert _project(database_url, tracker) == 1
    assert _turn_texts(database_url, "CA1") == [
        "my name is Joe\nSmith\tJr", "bad \ufffd half", "Thanks, Joe.", "tomorrow at 9"]


def test_an_event_that_cannot_be_copied_is_skipped_and_recorded_without_its_text(database_url):
    events.create(get_engine(database_url))
    tracker = make_engine(database_url, read_only=True)
    _insert(database_url, [
        {"sender_id": "CA2", "type_name": "user", "timestamp": 100.0, "data": '{"event": "user", "text": "Jo Smith 312'},
        {"sender_id": "CA2", **bot("Who am I speaking with?", ts=100.5)},
    ])
    assert _project(database_url, tracker) == 2
    assert _project(database_url, tracker) == 0  # the broken event is not retried for ever
    _insert(database_url, [{"sender_id": "CA2", **user("Jo Smith", "inform", ts=101.0)}])
    assert _project(database_url, tracker) == 1
    assert _turn_texts(database_url, "CA2") == ["Who am I speaking with?", "Jo Smith"]
    with session_factory(database_url)() as session:
        skipped = session.scalars(select(SkippedEvent)).all()
        assert [(s.source, s.position, s.error) for s in skipped] == [("rasa_tracker_events", 1, "JSONDecodeError")]
        assert skipped[0].skipped_at is not None


def test_a_row_the_database_refuses_is_undone_alone_and_the_batch_goes_on(postgres_url):
    # PostgreSQL only: SQLite does not enforce VARCHAR lengths, so it refuses no such row.
    database_url = postgres_url
    events.create(get_engine(database_url))
    tracker = make_engine(database_url, read_only=True)
    # An intent name longer than our column: PostgreSQL aborts the statement (and, without a
    # savepoint, the whole transaction), after the event's new conversation was inserted.
    _insert(database_url, [
        {"sender_id": "CA3", **user("hello", "x" * 150, ts=100.0)},
        {"sender_id": "CA3", **bot("Sorry, could you say that again?", ts=100.5)},
    ])
    assert _project(database_url, tracker) == 2
    assert _turn_texts(database_url, "CA3") == ["Sorry, could you say that again?"]
    with session_factory(database_url)() as session:
        assert [(s.position, s.error) for s in session.scalars(select(SkippedEvent))] == [(1, "DataError")]
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA3")).one()
        assert call.started_at.timestamp() == 100.5

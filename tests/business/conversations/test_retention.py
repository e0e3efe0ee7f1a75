"""Retention on both databases: transcript turns and Rasa's tracker events older than
RETENTION_MONTHS are deleted, and conversations last active before then are anonymised
(caller, summary, captured details and customer link cleared; outcome, intent and dates
kept for analytics). 0 keeps everything; the worker runs it about once a day."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import json

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, func, insert, select, text

from business.db import get_engine, make_engine, session_factory
from business.models import Conversation, TranscriptTurn
from business.repository import upsert_customer
from business.conversations.retention import apply_retention, months_before
from business.settings import Settings, SettingsError
from business.conversations.event_broker import SqlBrokerConsumer
from business.worker import jobs
from tests.business.conversations.test_transcripts import _insert, bot, user

# Rasa 3.6's SQLTrackerStore table, which retention prunes (Rasa keeps no retention of its own).
tracker_events = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True), Column("sender_id", String(255)), Column("type_name", String(255)),
    Column("timestamp", Float), Column("intent_name", String(255)), Column("action_name", String(255)),
    Column("data", Text),
)


def _record(database_url, broker_url, rows):
    """As Rasa does: each event goes to its tracker store and to the event broker."""
    _insert(broker_url, rows)
    with get_engine(database_url).begin() as conn:
        for row in rows:
            data = json.loads(row["data"])
            conn.execute(insert(tracker_events).values(sender_id=row["sender_id"], type_name=data["event"],
                                                        timestamp=data["timestamp"], data=row["data"]))

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
OLD = datetime(2024, 1, 10, 15, 0, tzinfo=timezone.utc).timestamp()  # 34 months before NOW
RECENT = datetime(2026, 11, 1, 15, 0, tzinfo=timezone.utc).timestamp()
CALLER = {"channel": "phone", "caller": "312 555 0199"}
TEXTER = {"channel": "sms", "caller": "+13125550123"}


@pytest.fixture
def history(database_url, broker_url):
    """An old call, a recent one, and a text conversation that began long ago and is still
    going, copied into our tables by the transcript worker as in production."""
    tracker_events.create(get_engine(database_url))
    _record(database_url, broker_url, [
        {"sender_id": "CA-old", **user("hi this is Jessica Miller at 1420 Lake Shore Drive", "book_appointment",
                                       metadata=CALLER, ts=OLD)},
        {"sender_id": "CA-old", **bot("Thanks, Jessica.", ts=OLD + 5)},
        {"sender_id": "sms:+13125550123", **user("is friday ok", "book_appointment", metadata=TEXTER, ts=OLD + 60)},
        {"sender_id": "CA-new", **user("my sink is clogged", "book_appointment", metadata=CALLER, ts=RECENT)},
        {"sender_id": "sms:+13125550123", **user("running late?", "faq", metadata=TEXTER, ts=RECENT + 60)},
    ])
    SqlBrokerConsumer(broker_url)(database_url)
    factory = session_factory(database_url)
    with factory.begin() as session:
        customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
        for call in session.scalars(select(Conversation)):
            call.summary, call.outcome, call.customer_id = f"{call.caller} booked a drain cleaning", "booked", customer.id
            call.slots = {"customer_name": "Jessica Miller", "address": "1420 Lake Shore Drive"}
    return database_url


def _conversation(session, external_id):
    return session.scalar(select(Conversation).where(Conversation.external_id == external_id))


def _tracker_senders(database_url):
    with get_engine(database_url).connect() as conn:
        return sorted(conn.scalars(text("SELECT sender_id FROM events ORDER BY id")))


def _retain(database_url, months=24, batch=1000):
    return apply_retention(database_url=database_url, tracker_engine=make_engine(database_url), months=months,
                           now=NOW, batch=batch)


def test_old_transcripts_and_events_go_and_old_calls_are_anonymised(history):
    old_call_id = None
    with session_factory(history)() as session:
        old_call_id = _conversation(session, "CA-old").id
    assert _retain(history) > 0
    assert _retain(history) == 0  # nothing left to do

    with session_factory(history)() as session:
        old = session.get(Conversation, old_call_id)
        assert (old.caller, old.summary, old.slots, old.customer_id) == (None, None, None, None)
        assert old.external_id == f"anonymised-{old_call_id}"  # sender ids can hold a number
        assert (old.channel, old.intent, old.outcome) == ("phone", "book_appointment", "booked")
        assert old.started_at.timestamp() == OLD and old.ended_at.timestamp() == OLD + 5
        assert old.turns == []
        # Recent calls, and a conversation still going, keep everything but their old turns.
        new = _conversation(session, "CA-new")
        assert new.caller == "+13125550199" and new.summary and new.slots and new.customer_id
        assert [t.text for t in new.turns] == ["my sink is clogged"]
        texts = _conversation(session, "sms:+13125550123")
        assert texts.caller == "+13125550123" and [t.text for t in texts.turns] == ["running late?"]
    # Rasa's copy goes too.
    assert _tracker_senders(history) == ["CA-new", "sms:+13125550123"]


def test_it_works_in_batches(history):
    rounds = 0
    while _retain(history, batch=1):
        rounds += 1
        assert rounds < 20
    assert rounds == 3  # three old turns and three old events, one of each kind per round
    with session_factory(history)() as session:
        assert session.scalar(select(func.count()).select_from(TranscriptTurn)) == 2
    assert _tracker_senders(history) == ["CA-new", "sms:+13125550123"]


def test_zero_keeps_everything(history):
    assert _retain(history, months=0) == 0
    with session_factory(history)() as session:
        assert session.scalar(select(func.count()).select_from(TranscriptTurn)) == 5
        assert _conversation(session, "CA-old").caller == "+13125550199"
    assert len(_tracker_senders(history)) == 5


def test_the_worker_runs_it(history):
    settings = Settings(database_url=history, tracker_database_url=history, retention_months=24, secret_key="x" * 32)
    (job,) = [j for j in jobs(settings) if j.name == "retention"]
    assert job.interval >= 12 * 3600  # about once a day; a run that did work runs again at once
    assert job.run(settings) > 0
    assert _tracker_senders(history) == ["CA-new", "sms:+13125550123"]


@pytest.mark.parametrize("moment, months, expected", [
    (datetime(2026, 11, 23, tzinfo=timezone.utc), 24, datetime(2024, 11, 23, tzinfo=timezone.utc)),
    (datetime(2026, 3, 31, 8, tzinfo=timezone.utc), 1, datetime(2026, 2, 28, 8, tzinfo=timezone.utc)),
    (datetime(2026, 1, 15, tzinfo=timezone.utc), 13, datetime(2024, 12, 15, tzinfo=timezone.utc)),
])
def test_months_before(moment, months, expected):
    assert months_before(moment, months) == expected


def test_retention_months_setting():
    assert Settings.from_env({}).retention_months == 24
    assert Settings.from_env({"RETENTION_MONTHS": "0"}).retention_months == 0
    assert Settings.from_env({"RETENTION_MONTHS": " 6 "}).retention_months == 6
    for bad in ["-1", "two", "1.5", "²"]:
        with pytest.raises(SettingsError, match="RETENTION_MONTHS"):
            Settings.from_env({"RETENTION_MONTHS": bad})

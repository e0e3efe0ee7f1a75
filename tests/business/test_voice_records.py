"""What the voice bridge adds to conversations, on both databases: the 0005_voice migration
creates the columns the models declare; the transcript worker stores STT confidence and
slots from Rasa's events; the bridge's call record (status, duration, interrupted replies)
and what it records of a call."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

from business.db import get_engine, session_factory, session_scope
from business.models import Base, Conversation, TranscriptTurn
from business.repository import upsert_customer
from business.seed import seed
from business.conversations.event_broker import SqlBrokerConsumer
from tests.business.conversations.test_transcripts import _insert, bot, slot, user
from tests.conftest import DATA_DIR
from voice_bridge.call_log import CallLog

VOICE_COLUMNS = {"conversations": {"status", "duration_seconds", "slots"},
                 "transcript_turns": {"stt_confidence", "interrupted"}}


def test_migration_creates_what_the_models_declare(database_url):
    engine = get_engine(database_url)
    columns = {table: {c["name"] for c in inspect(engine).get_columns(table)} for table in VOICE_COLUMNS}
    for table, names in VOICE_COLUMNS.items():
        assert names <= columns[table]
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    ours = [d for d in diffs if any(name in str(d) for names in VOICE_COLUMNS.values() for name in names)]
    assert ours == []


def test_projection_keeps_stt_confidence_and_filled_slots(database_url, broker_url):
    phone = {"channel": "phone", "caller": "+13125550199", "call_sid": "CA9", "stt_confidence": "0.812"}
    rows = [
        {"sender_id": "CA9", **user("my faucet is leaking", "book_appointment", metadata=phone, ts=10.0)},
        {"sender_id": "CA9", **slot("problem", "faucet is leaking", 10.1)},
        {"sender_id": "CA9", **slot("requested_slot", "address", 10.2)},
        {"sender_id": "CA9", **slot("session_started_metadata", {"channel": "phone"}, 10.2)},
        {"sender_id": "CA9", **bot("What is the address?", ts=10.3)},
        {"sender_id": "CA9", **user("hi", "greet", metadata={**phone, "stt_confidence": "garbage"}, ts=11.0)},
    ]
    _insert(broker_url, rows)
    SqlBrokerConsumer(broker_url)(database_url)
    with session_factory(database_url)() as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA9")).one()
        assert [t.stt_confidence for t in call.turns] == [0.812, None, None]
        assert call.slots == {"problem": "faucet is leaking"}
        assert [t.interrupted for t in call.turns] == [False, False, False]


def test_call_log_records_status_duration_and_interruptions(database_url):
    import asyncio

    with session_scope(database_url) as session:
        seed(session=session, data_dir=DATA_DIR)
    log = CallLog(database_url)
    log.start("CA42", "phone", "+13125550199")
    with session_scope(database_url) as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA42")).one()
        assert (call.status, call.channel, call.caller) == ("in-progress", "phone", "+13125550199")
        # what the transcript worker copies from Rasa
        session.add(TranscriptTurn(conversation_id=call.id, seq=1, speaker="assistant", text="Long answer."))
    assert asyncio.run(log.mark_interrupted("CA42", "Long answer."))
    log.end("CA42", "transferred", datetime.now(timezone.utc) - timedelta(seconds=42))
    with session_scope(database_url) as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA42")).one()
        assert call.status == "transferred" and 41.5 < call.duration_seconds < 50 and call.ended_at
        assert [t.interrupted for t in call.turns] == [True]
        assert call.outcome == "handed_off" and call.summary.endswith("The call was handed to a person.")
    assert log.owner_phone() == "+13125550101"
    with session_scope(database_url) as session:
        upsert_customer(session=session, phone="+13125550123", name="Dana Whitfield",
                        address="1420 N Lake Shore Dr, Chicago", zip_code="60610")
    vocabulary = log.vocabulary()
    assert {"Lakeshore Plumbing", "Chicago", "Lake Shore Dr", "Drain cleaning"} <= set(vocabulary)

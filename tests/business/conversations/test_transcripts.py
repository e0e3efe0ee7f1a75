"""What Rasa's event broker publishes becomes conversations and transcript turns, exactly
once, on both databases: the SQL broker's table (the columns of Rasa 3.6's SQLEventBroker)
read from a cursor, and a real RabbitMQ queue acknowledged after the commit."""
from __future__ import annotations

import json
import os
import uuid

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, func, insert, select

from business.db import get_engine, session_factory
from business.conversations.event_broker import AmqpBrokerConsumer, SqlBrokerConsumer, consumer_for
from business.models import Conversation, ProjectedEvent, SkippedEvent

broker_events = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True), Column("sender_id", String(255)), Column("data", Text),
)


def user(text, intent, confidence=0.97, metadata=None, ts=1.0):
    return {"data": json.dumps({
        "event": "user", "timestamp": ts, "text": text, "metadata": metadata or {},
        "parse_data": {"intent": {"name": intent, "confidence": confidence},
                       "entities": [{"entity": "time", "value": "2026-11-24T09:00:00-06:00", "extractor": "Duckling"}]}})}


def bot(text, ts=2.0):
    return {"data": json.dumps({"event": "bot", "timestamp": ts, "text": text})}


def slot(name, value, ts):
    return {"data": json.dumps({"event": "slot", "timestamp": ts, "name": name, "value": value})}


def _insert(broker_url, rows):
    with get_engine(broker_url).begin() as conn:
        for row in rows:
            conn.execute(insert(broker_events).values(**row))


def _project(database_url, broker_url):
    return SqlBrokerConsumer(broker_url)(database_url)


def _broker_rows(broker_url):
    with get_engine(broker_url).connect() as conn:
        return conn.scalar(select(func.count()).select_from(broker_events))


def test_projection_is_exactly_once(database_url, broker_url):
    phone = {"channel": "phone", "caller": "312 555 0199"}
    rows = [
        {"sender_id": "CA1", **user("hi", "greet", metadata=phone, ts=100.0)},
        {"sender_id": "CA1", **bot("Thanks for calling. How can I help?", ts=100.5)},
        {"sender_id": "CA1", "data": json.dumps({"event": "action", "timestamp": 100.6, "name": "action_listen"})},
        {"sender_id": "CA1", **user("my faucet is leaking", "book_appointment", metadata=phone, ts=101.0)},
        {"sender_id": "web-7", **user("what are your hours", "faq", ts=102.0)},
    ]
    _insert(broker_url, rows)
    assert _project(database_url, broker_url) == 5
    assert _project(database_url, broker_url) == 0  # nothing twice
    assert _broker_rows(broker_url) == 1  # copied rows leave the broker's table, but the last
    _insert(broker_url, [{"sender_id": "CA1", **bot("Who am I speaking with?", ts=101.5)}])
    assert _project(database_url, broker_url) == 1

    with session_factory(database_url)() as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA1")).one()
        assert (call.channel, call.caller, call.intent) == ("phone", "+13125550199", "book_appointment")
        assert [(t.seq, t.speaker, t.text) for t in call.turns] == [
            (1, "caller", "hi"), (2, "assistant", "Thanks for calling. How can I help?"),
            (3, "caller", "my faucet is leaking"), (4, "assistant", "Who am I speaking with?")]
        assert call.turns[2].confidence == 0.97 and call.turns[2].entities[0]["entity"] == "time"
        assert call.turns[0].at.timestamp() == 100.0 and call.ended_at.timestamp() == 101.5
        web = session.scalars(select(Conversation).where(Conversation.external_id == "web-7")).one()
        assert (web.channel, web.caller, web.intent) == ("web", None, "faq")


def test_no_events_table_yet_is_a_no_op(database_url, tmp_path):
    assert _project(database_url, f"sqlite:///{tmp_path / 'not-started.db'}") == 0


def _turn_texts(database_url, external_id):
    with session_factory(database_url)() as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == external_id)).one()
        return [t.text for t in call.turns]


def test_nul_and_control_characters_and_lone_surrogates_are_cleaned_and_later_events_still_copied(database_url,
                                                                                                  broker_url):
    # PostgreSQL refuses NUL in text and the drivers refuse lone surrogates: before the
    # fix, the first such message stopped every transcript behind it, for good.
    caller = {"channel": "phone", "caller": "312 555 0199"}
    # json.dumps escapes them as \u0000 and \ud800, exactly as Rasa's tracker store writes them.
    _insert(broker_url, [
        {"sender_id": "CA1", **user("my name is\x00 Jo\x07e\nSmith\tJr", "inform", metadata=caller, ts=100.0)},
        {"sender_id": "CA1", **user("bad \ud800 half", "inform", metadata={**caller, "note": "x\x00"}, ts=100.2)},
        {"sender_id": "CA1", **bot("Thanks, Joe.", ts=100.5)},
    ])
    assert _project(database_url, broker_url) == 3
    _insert(broker_url, [{"sender_id": "CA1", **user("tomorrow at 9", "inform", metadata=caller, ts=101.0)}])
    assert _project(database_url, broker_url) == 1
    assert _turn_texts(database_url, "CA1") == [
        "my name is Joe\nSmith\tJr", "bad \ufffd half", "Thanks, Joe.", "tomorrow at 9"]


def test_an_event_that_cannot_be_copied_is_skipped_and_recorded_without_its_text(database_url, broker_url):
    _insert(broker_url, [
        {"sender_id": "CA2", "data": '{"event": "user", "text": "Jo Smith 312'},
        {"sender_id": "CA2", **bot("Who am I speaking with?", ts=100.5)},
    ])
    assert _project(database_url, broker_url) == 2
    assert _project(database_url, broker_url) == 0  # the broken event is not retried for ever
    _insert(broker_url, [{"sender_id": "CA2", **user("Jo Smith", "inform", ts=101.0)}])
    assert _project(database_url, broker_url) == 1
    assert _turn_texts(database_url, "CA2") == ["Who am I speaking with?", "Jo Smith"]
    with session_factory(database_url)() as session:
        skipped = session.scalars(select(SkippedEvent)).all()
        assert [(s.source, s.position, s.error) for s in skipped] == [("rasa_event_broker", 1, "JSONDecodeError")]
        assert skipped[0].skipped_at is not None


def test_a_row_the_database_refuses_is_undone_alone_and_the_batch_goes_on(postgres_url, broker_url):
    # PostgreSQL only: SQLite does not enforce VARCHAR lengths, so it refuses no such row.
    database_url = postgres_url
    # An intent name longer than our column: PostgreSQL aborts the statement (and, without a
    # savepoint, the whole transaction), after the event's new conversation was inserted.
    _insert(broker_url, [
        {"sender_id": "CA3", **user("hello", "x" * 150, ts=100.0)},
        {"sender_id": "CA3", **bot("Sorry, could you say that again?", ts=100.5)},
    ])
    assert _project(database_url, broker_url) == 2
    assert _turn_texts(database_url, "CA3") == ["Sorry, could you say that again?"]
    with session_factory(database_url)() as session:
        assert [(s.position, s.error) for s in session.scalars(select(SkippedEvent))] == [(1, "DataError")]
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA3")).one()
        assert call.started_at.timestamp() == 100.5


def rabbitmq_url() -> str:
    import pika

    url = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    except Exception as error:  # noqa: BLE001 - any failure means no broker here
        if os.environ.get("CI") == "true":
            pytest.fail(f"RabbitMQ is not reachable at {url}: {error}")
        pytest.skip(f"RabbitMQ is not reachable at {url}")
    return url


@pytest.fixture
def rabbit_queue():
    """A fresh durable queue on the machine's RabbitMQ, published to as Rasa's Pika broker does."""
    import pika

    url = rabbitmq_url()
    queue = f"test_rasa_events_{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_declare(queue, durable=True)

    def publish(sender_id, row):
        body = json.dumps({"sender_id": sender_id, **json.loads(row["data"])}).encode()
        channel.basic_publish("", queue, body, pika.BasicProperties(delivery_mode=2))

    yield f"{url}?queue={queue}", publish
    channel.queue_delete(queue)
    connection.close()


def test_a_rabbitmq_queue_is_copied_once_even_when_redelivered(database_url, rabbit_queue):
    url, publish = rabbit_queue
    phone = {"channel": "phone", "caller": "312 555 0199"}
    publish("CA9", user("my water heater is leaking", "book_appointment", metadata=phone, ts=200.0))
    publish("CA9", bot("Sorry to hear that. What is the address?", ts=200.5))

    # A worker that dies after its commit and before its acknowledgement.
    crashing = consumer_for(url)
    assert isinstance(crashing, AmqpBrokerConsumer)
    channel = crashing._channel()
    channel.basic_ack = lambda *a, **k: (_ for _ in ()).throw(ConnectionError("worker killed"))
    with pytest.raises(ConnectionError):
        crashing(database_url)
    crashing._connection.close()  # unacknowledged messages go back to the queue

    publish("CA9", user("1420 north lake shore drive", "inform", metadata=phone, ts=201.0))
    survivor = consumer_for(url)
    assert survivor(database_url) == 3  # two redelivered, one new
    assert survivor(database_url) == 0
    survivor.close()
    with session_factory(database_url)() as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA9")).one()
        assert [t.text for t in call.turns] == [
            "my water heater is leaking", "Sorry to hear that. What is the address?", "1420 north lake shore drive"]
        assert call.caller == "+13125550199"
        assert session.scalar(select(func.count()).select_from(ProjectedEvent)) == 3


# Run by Rasa's own interpreter: its PikaEventBroker publishes as the Rasa server does.
PUBLISH_WITH_RASA = """
import asyncio, sys
import rasa.shared.core.events  # the server has it loaded when its broker publishes
from rasa.core.brokers.pika import PikaEventBroker

async def main(queue):
    broker = PikaEventBroker("127.0.0.1", "guest", "guest", queues=[queue], exchange_name=queue)
    await broker.connect()
    broker.publish({"sender_id": "CA-rasa", "event": "user", "timestamp": 300.0, "text": "is anyone there",
                    "metadata": {"channel": "web"}, "parse_data": {"intent": {"name": "greet", "confidence": 0.9}}})
    await asyncio.sleep(1)
    await broker.close()

asyncio.run(main(sys.argv[1]))
"""


def test_what_rasas_pika_broker_publishes_is_copied(database_url):
    import subprocess
    from pathlib import Path

    import pika

    url = rabbitmq_url()
    queue = f"test_rasa_pika_{uuid.uuid4().hex[:8]}"
    root = Path(__file__).resolve().parents[3]
    subprocess.run([str(root / ".venvs/rasa/bin/python"), "-c", PUBLISH_WITH_RASA, queue], check=True, timeout=120)
    consumer = consumer_for(f"{url}?queue={queue}")
    try:
        assert consumer(database_url) == 1
    finally:
        channel = consumer._channel()
        channel.queue_delete(queue)
        channel.exchange_delete(queue)
        consumer.close()
    with session_factory(database_url)() as session:
        call = session.scalars(select(Conversation).where(Conversation.external_id == "CA-rasa")).one()
        assert [t.text for t in call.turns] == ["is anyone there"] and call.intent is None  # greet is small talk
    assert pika  # the production consumer's client is installed

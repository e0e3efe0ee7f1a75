"""Consumes Rasa's event broker (endpoints.yml `event_broker`) for the transcript copy, each
event exactly once: the SQL broker's table (the embedded setup) read forward from a cursor
that moves in the same transaction as the turns, or a RabbitMQ queue fed by Rasa's Pika
broker (production), acknowledged only after the turns are committed and deduplicated by
a key recorded in that same transaction, so a redelivery after a crash copies nothing twice.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, inspect, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from business.db import make_engine, session_scope
from business.models import ProjectedEvent, SyncCursor
from business.conversations.transcripts import BrokerEvent, project_events

log = logging.getLogger(__name__)

SQL_SOURCE = "rasa_event_broker"
AMQP_SOURCE = "rasa_event_queue"
# Rasa's Pika broker publishes to this queue unless endpoints.yml names others.
DEFAULT_QUEUE = "rasa_core_events"
# Small batches: SQLite's write lock is held while a batch is copied.
BATCH = 100


class BrokerConsumer(Protocol):
    def __call__(self, database_url: str) -> int:
        """Copy one batch into the business database; returns how many events it took."""


class SqlBrokerConsumer:
    """Rasa's SQLEventBroker writes each event as a row (id, sender_id, data) of its own
    `events` table; rows already copied are deleted afterwards so the table stays a queue."""

    def __init__(self, broker_url: str, batch: int = BATCH) -> None:
        self.engine: Engine = make_engine(broker_url)
        self.reader: Engine = make_engine(broker_url, read_only=True)
        self.batch = batch

    def __call__(self, database_url: str) -> int:
        if not inspect(self.reader).has_table("events"):
            return 0  # Rasa has not started yet
        # The broker's rows are read before our transaction opens, so the business
        # database's write lock is never held while waiting on Rasa's database.
        with session_scope(database_url) as session:
            start = _position(session)
        with self.reader.connect() as conn:
            rows = conn.execute(
                text("SELECT id, sender_id, data FROM events WHERE id > :position ORDER BY id LIMIT :batch"),
                {"position": start, "batch": self.batch},
            ).all()
        if not rows:
            return 0
        with session_scope(database_url) as session:
            cursor = _cursor(session)
            if cursor is None:
                return 0  # another worker is copying; its cursor moves when it commits
            # Another worker may have copied some of them meanwhile.
            events = [BrokerEvent(position=r.id, sender_id=r.sender_id or "", data=r.data or "{}")
                      for r in rows if r.id > cursor.position]
            project_events(session=session, events=events, source=SQL_SOURCE)
            if events:
                cursor.position = events[-1].position
            copied = cursor.position
        if not events:
            return 0
        # The last copied row stays: SQLite numbers a new row max(id) + 1 (Rasa's table has
        # no AUTOINCREMENT), so emptying the table would restart the ids behind our cursor.
        with self.engine.begin() as conn:
            conn.execute(text("DELETE FROM events WHERE id < :copied"), {"copied": copied})
        return len(events)


def _position(session: Session) -> int:
    return session.scalar(select(SyncCursor.position).where(SyncCursor.name == SQL_SOURCE)) or 0


def _cursor(session: Session) -> SyncCursor | None:
    """The cursor, held until this transaction ends, so that of several workers one copies
    each event. PostgreSQL: a worker that finds it held skips the batch instead of waiting.
    SQLite: BEGIN IMMEDIATE (business.db) already lets one writer in at a time."""
    if session.get_bind().dialect.name != "postgresql":
        cursor = session.get(SyncCursor, SQL_SOURCE)
        if cursor is None:
            cursor = SyncCursor(name=SQL_SOURCE, position=0)
            session.add(cursor)
            session.flush()
        return cursor
    # Two first runs at once must not both insert the row (the loser's batch would fail).
    session.execute(pg_insert(SyncCursor).values(name=SQL_SOURCE, position=0).on_conflict_do_nothing())
    return session.scalar(select(SyncCursor).where(SyncCursor.name == SQL_SOURCE)
                          .with_for_update(skip_locked=True).execution_options(populate_existing=True))


def event_key(body: bytes) -> str:
    """What identifies a published event: Rasa gives none, but sender, type, timestamp and
    content never repeat within one conversation."""
    return hashlib.sha256(body).hexdigest()


class AmqpBrokerConsumer:
    """RabbitMQ queue bound to Rasa's fanout exchange. Any number of workers may consume it."""

    def __init__(self, url: str, queue: str = DEFAULT_QUEUE, batch: int = BATCH) -> None:
        self.url = url
        self.queue = queue
        self.batch = batch
        self._connection = None

    def _channel(self):
        import pika  # only the production setup needs it

        if self._connection is None or self._connection.is_closed:
            # Our `?queue=` is not a pika parameter.
            self._connection = pika.BlockingConnection(pika.URLParameters(self.url.split("?", 1)[0]))
            channel = self._connection.channel()
            channel.queue_declare(self.queue, durable=True)
            self._channel_ = channel
        return self._channel_

    def __call__(self, database_url: str) -> int:
        channel = self._channel()
        deliveries = []
        for _ in range(self.batch):
            method, _properties, body = channel.basic_get(self.queue, auto_ack=False)
            if method is None:
                break
            deliveries.append((method.delivery_tag, body))
        if not deliveries:
            return 0
        with session_scope(database_url) as session:
            keys = [event_key(body) for _tag, body in deliveries]
            seen = set(session.scalars(select(ProjectedEvent.key).where(ProjectedEvent.key.in_(keys))))
            events = []
            for (_tag, body), key in zip(deliveries, keys):
                if key in seen:
                    continue  # redelivered after a crash between our commit and the ack
                seen.add(key)
                session.add(ProjectedEvent(key=key))
                # A skipped event is recorded by a 31-bit number from its key (a queue has no ids).
                events.append(BrokerEvent(position=int(key[:8], 16) >> 1, sender_id=_sender(body),
                                          data=body.decode("utf-8", "replace")))
            project_events(session=session, events=events, source=AMQP_SOURCE)
        channel.basic_ack(deliveries[-1][0], multiple=True)
        return len(deliveries)

    def close(self) -> None:
        if self._connection is not None and self._connection.is_open:
            self._connection.close()


def _sender(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    sender = data.get("sender_id") if isinstance(data, dict) else None
    return sender if isinstance(sender, str) else ""


def consumer_for(broker_url: str) -> BrokerConsumer:
    """`amqp://user:pass@host:5672/vhost?queue=name` for RabbitMQ, else an SQLAlchemy URL of
    the SQL broker's database."""
    parts = urlsplit(broker_url)
    if parts.scheme in {"amqp", "amqps"}:
        queue = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("queue", DEFAULT_QUEUE)
        return AmqpBrokerConsumer(broker_url, queue=queue)
    return SqlBrokerConsumer(broker_url)


def forget_projected_keys(*, session: Session, before) -> int:
    """Retention for the dedupe keys: a redelivery comes within minutes, never months."""
    return session.execute(delete(ProjectedEvent).where(ProjectedEvent.projected_at < before)).rowcount

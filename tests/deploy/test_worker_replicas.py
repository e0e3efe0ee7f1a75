"""Several workers at once on one database, as with worker replicas: the transcript copy
from Rasa's event broker is exactly once (the cursor row is claimed with FOR UPDATE SKIP
LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite), and technicians' unanswered jobs move on
once. The outbox's two senders are tested in tests/business/test_notifications_outbox.py."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from business.db import get_engine, session_scope
from business.dispatch.engine import latest_dispatch
from business.models import Conversation, DispatchRecord, Notification, TranscriptTurn, utcnow
from business.profile import load_profile
from business.settings import Settings
from business.conversations.event_broker import SqlBrokerConsumer
from business.worker import jobs
from tests.business.dispatch.test_technician_jobs import CHI, book
from tests.business.conversations.test_transcripts import bot, broker_events, user

CONVERSATIONS, TURNS = 30, 10


def run_together(count: int, work) -> list[int]:
    """Starts `count` workers at the same moment; each runs until it finds nothing to do."""
    start = threading.Barrier(count)
    done = [0] * count
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            start.wait()
            while (n := work()):
                done[index] += n
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    return done


def test_two_workers_copy_each_broker_event_once(database_url, broker_url):
    with get_engine(broker_url).begin() as conn:
        for turn in range(TURNS):
            for n in range(CONVERSATIONS):
                row = user(f"caller {n} turn {turn}", "inform", ts=1000.0 + turn) if turn % 2 == 0 \
                    else bot(f"assistant {n} turn {turn}", ts=1000.0 + turn)
                conn.execute(insert(broker_events).values(sender_id=f"conv-{n}", **row))
    consumer = SqlBrokerConsumer(broker_url, batch=7)  # its engines are shared by both threads, as a pool

    done = run_together(2, lambda: consumer(database_url))
    assert sum(done) == CONVERSATIONS * TURNS  # every event taken once, by one worker or the other
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Conversation)) == CONVERSATIONS
        assert session.scalar(select(func.count()).select_from(TranscriptTurn)) == CONVERSATIONS * TURNS
        texts = session.scalars(select(TranscriptTurn.text)).all()
        assert len(set(texts)) == len(texts)


def test_two_workers_move_each_unanswered_job_on_once(seeded_url):
    with session_scope(seeded_url) as session:
        profile = load_profile(session=session)
        # The worker job uses the real clock: a Tuesday two to three weeks from today.
        day = datetime.now(CHI).date() + timedelta(days=14)
        day += timedelta(days=(1 - day.weekday()) % 7)
        appointment_ids = []
        for hour in (9, 12, 15):
            appointment = book(session, profile, start=datetime(day.year, day.month, day.day, hour, tzinfo=CHI),
                               now=utcnow())
            # Offered 16 minutes ago: due to move on.
            latest_dispatch(session=session, appointment_id=appointment.id).created_at = \
                utcnow() - timedelta(minutes=16)
            appointment_ids.append(appointment.id)
    settings = Settings(database_url=seeded_url)
    (job,) = [j for j in jobs(settings) if j.name == "unanswered_jobs"]

    done = run_together(2, lambda: job.run(settings))

    assert sum(done) == len(appointment_ids)
    with session_scope(seeded_url) as session:
        for appointment_id in appointment_ids:
            statuses = session.scalars(select(DispatchRecord.status).where(
                DispatchRecord.appointment_id == appointment_id).order_by(DispatchRecord.id)).all()
            assert statuses == ["timed_out", "assigned"], statuses
        alerts = session.scalars(select(Notification).where(Notification.kind == "owner_technician_change")).all()
        assert len(alerts) == len(appointment_ids) * len({a.channel for a in alerts})

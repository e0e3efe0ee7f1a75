"""Background worker: runs the periodic jobs that keep the business in step (transcripts
from Rasa's event broker, the notifications outbox, calendar sync, jobs technicians left
unanswered, callers' details spooled while the database was down, retention; each job is one entry in `jobs()`). `python -m business.worker`."""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from business.calendar import calendar_for
from business.calendar.sync import sync_calendar
from business.conversations.close import close_idle_conversations
from business.db import make_engine, session_scope
from business.conversations.event_broker import consumer_for
from business.conversations.failure_capture import import_spooled_requests
from business.log_redaction import RedactConversationData
from business.notifications.sender import OutboxSender
from business.profile import load_profile
from business.models import utcnow
from business.conversations.retention import apply_retention
from business.settings import VAR_DIR, Settings
from business.dispatch.technician_jobs import redispatch_unanswered

log = logging.getLogger("worker")


@dataclass
class Job:
    """`run(settings)` does one batch and returns how much it did; a job that did work
    runs again at once, an idle one waits `interval` seconds."""

    name: str
    run: Callable[[Settings], int]
    interval: float
    due: float = 0.0


class TranscriptProjection:
    """Copies what Rasa's event broker published into conversations and transcripts."""

    def __init__(self, settings: Settings) -> None:
        self.consume = consumer_for(settings.event_broker_url)

    def __call__(self, settings: Settings) -> int:
        return self.consume(settings.database_url)


class Retention:
    """Deletes transcripts and Rasa's events older than RETENTION_MONTHS and anonymises old
    conversations, a batch at a time; it needs write access to the tracker store."""

    def __init__(self, settings: Settings) -> None:
        self.tracker_engine = make_engine(settings.tracker_database_url)

    def __call__(self, settings: Settings) -> int:
        return apply_retention(database_url=settings.database_url, tracker_engine=self.tracker_engine,
                               months=settings.retention_months, now=utcnow())


def calendar_sync(settings: Settings) -> int:
    """Push pending appointments (with backoff), pull the owner's calendar changes,
    refresh busy times; the local calendar only marks pushed appointments synced."""
    with session_scope(settings.database_url) as session:
        calendar = calendar_for(session, settings)
        report = sync_calendar(session=session, calendar=calendar, profile=load_profile(session=session),
                               public_base_url=settings.public_base_url)
        return report.pushed + report.pulled


def unanswered_jobs(settings: Settings) -> int:
    """Jobs a technician did not accept or decline in time go to the next best one."""
    with session_scope(settings.database_url) as session:
        return redispatch_unanswered(session=session, now=utcnow())


def failed_requests(settings: Settings) -> int:
    """Callers' details the action server spooled while the database was down become leads
    and owner alerts (business/conversations/failure_capture.py)."""
    return import_spooled_requests(database_url=settings.database_url, spool_dir=VAR_DIR / "spool")


def idle_conversations(settings: Settings) -> int:
    """Chats and texts that stopped without a goodbye get an outcome, summary and lead."""
    with session_scope(settings.database_url) as session:
        return close_idle_conversations(session=session, now=utcnow())


def jobs(settings: Settings) -> list[Job]:
    return [
        Job("transcripts", TranscriptProjection(settings), interval=0.5),
        Job("notifications", OutboxSender.from_settings(settings), interval=2.0),
        Job("calendar", calendar_sync, interval=30),
        Job("unanswered_jobs", unanswered_jobs, interval=30),
        Job("failed_requests", failed_requests, interval=15),
        Job("idle_conversations", idle_conversations, interval=60),
        # Once a day, and at start-up; a run that deleted something runs again at once.
        Job("retention", Retention(settings), interval=24 * 3600),
    ]


def run(stop: threading.Event, settings: Settings, job_list: list[Job] | None = None) -> None:
    job_list = job_list if job_list is not None else jobs(settings)
    while not stop.is_set():
        now = time.monotonic()
        for job in job_list:
            if job.due > now:
                continue
            try:
                done = job.run(settings)
            except Exception:  # noqa: BLE001 - a failing batch must not end the worker; it retries
                log.exception("job %s failed; retrying in %.1fs", job.name, job.interval)
                done = 0
            job.due = now if done else now + job.interval
        next_due = min(job.due for job in job_list) if job_list else now + 1.0
        stop.wait(max(0.0, next_due - time.monotonic()))


def configure_logging() -> None:
    """A failing batch is logged with its traceback, and database errors quote the rows they
    were writing (transcripts, numbers): the handler redacts them."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactConversationData())


def main() -> None:
    configure_logging()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    log.info("worker started")
    run(stop, Settings.from_env())
    log.info("worker stopped")


if __name__ == "__main__":
    main()

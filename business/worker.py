"""Background worker: keeps conversations and transcripts in step with Rasa's tracker.
Run with `python -m business.worker`; `make run` starts it with the other services."""
from __future__ import annotations

import logging
import signal
import threading

from business.db import make_engine, session_scope
from business.settings import Settings
from business.transcripts import project_tracker_events

log = logging.getLogger("worker")


def run(stop: threading.Event, settings: Settings, interval: float = 0.5) -> None:
    tracker_engine = make_engine(settings.tracker_database_url, read_only=True)
    while not stop.is_set():
        try:
            with session_scope(settings.database_url) as session:
                copied = project_tracker_events(session=session, tracker_engine=tracker_engine)
        except Exception:  # noqa: BLE001 - a bad batch must not end the worker; it retries
            log.exception("transcript projection failed; retrying")
            copied = 0
        if not copied:
            stop.wait(interval)
    tracker_engine.dispose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    log.info("worker started")
    run(stop, Settings.from_env())
    log.info("worker stopped")


if __name__ == "__main__":
    main()

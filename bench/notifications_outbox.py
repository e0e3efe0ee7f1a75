"""Outbox throughput: queueing messages one transaction each (as events do), and the sender
draining them in local mode and through the Twilio SDK (HTTP recorded, no network), on
SQLite and PostgreSQL. `.venvs/app/bin/python -m bench.notifications_outbox`; writes
reports/notifications_outbox.json."""
from __future__ import annotations

import json
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from business.db import get_engine, session_scope
from business.migrations_runner import upgrade
from business.models import utcnow
from business.notifications.email import LocalEmail
from business.notifications.outbox import create_notification
from business.notifications.sender import OutboxSender
from business.notifications.sms import LocalSms, TwilioSms
from business.settings import ROOT
from tests.business.test_notifications_outbox import twilio_settings
from tests.business.twilio_http import RecordingHttpClient

MESSAGES = 1000
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def enqueue(url: str, prefix: str) -> float:
    start = time.perf_counter()
    for n in range(MESSAGES):
        with session_scope(url) as session:
            create_notification(session=session, channel="sms", recipient="+13125550199", kind="bench",
                                key=f"{prefix}{n}", body=f"Hi Jessica, your drain cleaning is booked ({n}).")
    return time.perf_counter() - start


def drain(url: str, sms) -> float:
    sender = OutboxSender(url, sms=sms, email=LocalEmail(), clock=utcnow, batch=20)
    start = time.perf_counter()
    while sender.send_due():
        pass
    return time.perf_counter() - start


def measure(url: str) -> dict[str, float]:
    results = {}
    for mode, sms in (("local", LocalSms()), ("twilio_sdk_recorded_http", TwilioSms(twilio_settings(), RecordingHttpClient()))):
        queued = enqueue(url, f"{mode}-")
        sent = drain(url, sms)
        results[f"{mode}_enqueue_per_s"] = round(MESSAGES / queued, 1)
        results[f"{mode}_send_per_s"] = round(MESSAGES / sent, 1)
    return results


def postgres_url() -> tuple[str, callable] | None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception:  # noqa: BLE001 - no server: SQLite only
        return None
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop():
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url, drop


def main() -> None:
    report = {"messages": MESSAGES, "machine": f"{platform.machine()}, {os.cpu_count()} CPUs (shared)",
              "python": platform.python_version(), "results": {}}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        report["results"]["sqlite"] = measure(url)
        get_engine(url).dispose()
    pg = postgres_url()
    if pg is not None:
        url, drop = pg
        try:
            upgrade(url)
            report["results"]["postgresql"] = measure(url)
        finally:
            drop()
    out = ROOT / "reports" / "notifications_outbox.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

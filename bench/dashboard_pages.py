"""Benchmark: every dashboard page and API with 20,000 conversations (60,000 transcript
turns) and 10,000 appointments, on SQLite and PostgreSQL; median and p95 per URL through
Flask's test client. Writes reports/bench-dashboard.md. `make bench-dashboard`."""
from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import tempfile
import time as clock
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bench.availability import POSTGRES_ADMIN_URL, machine
from business.db import get_engine, session_factory
from business.migrations_runner import upgrade
from business.models import Appointment, Conversation, Customer, Lead, Notification, Service, Technician, TranscriptTurn
from business.seed import seed
from business.settings import ROOT
from dashboard import create_app
from dashboard.auth.accounts import create_user

CONVERSATIONS, APPOINTMENTS, CUSTOMERS, LEADS, NOTIFICATIONS = 20_000, 10_000, 4_000, 1_000, 2_000
TURNS_PER_CONVERSATION = 3
RUNS = 15
TARGET_MS = 300.0
CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO).astimezone(timezone.utc)
PASSWORD = "bench password 1234"
REPORT = ROOT / "reports" / "bench-dashboard.md"
OUTCOMES = ("booked", "information", "abandoned", "lead", "handed_off", None, "rescheduled", "cancelled")
WORDS = ("leak", "clogged drain", "water heater", "toilet running", "burst pipe", "no hot water", "sump pump")


def fill(url: str, rng: random.Random) -> dict[str, int]:
    upgrade(url)
    with session_factory(url).begin() as session:
        seed(session=session, data_dir=ROOT / "data")
        services = list(session.scalars(select(Service.id)))
        technicians = list(session.scalars(select(Technician.id)))
        session.execute(insert(Customer), [
            {"name": f"Customer {i:05d} {rng.choice(('Lee', 'Park', 'Nowak', 'Garcia', 'Smith'))}",
             "phone": f"+1312{i:07d}", "address": f"{100 + i % 900} W Street {i % 50}", "zip_code": f"606{i % 40:02d}",
             "created_at": NOW, "updated_at": NOW} for i in range(CUSTOMERS)])
        customer_ids = list(session.scalars(select(Customer.id)))
        rows = []
        for i in range(APPOINTMENTS):
            start = NOW + timedelta(days=rng.randint(-180, 60), hours=rng.randint(-2, 8))
            rows.append({"customer_id": rng.choice(customer_ids), "service_id": rng.choice(services),
                         "technician_id": rng.choice(technicians), "start_at": start, "end_at": start + timedelta(hours=1),
                         "status": rng.choice(("scheduled", "confirmed", "completed", "cancelled")),
                         "urgency": "emergency" if i % 40 == 0 else "routine", "problem": rng.choice(WORDS),
                         "source_channel": "phone", "calendar_state": "synced", "created_at": NOW, "updated_at": NOW})
        session.execute(insert(Appointment), rows)
        rows = []
        for i in range(CONVERSATIONS):
            started = NOW - timedelta(minutes=rng.randint(1, 60 * 24 * 365))
            customer = rng.choice(customer_ids) if i % 3 else None
            rows.append({"external_id": f"CA{i:010d}", "channel": rng.choice(("phone", "phone", "sms", "web")),
                         "caller": f"+1773{i:07d}", "customer_id": customer, "started_at": started,
                         "ended_at": started + timedelta(minutes=3), "status": "completed", "duration_seconds": 180.0,
                         "intent": rng.choice(("book_appointment", "ask_price", "emergency_request", "faq")),
                         "outcome": rng.choice(OUTCOMES), "summary": f"Caller asked about a {rng.choice(WORDS)}."})
        session.execute(insert(Conversation), rows)
        conversation_ids = list(session.scalars(select(Conversation.id)))
        session.execute(insert(TranscriptTurn), [
            {"conversation_id": cid, "seq": seq, "speaker": "caller" if seq % 2 == 0 else "assistant",
             "text": f"my {rng.choice(WORDS)} needs fixing" if seq % 2 == 0 else "When would suit you?",
             "at": NOW, "entities": [], "interrupted": False}
            for cid in conversation_ids for seq in range(TURNS_PER_CONVERSATION)])
        session.execute(insert(Lead), [
            {"name": f"Lead {i}", "phone": f"+1872{i:07d}", "reason": "wants a quote", "created_at": NOW - timedelta(hours=i),
             "status": rng.choice(("new", "called", "booked", "lost"))} for i in range(LEADS)])
        session.execute(insert(Notification), [
            {"channel": "sms", "recipient": f"+1312{i:07d}", "body": "Reminder", "kind": "reminder",
             "status": rng.choice(("sent", "failed", "held_local")), "idempotency_key": f"bench-{i}",
             "created_at": NOW - timedelta(hours=i), "attempts": 1} for i in range(NOTIFICATIONS)])
        create_user(session=session, username="owner", password=PASSWORD)
    return {"conversations": CONVERSATIONS, "turns": CONVERSATIONS * TURNS_PER_CONVERSATION,
            "appointments": APPOINTMENTS, "customers": CUSTOMERS}


def urls(url: str) -> list[str]:
    with session_factory(url)() as session:
        customer = session.scalar(select(Customer.id).order_by(Customer.id).offset(CUSTOMERS // 2))
        call = session.scalar(select(Conversation.id).order_by(Conversation.id).offset(CONVERSATIONS // 2))
    return ["/", "/appointments/", "/calendar/", "/technicians/", "/customers/", "/customers/?q=nowak",
            "/customers/?q=60612&page=3", f"/customers/{customer}", f"/customers/{customer}/export.json",
            "/leads/", "/leads/?status=new&page=5", "/calls/", "/calls/?page=200", "/calls/?q=water+heater",
            "/calls/?phone=773000", "/calls/?name=garcia", "/calls/?outcome=needs_call_back",
            "/calls/?channel=sms&intent=faq&start=2026-06-01&end=2026-09-30", f"/calls/{call}", "/jobs/new",
            "/live/", "/live/events", "/outbox/", "/account/", "/api/appointments",
            "/api/conversations", "/api/availability?service=drain_cleaning"]


def measure(url: str) -> dict[str, list[float]]:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-" + "x" * 20, "TESTING": True,
                      "WTF_CSRF_ENABLED": False,
                      "CLOCK": lambda: NOW})
    client = app.test_client()
    assert client.post("/login", data={"username": "owner", "password": PASSWORD}).status_code == 302
    timings: dict[str, list[float]] = {}
    for path in urls(url):
        client.get(path)  # warm the caches a running server would have
        for _ in range(RUNS):
            started = clock.perf_counter()
            response = client.get(path)
            timings.setdefault(path, []).append((clock.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
    return timings


def run_sqlite(rng):
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        counts = fill(url, rng)
        result = measure(url)
        get_engine(url).dispose()
    return counts, result, f"SQLite {sqlite3.sqlite_version}"


def run_postgres(rng):
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        version = conn.execute(text("show server_version")).scalar()
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        counts = fill(url, rng)
        with get_engine(url).connect() as conn:
            conn.execute(text("ANALYZE"))
        result = measure(url)
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return counts, result, f"PostgreSQL {version}"


def main() -> None:
    load = machine()
    results = []
    for runner in (run_sqlite, run_postgres):
        counts, timings, engine = runner(random.Random(20261206))
        results.append((engine, timings))
        print(engine, max(statistics.median(v) for v in timings.values()), file=sys.stderr, flush=True)
    paths = list(results[0][1])
    lines = ["| URL | " + " | ".join(f"{e} median ms | {e} p95 ms" for e, _ in results) + " |",
             "|---|" + "---|---|" * len(results)]
    for path in paths:
        cells = []
        for _engine, timings in results:
            values = sorted(timings[path])
            cells += [f"{statistics.median(values):.1f}", f"{values[int(0.95 * (len(values) - 1))]:.1f}"]
        lines.append(f"| `{path}` | " + " | ".join(cells) + " |")
    slowest = {e: max(statistics.median(v) for v in t.values()) for e, t in results}
    verdict = "; ".join(f"{e}: slowest median {ms:.0f} ms ({'meets' if ms < TARGET_MS else 'misses'} the target)"
                        for e, ms in slowest.items())
    report = "\n".join([
        "# Benchmark: dashboard pages and APIs",
        "",
        f"`make bench-dashboard` (bench/dashboard_pages.py), run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}.",
        "",
        f"Data: {CONVERSATIONS:,} conversations ({CONVERSATIONS * TURNS_PER_CONVERSATION:,} transcript turns), "
        f"{APPOINTMENTS:,} appointments over eight months, {CUSTOMERS:,} customers, {LEADS:,} leads, "
        f"{NOTIFICATIONS:,} notifications, the seeded services and technicians. Each URL is requested {RUNS} "
        "times by a signed-in owner through Flask's test client (the whole request: session check, queries, "
        "template), after one warm-up request.",
        f"Target: every page and API under {TARGET_MS:.0f} ms at the median. Result: {verdict}.",
        "Indexes the lists rely on (revision 0010_dash1_follow_up): conversations by customer, by caller and "
        "by (outcome, started_at); leads by status; plus the existing started_at and appointment indexes. "
        "A keyword search reads every transcript turn (LIKE '%word%' cannot use a B-tree index); it is the "
        "slowest list and would need full-text search (PostgreSQL tsvector, SQLite FTS5) well beyond this size.",
        "",
        *lines,
        "",
        "## Machine",
        "",
        load,
        "",
    ])
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report, encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""Benchmark: every Analytics report over 20,000 conversations and 10,000 appointments, on
SQLite and PostgreSQL, timed as the report query and as its JSON endpoint (the dashboard's
view). Medians and 95th percentiles go to reports/bench-analytics.md.
`.venvs/app/bin/python -m bench.dashboard_analytics`"""
from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
import time as clock
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from bench.availability import machine, stats
from business.analytics import REPORTS, DateRange, run_report
from business.db import get_engine, session_factory
from business.migrations_runner import upgrade
from business.models import Appointment, Conversation, Customer, Lead, Service, TranscriptTurn
from business.profile import load_profile
from business.seed import seed
from business.settings import ROOT
from dashboard import create_app
from dashboard.auth.accounts import create_user

CONVERSATIONS = 20_000
APPOINTMENTS = 10_000
CUSTOMERS = 3_000
LEADS = 1_000
DAYS = 365
REPEATS = 15
TARGET_MS = 300.0
CHI = ZoneInfo("America/Chicago")
FIRST_DAY = date(2025, 12, 1)
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REPORT = ROOT / "reports" / "bench-analytics.md"
RANGES = {"last 28 days": 28, "last 365 days": DAYS}
PASSWORD = "bench password not secret"


def _moment(rng: random.Random) -> datetime:
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    return datetime(day.year, day.month, day.day, tzinfo=CHI) + timedelta(minutes=rng.randrange(24 * 60))


def fill(url: str, rng: random.Random) -> None:
    upgrade(url)
    with session_factory(url).begin() as session:
        seed(session=session, data_dir=ROOT / "data")
        create_user(session=session, username="owner", password=PASSWORD)
        services = list(session.scalars(select(Service.id)))
        zips = sorted(load_profile(session=session).service_area_zips)
        session.execute(insert(Customer), [{"name": f"Customer {i}", "phone": f"+1773{i:07d}"}
                                           for i in range(CUSTOMERS)])
        customers = list(session.scalars(select(Customer.id)))
        outcomes = ("booked", "information", "abandoned", "lead", None, "booked", "information")
        intents = ("book_appointment", "faq", "price_inquiry", "emergency_request", None)
        session.execute(insert(Conversation), [
            {"external_id": f"bench-{i}", "channel": rng.choice(("phone", "phone", "web", "sms", "owner")),
             "started_at": _moment(rng), "outcome": rng.choice(outcomes), "intent": rng.choice(intents)}
            for i in range(CONVERSATIONS)])
        ids = list(session.scalars(select(Conversation.id)))
        session.execute(insert(TranscriptTurn), [
            {"conversation_id": c, "seq": 1, "speaker": "assistant", "text": "Hello", "at": _moment(rng),
             "entities": []} for c in ids if rng.random() < 0.9])
        rows = []
        for _ in range(APPOINTMENTS):
            start = _moment(rng)
            rows.append({"customer_id": rng.choice(customers), "service_id": rng.choice(services), "start_at": start,
                         "end_at": start + timedelta(hours=1), "created_at": start - timedelta(days=rng.randrange(9)),
                         "updated_at": start, "zip_code": rng.choice(zips),
                         "status": rng.choice(("completed", "completed", "scheduled", "cancelled"))})
        session.execute(insert(Appointment), rows)
        session.execute(insert(Lead), [{"name": "Lead", "phone": f"+1773{rng.randrange(CUSTOMERS * 2):07d}",
                                        "created_at": _moment(rng), "status": "new"} for _ in range(LEADS)])
    with get_engine(url).connect() as conn:  # fresh planner statistics, as autovacuum would have
        conn.execute(text("ANALYZE"))
        conn.commit()


def measure(url: str) -> dict[tuple[str, str, str], list[float]]:
    end = FIRST_DAY + timedelta(days=DAYS - 1)
    timings: dict[tuple[str, str, str], list[float]] = {}
    with session_factory(url)() as session:
        profile = load_profile(session=session)
        for label, days in RANGES.items():
            period = DateRange(end - timedelta(days=days - 1), end)
            for name in REPORTS:
                run_report(name, session=session, profile=profile, period=period)  # warm up
                for _ in range(REPEATS):
                    began = clock.perf_counter()
                    run_report(name, session=session, profile=profile, period=period)
                    timings.setdefault((name, label, "query"), []).append((clock.perf_counter() - began) * 1000)
                    session.rollback()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key", "TESTING": True,
                      "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert client.post("/login", data={"username": "owner", "password": PASSWORD}).status_code == 302
    for label, days in RANGES.items():
        query = f"start={end - timedelta(days=days - 1)}&end={end}"
        for name in REPORTS:
            assert client.get(f"/analytics/{name}.json?{query}").status_code == 200
            for _ in range(REPEATS):
                began = clock.perf_counter()
                response = client.get(f"/analytics/{name}.json?{query}")
                timings.setdefault((name, label, "endpoint"), []).append((clock.perf_counter() - began) * 1000)
                assert response.status_code == 200
    return timings


def run_sqlite(rng):
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        fill(url, rng)
        result = measure(url)
        get_engine(url).dispose()
    return result, f"SQLite {sqlite3.sqlite_version}"


def run_postgres(rng):
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        version = conn.execute(text("show server_version")).scalar().split()[0]
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        fill(url, rng)
        result = measure(url)
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return result, f"PostgreSQL {version}"


def main() -> None:
    load = machine()
    results = [runner(random.Random(20261206)) for runner in (run_sqlite, run_postgres)]
    lines = ["| Report | Range | " + " | ".join(f"{engine} query / endpoint median ms (p95)" for _, engine in results)
             + " |", "|---|---|" + "---|" * len(results)]
    worst = 0.0
    for label in RANGES:
        for name in REPORTS:
            cells = []
            for timings, _engine in results:
                q_median, q_p95 = stats(timings[(name, label, "query")])
                e_median, e_p95 = stats(timings[(name, label, "endpoint")])
                worst = max(worst, e_median)
                cells.append(f"{q_median:.1f} ({q_p95:.1f}) / {e_median:.1f} ({e_p95:.1f})")
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
            print(lines[-1], flush=True)
    verdict = "every view meets it" if worst < TARGET_MS else "at least one view misses it"
    report = "\n".join([
        "# Benchmark: Analytics reports",
        "",
        f"`.venvs/app/bin/python -m bench.dashboard_analytics`, run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}.",
        "",
        f"Data: the seeded business plus {CONVERSATIONS:,} conversations (phone, web, text and the owner's line; "
        f"about 90% with an assistant reply), {APPOINTMENTS:,} appointments (a quarter cancelled) for "
        f"{CUSTOMERS:,} customers, {LEADS:,} leads, all spread over {DAYS} days.",
        f"Each report runs {REPEATS} times after one warm-up, over the last 28 and the last 365 days: as the "
        "business query alone (`run_report`) and as its JSON endpoint through the Flask app with a signed-in "
        "session (`/analytics/<report>.json`, what the page's charts fetch).",
        f"Target: every view's median under {TARGET_MS:.0f} ms on both engines; slowest endpoint median "
        f"{worst:.1f} ms: {verdict}.",
        "The machine is shared with other jobs (see the load average), so repeated runs vary: where a query "
        "alone reads slower than its endpoint (which includes it), the load changed between the two passes.",
        "",
        *lines,
        "",
        "## Machine",
        "",
        load,
        "",
    ])
    REPORT.write_text(report, encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

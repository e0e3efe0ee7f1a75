"""Benchmark: how long a caller waits for busy time when Google Calendar is linked, on
SQLite and PostgreSQL. `python bench/calendar_busy.py [--runs N]`; writes
reports/bench-calendar-busy.md. Google is never called: the cache answers (fresh), or
Google is unusable and the last known answer is returned (stale)."""
from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from business.calendar.google import GoogleCalendar  # noqa: E402
from business.db import get_engine, session_factory  # noqa: E402
from business.migrations_runner import upgrade  # noqa: E402
from business.models import CalendarAccount, CalendarBlock, CalendarBusyTime  # noqa: E402

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def fill(url: str) -> None:
    upgrade(url)
    with session_factory(url).begin() as session:
        session.add(CalendarAccount(provider="google", token_ciphertext="x", busy_calendar_ids=["a", "b"],
                                    calendar_choices=[], busy_fetched_at=NOW, busy_from=NOW,
                                    busy_to=NOW + timedelta(days=60)))
        for i in range(600):  # ten busy times a day on two calendars for 60 days
            start = NOW + timedelta(hours=2.4 * i)
            session.add(CalendarBusyTime(calendar_id="ab"[i % 2], start_at=start, end_at=start + timedelta(hours=1)))
        for i in range(60):
            start = NOW + timedelta(days=i, hours=3)
            session.add(CalendarBlock(start_at=start, end_at=start + timedelta(minutes=45), title=f"block {i}"))


def measure(url: str, runs: int, clock_offset: timedelta) -> tuple[float, float]:
    calendar = GoogleCalendar(None, unavailable_reason="benchmark: Google unusable",
                              busy_calendar_ids=["a", "b"], clock=lambda: NOW + clock_offset)
    factory = session_factory(url)
    times = []
    for i in range(runs):
        day = NOW + timedelta(days=i % 30)
        started = time.perf_counter()
        with factory() as session:
            calendar.busy_intervals(session=session, start=day, end=day + timedelta(days=1))
            session.rollback()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the stale case logs one warning per call by design
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite:///{tmp}/bench.db"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        name = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        pg_url = str(admin.url.set(database=name).render_as_string(hide_password=False))
        try:
            for engine_name, url in (("SQLite", sqlite_url), ("PostgreSQL", pg_url)):
                fill(url)
                for case, offset in (("fresh cache", timedelta(0)), ("Google down, last known", timedelta(hours=1))):
                    median, p95 = measure(url, args.runs, offset)
                    rows.append(f"| {engine_name} | {case} | {median:.2f} | {p95:.2f} |")
        finally:
            get_engine(pg_url).dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    cpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
    model = next((line.split(":", 1)[1].strip() for line in cpu if line.startswith("Model name")), "unknown")
    report = "\n".join([
        "# Benchmark: busy time for a caller with Google Calendar linked",
        "",
        "`python bench/calendar_busy.py` - one day's busy intervals (600 cached Google busy times and 60 owner",
        "blocks over 60 days), new session per call, as the booking code would ask. Google itself is never",
        "waited on: a fresh cache answers; with a stale cache and Google unusable the last known answer is",
        "returned (the worker refreshes the cache every 30 s, so callers see the fresh case).",
        "",
        f"Machine: {os.cpu_count()} cores ({model}), shared with other jobs; Python {platform.python_version()};",
        f"{args.runs} calls per row; PostgreSQL on 127.0.0.1.",
        "",
        "| Database | Case | Median ms | p95 ms |",
        "|---|---|---|---|",
        *rows,
        "",
    ])
    Path("reports/bench-calendar-busy.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()

"""Benchmark: availability search and booking on a busy business (5 technicians, 20
services, 5,000 appointments over 60 days) on SQLite and PostgreSQL. Writes the medians
and 95th percentiles to reports/bench-availability.md. `make bench-availability`."""
from __future__ import annotations

import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time as clock
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from business.db import get_engine, session_factory
from business.migrations_runner import upgrade
from business.models import Appointment, Customer, Service, Technician
from business.profile import load_profile, save_profile_data
from business.scheduling import SlotUnavailable, book_appointment, search_availability
from business.settings import ROOT

APPOINTMENTS = 5000
DAYS = 60
SEARCHES = 300
BOOKINGS = 100
TARGET_MS = 20.0
SKILLS = ("general", "fixtures", "drains", "water_heaters", "sewer", "gas")
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
REPORT = ROOT / "reports" / "bench-availability.md"


def fill(url: str, rng: random.Random) -> tuple[datetime, dict[str, int]]:
    """Technicians work Monday to Saturday; each day is packed about three quarters full
    and the rest of the 5,000 are cancelled bookings, which every query must skip."""
    upgrade(url)
    factory = session_factory(url)
    with factory.begin() as session:
        data = yaml.safe_load((ROOT / "data" / "business.yaml").read_text(encoding="utf-8"))
        data["faq"] = {}
        profile = save_profile_data(session=session, data=data)
        tz = profile.tz
        hours = {d: ["07:00", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
        techs = [Technician(name=f"Tech {i}", phone=f"+1312555{7000 + i}", home_zip=z, working_hours=hours,
                            skills=["general", *rng.sample(SKILLS[1:], 3)])
                 for i, z in enumerate(("60614", "60640", "60608", "60610", "60657"))]
        services = [Service(slug=f"service_{i}", name=f"Service {i}", skill=SKILLS[i % len(SKILLS)],
                            duration_minutes=(30, 60, 90, 120, 180)[i % 5], price_min=Decimal(100),
                            price_max=Decimal(300), keywords=[]) for i in range(20)]
        customers = [Customer(name=f"Customer {i}", phone=f"+1773555{i:04d}", zip_code=rng.choice(
            sorted(profile.service_area_zips))) for i in range(500)]
        session.add_all([*techs, *services, *customers])
        session.flush()
        start_day = date(2026, 11, 23)  # a Monday
        now = datetime.combine(start_day, time(6), tzinfo=tz)
        rows: list[Appointment] = []
        buffer = timedelta(minutes=profile.booking.travel_buffer_minutes)
        for offset in range(DAYS):
            day = start_day + timedelta(days=offset)
            if profile.hours_on(day) is None:
                continue
            for tech in techs:
                moment = datetime.combine(day, time(7), tzinfo=tz)
                close = datetime.combine(day, time(18), tzinfo=tz)
                while True:
                    service = rng.choice([s for s in services if s.skill in tech.skills])
                    end = moment + timedelta(minutes=service.duration_minutes)
                    if end > close:
                        break
                    if rng.random() < 0.75:
                        rows.append(_appointment(rng.choice(customers), service, tech, moment, end, "scheduled"))
                    moment = end + buffer
        active = len(rows)
        while len(rows) < APPOINTMENTS:
            service = rng.choice(services)
            moment = now + timedelta(days=rng.randrange(DAYS), hours=rng.randrange(1, 11))
            rows.append(_appointment(rng.choice(customers), service, rng.choice(techs), moment,
                                     moment + timedelta(minutes=service.duration_minutes), "cancelled"))
        session.add_all(rows)
    return now, {"active": active, "cancelled": len(rows) - active}


def _appointment(customer, service, tech, start, end, status) -> Appointment:
    return Appointment(customer_id=customer.id, service_id=service.id, technician_id=tech.id, start_at=start,
                       end_at=end, status=status, zip_code=customer.zip_code, calendar_state="synced")


def measure(url: str, now: datetime, rng: random.Random) -> dict[str, list[float]]:
    factory = session_factory(url)
    searches, bookings, refused, no_offer = [], [], 0, 0
    with factory() as session:
        profile = load_profile(session=session)
        services = session.query(Service).order_by(Service.id).all()
        customers = session.query(Customer).order_by(Customer.id).all()
        search_availability(session=session, profile=profile, service=services[0], preferred_from=now, now=now)
        session.rollback()
        for _ in range(SEARCHES):
            service = rng.choice(services)
            wanted = now + timedelta(days=rng.randrange(DAYS - 1), hours=rng.randrange(24))
            began = clock.perf_counter()
            search_availability(session=session, profile=profile, service=service, preferred_from=wanted,
                                count=3, now=now)
            searches.append((clock.perf_counter() - began) * 1000)
            session.commit()  # ends the read transaction, as a request would
        for _ in range(BOOKINGS):
            service = rng.choice(services)
            # As on the phone: the caller takes a time the search offered.
            wanted = now + timedelta(days=rng.randrange(1, DAYS - 1), hours=rng.randrange(7, 17))
            offered = search_availability(session=session, profile=profile, service=service, preferred_from=wanted,
                                          count=1, now=now).options
            session.commit()
            if not offered:
                no_offer += 1  # e.g. a service whose skill no technician has
                continue
            wanted = offered[0].start
            began = clock.perf_counter()
            try:
                book_appointment(session=session, profile=profile, customer=rng.choice(customers),
                                 service=service, start=wanted, now=now)
                session.commit()
                bookings.append((clock.perf_counter() - began) * 1000)
            except SlotUnavailable:
                session.rollback()
                refused += 1
                bookings.append((clock.perf_counter() - began) * 1000)
    return {"search": searches, "book": bookings, "refused": refused, "no_offer": no_offer}


def stats(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]


def run_sqlite(rng: random.Random):
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        now, counts = fill(url, rng)
        result = measure(url, now, rng)
        get_engine(url).dispose()
    return counts, result, f"SQLite {sqlite3.sqlite_version} (file, WAL)"


def run_postgres(rng: random.Random):
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        version = conn.execute(text("show server_version")).scalar()
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        now, counts = fill(url, rng)
        result = measure(url, now, rng)
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return counts, result, f"PostgreSQL {version} (127.0.0.1, TCP)"


def machine() -> str:
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()[:10]
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    load = os.getloadavg()
    return "\n".join([
        f"- `nproc`: {nproc}; load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        "(the machine is shared with other jobs)",
        f"- Python {platform.python_version()} on {platform.platform()}",
        "- `lscpu | head`:", "", "```", *lscpu, "```",
    ])


def main() -> None:
    rng = random.Random(20261121)
    load = machine()
    rows = []
    for runner in (run_sqlite, run_postgres):
        counts, result, engine = runner(rng)
        search_median, search_p95 = stats(result["search"])
        book_median, book_p95 = stats(result["book"])
        verdict = "meets" if search_median < TARGET_MS else "misses"
        rows.append(f"| {engine} | {counts['active']} + {counts['cancelled']} | {search_median:.1f} | "
                    f"{search_p95:.1f} | {book_median:.1f} | {book_p95:.1f} | {len(result['book'])} "
                    f"({result['refused']} refused; {result['no_offer']} had no time offered) | {verdict} |")
        print(rows[-1], flush=True)
    report = "\n".join([
        "# Benchmark: availability search and booking",
        "",
        f"`make bench-availability` (bench/availability.py), run {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}.",
        "",
        f"Data: 5 technicians (Mon-Sat 7:00-18:00, 4 skills each), 20 services (30-180 min), 500 customers, "
        f"{APPOINTMENTS} appointments over {DAYS} days: every technician's day packed about three quarters full "
        "(active bookings) and the rest cancelled bookings, which the queries must skip.",
        f"Search: {SEARCHES} calls to `search_availability` (3 options) for a random service at a random time "
        f"within the horizon. Booking: {BOOKINGS} calls to `book_appointment` (row lock, dispatch decision, "
        "history, commit) at the first time a search offered near a random weekday time; a refused booking "
        "would compute its alternatives and is timed too. Random skills leave some services with nobody "
        "to do them; those get no offer and no booking.",
        "The machine is shared (see the load average below), so repeated runs vary by a factor of about two.",
        f"Target: search median under {TARGET_MS:.0f} ms on both engines.",
        "",
        "| Engine | Appointments (active + cancelled) | Search median ms | Search p95 ms | Book median ms "
        "| Book p95 ms | Bookings timed | Search target |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
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

"""Two callers in separate processes race for the last place: the database lock lets
exactly one booking through, and the other caller is offered alternatives."""
from __future__ import annotations

import multiprocessing
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from business.db import session_factory
from business.models import Appointment, DispatchRecord, Technician
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import SlotUnavailable, book_appointment

CHI = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=CHI)
START = datetime(2026, 11, 24, 9, 0, tzinfo=CHI)


def attempt(url: str, phone: str, barrier, results) -> None:
    """Runs in its own process with its own engine and connection."""
    with session_factory(url)() as session:
        profile = load_profile(session=session)
        who = upsert_customer(session=session, phone=phone, name="Caller " + phone[-4:], zip_code="60610")
        service = get_service_by_slug(session=session, slug="drain_cleaning")
        session.commit()
        barrier.wait(timeout=60)
        try:
            book_appointment(session=session, profile=profile, customer=who, service=service, start=START, now=NOW)
            session.commit()
            results.put("booked")
        except SlotUnavailable as taken:
            session.rollback()
            results.put("offered" if taken.alternatives else "nothing")


def test_racing_processes_for_the_last_place_end_with_one_booking(seeded_url):
    factory = session_factory(seeded_url)
    with factory.begin() as session:
        for tech in session.scalars(select(Technician).where(Technician.name != "Mike Alvarez")):
            tech.active = False
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=attempt, args=(seeded_url, phone, barrier, results))
               for phone in ("+13125550160", "+13125550161")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [w.exitcode for w in workers] == [0, 0]
    assert sorted(results.get(timeout=5) for _ in workers) == ["booked", "offered"]
    with factory() as session:
        assert session.scalar(select(func.count(Appointment.id))) == 1
        assert session.scalar(select(func.count(DispatchRecord.id))) == 1

"""The local calendar (the default, no Google account): the worker's calendar job marks
pending appointments synced, since the database is the calendar the dashboard shows."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from business.calendar import LocalCalendar
from business.calendar.sync import list_calendar_pending, push_pending
from business.db import session_scope
from business.models import Appointment
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment, cancel_appointment
from business.settings import Settings
from business.worker import calendar_sync, jobs

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO).astimezone(timezone.utc)


def _book(session, profile, hour: int) -> Appointment:
    customer = upsert_customer(session=session, phone=f"+1312555{hour:04d}", name=f"Customer {hour}")
    appointment = book_appointment(
        session=session, profile=profile, customer=customer,
        service=get_service_by_slug(session=session, slug="drain_cleaning"),
        start=datetime(2026, 11, 24, hour, 0, tzinfo=CHICAGO).astimezone(timezone.utc), now=NOW,
    )
    appointment.calendar_state = "pending"
    return appointment


def test_local_push_marks_pending_appointments_synced(session, profile):
    first, second = _book(session, profile, 9), _book(session, profile, 13)
    cancel_appointment(session=session, appointment=second, note="changed their mind")
    session.commit()
    assert {a.id for a, _ in list_calendar_pending(session=session)} == {first.id, second.id}
    assert push_pending(session=session, calendar=LocalCalendar(), now=NOW) == 2
    session.expire_all()
    assert [(a.calendar_state, a.calendar_event_id) for a in (first, second)] == [("synced", None)] * 2
    assert list_calendar_pending(session=session) == []
    assert push_pending(session=session, calendar=LocalCalendar(), now=NOW) == 0


def test_the_worker_runs_the_calendar_job(seeded_url):
    with session_scope(seeded_url) as session:
        appointment_id = _book(session, load_profile(session=session), 10).id
    settings = Settings.from_env({"DATABASE_URL": seeded_url})
    assert "calendar" in [job.name for job in jobs(settings)]
    assert calendar_sync(settings) == 1
    with session_scope(seeded_url) as session:
        assert session.get(Appointment, appointment_id).calendar_state == "synced"
    assert calendar_sync(settings) == 0

"""Jobs from the office: booking, moving (the calendar's drag) and cancelling through the
scheduling engine, refused with the caller's reason; the free-time finder counts the
owner's busy time, as a caller's search does."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from business.calendar.blocks import create_calendar_block
from business.db import session_scope
from business.models import Appointment, AppointmentEvent, Notification
from tests.dashboard.conftest import CHICAGO

FORM = {"name": "Lee Park", "phone": "(312) 555-0166", "address": "401 N Michigan Ave", "zip_code": "60611",
        "service": "drain_cleaning", "day": "2026-11-25", "start": "13:00", "urgency": "routine",
        "problem": "shower drain slow"}


def _kinds(url: str, appointment_id: int) -> set[str]:
    with session_scope(url) as session:
        return set(session.scalars(select(Notification.kind).where(Notification.appointment_id == appointment_id)))


def test_new_job_is_booked_like_a_call(logged_in, seeded_url):
    response = logged_in.post("/jobs/new", data=FORM)
    assert response.status_code == 302
    with session_scope(seeded_url) as session:
        appointment = session.scalar(select(Appointment))
        assert appointment.start_at == datetime(2026, 11, 25, 13, 0, tzinfo=CHICAGO).astimezone(timezone.utc)
        assert appointment.source_channel == "dashboard" and appointment.technician is not None
        assert appointment.customer.phone == "+13125550166"
        appointment_id = appointment.id
    assert {"booking_confirmation", "technician_dispatch"} <= _kinds(seeded_url, appointment_id)


def test_a_refused_time_comes_back_with_the_reason_and_free_times(logged_in, seeded_url):
    response = logged_in.post("/jobs/new", data={**FORM, "day": "2026-11-29"})  # a Sunday: closed
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "We&#39;re closed that day." in page and "Free instead:" in page and 'id="start-error"' in page
    with session_scope(seeded_url) as session:
        assert session.scalar(select(Appointment)) is None


def test_a_block_refuses_the_booking_and_the_finder_skips_it(logged_in, seeded_url):
    with session_scope(seeded_url) as session:
        create_calendar_block(session=session, title="Dentist",
                              start=datetime(2026, 11, 25, 12, 0, tzinfo=CHICAGO),
                              end=datetime(2026, 11, 25, 15, 0, tzinfo=CHICAGO))
    response = logged_in.post("/jobs/new", data=FORM)
    assert response.status_code == 422
    assert "not taking bookings at that time" in response.get_data(as_text=True)
    body = logged_in.get("/api/availability?service=drain_cleaning&from=2026-11-25T13:00&count=1").get_json()
    assert body["reason"] == "blocked" and body["options"][0]["start"] != "2026-11-25T13:00:00-06:00"


def test_move_by_drag_and_refusal_with_reason(logged_in, booked, seeded_url):
    moved = logged_in.post(f"/jobs/{booked}/move", json={"start": "2026-11-25T14:00"})
    assert moved.status_code == 200
    assert moved.get_json()["appointment"]["start"] == "2026-11-25T14:00:00-06:00"
    with session_scope(seeded_url) as session:
        events = list(session.scalars(select(AppointmentEvent.status).where(AppointmentEvent.appointment_id == booked)))
        assert "rescheduled" in events
    refused = logged_in.post(f"/jobs/{booked}/move", json={"start": "2026-11-29T10:00"})
    assert refused.status_code == 409
    assert refused.get_json()["reason"] == "closed" and "closed that day" in refused.get_json()["error"]
    with session_scope(seeded_url) as session:
        assert session.get(Appointment, booked).start_at.astimezone(CHICAGO).day == 25  # unchanged
    for bad in ({"start": "tomorrow"}, {"start": 5}, [], {"start": "2026-13-40T10:00"}):
        assert logged_in.post(f"/jobs/{booked}/move", json=bad).status_code == 400
    assert logged_in.post("/jobs/999999/move", json={"start": "2026-11-25T14:00"}).status_code == 404


def test_cancel_tells_the_customer_and_cannot_be_done_twice(logged_in, booked, seeded_url):
    assert logged_in.post(f"/jobs/{booked}/cancel").status_code == 302
    with session_scope(seeded_url) as session:
        assert session.get(Appointment, booked).status == "cancelled"
    assert "cancellation_confirmation" in _kinds(seeded_url, booked)
    assert logged_in.post(f"/jobs/{booked}/cancel").status_code == 409
    moved = logged_in.post(f"/jobs/{booked}/move", json={"start": "2026-11-25T14:00"})
    assert moved.status_code == 409


def test_bad_job_form_shows_errors_in_place(logged_in):
    response = logged_in.post("/jobs/new", data={**FORM, "phone": "12", "day": "someday"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="day-error"' in page


def test_calendar_colours_each_technician(logged_in, booked):
    page = logged_in.get("/calendar/").get_data(as_text=True)
    assert 'class="tech-dot tech-' in page and 'name="csrf-token"' in page and "data-move-url" in page

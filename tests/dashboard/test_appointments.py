"""A booking made through the business package shows on the page and in the API, at the
right local time (Chicago), with ISO-8601 offsets in the JSON."""
from __future__ import annotations

from datetime import timedelta

import pytest

from business.db import session_scope
from business.models import Appointment
from business.scheduling import cancel_appointment
from tests.dashboard.conftest import BOOKED_START, PASSWORD, USERNAME


def test_page_shows_booked_appointment_in_local_time(logged_in, booked):
    page = logged_in.get("/appointments/").get_data(as_text=True)
    assert "Upcoming appointments" in page
    assert "Tue Nov 24 2026, 10:00 AM CST" in page  # 16:00 UTC shown as Chicago time
    assert 'datetime="2026-11-24T10:00:00-06:00"' in page
    for text in ("Dana Whitfield", "+13125550123", "Drain cleaning", "Mike Alvarez", "scheduled",
                 "233 S Wacker Dr, Chicago", "America/Chicago"):
        assert text in page


def test_page_without_appointments(logged_in):
    assert "No upcoming appointments." in logged_in.get("/appointments/").get_data(as_text=True)


def test_page_hides_cancelled(logged_in, booked, seeded_url):
    with session_scope(seeded_url) as session:
        cancel_appointment(session=session, appointment=session.get(Appointment, booked))
    assert "Dana Whitfield" not in logged_in.get("/appointments/").get_data(as_text=True)


def test_page_hides_appointments_that_have_ended(make_app, owner, booked):
    app = make_app(CLOCK=lambda: BOOKED_START + timedelta(hours=2))
    client = app.test_client()
    client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    assert "No upcoming appointments." in client.get("/appointments/").get_data(as_text=True)


def test_api_default_range_is_today_plus_14_days(logged_in, booked):
    body = logged_in.get("/api/appointments").get_json()
    assert body["from"] == "2026-11-23" and body["to"] == "2026-12-07"
    assert body["timezone"] == "America/Chicago"
    assert body["truncated"] is False
    [appt] = body["appointments"]
    assert appt["id"] == booked
    assert appt["start"] == "2026-11-24T10:00:00-06:00"
    assert appt["end"] == "2026-11-24T11:00:00-06:00"
    assert appt["customer"] == {"id": appt["customer"]["id"], "name": "Dana Whitfield", "phone": "+13125550123"}
    assert appt["service"] == {"slug": "drain_cleaning", "name": "Drain cleaning"}
    assert appt["technician"]["name"] == "Mike Alvarez"
    assert appt["status"] == "scheduled"
    assert appt["address"] == "233 S Wacker Dr, Chicago"


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("from=2026-11-24&to=2026-11-25", 1),  # the day itself
        ("from=2026-11-23&to=2026-11-24", 0),  # `to` is exclusive
        ("from=2026-11-25", 0),  # after it
        ("from=2026-11-24&to=2026-11-24", 0),  # an empty range is allowed, just empty
        ("to=2026-11-30", 1),  # `from` defaults to today
        ("from=2026-01-01&to=2027-01-01", 1),
    ],
)
def test_api_range(logged_in, booked, query, count):
    response = logged_in.get(f"/api/appointments?{query}")
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["appointments"]) == count

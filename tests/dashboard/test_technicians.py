"""The technicians page: each technician's status and today's jobs, and the job buttons
doing what the texts do, behind login and CSRF; bad requests get a clear 4xx and change nothing."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from business.db import session_scope
from business.models import Appointment, DispatchRecord, Notification
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from tests.dashboard.conftest import CHICAGO, NOW, PASSWORD, USERNAME


@pytest.fixture
def today_job(seeded_url) -> int:
    """A drain cleaning at 11:00 on the pinned Monday: Mike's job today."""
    with session_scope(seeded_url) as session:
        customer = upsert_customer(session=session, phone="+13125550124", name="Rosa Diaz",
                                   address="1060 W Addison St", zip_code="60613")
        appointment = book_appointment(
            session=session, profile=load_profile(session=session), customer=customer,
            service=get_service_by_slug(session=session, slug="drain_cleaning"),
            start=datetime(2026, 11, 23, 11, 0, tzinfo=CHICAGO).astimezone(timezone.utc), now=NOW)
        return appointment.id


def state(url: str, appointment_id: int) -> tuple[str, str | None, str, list[str]]:
    with session_scope(url) as session:
        appointment = session.get(Appointment, appointment_id)
        records = session.scalars(select(DispatchRecord.status).where(
            DispatchRecord.appointment_id == appointment_id).order_by(DispatchRecord.id)).all()
        tech = appointment.technician
        return appointment.status, tech.name if tech else None, tech.status if tech else "", list(records)


def test_the_page_lists_technicians_and_todays_jobs(logged_in, today_job, booked):
    page = logged_in.get("/technicians/").get_data(as_text=True)
    for name in ("Mike Alvarez", "Sarah Chen", "Tom Okafor"):
        assert name in page
    assert f"#{today_job}" in page and "Rosa Diaz" in page and "awaiting answer" in page
    assert "Dana Whitfield" not in page  # tomorrow's job is not today's
    assert f"/technicians/jobs/{today_job}/accept" in page and f"/technicians/jobs/{today_job}/done" in page


def test_buttons_accept_en_route_and_done(logged_in, today_job, seeded_url):
    response = logged_in.post(f"/technicians/jobs/{today_job}/accept")
    assert response.status_code == 302 and response.headers["Location"].endswith("/technicians/")
    assert state(seeded_url, today_job) == ("scheduled", "Mike Alvarez", "assigned", ["accepted"])
    page = logged_in.get("/technicians/").get_data(as_text=True)
    assert f"Job #{today_job} for Mike Alvarez: accepted." in page
    assert f"/technicians/jobs/{today_job}/accept" not in page
    logged_in.post(f"/technicians/jobs/{today_job}/en_route")
    assert state(seeded_url, today_job)[2] == "en_route"
    logged_in.post(f"/technicians/jobs/{today_job}/done")
    assert state(seeded_url, today_job)[:3] == ("completed", "Mike Alvarez", "done")
    with session_scope(seeded_url) as session:
        kinds = set(session.scalars(select(Notification.kind).where(Notification.recipient == "+13125550124")))
    assert {"en_route", "review_request"} <= kinds
    # A finished job takes no more buttons: a clear 409, nothing changed.
    response = logged_in.post(f"/technicians/jobs/{today_job}/decline")
    assert response.status_code == 409 and "is completed" in response.get_data(as_text=True)
    assert state(seeded_url, today_job)[3] == ["accepted"]


def test_decline_button_moves_the_job_on(logged_in, today_job, seeded_url):
    logged_in.post(f"/technicians/jobs/{today_job}/decline")
    status, tech, _, records = state(seeded_url, today_job)
    # Drain cleaning on a Monday: only Mike has the skill and the shift, so the owner must step in.
    assert (status, tech, records) == ("scheduled", None, ["declined", "unassigned"])
    with session_scope(seeded_url) as session:
        assert session.scalars(select(Notification).where(Notification.kind == "owner_technician_change")).all()
    assert logged_in.post(f"/technicians/jobs/{today_job}/accept").status_code == 404


@pytest.mark.parametrize("path", ["/technicians/jobs/1/fly", "/technicians/jobs/999999/accept",
                                  "/technicians/jobs/x/accept"])
def test_unknown_jobs_and_actions_are_404(logged_in, path):
    assert logged_in.post(path).status_code == 404


def test_buttons_need_the_csrf_token(make_app, owner, today_job, seeded_url):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token})
    assert client.post(f"/technicians/jobs/{today_job}/accept").status_code == 400
    assert state(seeded_url, today_job)[3] == ["assigned"]
    page = client.get("/technicians/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/technicians/jobs/{today_job}/accept", data={"csrf_token": token}).status_code == 302
    assert state(seeded_url, today_job)[3] == ["accepted"]

"""The calendar page and /api/availability: same engine as the assistant, strict
parameters, and the dispatch explanation carried with each appointment."""
from __future__ import annotations

import re

import pytest

from business.db import session_scope
from business.profile import load_profile
from business.repository import get_service_by_slug
from business.scheduling import search_availability
from tests.dashboard.conftest import BOOKED_START, CHICAGO, NOW


def test_calendar_page_loads_fullcalendar_from_our_static_files(logged_in, booked):
    page = logged_in.get("/calendar/").get_data(as_text=True)
    assert "<h1>Calendar</h1>" in page and 'href="/calendar/" aria-current="page"' in page
    # Static URLs carry the file's own version (?v=<md5>), so an update never mixes files.
    scripts = [re.sub(r"\?v=[0-9a-f]{32}", "", tag) for tag in re.findall(r"<script[^>]*>", page)]
    assert '<script src="/static/vendor/fullcalendar.global.min.js">' in scripts
    assert '<script src="/static/js/calendar.js">' in scripts
    assert all(re.match(r'<script src="/static/[\w/.-]+\.js"( defer)?>$', tag) for tag in scripts), scripts
    assert 'data-events-url="/api/appointments"' in page and 'data-today="2026-11-23"' in page
    assert '<option value="drain_cleaning">Drain cleaning</option>' in page
    assert "style=" not in page and not re.search(r'(src|href)="(https?:)?//', page)
    assert logged_in.get("/static/js/calendar.js").status_code == 200


def test_appointments_api_carries_window_and_dispatch_explanation(logged_in, booked):
    [appt] = logged_in.get("/api/appointments").get_json()["appointments"]
    assert appt["window"] is None
    dispatch = appt["dispatch"]
    assert dispatch["explanation"].startswith("Chosen: Mike Alvarez: has the drains skill, free 10:00-11:00, ")
    assert dispatch["flagged_for_owner"] is False and dispatch["status"] == "assigned"


def test_availability_matches_the_engine(logged_in, booked, seeded_url):
    start = BOOKED_START.replace(hour=10)
    body = logged_in.get(f"/api/availability?service=drain_cleaning&from={start.isoformat()}&count=4").get_json()
    with session_scope(seeded_url) as session:
        expected = search_availability(
            session=session, profile=load_profile(session=session), preferred_from=start, count=4, now=NOW,
            service=get_service_by_slug(session=session, slug="drain_cleaning"))
        assert [o["start"] for o in body["options"]] == [s.start.astimezone(CHICAGO).isoformat() for s in expected.options]
    assert body["reason"] is None and body["options"][0]["start"] == "2026-11-24T10:00:00-06:00"
    assert body["service"]["duration_minutes"] == 60 and body["mode"] == "exact"


def test_availability_explains_closed_days_and_takes_local_times(logged_in):
    body = logged_in.get("/api/availability?service=drain_cleaning&from=2026-11-29T10:00").get_json()
    assert body["reason"] == "closed" and body["reason_text"] == "we're closed that day"
    assert body["options"][0]["start"] == "2026-11-30T07:00:00-06:00"
    ranged = logged_in.get("/api/availability?service=drain_cleaning&from=2026-11-24T12:00&to=2026-11-24T17:00")
    assert ranged.get_json()["reason"] is None
    assert ranged.get_json()["options"][0]["start"] == "2026-11-24T12:00:00-06:00"


def test_a_date_alone_means_that_whole_day(logged_in, booked):
    body = logged_in.get("/api/availability?service=drain_cleaning&from=2026-11-24").get_json()
    assert body["reason"] is None and body["options"][0]["start"] == "2026-11-24T07:00:00-06:00"
    assert logged_in.get("/api/availability?service=drain_cleaning&from=2026-11-29").get_json()["reason"] == "closed"


def test_calendar_policy_admits_only_fullcalendars_style_element(logged_in):
    response = logged_in.get("/calendar/")
    nonce = re.search(r'<meta name="csp-nonce" content="([^"]+)">', response.get_data(as_text=True)).group(1)
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'self'") and f"style-src 'self' 'nonce-{nonce}'" in policy
    assert "unsafe-inline" not in policy and "script-src" not in policy
    assert nonce != re.search(r'content="([^"]+)">', logged_in.get("/calendar/").get_data(as_text=True)).group(1)


def test_unknown_service_is_404(logged_in):
    response = logged_in.get("/api/availability?service=roof_repair")
    assert response.status_code == 404 and response.get_json()["error"] == "there is no service roof_repair"


@pytest.mark.parametrize("query", [
    "", "service=", "service=Drain%20Cleaning", "service=" + "a" * 61,
    "service=drain_cleaning&from=tomorrow", "service=drain_cleaning&from=2026-02-30",
    "service=drain_cleaning&from=2026-11-24T25:00", "service=drain_cleaning&from=%EF%BC%92026-11-24",
    "service=drain_cleaning&from=2026-11-25&to=2026-11-24", "service=drain_cleaning&from=2026-11-24&to=2026-12-24",
    "service=drain_cleaning&from=9999-12-31", "service=drain_cleaning&from=0001-01-01",
    "service=drain_cleaning&count=0", "service=drain_cleaning&count=21", "service=drain_cleaning&urgency=asap",
    "service=drain_cleaning&service=gas_line", "service=drain_cleaning&form=2026-11-24",
])
def test_bad_availability_query_is_400_json(logged_in, query):
    response = logged_in.get(f"/api/availability?{query}")
    assert response.status_code == 400 and response.is_json and response.get_json()["error"]

"""The settings page: sync now (local and Google), choosing calendars, blocked times,
the list of appointments waiting for the calendar, conflicts, and bad input."""
from __future__ import annotations

import json
from urllib.parse import urlsplit
from datetime import datetime, timedelta, timezone

import pytest
from googleapiclient.http import HttpMockSequence
from google.oauth2.credentials import Credentials

from business.calendar.accounts import create_calendar_account
from business.calendar.google import event_id_for
from business.calendar.tokens import generate_key
from business.db import session_scope
from business.models import Appointment, CalendarAccount, CalendarBlock, CalendarRetry
from business.settings import Settings
from tests.dashboard.conftest import CHICAGO, NOW
from tests.google_transport import RecordingAdapter

KEY = generate_key()
GOOGLE = {"CALENDAR_TOKEN_KEY": KEY, "GOOGLE_CLIENT_ID": "id", "GOOGLE_CLIENT_SECRET": "secret",
          "PUBLIC_BASE_URL": "https://office.example.com"}
CALENDARS = [{"id": "owner@example.com", "summary": "Owner", "primary": True},
             {"id": "crew@group.calendar.google.com", "summary": "Crew", "primary": False}]


def set_state(url: str, appointment_id: int, **values) -> None:
    with session_scope(url) as session:
        appointment = session.get(Appointment, appointment_id)
        for key, value in values.items():
            setattr(appointment, key, value)


def get(url: str, model, key):
    with session_scope(url) as session:
        row = session.get(model, key)
        if row is not None:
            session.expunge(row)
        return row


def link(url: str) -> None:
    settings = Settings(calendar_token_key=KEY, google_client_id="id", google_client_secret="secret")
    credentials = Credentials(token="t", refresh_token="r", expiry=(datetime.now(timezone.utc) + timedelta(hours=1))
                              .replace(tzinfo=None))
    with session_scope(url) as session:
        create_calendar_account(session=session, settings=settings, credentials=credentials, calendars=CALENDARS)


def login(app):
    client = app.test_client()
    assert client.post("/login", data={"username": "owner", "password": "correct horse battery"}).status_code == 302
    return client


def test_settings_page_shows_the_local_calendar_and_pending_items(logged_in, booked, seeded_url):
    set_state(seeded_url, booked, calendar_state="pending")
    page = logged_in.get("/settings/").get_data(as_text=True)
    assert "Not linked" in page and "Dana Whitfield" in page and "pending" in page


def test_sync_now_on_the_local_calendar_marks_appointments_synced(logged_in, booked, seeded_url):
    set_state(seeded_url, booked, calendar_state="pending")
    response = logged_in.post("/settings/sync", follow_redirects=True)
    assert "Sync done: 1 written to the calendar" in response.get_data(as_text=True)
    assert get(seeded_url, Appointment, booked).calendar_state == "synced"
    assert "Every appointment is in the calendar." in response.get_data(as_text=True)


def test_sync_now_with_google_pushes_pulls_and_reads_busy_times(make_app, owner, booked, seeded_url):
    link(seeded_url)
    event_id = event_id_for(booked)
    api = HttpMockSequence([
        ({"status": "200"}, json.dumps({"id": event_id})),
        ({"status": "200"}, json.dumps({"items": [], "nextSyncToken": "sync-1"})),
        ({"status": "200"}, json.dumps({"calendars": {"owner@example.com": {"busy": []}}})),
        ({"status": "200"}, json.dumps({"calendars": {"owner@example.com": {"busy": []}}})),
        ({"status": "200"}, json.dumps({"resourceId": "res-1", "expiration": "1795000000000"})),
    ])
    client = login(make_app(**GOOGLE, GOOGLE_API_HTTP=api))
    response = client.post("/settings/sync", follow_redirects=True)
    assert "Sync done: 1 written to the calendar, 0 changed from Google." in response.get_data(as_text=True)
    paths = [(m, urlsplit(uri).path.rsplit("/", 1)[-1]) for uri, m, _, _ in api.request_sequence]
    assert paths == [("POST", "events"), ("GET", "events"), ("POST", "freeBusy"), ("POST", "freeBusy"),
                     ("POST", "watch")]
    appointment = get(seeded_url, Appointment, booked)
    assert (appointment.calendar_state, appointment.calendar_event_id) == ("synced", event_id)
    with session_scope(seeded_url) as session:
        account = session.query(CalendarAccount).one()
        assert account.sync_token == "sync-1" and account.busy_fetched_at == NOW and account.last_error is None
        assert account.channel_resource_id == "res-1"  # PUBLIC_BASE_URL is https: push channel opened


def test_sync_now_when_google_is_down_keeps_the_booking_and_shows_the_problem(make_app, owner, booked, seeded_url):
    link(seeded_url)
    api = HttpMockSequence([({"status": "503"}, "{}"), ({"status": "503"}, "{}")])
    client = login(make_app(**GOOGLE, GOOGLE_API_HTTP=api))
    page = client.post("/settings/sync", follow_redirects=True).get_data(as_text=True)
    assert "0 written to the calendar" in page and "Google could not be read (Google answered 503)" in page
    assert get(seeded_url, Appointment, booked).status == "scheduled"
    retry = get(seeded_url, CalendarRetry, booked)
    assert retry.attempts == 1
    assert "Google answered 503" in page and "Dana Whitfield" in page  # listed as waiting, with the reason


def test_choosing_calendars(make_app, owner, seeded_url):
    link(seeded_url)
    client = login(make_app(**GOOGLE))
    page = client.get("/settings/").get_data(as_text=True)
    assert "Crew" in page and "Owner" in page
    response = client.post("/settings/google/calendars", data={
        "booking_calendar": "crew@group.calendar.google.com",
        "busy_calendars": ["owner@example.com", "crew@group.calendar.google.com"]})
    assert response.status_code == 302
    with session_scope(seeded_url) as session:
        account = session.query(CalendarAccount).one()
        assert account.booking_calendar_id == "crew@group.calendar.google.com"
        assert account.busy_calendar_ids == ["owner@example.com", "crew@group.calendar.google.com"]
    refused = client.post("/settings/google/calendars", data={"booking_calendar": "stranger@example.com"})
    assert refused.status_code == 400
    with session_scope(seeded_url) as session:
        assert session.query(CalendarAccount).one().booking_calendar_id == "crew@group.calendar.google.com"


def test_choosing_calendars_without_a_linked_account_is_404(logged_in):
    assert logged_in.post("/settings/google/calendars", data={"booking_calendar": "x"}).status_code == 404


def test_blocks_are_added_in_local_time_and_removed(logged_in, seeded_url):
    response = logged_in.post("/settings/blocks", data={"day": "2026-11-24", "start": "14:00", "end": "15:30",
                                                        "title": "Dentist"}, follow_redirects=True)
    assert "Dentist" in response.get_data(as_text=True)
    with session_scope(seeded_url) as session:
        block = session.query(CalendarBlock).one()
        assert block.start_at == datetime(2026, 11, 24, 14, 0, tzinfo=CHICAGO)
        assert block.end_at == datetime(2026, 11, 24, 15, 30, tzinfo=CHICAGO)
        block_id = block.id
    assert logged_in.post(f"/settings/blocks/{block_id}/delete").status_code == 302
    assert get(seeded_url, CalendarBlock, block_id) is None
    assert logged_in.post(f"/settings/blocks/{block_id}/delete").status_code == 404


@pytest.mark.parametrize("data", [
    {"day": "2026-11-24", "start": "15:00", "end": "14:00", "title": "Backwards"},
    {"day": "2026-11-24", "start": "14:00", "end": "15:00", "title": ""},
    {"day": "not a day", "start": "14:00", "end": "15:00", "title": "Dentist"},
    {"day": "2026-11-24", "start": "25:00", "end": "15:00", "title": "Dentist"},
    {"day": "2026-11-24", "start": "14:00", "end": "15:00", "title": "x" * 5000},
    {},
])
def test_bad_blocks_are_refused_and_nothing_is_stored(logged_in, seeded_url, data):
    response = logged_in.post("/settings/blocks", data=data)
    # The settings page again, with the error beside the field, not a bare error page.
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'class="field-error"' in page and 'action="/settings/blocks"' in page
    with session_scope(seeded_url) as session:
        assert session.query(CalendarBlock).count() == 0


def test_keep_our_time_resolves_a_conflict(logged_in, booked, seeded_url):
    set_state(seeded_url, booked, calendar_state="calendar_conflict")
    page = logged_in.get("/settings/").get_data(as_text=True)
    assert "calendar conflict" in page and "Keep our time" in page
    assert logged_in.post(f"/settings/appointments/{booked}/keep-our-time").status_code == 302
    assert get(seeded_url, Appointment, booked).calendar_state == "pending"
    # Only a conflict can be resolved.
    assert logged_in.post(f"/settings/appointments/{booked}/keep-our-time").status_code == 404
    assert logged_in.post("/settings/appointments/999999/keep-our-time").status_code == 404


@pytest.mark.parametrize("path", ["/settings/sync", "/settings/google/link", "/settings/google/unlink",
                                  "/settings/blocks", "/settings/blocks/1/delete",
                                  "/settings/appointments/1/keep-our-time", "/settings/google/calendars"])
def test_every_change_needs_the_csrf_token(make_app, owner, path):
    app = make_app(WTF_CSRF_ENABLED=True, **GOOGLE)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "owner", "password": "correct horse battery", "csrf_token": token})
    data = {"day": "2026-11-24", "start": "14:00", "end": "15:00", "title": "x"}
    assert client.post(path, data=data).status_code == 400


def test_unlink_stops_the_push_channel_before_revoking(make_app, owner, seeded_url):
    link(seeded_url)
    with session_scope(seeded_url) as session:
        account = session.query(CalendarAccount).one()
        account.channel_id, account.channel_token, account.channel_resource_id = "channel-1", "secret", "res-1"
    api = HttpMockSequence([({"status": "204"}, "")])
    oauth = RecordingAdapter([(200, {})])
    client = login(make_app(**GOOGLE, GOOGLE_API_HTTP=api, GOOGLE_OAUTH_ADAPTER=oauth))
    assert client.post("/settings/google/unlink").status_code == 302
    [(uri, method, body, _)] = api.request_sequence
    assert method == "POST" and "/calendar/v3/channels/stop" in uri
    assert json.loads(body) == {"id": "channel-1", "resourceId": "res-1"}
    assert len(oauth.sent) == 1
    with session_scope(seeded_url) as session:
        assert session.query(CalendarAccount).count() == 0

"""Google Calendar push and pull through googleapiclient's own HttpMockSequence and the
discovery document shipped with the library: the exact requests we send, and what we do
with 200, 404, 409, 410, 429 and 500 answers. Both database engines."""
from __future__ import annotations

import json
import socket
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httplib2
import pytest
from googleapiclient.discovery import build
from googleapiclient.http import HttpMockSequence
from sqlalchemy import select

from business.calendar import build_service
from business.calendar.base import CalendarUnavailable
from business.calendar.google import GoogleCalendar, event_id_for
from business.calendar.sync import backoff, push_pending, pull_changes
from business.models import AppointmentEvent, CalendarAccount, CalendarRetry
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment, cancel_appointment

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO).astimezone(timezone.utc)
START = datetime(2026, 11, 24, 10, 0, tzinfo=CHICAGO).astimezone(timezone.utc)
API = "https://www.googleapis.com/calendar/v3"
OK = {"status": "200"}


def answer(status: int, body: dict | None = None):
    return ({"status": str(status)}, json.dumps(body if body is not None else {"error": {"code": status}}))


def google(responses) -> tuple[GoogleCalendar, HttpMockSequence]:
    http = HttpMockSequence(list(responses))
    return GoogleCalendar(build_service(http), booking_calendar_id="primary", busy_calendar_ids=["primary"],
                          clock=lambda: NOW), http


def sent(http: HttpMockSequence) -> list[tuple[str, str, dict, dict | None]]:
    """(method, path, query, json body) of every request made."""
    out = []
    for uri, method, body, _headers in http.request_sequence:
        parts = urlsplit(uri)
        out.append((method, parts.path, parse_qs(parts.query), json.loads(body) if body else None))
    return out


@pytest.fixture
def appointment(session, profile):
    customer = upsert_customer(session=session, phone="+13125550123", name="Dana Whitfield",
                               address="233 S Wacker Dr, Chicago", zip_code="60606")
    booked = book_appointment(session=session, profile=profile, customer=customer,
                              service=get_service_by_slug(session=session, slug="drain_cleaning"),
                              start=START, now=NOW, problem="kitchen sink backs up")
    booked.calendar_state = "pending"  # what booking sets once the scheduling branch lands
    session.commit()
    return booked


@pytest.fixture
def linked(session):
    account = CalendarAccount(provider="google", token_ciphertext="unused here", booking_calendar_id="primary",
                              busy_calendar_ids=["primary"], calendar_choices=[], sync_token="token-1")
    session.add(account)
    session.commit()
    return account


def test_booking_inserts_one_event_carrying_the_appointment(session, appointment):
    event_id = event_id_for(appointment.id)
    calendar, http = google([answer(200, {"id": event_id})])
    assert push_pending(session=session, calendar=calendar, now=NOW) == 1
    [(method, path, query, body)] = sent(http)
    assert (method, path) == ("POST", "/calendar/v3/calendars/primary/events")
    assert body["id"] == event_id
    assert body["summary"] == "Plumbing: Drain cleaning - Dana Whitfield"
    assert body["location"] == "233 S Wacker Dr, Chicago"
    assert "Phone: +13125550123" in body["description"]
    assert "Problem: kitchen sink backs up" in body["description"]
    assert f"Technician: {appointment.technician.name}" in body["description"]
    assert f"Appointment id: {appointment.id}" in body["description"]
    assert body["extendedProperties"] == {"private": {"appointment_id": str(appointment.id)}}
    assert datetime.fromisoformat(body["start"]["dateTime"]) == START
    assert datetime.fromisoformat(body["end"]["dateTime"]) == appointment.end_at
    session.refresh(appointment)
    assert (appointment.calendar_state, appointment.calendar_event_id) == ("synced", event_id)
    assert session.get(CalendarRetry, appointment.id) is None


def test_a_retried_insert_that_already_happened_updates_instead(session, appointment):
    event_id = event_id_for(appointment.id)
    calendar, http = google([answer(409), answer(200, {"id": event_id})])
    push_pending(session=session, calendar=calendar, now=NOW)
    (m1, p1, _, b1), (m2, p2, _, b2) = sent(http)
    assert (m1, p1) == ("POST", "/calendar/v3/calendars/primary/events")
    assert (m2, p2) == ("PUT", f"/calendar/v3/calendars/primary/events/{event_id}")
    assert b1 == b2
    session.refresh(appointment)
    assert (appointment.calendar_state, appointment.calendar_event_id) == ("synced", event_id)


@pytest.mark.parametrize("status", [500, 429])
def test_google_failure_keeps_the_booking_pending_and_retries_with_backoff(session, appointment, status):
    calendar, http = google([answer(status)])
    assert push_pending(session=session, calendar=calendar, now=NOW) == 0
    session.refresh(appointment)
    assert appointment.status == "scheduled" and appointment.calendar_state == "pending"
    retry = session.get(CalendarRetry, appointment.id)
    assert retry.attempts == 1 and retry.next_attempt_at == NOW + timedelta(seconds=30)
    assert str(status) in retry.last_error

    # Not due yet: no request at all (an empty HttpMockSequence would raise if asked).
    assert push_pending(session=session, calendar=calendar, now=NOW + timedelta(seconds=29)) == 0
    assert len(http.request_sequence) == 1

    later = NOW + timedelta(seconds=31)
    calendar, http = google([answer(503)])
    push_pending(session=session, calendar=calendar, now=later)
    session.refresh(retry)
    assert retry.attempts == 2 and retry.next_attempt_at == later + timedelta(minutes=1)

    calendar, http = google([answer(200, {"id": event_id_for(appointment.id)})])
    assert push_pending(session=session, calendar=calendar, now=later + timedelta(minutes=2)) == 1
    session.expire_all()
    assert session.get(CalendarRetry, appointment.id) is None
    assert session.get(type(appointment), appointment.id).calendar_state == "synced"


def test_backoff_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(50) == timedelta(hours=1)


def test_cancelling_deletes_the_event_and_a_missing_event_is_fine(session, appointment):
    event_id = event_id_for(appointment.id)
    appointment.calendar_state, appointment.calendar_event_id = "synced", event_id
    cancel_appointment(session=session, appointment=appointment, note="caller cancelled")
    session.commit()
    calendar, http = google([answer(404)])
    assert push_pending(session=session, calendar=calendar, now=NOW) == 1
    [(method, path, _, body)] = sent(http)
    assert (method, path, body) == ("DELETE", f"/calendar/v3/calendars/primary/events/{event_id}", None)
    session.refresh(appointment)
    assert appointment.calendar_event_id is None and appointment.calendar_state == "synced"
    # Nothing left to do: a second run sends nothing.
    calendar, http = google([])
    assert push_pending(session=session, calendar=calendar, now=NOW) == 0


def test_a_rescheduled_appointment_updates_its_event_or_recreates_a_deleted_one(session, appointment):
    event_id = event_id_for(appointment.id)
    appointment.calendar_event_id = event_id
    session.commit()
    calendar, http = google([answer(404), answer(200, {"id": event_id})])
    push_pending(session=session, calendar=calendar, now=NOW)
    (m1, p1, _, _), (m2, p2, _, body) = sent(http)
    assert (m1, p1) == ("PUT", f"/calendar/v3/calendars/primary/events/{event_id}")
    assert (m2, p2) == ("POST", "/calendar/v3/calendars/primary/events")
    assert body["id"] == event_id


def test_a_refusal_other_than_404_or_409_is_retried_not_dropped(session, appointment):
    calendar, _ = google([answer(403)])
    push_pending(session=session, calendar=calendar, now=NOW)
    session.refresh(appointment)
    assert appointment.calendar_state == "pending"
    assert "403" in session.get(CalendarRetry, appointment.id).last_error


def _event(appointment_id: int, start: datetime, minutes: int = 60, **extra) -> dict:
    return {"id": event_id_for(appointment_id), "status": "confirmed",
            "start": {"dateTime": start.isoformat()},
            "end": {"dateTime": (start + timedelta(minutes=minutes)).isoformat()},
            "extendedProperties": {"private": {"appointment_id": str(appointment_id)}}, **extra}


def test_pull_applies_moves_and_deletions_with_the_sync_token(session, profile, appointment, linked):
    appointment.calendar_state, appointment.calendar_event_id = "synced", event_id_for(appointment.id)
    session.commit()
    moved_to = datetime(2026, 11, 25, 13, 0, tzinfo=CHICAGO).astimezone(timezone.utc)
    owners_own = {"id": "owner1", "status": "confirmed", "summary": "Dentist",
                  "start": {"dateTime": "2026-11-24T14:00:00-06:00"}, "end": {"dateTime": "2026-11-24T15:00:00-06:00"}}
    calendar, http = google([
        answer(200, {"items": [owners_own], "nextPageToken": "page-2"}),
        answer(200, {"items": [_event(appointment.id, moved_to)], "nextSyncToken": "token-2"}),
    ])
    assert pull_changes(session=session, calendar=calendar, profile=profile, now=NOW) == 1
    (m1, p1, q1, _), (_, _, q2, _) = sent(http)
    assert (m1, p1) == ("GET", "/calendar/v3/calendars/primary/events")
    assert q1["syncToken"] == ["token-1"] and q1["showDeleted"] == ["true"] and "pageToken" not in q1
    assert q2["syncToken"] == ["token-1"] and q2["pageToken"] == ["page-2"]
    session.expire_all()
    assert appointment.start_at == moved_to and appointment.status == "scheduled"
    assert session.get(CalendarAccount, linked.id).sync_token == "token-2"

    # Google reports a deleted event by id and status only.
    calendar, http = google([answer(200, {"items": [{"id": event_id_for(appointment.id), "status": "cancelled"}],
                                           "nextSyncToken": "token-3"})])
    assert pull_changes(session=session, calendar=calendar, profile=profile, now=NOW) == 1
    session.expire_all()
    assert appointment.status == "cancelled" and appointment.calendar_event_id is None
    notes = [e.note for e in session.scalars(select(AppointmentEvent).where(
        AppointmentEvent.appointment_id == appointment.id))]
    assert "deleted in Google Calendar" in notes
    assert session.get(CalendarAccount, linked.id).sync_token == "token-3"


def test_expired_sync_token_triggers_a_full_resync(session, profile, appointment, linked):
    calendar, http = google([answer(410), answer(200, {"items": [], "nextSyncToken": "fresh"})])
    assert pull_changes(session=session, calendar=calendar, profile=profile, now=NOW) == 0
    (_, _, q1, _), (_, _, q2, _) = sent(http)
    assert q1["syncToken"] == ["token-1"] and "syncToken" not in q2
    session.expire_all()
    assert session.get(CalendarAccount, linked.id).sync_token == "fresh"


def test_a_move_that_breaks_our_rules_keeps_our_time_and_flags_a_conflict(session, profile, appointment, linked):
    appointment.calendar_state, appointment.calendar_event_id = "synced", event_id_for(appointment.id)
    session.commit()
    sunday = datetime(2026, 11, 29, 10, 0, tzinfo=CHICAGO).astimezone(timezone.utc)  # closed on Sundays
    calendar, _ = google([answer(200, {"items": [_event(appointment.id, sunday)], "nextSyncToken": "t"})])
    assert pull_changes(session=session, calendar=calendar, profile=profile, now=NOW) == 1
    session.expire_all()
    assert appointment.start_at == START and appointment.calendar_state == "calendar_conflict"
    history = session.scalars(select(AppointmentEvent).where(AppointmentEvent.appointment_id == appointment.id,
                                                              AppointmentEvent.status == "calendar_conflict")).one()
    assert "closed" in history.note and "kept our time" in history.note

    # The owner moves it back in Google: the conflict clears.
    calendar, _ = google([answer(200, {"items": [_event(appointment.id, START)], "nextSyncToken": "u"})])
    pull_changes(session=session, calendar=calendar, profile=profile, now=NOW)
    session.expire_all()
    assert appointment.calendar_state == "synced"


def test_pull_leaves_an_appointment_with_a_newer_pending_change_alone(session, profile, appointment, linked):
    appointment.calendar_event_id = event_id_for(appointment.id)  # still "pending"
    session.commit()
    elsewhere = datetime(2026, 11, 25, 13, 0, tzinfo=CHICAGO).astimezone(timezone.utc)
    calendar, _ = google([answer(200, {"items": [_event(appointment.id, elsewhere)], "nextSyncToken": "t"})])
    assert pull_changes(session=session, calendar=calendar, profile=profile, now=NOW) == 0
    session.expire_all()
    assert appointment.start_at == START


def test_pull_failure_keeps_the_token(session, profile, linked):
    calendar, _ = google([answer(500)])
    with pytest.raises(CalendarUnavailable):
        pull_changes(session=session, calendar=calendar, profile=profile, now=NOW)
    session.rollback()
    assert session.get(CalendarAccount, linked.id).sync_token == "token-1"


def test_google_unreachable_keeps_the_booking_pending(session, appointment):
    """A real HTTP transport against a local port nobody listens on: connection refused."""
    with socket.socket() as probe:  # a free port, closed again before use
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    service = build("calendar", "v3", http=httplib2.Http(timeout=5), static_discovery=True, cache_discovery=False,
                    client_options={"api_endpoint": f"http://127.0.0.1:{port}/"})
    calendar = GoogleCalendar(service, clock=lambda: NOW)
    assert push_pending(session=session, calendar=calendar, now=NOW) == 0
    session.refresh(appointment)
    assert appointment.status == "scheduled" and appointment.calendar_state == "pending"
    retry = session.get(CalendarRetry, appointment.id)
    assert retry.attempts == 1 and "could not be reached" in retry.last_error

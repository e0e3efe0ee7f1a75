"""Google's push notifications: only our channel with its token is listened to; a valid
one pulls the owner's changes at once; forged or failed ones change nothing."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from googleapiclient.http import HttpMockSequence

from business.calendar.google import event_id_for
from business.calendar.tokens import encrypt_tokens, generate_key
from business.db import session_scope
from business.models import Appointment, CalendarAccount
from tests.dashboard.conftest import CHICAGO

CHANNEL = {"X-Goog-Channel-ID": "channel-1", "X-Goog-Channel-Token": "channel-secret",
           "X-Goog-Resource-ID": "res-1", "X-Goog-Resource-State": "exists", "X-Goog-Message-Number": "2"}
KEY = generate_key()
TOKENS = {"token": "ya29.t", "refresh_token": "1//r", "expiry": "2999-01-01T00:00:00+00:00"}
MOVED_TO = datetime(2026, 11, 25, 13, 0, tzinfo=CHICAGO).astimezone(timezone.utc)


@pytest.fixture
def channel(seeded_url, booked):
    with session_scope(seeded_url) as session:
        session.add(CalendarAccount(provider="google", token_ciphertext=encrypt_tokens(TOKENS, key=KEY),
                                    booking_calendar_id="primary",
                                    busy_calendar_ids=[], calendar_choices=[], sync_token="token-1",
                                    channel_id="channel-1", channel_token="channel-secret",
                                    channel_resource_id="res-1"))
        appointment = session.get(Appointment, booked)
        appointment.calendar_state, appointment.calendar_event_id = "synced", event_id_for(booked)
    return booked


def moved_event(appointment_id: int) -> str:
    return json.dumps({"items": [{
        "id": event_id_for(appointment_id), "status": "confirmed",
        "start": {"dateTime": MOVED_TO.isoformat()}, "end": {"dateTime": MOVED_TO.isoformat()},
        "extendedProperties": {"private": {"appointment_id": str(appointment_id)}}}], "nextSyncToken": "token-2"})


def start_of(url: str, appointment_id: int) -> datetime:
    with session_scope(url) as session:
        return session.get(Appointment, appointment_id).start_at


def test_a_notification_pulls_the_owners_change_at_once(make_app, channel, seeded_url):
    api = HttpMockSequence([({"status": "200"}, moved_event(channel))])
    client = make_app(GOOGLE_API_HTTP=api, WTF_CSRF_ENABLED=True, CALENDAR_TOKEN_KEY=KEY).test_client()
    response = client.post("/settings/google/notifications", headers=CHANNEL)
    assert response.status_code == 204
    [(uri, method, _, _)] = api.request_sequence
    assert method == "GET" and "syncToken=token-1" in uri
    assert start_of(seeded_url, channel) == MOVED_TO


def test_the_opening_sync_message_pulls_nothing(make_app, channel, seeded_url):
    api = HttpMockSequence([])
    client = make_app(GOOGLE_API_HTTP=api).test_client()
    hello = CHANNEL | {"X-Goog-Resource-State": "sync"}
    assert client.post("/settings/google/notifications", headers=hello).status_code == 204
    assert api.request_sequence == []


@pytest.mark.parametrize("headers", [
    CHANNEL | {"X-Goog-Channel-Token": "forged"},
    CHANNEL | {"X-Goog-Channel-ID": "someone-elses"},
    {k: v for k, v in CHANNEL.items() if k != "X-Goog-Channel-Token"},
    {},
])
def test_forged_notifications_are_refused(make_app, channel, seeded_url, headers):
    api = HttpMockSequence([])
    client = make_app(GOOGLE_API_HTTP=api).test_client()
    assert client.post("/settings/google/notifications", headers=headers).status_code == 403
    assert api.request_sequence == [] and start_of(seeded_url, channel) != MOVED_TO


def test_no_linked_account_refuses_every_notification(make_app, booked):
    assert make_app().test_client().post("/settings/google/notifications", headers=CHANNEL).status_code == 403


def test_google_failing_answers_503_and_keeps_the_sync_token(make_app, channel, seeded_url):
    api = HttpMockSequence([({"status": "500"}, "{}")])
    client = make_app(GOOGLE_API_HTTP=api, CALENDAR_TOKEN_KEY=KEY).test_client()
    assert client.post("/settings/google/notifications", headers=CHANNEL).status_code == 503
    with session_scope(seeded_url) as session:
        assert session.query(CalendarAccount).one().sync_token == "token-1"


def test_a_huge_body_is_refused(make_app, channel):
    client = make_app().test_client()
    response = client.post("/settings/google/notifications", headers=CHANNEL, data=b"x" * (2 * 1024 * 1024))
    assert response.status_code == 413

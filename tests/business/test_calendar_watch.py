"""Push notifications: the events.watch channel is opened on the booking calendar when the
dashboard has an https address, renewed before it expires, and the old one stopped."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from googleapiclient.http import HttpMockSequence

from business.calendar import build_service
from business.calendar.google import GoogleCalendar
from business.calendar.sync import ensure_watch, is_our_channel
from business.models import CalendarAccount

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
PUBLIC = "https://office.example.com"


def google(responses):
    http = HttpMockSequence(list(responses))
    return GoogleCalendar(build_service(http), booking_calendar_id="owner@example.com", clock=lambda: NOW), http


def watch_answer(resource_id: str, expires: datetime):
    return ({"status": "200"}, json.dumps({"kind": "api#channel", "resourceId": resource_id,
                                           "expiration": str(int(expires.timestamp() * 1000))}))


def linked(session) -> CalendarAccount:
    account = CalendarAccount(provider="google", token_ciphertext="unused", booking_calendar_id="owner@example.com",
                              busy_calendar_ids=[], calendar_choices=[])
    session.add(account)
    session.commit()
    return account


def test_a_channel_is_opened_once_and_checked_by_its_token(session):
    account = linked(session)
    calendar, http = google([watch_answer("res-1", NOW + timedelta(days=7))])
    assert ensure_watch(session=session, calendar=calendar, public_base_url=PUBLIC, now=NOW) is True
    [(uri, method, body, _)] = http.request_sequence
    assert method == "POST" and uri.startswith(
        "https://www.googleapis.com/calendar/v3/calendars/owner%40example.com/events/watch")
    body = json.loads(body)
    assert body["type"] == "web_hook" and body["address"] == f"{PUBLIC}/settings/google/notifications"
    assert body["params"] == {"ttl": str(7 * 24 * 3600)} and len(body["token"]) >= 32
    session.refresh(account)
    assert (account.channel_id, account.channel_token) == (body["id"], body["token"])
    assert account.channel_resource_id == "res-1" and account.channel_expires_at == NOW + timedelta(days=7)
    assert is_our_channel(session=session, channel_id=body["id"], token=body["token"])
    assert not is_our_channel(session=session, channel_id=body["id"], token="forged")
    assert not is_our_channel(session=session, channel_id="other", token=body["token"])
    # Still open for days: nothing to do.
    later = NOW + timedelta(days=5)
    assert ensure_watch(session=session, calendar=calendar, public_base_url=PUBLIC, now=later) is False
    assert len(http.request_sequence) == 1


def test_a_channel_about_to_expire_is_replaced_and_the_old_one_stopped(session):
    account = linked(session)
    account.channel_id, account.channel_token, account.channel_resource_id = "old-channel", "t", "res-old"
    account.channel_expires_at = NOW + timedelta(hours=12)
    session.commit()
    calendar, http = google([watch_answer("res-new", NOW + timedelta(days=7)), ({"status": "204"}, "")])
    assert ensure_watch(session=session, calendar=calendar, public_base_url=PUBLIC, now=NOW) is True
    (_, m1, _, _), (uri, m2, body, _) = http.request_sequence
    assert m2 == "POST" and uri.startswith("https://www.googleapis.com/calendar/v3/channels/stop")
    assert json.loads(body) == {"id": "old-channel", "resourceId": "res-old"}
    session.refresh(account)
    assert account.channel_resource_id == "res-new" and account.channel_id != "old-channel"


def test_no_channel_without_an_https_address(session):
    linked(session)
    calendar, http = google([])
    for address in ("", "http://127.0.0.1:8080"):
        assert ensure_watch(session=session, calendar=calendar, public_base_url=address, now=NOW) is False
    assert http.request_sequence == []

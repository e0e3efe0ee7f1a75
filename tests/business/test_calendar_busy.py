"""Busy time: owner blocks in every mode, Google free/busy merged in, cached so callers do
not wait on Google, and the last known answer used when Google fails."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from googleapiclient.http import HttpMockSequence

from business.calendar import LocalCalendar, build_service
from business.calendar.blocks import create_calendar_block, delete_calendar_block, list_calendar_blocks
from business.calendar.google import GoogleCalendar
from business.calendar.sync import refresh_busy
from business.models import CalendarAccount

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO).astimezone(timezone.utc)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHICAGO).astimezone(timezone.utc)


def freebusy(busy_by_calendar: dict[str, list[tuple[datetime, datetime]]], errors: dict | None = None):
    calendars = {cid: {"busy": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in spans]}
                 for cid, spans in busy_by_calendar.items()}
    for cid, reason in (errors or {}).items():
        calendars[cid] = {"errors": [{"domain": "global", "reason": reason}]}
    return ({"status": "200"}, json.dumps({"kind": "calendar#freeBusy", "calendars": calendars}))


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def linked(session):
    account = CalendarAccount(provider="google", token_ciphertext="unused here", booking_calendar_id="owner@x.com",
                              busy_calendar_ids=["owner@x.com", "family"], calendar_choices=[])
    session.add(account)
    session.commit()
    return account


def google(responses, clock) -> tuple[GoogleCalendar, HttpMockSequence]:
    http = HttpMockSequence(list(responses))
    calendar = GoogleCalendar(build_service(http), booking_calendar_id="owner@x.com",
                              busy_calendar_ids=["owner@x.com", "family"], clock=clock)
    return calendar, http


def test_local_calendar_busy_time_is_the_owners_blocks(session):
    dentist = create_calendar_block(session=session, start=at(24, 14), end=at(24, 15), title="Dentist")
    create_calendar_block(session=session, start=at(24, 14, 30), end=at(24, 16), title="School pickup")
    create_calendar_block(session=session, start=at(26, 9), end=at(26, 10), title="Another day")
    calendar = LocalCalendar()
    assert calendar.busy_intervals(session=session, start=at(24, 0), end=at(25, 0)) == [(at(24, 14), at(24, 16))]
    assert calendar.list_changes(None).changes == []
    assert delete_calendar_block(session=session, block_id=dentist.id) is True
    assert delete_calendar_block(session=session, block_id=dentist.id) is False
    assert [b.title for b in list_calendar_blocks(session=session)] == ["School pickup", "Another day"]


@pytest.mark.parametrize(("start", "end", "title"), [(25, 24, "Backwards"), (24, 25, " "), (24, 25, "x" * 201)])
def test_a_block_must_end_after_it_starts_and_have_a_title(session, start, end, title):
    with pytest.raises(ValueError):
        create_calendar_block(session=session, start=at(start, 9), end=at(end, 9), title=title)


def test_google_busy_times_merge_with_blocks_and_are_cached(session, linked):
    create_calendar_block(session=session, start=at(24, 16), end=at(24, 17), title="Van service")
    session.commit()
    clock = Clock(NOW)
    calendar, http = google([
        freebusy({"owner@x.com": [(at(24, 12), at(24, 13))], "family": [(at(24, 12, 30), at(24, 14))]}),
        freebusy({"owner@x.com": [], "family": []}),
        freebusy({"owner@x.com": [], "family": []}),
    ], clock)
    busy = calendar.busy_intervals(session=session, start=at(24, 0), end=at(25, 0))
    assert busy == [(at(24, 12), at(24, 14)), (at(24, 16), at(24, 17))]
    # The whole booking horizon is read at once, in 30-day pieces Google accepts.
    requests = http.request_sequence
    assert len(requests) == 2
    for uri, method, body, _ in requests:
        assert method == "POST" and uri.startswith("https://www.googleapis.com/calendar/v3/freeBusy")
    first = json.loads(requests[0][2])
    assert first["items"] == [{"id": "owner@x.com"}, {"id": "family"}]
    assert datetime.fromisoformat(first["timeMin"]) == NOW
    assert datetime.fromisoformat(first["timeMax"]) == NOW + timedelta(days=30)
    assert datetime.fromisoformat(json.loads(requests[1][2])["timeMax"]) == NOW + timedelta(days=60)

    # Within the cache's life a caller gets the answer without asking Google.
    clock.now = NOW + timedelta(minutes=2)
    assert calendar.busy_intervals(session=session, start=at(24, 0), end=at(25, 0)) == busy
    assert len(http.request_sequence) == 2


def test_google_failure_returns_the_last_known_answer_and_logs(session, linked, caplog):
    clock = Clock(NOW)
    calendar, http = google([freebusy({"owner@x.com": [(at(24, 12), at(24, 13))], "family": []}),
                             freebusy({"owner@x.com": [], "family": []})], clock)
    known = calendar.busy_intervals(session=session, start=at(24, 0), end=at(25, 0))
    session.commit()
    clock.now = NOW + timedelta(minutes=10)
    calendar, http = google([({"status": "503"}, "{}")], clock)
    with caplog.at_level(logging.WARNING, logger="business.calendar.google"):
        assert calendar.busy_intervals(session=session, start=at(24, 0), end=at(25, 0)) == known
    assert "free/busy unavailable" in caplog.text and "503" in caplog.text
    assert len(http.request_sequence) == 1


def test_a_calendar_google_cannot_read_is_skipped_not_fatal(session, linked, caplog):
    calendar, _ = google([freebusy({"owner@x.com": [(at(24, 12), at(24, 13))]}, errors={"family": "notFound"}),
                          freebusy({"owner@x.com": []})], Clock(NOW))
    with caplog.at_level(logging.WARNING, logger="business.calendar.google"):
        assert calendar.busy_intervals(session=session, start=at(24, 0), end=at(25, 0)) == [(at(24, 12), at(24, 13))]
    assert "notFound" in caplog.text


def test_worker_refresh_fills_the_cache_for_the_booking_horizon(session, profile, linked):
    calendar, http = google([freebusy({"owner@x.com": [(at(30, 9), at(30, 10))], "family": []}),
                             freebusy({"owner@x.com": [], "family": []})], Clock(NOW))
    refresh_busy(session=session, calendar=calendar, profile=profile, now=NOW)
    session.expire_all()
    account = session.get(CalendarAccount, linked.id)
    assert account.busy_fetched_at == NOW and account.busy_to == NOW + timedelta(days=60)
    # The cache now answers without Google.
    calendar, http = google([], Clock(NOW + timedelta(minutes=1)))
    assert calendar.busy_intervals(session=session, start=at(30, 0), end=at(30, 23)) == [(at(30, 9), at(30, 10))]

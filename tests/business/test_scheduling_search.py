"""Availability search on a real database: options nearest the preference, the reason a
preference cannot be met, blocked time, arrival windows and their capacity."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from business.models import Technician
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import SlotUnavailable, book_appointment, find_open_slots, search_availability

CHI = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=CHI)  # Monday morning


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHI)


def caller(session, n: int = 0):
    return upsert_customer(session=session, phone=f"+1312555{1000 + n:04d}", name=f"Caller {n}",
                           address="1420 N Lake Shore Dr", zip_code="60610")


def only(session, name: str) -> None:
    for tech in session.scalars(select(Technician).where(Technician.name != name)):
        tech.active = False


def windows(profile):
    return replace(profile, booking=replace(profile.booking, mode="window"))


def search(session, profile, slug, start, end=None, **kw):
    service = get_service_by_slug(session=session, slug=slug)
    return search_availability(session=session, profile=profile, service=service, preferred_from=start,
                               preferred_to=end, now=kw.pop("now", NOW), **kw)


def local(slots):
    return [s.start.astimezone(CHI) for s in slots]


@pytest.mark.parametrize("start, end, reason", [
    (at(24, 9), None, None),
    (at(24, 9, 15), None, None),               # off the half-hour grid, checked as asked
    (at(29, 10), None, "closed"),              # Sunday
    (at(24, 5), None, "outside_hours"),
    (at(23, 8, 30), None, "too_soon"),
    (at(22, 10), None, "in_past"),
    (NOW + timedelta(days=70), None, "too_far"),
    (at(24, 12), at(24, 17), None),            # Tuesday afternoon
    (at(29, 0), at(30, 0), "closed"),          # all of Sunday
    (at(24, 19), at(24, 23), "outside_hours"), # Tuesday night
])
def test_reason_explains_why_the_preference_cannot_be_met(session, profile, start, end, reason):
    found = search(session, profile, "drain_cleaning", start, end)
    assert found.reason == reason
    assert len(found.options) == 3
    if reason is None:
        assert found.options[0].start == start if end is None else start <= found.options[0].start < end


def test_closed_day_offers_the_next_open_day_nearest_first(session, profile):
    found = search(session, profile, "drain_cleaning", at(29, 10))
    assert local(found.options) == [at(30, 7), at(30, 7, 30), at(30, 8)]


def test_full_preference_offers_the_same_day_first(session, profile):
    only(session, "Mike Alvarez")
    drain = get_service_by_slug(session=session, slug="drain_cleaning")
    book_appointment(session=session, profile=profile, customer=caller(session), service=drain, start=at(24, 10), now=NOW)
    found = search(session, profile, "drain_cleaning", at(24, 10), count=4)
    assert found.reason == "full"
    # 10-11 is taken plus 30 minutes' travel either side: 8:30 and 11:30 are the nearest.
    assert local(found.options) == [at(24, 11, 30), at(24, 8, 30), at(24, 12), at(24, 8)]


def test_blocked_time_is_not_offered(session, profile):
    dentist = ((at(24, 14), at(24, 15)),)
    found = search(session, profile, "drain_cleaning", at(24, 14), blocked=dentist, count=4)
    assert found.reason == "blocked"
    assert local(found.options) == [at(24, 15), at(24, 13), at(24, 15, 30), at(24, 12, 30)]
    assert search(session, profile, "drain_cleaning", at(24, 14)).reason is None


def test_window_mode_offers_windows_and_explains(session, profile):
    profile = windows(profile)
    found = search(session, profile, "drain_cleaning", at(24, 12, 15))
    assert [(s.kind, s.start.astimezone(CHI), s.end.astimezone(CHI)) for s in found.options] == [
        ("window", at(24, 11), at(24, 14)), ("window", at(24, 8), at(24, 11)), ("window", at(24, 14), at(24, 17)),
    ]
    assert found.reason is None
    assert search(session, profile, "drain_cleaning", at(24, 17, 30)).reason == "outside_hours"
    assert search(session, profile, "drain_cleaning", at(28, 15)).reason == "outside_hours"  # Saturday ends at 2
    assert local(search(session, profile, "drain_cleaning", at(28, 12)).options)[:2] == [at(28, 11), at(28, 8)]


def test_window_capacity_counts_free_hours_and_travel_buffer(session, profile):
    profile = windows(profile)
    drain = get_service_by_slug(session=session, slug="drain_cleaning")  # 60 min; Mike and Sarah on Tuesdays
    booked = [book_appointment(session=session, profile=profile, customer=caller(session, n), service=drain,
                               start=at(24, 10, 15), now=NOW) for n in range(4)]
    # Each can arrive at 8:00 and, after an hour's job and 30 minutes' travel, at 9:30.
    assert sorted((a.technician.name, a.start_at.astimezone(CHI)) for a in booked) == [
        ("Mike Alvarez", at(24, 8)), ("Mike Alvarez", at(24, 9, 30)),
        ("Sarah Chen", at(24, 8)), ("Sarah Chen", at(24, 9, 30)),
    ]
    assert all((a.time_kind, a.window_start.astimezone(CHI), a.window_end.astimezone(CHI))
               == ("window", at(24, 8), at(24, 11)) for a in booked)
    with pytest.raises(SlotUnavailable) as full:
        book_appointment(session=session, profile=profile, customer=caller(session, 9), service=drain,
                         start=at(24, 8), now=NOW)
    assert full.value.reason == "full"
    assert local(full.value.alternatives)[0] == at(24, 11)
    assert search(session, profile, "drain_cleaning", at(24, 9)).reason == "full"


def test_window_under_way_takes_late_arrivals_until_too_soon(session, profile):
    profile = windows(profile)
    drain = get_service_by_slug(session=session, slug="drain_cleaning")
    early = book_appointment(session=session, profile=profile, customer=caller(session), service=drain,
                             start=at(24, 9), now=at(24, 9, 10))
    assert early.start_at.astimezone(CHI) == at(24, 10, 30)  # 60 minutes' lead, on the half hour
    with pytest.raises(SlotUnavailable) as late:
        book_appointment(session=session, profile=profile, customer=caller(session, 1), service=drain,
                         start=at(24, 9), now=at(24, 9, 40))
    assert late.value.reason == "too_soon" and local(late.value.alternatives)[0] == at(24, 11)


def test_find_open_slots_keeps_its_contract(session, profile):
    drain = get_service_by_slug(session=session, slug="drain_cleaning")
    slots = find_open_slots(session=session, profile=profile, service=drain, preferred=at(24, 9), now=NOW)
    assert [(s.start.astimezone(CHI), s.end - s.start, s.kind) for s in slots] == [
        (at(24, 9), timedelta(hours=1), "exact"), (at(24, 9, 30), timedelta(hours=1), "exact")]
    assert all(isinstance(s.technician_id, int) for s in slots)


@pytest.mark.parametrize("day", [datetime(2027, 3, 15, tzinfo=CHI), datetime(2027, 11, 8, tzinfo=CHI)])
def test_windows_keep_local_times_across_dst(session, profile, day):
    """The Monday after spring forward and after fall back: windows stay 8-11, 11-2, 2-5."""
    profile = windows(profile)
    found = search(session, profile, "drain_cleaning", day.replace(hour=8), now=day - timedelta(days=2))
    assert [(s.start.astimezone(CHI).hour, s.end.astimezone(CHI).hour) for s in found.options] == [
        (8, 11), (11, 14), (14, 17)]
    assert {s.start.utcoffset() for s in found.options} == {day.utcoffset()}

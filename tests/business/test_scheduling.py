"""Scheduling rules on a real database: hours, holidays, lead time, skills, travel buffer,
alternatives nearest first, DST, and no double booking under concurrency."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from business.db import session_factory
from business.models import Appointment, AppointmentEvent, Technician
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import SlotUnavailable, book_appointment, cancel_appointment, find_open_slots, rule_violation

CHI = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=CHI)  # Monday morning


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHI)


def customer(session, phone="+13125550199", name="Jessica Miller"):
    return upsert_customer(session=session, phone=phone, name=name, address="1420 N Lake Shore Dr", zip_code="60610")


@pytest.mark.parametrize("start, reason", [
    (at(24, 9), None),                   # Tuesday inside hours
    (at(29, 9), "closed"),               # Sunday
    (at(26, 9), "closed"),               # Thanksgiving
    (at(24, 6), "outside_hours"),
    (at(24, 17, 30), "outside_hours"),   # ends after 18:00
    (at(23, 8, 30), "too_soon"),         # inside the 60-minute lead time
    (at(23, 7), "in_past"),
    (NOW + timedelta(days=61), "too_far"),
])
def test_rule_violation(profile, start, reason):
    assert rule_violation(profile, start, start + timedelta(hours=1), now=NOW) == reason


def test_emergency_may_fall_outside_hours(profile):
    sunday_night = at(22, 23)
    assert rule_violation(profile, sunday_night, sunday_night + timedelta(hours=2), now=at(22, 22), urgency="emergency") is None


def test_booking_assigns_skilled_technicians_until_full(session, profile):
    heater = get_service_by_slug(session=session, slug="water_heater")  # Mike and Tom have the skill
    first = book_appointment(session=session, profile=profile, customer=customer(session), service=heater,
                             start=at(24, 9), now=NOW)
    second = book_appointment(session=session, profile=profile, customer=customer(session, "+13125550142", "Robert Brown"),
                              service=heater, start=at(24, 9), now=NOW)
    assert {first.technician.name, second.technician.name} == {"Mike Alvarez", "Tom Okafor"}
    assert first.end_at - first.start_at == timedelta(minutes=180)
    with pytest.raises(SlotUnavailable) as taken:
        book_appointment(session=session, profile=profile, customer=customer(session, "+13125550143", "Ann Lee"),
                         service=heater, start=at(24, 9), now=NOW)
    assert taken.value.reason == "full"
    starts = [s.start.astimezone(CHI) for s in taken.value.alternatives]
    # Both technicians are busy 9-12 plus a 30 minute buffer; 7:00 would overlap too.
    assert starts[0] == at(24, 12, 30)
    assert len(starts) == 2 and all(s.date() == at(24, 0).date() for s in starts)
    history = session.scalars(select(AppointmentEvent).where(AppointmentEvent.appointment_id == first.id)).all()
    assert [h.status for h in history] == ["scheduled"]


def test_technician_off_that_day_is_never_assigned(session, profile):
    sewer = get_service_by_slug(session=session, slug="sewer_backup")  # Sarah and Tom; Tom is off Fridays
    friday = at(27, 9)
    appointment = book_appointment(session=session, profile=profile, customer=customer(session), service=sewer,
                                   start=friday, now=NOW)
    assert appointment.technician.name == "Sarah Chen"
    with pytest.raises(SlotUnavailable):
        book_appointment(session=session, profile=profile, customer=customer(session, "+13125550142", "Robert Brown"),
                         service=sewer, start=friday, now=NOW)


def test_cancel_frees_the_slot_and_keeps_history(session, profile):
    gas = get_service_by_slug(session=session, slug="gas_line")
    for tech in session.scalars(select(Technician).where(Technician.name != "Mike Alvarez")):
        tech.active = False
    booked = book_appointment(session=session, profile=profile, customer=customer(session), service=gas,
                              start=at(24, 10), now=NOW)
    with pytest.raises(SlotUnavailable):
        book_appointment(session=session, profile=profile, customer=customer(session, "+13125550142", "Robert Brown"),
                         service=gas, start=at(24, 10), now=NOW)
    cancel_appointment(session=session, appointment=booked, note="caller cancelled")
    rebooked = book_appointment(session=session, profile=profile, customer=customer(session, "+13125550142", "Robert Brown"),
                                service=gas, start=at(24, 10), now=NOW)
    assert rebooked.technician.name == "Mike Alvarez"
    assert [h.status for h in booked.history] == ["scheduled", "cancelled"]


def test_open_slots_prefer_the_requested_day_then_later_days(session, profile):
    drain = get_service_by_slug(session=session, slug="drain_cleaning")
    slots = find_open_slots(session=session, profile=profile, service=drain, preferred=at(24, 17, 30), count=3, now=NOW)
    local = [s.start.astimezone(CHI) for s in slots]
    assert local[0] == at(24, 17)  # latest start that still ends by 18:00
    assert all(s.date() == at(24, 0).date() for s in local)


@pytest.mark.parametrize("before, after", [
    (at(13, 9, month=3, year=2027), at(15, 9, month=3, year=2027)),   # spring forward on the 14th
    (at(6, 9, month=11, year=2027), at(8, 9, month=11, year=2027)),    # fall back on the 7th
])
def test_dst_changes_keep_local_opening_times(session, profile, before, after):
    inspection = get_service_by_slug(session=session, slug="inspection")
    now = before - timedelta(days=1)
    for preferred in (before, after):
        slot = find_open_slots(session=session, profile=profile, service=inspection, preferred=preferred, count=1, now=now)[0]
        assert slot.start.astimezone(CHI).hour == 9
    offsets = {before.utcoffset(), after.utcoffset()}
    assert offsets == {timedelta(hours=-6), timedelta(hours=-5)}
    booked = book_appointment(session=session, profile=profile, customer=customer(session), service=inspection,
                              start=after, now=now)
    session.commit()
    session.expire_all()
    stored = session.get(Appointment, booked.id).start_at
    assert stored.astimezone(CHI) == after and stored.tzinfo is not None


def test_racing_bookings_for_the_last_place_end_with_one(seeded_url):
    """Two callers, two threads, one technician free: exactly one booking is stored."""
    factory = session_factory(seeded_url)
    with factory.begin() as session:
        for tech in session.scalars(select(Technician).where(Technician.name != "Mike Alvarez")):
            tech.active = False
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(phone: str) -> None:
        with factory() as session:
            profile = load_profile(session=session)
            who = customer(session, phone, "Caller " + phone[-4:])
            service = get_service_by_slug(session=session, slug="drain_cleaning")
            session.commit()
            barrier.wait()
            try:
                book_appointment(session=session, profile=profile, customer=who, service=service,
                                 start=at(24, 9), now=NOW)
                session.commit()
                outcomes.append("booked")
            except SlotUnavailable as taken:
                session.rollback()
                outcomes.append("offered" if taken.alternatives else "nothing")

    threads = [threading.Thread(target=attempt, args=(p,)) for p in ("+13125550150", "+13125550151")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["booked", "offered"]
    with factory() as session:
        assert session.scalar(select(func.count(Appointment.id))) == 1

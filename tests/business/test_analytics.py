"""Analytics against a database built here with known facts: every expected number below
was counted by hand from the rows listed in `history` (comments say which rows count),
never computed by the code under test. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from business.analytics import DateRange, run_report
from business.models import Appointment, Conversation, Customer, Lead, TranscriptTurn
from business.profile import load_profile
from business.repository import get_service_by_slug

CHI = ZoneInfo("America/Chicago")
# Monday 16 to Sunday 29 November 2026: two weeks; Thanksgiving (26th) is a default holiday.
PERIOD = DateRange(date(2026, 11, 16), date(2026, 11, 29))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHI).astimezone(timezone.utc)


# (no., local start, channel, intent, outcome, assistant replied)
CONVERSATIONS = [
    (1, at(15, 23, 30), "phone", "book_appointment", "booked", True),  # the day before: outside
    (2, at(16, 0, 10), "phone", "book_appointment", "booked", True),  # after hours (before 07:00)
    (3, at(16, 9), "web", "faq", "information", True),
    (4, at(16, 10), "phone", "book_appointment", "abandoned", True),  # in hours
    (5, at(17, 19), "phone", None, None, False),  # missed, after hours (after 18:00)
    (6, at(17, 10), "sms", "book_appointment", "lead", True),  # bookable by intent
    (7, at(21, 13, 59), "phone", "emergency_request", "booked", True),  # Saturday, in hours (08-14)
    (8, at(21, 14), "phone", "price_inquiry", "information", True),  # Saturday 14:00: after hours
    (9, at(22, 11), "phone", "book_appointment", "booked", True),  # Sunday: closed, after hours
    (10, at(26, 10), "phone", "faq", "information", True),  # Thanksgiving: after hours
    (11, at(27, 10), "owner", "owner_check_schedule", "booked", True),  # the owner's line: not counted
    (12, at(29, 23, 59), "web", "book_appointment", "abandoned", True),
    (13, at(30, 0, 1), "phone", "faq", "information", True),  # the day after: outside
]


@pytest.fixture
def history(session):
    drain = get_service_by_slug(session=session, slug="drain_cleaning")
    faucet = get_service_by_slug(session=session, slug="faucet_repair")
    heater = get_service_by_slug(session=session, slug="water_heater")
    drain.price_min, drain.price_max = Decimal(100), Decimal(200)  # mid 150
    faucet.price_min, faucet.price_max = Decimal(80), Decimal(120)  # mid 100
    for number, started, channel, intent, outcome, replied in CONVERSATIONS:
        conversation = Conversation(external_id=f"c{number}", channel=channel, started_at=started,
                                    intent=intent, outcome=outcome)
        session.add(conversation)
        session.flush()
        session.add(TranscriptTurn(conversation_id=conversation.id, seq=1, speaker="caller", text="hi", at=started))
        if replied:
            session.add(TranscriptTurn(conversation_id=conversation.id, seq=2, speaker="assistant", text="hello",
                                       at=started))
    a, b, c = (Customer(name=n, phone=p) for n, p in
               (("Ann", "+13125550001"), ("Bob", "+13125550002"), ("Cat", "+13125550003")))
    session.add_all([a, b, c])
    session.flush()
    jobs = [  # customer, service, local start, status, zip, created
        (a, drain, at(2, 10), "completed", "60610", at(1, 9)),  # before the range: makes Ann a repeat
        (a, drain, at(17, 10), "completed", "60610", at(10, 9)),  # week 1, repeat, 150
        (b, faucet, at(18, 9), "completed", "60614", at(16, 13)),  # week 1, new, 100; converts lead L1
        (b, drain, at(24, 9), "scheduled", "60614", at(19, 9)),  # week 2, repeat
        (c, heater, at(25, 13), "cancelled", "60657", at(27, 9)),  # cancelled: never counted
        (c, heater, at(27, 8), "scheduled", "60657", at(20, 9)),  # week 2, new (the earlier one cancelled)
        (c, drain, at(1, 8, month=12), "scheduled", "60657", at(21, 9)),  # after the range
    ]
    for customer, service, start, status, zip_code, created in jobs:
        session.add(Appointment(customer_id=customer.id, service_id=service.id, start_at=start,
                                end_at=start, status=status, zip_code=zip_code, created_at=created))
    session.add_all([
        Lead(name="Bob", phone=b.phone, created_at=at(16, 12)),  # Bob books at 16 13:00: converted
        Lead(name="Dee", phone="+13125550099", created_at=at(20, 12)),  # never a customer
        Lead(name="Cat", phone=c.phone, created_at=at(26, 12)),  # only a cancelled job after: not converted
        Lead(name="Old", phone="+13125550098", created_at=at(14, 12)),  # before the range
    ])
    session.commit()
    return load_profile(session=session)


def report(session, profile, name):
    return run_report(name, session=session, profile=profile, period=PERIOD).as_json()


def test_calls_and_chats_per_day_by_channel(session, history):
    rows = {r[0]: r[1:] for r in report(session, history, "conversations")["rows"]}
    assert len(rows) == 14
    assert rows["2026-11-16"] == [2, 1, 0]  # phone 2 and 4, web 3
    assert rows["2026-11-17"] == [1, 0, 1]  # phone 5, text 6
    assert rows["2026-11-21"] == [2, 0, 0]
    assert rows["2026-11-22"] == [1, 0, 0]
    assert rows["2026-11-26"] == [1, 0, 0]
    assert rows["2026-11-27"] == [0, 0, 0]  # only the owner's line
    assert rows["2026-11-29"] == [0, 1, 0]  # 23:59 local is still the 29th
    assert sum(sum(r) for r in rows.values()) == 10


def test_answered_booked_missed_abandoned(session, history):
    data = report(session, history, "outcomes")
    assert data["rows"] == [["Answered", 9], ["Booked", 3], ["Missed", 1], ["Abandoned", 2]]
    assert data["note"] == "10 conversations in all"


def test_booking_rate_is_booked_of_bookable(session, history):
    data = report(session, history, "booking-rate")
    # Week 1: bookable 2, 4, 6, 7, 9, booked 2, 7, 9. Week 2: bookable 12, none booked.
    assert data["rows"] == [["2026-11-16", 3, 5, 60.0], ["2026-11-23", 0, 1, 0.0]]
    assert data["note"] == "Whole range: 3 of 6 (50.0%)"


def test_jobs_revenue_services_and_zips(session, history):
    assert report(session, history, "jobs")["rows"] == [["2026-11-16", 2], ["2026-11-23", 2]]
    revenue = report(session, history, "revenue")
    assert revenue["rows"] == [["2026-11-16", 2, 250.0], ["2026-11-23", 0, 0.0]]
    assert revenue["note"] == "Whole range: $250.00"
    services = report(session, history, "services")["rows"]
    assert [row[:2] for row in services] == [
        ["Drain cleaning", 2], ["Faucet repair or replacement", 1], ["Water heater repair or replacement", 1]]
    assert services[0][2] == 300.0  # two drain cleanings at 150
    assert report(session, history, "zips")["rows"] == [["60614", 2], ["60610", 1], ["60657", 1]]


def test_new_and_repeat_customers(session, history):
    assert report(session, history, "customers")["rows"] == [["2026-11-16", 1, 1], ["2026-11-23", 1, 1]]


def test_leads_and_their_conversion(session, history):
    data = report(session, history, "leads")
    assert data["rows"] == [["2026-11-16", 2, 1], ["2026-11-23", 1, 0]]
    assert data["note"] == "Whole range: 1 of 3 leads booked (33.3%)"


def test_after_hours_calls_follow_hours_closed_days_and_holidays(session, history):
    rows = {r[0]: r[1:] for r in report(session, history, "after-hours")["rows"]}
    assert rows["2026-11-16"] == [1, 1]  # 4 in hours, 2 at 00:10
    assert rows["2026-11-17"] == [0, 1]  # 5 at 19:00
    assert rows["2026-11-21"] == [1, 1]  # Saturday 13:59 in, 14:00 out
    assert rows["2026-11-22"] == [0, 1]  # Sunday
    assert rows["2026-11-26"] == [0, 1]  # Thanksgiving
    assert sum(r[1] for r in rows.values()) == 5


def test_owner_days_off_count_as_after_hours(session, history):
    from business.profile import load_profile_data, save_profile_data

    data = load_profile_data(session=session)
    data["holidays"] = ["2026-11-16"]
    data["closed_us_holidays"] = []  # opens on Thanksgiving
    profile = save_profile_data(session=session, data=data)
    rows = {r[0]: r[1:] for r in run_report("after-hours", session=session, profile=profile,
                                            period=PERIOD).as_json()["rows"]}
    assert rows["2026-11-16"] == [0, 2]
    assert rows["2026-11-26"] == [1, 0]


def test_a_range_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before the start"):
        DateRange(date(2026, 11, 2), date(2026, 11, 1))


def test_the_migration_creates_the_indexes_the_reports_use(database_url):
    from sqlalchemy import inspect

    from business.db import get_engine

    inspector = inspect(get_engine(database_url))
    conversations = {i["name"]: i["column_names"] for i in inspector.get_indexes("conversations")}
    appointments = {i["name"]: i["column_names"] for i in inspector.get_indexes("appointments")}
    assert conversations["ix_conversations_channel_started_at"] == ["channel", "started_at"]
    assert appointments["ix_appointments_customer_id_start_at"] == ["customer_id", "start_at"]
    assert appointments["ix_appointments_service_id"] == ["service_id"]


def test_local_days_follow_daylight_saving_changes(session):
    # 1 November 2026: clocks go back at 2:00 (07:00 UTC). 8 March 2026: forward at 2:00 (08:00 UTC).
    starts = [datetime(2026, 10, 31, 23, 30, tzinfo=CHI), datetime(2026, 11, 1, 0, 30, tzinfo=CHI),
              datetime(2026, 11, 1, 23, 30, tzinfo=CHI), datetime(2026, 3, 7, 23, 30, tzinfo=CHI),
              datetime(2026, 3, 8, 23, 30, tzinfo=CHI), datetime(2026, 3, 9, 0, 15, tzinfo=CHI)]
    for n, start in enumerate(starts):
        session.add(Conversation(external_id=f"dst{n}", channel="web", started_at=start.astimezone(timezone.utc)))
    session.commit()
    profile = load_profile(session=session)
    rows = run_report("conversations", session=session, profile=profile,
                      period=DateRange(date(2026, 3, 1), date(2026, 11, 30))).as_json()["rows"]
    web = {day: counts[1] for day, *counts in rows if counts[1]}
    assert web == {"2026-03-07": 1, "2026-03-08": 1, "2026-03-09": 1, "2026-10-31": 1, "2026-11-01": 2}

"""`python -m business.cli slots`: the next free times, the reason a wish cannot be met,
and clear errors for bad input."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from business.cli import main

CHI = ZoneInfo("America/Chicago")


def next_weekday(weekday: int) -> datetime:
    day = datetime.now(CHI).date() + timedelta(days=2)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=CHI)


@pytest.fixture
def run(seeded_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    return lambda *args: CliRunner().invoke(main, ["slots", *args])


def test_slots_nearest_to_the_wanted_time(run):
    tuesday = next_weekday(1)
    result = run("drain_cleaning", "--from", f"{tuesday:%Y-%m-%d} 09:00", "-n", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Drain cleaning (60 min), exact booking, times in America/Chicago:"
    assert lines[1].startswith(f"  {tuesday:%Y-%m-%d} 09:00-10:00  {tuesday:%A %B} {tuesday.day} at 9 a.m.  (")
    assert lines[2].startswith(f"  {tuesday:%Y-%m-%d} 09:30-10:30") and len(lines) == 3


def test_slots_skip_the_owners_blocked_time(run, seeded_url):
    from business.calendar.blocks import create_calendar_block
    from business.db import session_scope

    tuesday = next_weekday(1)
    with session_scope(seeded_url) as session:
        create_calendar_block(session=session, start=tuesday.replace(hour=9), end=tuesday.replace(hour=11),
                              title="dentist")
    result = run("drain_cleaning", "--from", f"{tuesday:%Y-%m-%d} 09:00", "-n", "1")
    assert result.exit_code == 0, result.output
    assert "  not as asked: we're not taking bookings at that time" in result.output
    assert f"{tuesday:%Y-%m-%d} 09:00" not in result.output and f"{tuesday:%Y-%m-%d} 09:30" not in result.output


def test_slots_say_why_a_sunday_will_not_do(run):
    sunday = next_weekday(6)
    result = run("drain_cleaning", "--from", f"{sunday:%Y-%m-%d}", "-n", "1")
    assert result.exit_code == 0, result.output
    assert "  not as asked: we're closed that day" in result.output
    assert f"{sunday + timedelta(days=1):%Y-%m-%d} 07:00-08:00" in result.output


def test_emergency_slots_come_within_the_hour(run):
    result = run("burst_pipe", "--emergency", "-n", "1")
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[1].split()[0:2]
    when = datetime.fromisoformat(f"{first[0]} {first[1][:5]}").replace(tzinfo=CHI)
    assert timedelta(minutes=29) < when - datetime.now(CHI) < timedelta(minutes=60)


@pytest.mark.parametrize("args, message", [
    (("roof_repair",), "unknown service; choose one of:"),
    (("drain_cleaning", "--from", "next tuesday"), "is not a date or time"),
    (("drain_cleaning", "--from", "2026-12-02", "--to", "2026-12-01"), "must be after --from"),
    (("drain_cleaning", "-n", "0"), "0 is not in the range"),
])
def test_bad_input_is_a_usage_error(run, args, message):
    result = run(*args)
    assert result.exit_code == 2 and message in result.output

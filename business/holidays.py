"""Public holidays the business may close on: the `holidays` package's US calendar (the
day itself, not the federal "observed" weekday), chosen by name in the owner's settings."""
from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

# Closed by default; the owner adds or removes any other US holiday in Settings.
DEFAULT_CLOSED_HOLIDAYS = (
    "New Year's Day", "Memorial Day", "Independence Day", "Labor Day", "Thanksgiving Day", "Christmas Day",
)


@lru_cache(maxsize=64)
def us_holidays(year: int) -> dict[date, str]:
    """The fixed public calendar for a year (it never changes, so caching is safe)."""
    return dict(holidays.US(years=year, observed=False).items())


@lru_cache(maxsize=1)
def us_holiday_names() -> tuple[str, ...]:
    return tuple(dict.fromkeys(us_holidays(2027).values()))


def us_holiday_name(day: date) -> str | None:
    return us_holidays(day.year).get(day)


def closed_holidays_between(start: date, end: date, names: frozenset[str]) -> set[date]:
    """Days from `start` to `end` inclusive that are one of the named US holidays."""
    return {day for year in range(start.year, end.year + 1) for day, name in us_holidays(year).items()
            if name in names and start <= day <= end}

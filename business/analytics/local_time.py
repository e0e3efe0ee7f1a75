"""Business-local dates, weekdays and times of day as SQL expressions, so analytics can
group by the owner's calendar inside the database on both PostgreSQL and SQLite.

PostgreSQL converts with `timezone(zone, column)`. SQLite has no time zones, so the UTC
offsets in force during the report's range (a few daylight-saving changes at most) become
a CASE over the stored UTC time, and SQLite's own datetime() shifts each row: native code,
no Python called per row."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement


def offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> tuple[int, list[tuple[datetime, int]]]:
    """The UTC offset (minutes) at `start`, and each (instant, new offset) until `end`."""
    def minutes(moment: datetime) -> int:
        return int(moment.astimezone(zone).utcoffset().total_seconds() // 60)

    first = minutes(start)
    changes, current, moment = [], first, start.astimezone(timezone.utc)
    while moment < end:
        following = min(moment + timedelta(days=1), end)
        if minutes(following) != current:
            low, high = moment, following  # the change is inside this day: find its minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if minutes(middle) == current else (low, middle)
            current = minutes(high)
            changes.append((high.replace(second=0, microsecond=0), current))
        moment = following
    return first, changes


class LocalTime:
    """Expressions over a UTC timestamp column in the business's time zone, valid for
    rows between `start` and `end` (the report's range)."""

    def __init__(self, dialect: str, zone: str, start: datetime, end: datetime):
        self.sqlite = dialect == "sqlite"
        self.zone = zone
        self.first_offset, self.changes = offset_changes(ZoneInfo(zone), start, end)

    def _local(self, column) -> ColumnElement:
        if not self.sqlite:
            return func.timezone(literal(self.zone), column)
        if not self.changes:
            return func.datetime(column, literal(f"{self.first_offset} minutes"))
        whens, offset = [], self.first_offset
        for instant, new_offset in self.changes:
            whens.append((column < instant, f"{offset} minutes"))
            offset = new_offset
        return func.datetime(column, case(*whens, else_=literal(f"{offset} minutes")))

    def day(self, column) -> ColumnElement:
        """The local date; ISO text on SQLite, a DATE on PostgreSQL (see `day_key`)."""
        if self.sqlite:
            return func.date(self._local(column))
        return cast(self._local(column), Date)

    def week(self, column) -> ColumnElement:
        """The Monday that starts the local week."""
        if self.sqlite:
            return func.date(self._local(column), "weekday 0", "-6 days")
        return cast(func.date_trunc("week", self._local(column)), Date)

    def weekday(self, column) -> ColumnElement:
        """0 = Sunday ... 6 = Saturday on both engines."""
        if self.sqlite:
            return cast(func.strftime("%w", self._local(column)), Integer)
        return cast(func.extract("dow", self._local(column)), Integer)

    def minute_of_day(self, column) -> ColumnElement:
        local = self._local(column)
        if self.sqlite:
            return cast(func.strftime("%H", local), Integer) * 60 + cast(func.strftime("%M", local), Integer)
        return cast(func.extract("hour", local), Integer) * 60 + cast(func.extract("minute", local), Integer)

    def day_key(self, value) -> str:
        """A grouped day or week as ISO text, whichever engine produced it."""
        return value if isinstance(value, str) else value.isoformat()

    def day_param(self, value):
        """A Python date in the form this engine compares `day()` with."""
        return value.isoformat() if self.sqlite else value

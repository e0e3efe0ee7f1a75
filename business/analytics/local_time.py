"""Business-local dates, weekdays and times of day as SQL expressions, so analytics can
group by the owner's calendar inside the database on both PostgreSQL and SQLite.

PostgreSQL converts with `timezone(zone, column)`. SQLite has no time zones, so every
SQLite connection gets a deterministic `local_time(utc_text, zone)` function
(`register_sqlite_functions`, called by business.db), which the engine calls per row."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _sqlite_local_time(value: str | None, zone: str) -> str | None:
    if value is None:
        return None
    utc = datetime.fromisoformat(value).replace(tzinfo=timezone.utc)
    return utc.astimezone(_zone(zone)).strftime("%Y-%m-%d %H:%M:%S")


def register_sqlite_functions(dbapi_connection) -> None:
    dbapi_connection.create_function("local_time", 2, _sqlite_local_time, deterministic=True)


class LocalTime:
    """Expressions over a UTC timestamp column in the business's time zone."""

    def __init__(self, dialect: str, zone: str):
        self.sqlite = dialect == "sqlite"
        self.zone = zone

    def _local(self, column) -> ColumnElement:
        if self.sqlite:
            return func.local_time(column, literal(self.zone))
        return func.timezone(literal(self.zone), column)

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
        if self.sqlite:
            local = self._local(column)
            return cast(func.strftime("%H", local), Integer) * 60 + cast(func.strftime("%M", local), Integer)
        local = self._local(column)
        return cast(func.extract("hour", local), Integer) * 60 + cast(func.extract("minute", local), Integer)

    def day_key(self, value) -> str:
        """A grouped day or week as ISO text, whichever engine produced it."""
        return value if isinstance(value, str) else value.isoformat()

    def day_param(self, value):
        """A Python date in the form this engine compares `day()` with."""
        return value.isoformat() if self.sqlite else value

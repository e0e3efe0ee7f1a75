"""The local calendar: the business database is the calendar (the dashboard shows it).
The default when no Google account is linked, and what `make run` uses."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from business.calendar.base import Calendar, CalendarEntry, ChangeBatch, Interval, merge_intervals
from business.calendar.blocks import list_calendar_blocks


class LocalCalendar(Calendar):
    name = "local"

    def save(self, entry: CalendarEntry) -> str | None:
        # The appointment row is the calendar entry, so saving it is done once the push
        # marks it synced; there is no separate event to create.
        return None

    def busy_intervals(self, *, session: Session, start: datetime, end: datetime) -> list[Interval]:
        blocks = list_calendar_blocks(session=session, start=start, end=end)
        return merge_intervals([(b.start_at, b.end_at) for b in blocks])

    def list_changes(self, sync_token: str | None) -> ChangeBatch:
        return ChangeBatch()  # nobody edits the local calendar behind our back

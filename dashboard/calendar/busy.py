"""The owner's busy time (linked calendars or local blocks) for the dashboard's searches and
bookings, as the assistant reads it (actions/forms.py): a broken calendar blocks nothing."""
from __future__ import annotations

from datetime import datetime

from business.calendar import blocked_for_booking
from dashboard.db import get_profile, get_session
from dashboard.settings.routes import calendar_settings


def owner_busy_times(now: datetime) -> list[tuple[datetime, datetime]]:
    return blocked_for_booking(session=get_session(), settings=calendar_settings(),
                               horizon_days=get_profile().booking.max_horizon_days, now=now)

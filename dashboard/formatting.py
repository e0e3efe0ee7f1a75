"""How the dashboard shows values: times in the business's own time zone (whatever the
server's zone is), for templates and for the JSON API alike."""
from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_login import current_user

from business.conversations.follow_up import call_result
from dashboard.db import get_profile


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(get_profile().tz)


def iso_local(moment: datetime | None) -> str | None:
    """ISO-8601 with the business's UTC offset, e.g. 2026-11-24T10:00:00-06:00."""
    return None if moment is None else to_local(moment).isoformat()


def local_datetime(moment: datetime | None) -> str:
    """'Tue Nov 24 2026, 10:00 AM CST' - the zone name removes any doubt around DST."""
    if moment is None:
        return ""
    return to_local(moment).strftime("%a %b %d %Y, %I:%M %p %Z")


def local_time(moment: datetime | None) -> str:
    return "" if moment is None else to_local(moment).strftime("%I:%M:%S %p")


def local_time_short(moment: datetime | None) -> str:
    """'10:00 AM', for lists that already say which day."""
    return "" if moment is None else to_local(moment).strftime("%I:%M %p").lstrip("0")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def confidence(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def business_name() -> dict:
    """The business's name for the top bar; not read on pages with no signed-in user,
    so the sign-in page needs no database."""
    if not current_user.is_authenticated:
        return {"business_name": None}
    return {"business_name": get_profile().name}


def init_app(app: Flask) -> None:
    app.add_template_filter(iso_local)
    app.add_template_filter(local_datetime)
    app.add_template_filter(local_time)
    app.add_template_filter(local_time_short)
    app.add_template_filter(confidence)
    app.add_template_filter(local_time_short)
    app.add_template_filter(duration)
    app.add_template_filter(call_result)
    app.context_processor(business_name)

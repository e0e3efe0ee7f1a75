"""Dates and times the way a receptionist says them, for speech and for text."""
from __future__ import annotations

from datetime import datetime, timedelta


def spoken_time(moment: datetime) -> str:
    if moment.hour == 12 and moment.minute == 0:
        return "noon"
    hour = moment.hour % 12 or 12
    suffix = "a.m." if moment.hour < 12 else "p.m."
    if moment.minute == 0:
        return f"{hour} {suffix}"
    return f"{hour}:{moment.minute:02d} {suffix}"


def spoken_day(moment: datetime, now: datetime) -> str:
    """'tomorrow, Tuesday November 24' - the relative word keeps callers oriented,
    the date removes any doubt."""
    local_now = now.astimezone(moment.tzinfo)
    calendar_day = f"{moment:%A} {moment:%B} {moment.day}"
    if moment.date() == local_now.date():
        return f"today, {calendar_day}"
    if moment.date() == local_now.date() + timedelta(days=1):
        return f"tomorrow, {calendar_day}"
    return calendar_day


def spoken_datetime(moment: datetime, now: datetime) -> str:
    return f"{spoken_day(moment, now)} at {spoken_time(moment)}"


def spoken_window(start: datetime, end: datetime, now: datetime) -> str:
    return f"{spoken_day(start, now)} between {spoken_time(start)} and {spoken_time(end)}"


def sentence(text: str) -> str:
    """End with exactly one full stop, also after 'a.m.'."""
    return text if text.endswith(".") else text + "."


def spoken_booking_time(profile, start: datetime, now: datetime) -> str:
    """A booked or offered time as the caller should hear it: the arrival window when the
    business books windows ("tomorrow, Tuesday November 24 between 8 a.m. and 11 a.m."),
    otherwise the exact time."""
    from business.scheduling.rules import window_at

    local = start.astimezone(profile.tz)
    window = window_at(profile, local) if profile.booking.mode == "window" else None
    if window is None:
        return spoken_datetime(local, now)
    return spoken_window(window.start.astimezone(profile.tz), window.end.astimezone(profile.tz), now)

"""Booking rules that hold whoever is free: business hours, holidays, lead time, horizon,
arrival windows, and the reason codes callers hear when a time cannot be booked."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from business.profile import BusinessProfile

REASONS = {
    "in_past": "that time has already passed",
    "too_soon": "that is too soon for us to get someone there",
    "too_far": "we only book up to {days} days ahead",
    "closed": "we're closed that day",
    "outside_hours": "that's outside our business hours",
    "full": "we're fully booked then",
    "blocked": "we're not taking bookings at that time",
}


@dataclass(frozen=True)
class Slot:
    """A bookable start: an exact time (`end` = when the job ends) or, when `kind` is
    "window", an arrival window from `start` to `end`."""

    start: datetime
    end: datetime
    technician_id: int
    kind: str = "exact"


@dataclass
class SlotUnavailable(Exception):
    reason: str
    alternatives: list[Slot] = field(default_factory=list)

    def __str__(self) -> str:
        return self.reason


def local(day: date, at: time, profile: BusinessProfile) -> datetime:
    # Combining wall-clock time with a zoneinfo zone keeps 9:00 at 9:00 across DST changes.
    return datetime.combine(day, at, tzinfo=profile.tz)


def rule_violation(
    profile: BusinessProfile, start: datetime, end: datetime, *, now: datetime, urgency: str = "routine"
) -> str | None:
    """Why a time cannot be booked at all, regardless of who is free; None if it can."""
    if start <= now:
        return "in_past"
    if urgency == "emergency":
        return None  # emergencies may fall outside normal hours and lead time
    if start < now + timedelta(minutes=profile.booking.min_lead_minutes):
        return "too_soon"
    if start > now + timedelta(days=profile.booking.max_horizon_days):
        return "too_far"
    local_start, local_end = start.astimezone(profile.tz), end.astimezone(profile.tz)
    hours = profile.hours_on(local_start.date())
    if hours is None:
        return "closed"
    opening, closing = local(local_start.date(), hours[0], profile), local(local_start.date(), hours[1], profile)
    if local_start < opening or local_end > closing:
        return "outside_hours"
    return None


@dataclass(frozen=True)
class Candidate:
    """One thing to offer: arrival any time from `earliest` to `latest`, shown to the
    caller as `start`-`end` (the window, or the exact job time)."""

    start: datetime
    end: datetime
    earliest: datetime
    latest: datetime
    kind: str


def day_candidates(profile: BusinessProfile, day: date, duration: timedelta) -> list[Candidate]:
    """Every exact start on the step grid, or every arrival window inside the day's hours."""
    hours = profile.hours_on(day)
    if hours is None:
        return []
    opening, closing = local(day, hours[0], profile), local(day, hours[1], profile)
    step = timedelta(minutes=profile.booking.slot_step_minutes)
    if profile.booking.mode == "window":
        found = []
        for a, b in profile.booking.arrival_windows:
            start, end = local(day, a, profile), local(day, b, profile)
            if opening <= start and end <= closing:
                found.append(Candidate(start, end, start, max(start, end - step), "window"))
        return found
    found, start = [], opening
    while start < closing:
        found.append(Candidate(start, start + duration, start, start, "exact"))
        start += step
    return found


def window_at(profile: BusinessProfile, moment: datetime) -> Candidate | None:
    """The arrival window a time falls in ("10:30" books the 8-11 window)."""
    day = moment.astimezone(profile.tz).date()
    for candidate in day_candidates(profile, day, timedelta(0)):
        if candidate.start <= moment < candidate.end:
            return candidate
    return None


def candidate_violation(
    profile: BusinessProfile, candidate: Candidate, duration: timedelta, *, now: datetime, urgency: str
) -> tuple[str | None, Candidate]:
    """The rules for one candidate; a window already under way keeps its later arrivals."""
    if candidate.kind == "exact":
        return rule_violation(profile, candidate.start, candidate.start + duration, now=now, urgency=urgency), candidate
    if candidate.end <= now:
        return "in_past", candidate
    lead = timedelta(minutes=0 if urgency == "emergency" else profile.booking.min_lead_minutes)
    step = timedelta(minutes=profile.booking.slot_step_minutes)
    earliest = candidate.earliest
    while earliest < now + lead:
        earliest += step
    if earliest > candidate.latest:
        return "too_soon", candidate
    if candidate.start > now + timedelta(days=profile.booking.max_horizon_days):
        return "too_far", candidate
    return None, Candidate(candidate.start, candidate.end, earliest, candidate.latest, candidate.kind)

"""Availability search: the bookable times nearest to what the caller asked for, why the
request itself cannot be met, and the earliest emergency arrival. Who can take a job is
decided by the dispatch engine's hard rules (`business.dispatch.engine.place`)."""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from business.dispatch.engine import JobRequest, Roster, TechnicianState, job_request, place
from business.models import Service, utcnow
from business.profile import BusinessProfile
from business.scheduling.rules import (
    Candidate,
    Slot,
    candidate_violation,
    day_candidates,
    local,
    rule_violation,
    window_at,
)

# After the preferred day, bookings are read a week at a time.
CHUNK_DAYS = 7
# When the preference is missed, the reason most worth telling the caller comes first.
REASON_PRIORITY = ("full", "blocked", "too_soon", "in_past", "too_far", "outside_hours", "closed")


@dataclass(frozen=True)
class Availability:
    options: list[Slot]
    reason: str | None  # why the preference itself cannot be met; None when options[0] meets it


class _Days:
    """Technician states per local day, reading the database one chunk of days at a time."""

    def __init__(self, session: Session, profile: BusinessProfile, exclude_appointment_id: int | None) -> None:
        self.session, self.profile, self.exclude = session, profile, exclude_appointment_id
        self.roster: Roster | None = None
        self.first = self.last = date.min
        self.cache: dict[date, list[TechnicianState]] = {}

    def states(self, day: date) -> list[TechnicianState]:
        if day in self.cache:
            return self.cache[day]
        if self.roster is None or not self.first <= day <= self.last:
            # The preferred day alone first: most searches end there.
            self.first, self.last = day, day + timedelta(days=0 if self.roster is None else CHUNK_DAYS - 1)
            self.roster = Roster(session=self.session, profile=self.profile, first_day=self.first,
                                 last_day=self.last, exclude_appointment_id=self.exclude)
        midnight = local(day, time(0), self.profile)
        self.cache[day] = self.roster.states(midnight, midnight)
        return self.cache[day]


def first_free(states: list[TechnicianState], job: JobRequest) -> int | None:
    """A technician who can take the job (the lowest id); the dispatcher ranks them at booking."""
    for tech in states:
        if place(tech, job)[0] is not None:
            return tech.id
    return None


def _blocked(candidate: Candidate, duration: timedelta, step: timedelta,
             blocked: Sequence[tuple[datetime, datetime]]) -> bool:
    """True when every arrival the candidate allows runs into blocked time."""
    if not blocked:
        return False
    start = candidate.earliest
    while start <= candidate.latest:
        if not any(s < start + duration and start < e for s, e in blocked):
            return False
        start += step
    return True


def _distance(candidate: Candidate, start: datetime, end: datetime | None) -> timedelta:
    lo, hi = candidate.start, candidate.end if candidate.kind == "window" else candidate.start
    if end is None:
        if lo <= start <= hi and (candidate.kind == "exact" or start < hi):
            return timedelta(0)
        return min(abs(lo - start), abs(hi - start))
    if lo < end and start <= hi and (candidate.kind == "exact" or start < hi):
        return timedelta(0)
    return min(abs(lo - end), abs(hi - start))


def search_availability(
    *,
    session: Session,
    profile: BusinessProfile,
    service: Service,
    preferred_from: datetime,
    preferred_to: datetime | None = None,
    urgency: str = "routine",
    count: int = 3,
    now: datetime | None = None,
    blocked: Sequence[tuple[datetime, datetime]] = (),
    exclude_appointment_id: int | None = None,
    zip_code: str | None = None,
) -> Availability:
    """The `count` options nearest to the preference (a time, or the interval from
    `preferred_from` to `preferred_to`): the preferred day first, nearest first, then the
    following days in order. Emergencies get the earliest arrivals instead."""
    now = now or utcnow()
    if urgency == "emergency":
        return _emergency(session, profile, service, preferred_from, count, now, zip_code)
    duration = timedelta(minutes=service.duration_minutes)
    step = timedelta(minutes=profile.booking.slot_step_minutes)
    blocked = tuple(blocked)
    tz = profile.tz
    days = _Days(session, profile, exclude_appointment_id)

    def check(candidate: Candidate) -> tuple[str | None, int | None]:
        reason, candidate = candidate_violation(profile, candidate, duration, now=now, urgency=urgency)
        if reason is None and _blocked(candidate, duration, step, blocked):
            reason = "blocked"
        if reason is not None:
            return reason, None
        job = replace(job_request(profile=profile, service=service, earliest=candidate.earliest,
                                  latest=candidate.latest, zip_code=zip_code, urgency=urgency), blocked=blocked)
        tech = first_free(days.states(candidate.start.astimezone(tz).date()), job)
        return (None, tech) if tech is not None else ("full", None)

    found: list[Slot] = []
    inside: set[str | None] = set()
    point = profile.booking.mode == "exact" and preferred_to is None
    if point:
        # An exact time off the step grid (9:15) is checked as asked.
        asked = Candidate(preferred_from, preferred_from + duration, preferred_from, preferred_from, "exact")
        reason, tech = check(asked)
        inside.add(reason)
        if tech is not None:
            found.append(Slot(asked.start, asked.end, tech))
    wanted_until = (preferred_to or preferred_from).astimezone(tz).date()
    for day in _days_nearest_first(profile, preferred_from, now):
        if len(found) >= count and day > wanted_until:
            break
        day_slots = []
        for candidate in day_candidates(profile, day, duration):
            if point and candidate.start == preferred_from:
                continue
            reason, tech = check(candidate)
            distance = _distance(candidate, preferred_from, preferred_to)
            if distance == timedelta(0) and not point:
                inside.add(reason)
            if tech is not None:
                slot = Slot(candidate.start, candidate.end, tech, candidate.kind)
                # On a tie the later time wins: callers hear "the next free time".
                day_slots.append((distance, candidate.start < preferred_from, slot))
        day_slots.sort(key=lambda item: (item[0], item[1]))
        found.extend(slot for _, _, slot in day_slots[: max(0, count - len(found))])
    return Availability(found, _reason(profile, inside, preferred_from, preferred_to, duration, now))


def _days_nearest_first(profile: BusinessProfile, preferred: datetime, now: datetime) -> Iterator[date]:
    """The preferred day and the days after it up to the horizon; for a preference past
    the horizon, the last bookable days going back."""
    tz = profile.tz
    today = now.astimezone(tz).date()
    first = max(preferred, now).astimezone(tz).date()
    last = (now + timedelta(days=profile.booking.max_horizon_days)).astimezone(tz).date()
    one = timedelta(days=1)
    day, stop, step = (first, last, one) if first <= last else (last, today, -one)
    while (day <= stop) if step > timedelta(0) else (day >= stop):
        yield day
        day += step


def _reason(profile: BusinessProfile, inside: set[str | None], start: datetime, end: datetime | None,
            duration: timedelta, now: datetime) -> str | None:
    if None in inside:
        return None
    for reason in REASON_PRIORITY:
        if reason in inside:
            return reason
    # Nothing offered falls inside the preference: say why the time itself is no good.
    if (end or start) <= now:
        return "in_past"
    if profile.booking.mode == "window" and end is None and window_at(profile, start) is None:
        return "closed" if profile.hours_on(start.astimezone(profile.tz).date()) is None else "outside_hours"
    if end is None:
        return rule_violation(profile, start, start + duration, now=now) or "full"
    # `end` is exclusive: "all of Sunday" ends at midnight on Monday.
    day, last = start.astimezone(profile.tz).date(), (end - timedelta(microseconds=1)).astimezone(profile.tz).date()
    while day <= last:
        if profile.hours_on(day) is not None:
            break
        day += timedelta(days=1)
    else:
        return "closed"
    if start > now + timedelta(days=profile.booking.max_horizon_days):
        return "too_far"
    return "outside_hours"


def _emergency(session: Session, profile: BusinessProfile, service: Service, preferred: datetime,
               count: int, now: datetime, zip_code: str | None) -> Availability:
    rules = profile.booking
    step = timedelta(minutes=rules.slot_step_minutes)
    soonest = now + timedelta(minutes=rules.emergency_lead_minutes)
    # Arrivals on the quarter hour read better than "10:07".
    start = max(preferred, soonest).replace(second=0, microsecond=0)
    start += timedelta(minutes=-start.minute % 15)
    until = start + timedelta(hours=rules.emergency_search_hours)
    roster = Roster(session=session, profile=profile, first_day=start.astimezone(profile.tz).date(),
                    last_day=until.astimezone(profile.tz).date())
    states = roster.states(start, until)
    options: list[Slot] = []
    moment = start
    while moment <= until and len(options) < count:
        job = job_request(profile=profile, service=service, earliest=moment, latest=moment,
                          zip_code=zip_code, urgency="emergency")
        tech = first_free(states, job)
        if tech is not None:
            options.append(Slot(moment, moment + job.duration, tech))
        moment += step
    met = bool(options) and options[0].start - max(preferred, soonest) < timedelta(minutes=15)
    return Availability(options, None if met else "full")


def earliest_emergency_slot(*, session: Session, profile: BusinessProfile, service: Service,
                            now: datetime | None = None, zip_code: str | None = None) -> Slot | None:
    """The soonest a technician with the skill can be there, at any hour when the profile
    allows after-hours call-outs; routine jobs in the way are reordered, not blockers."""
    now = now or utcnow()
    options = _emergency(session, profile, service, now, 1, now, zip_code).options
    return options[0] if options else None


def find_open_slots(
    *,
    session: Session,
    profile: BusinessProfile,
    service: Service,
    preferred: datetime,
    count: int = 2,
    now: datetime | None = None,
    urgency: str = "routine",
    exclude_appointment_id: int | None = None,
) -> list[Slot]:
    """The `count` bookable slots nearest to `preferred` (see search_availability)."""
    return search_availability(
        session=session, profile=profile, service=service, preferred_from=preferred, urgency=urgency,
        count=count, now=now, exclude_appointment_id=exclude_appointment_id,
    ).options

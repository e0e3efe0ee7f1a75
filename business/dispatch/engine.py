"""Dispatch engine: which technician takes a job, and why. The pure core (`place`, `decide`)
works on dataclasses so it can be property-tested; scheduling asks it whether anyone can
take a job, so capacity and dispatch are one set of hard rules."""
from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

import zipcodes
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from business.models import Appointment, DispatchRecord, Service, Technician
from business.profile import WEEKDAYS, BusinessProfile, parse_hhmm
from business.repository import ACTIVE_STATUSES

TECHNICIAN_STATUSES = ("available", "assigned", "en_route", "on_site", "done", "off")
# How many miles one booked hour that day weighs against distance, to spread the work.
MILES_PER_BOOKED_HOUR = 2.0
# A ZIP the offline table does not know counts as this far away: possible, not preferred.
UNKNOWN_MILES = 15.0
# A dispatch record's life: the current decision is "assigned" (offered to the technician),
# "accepted" or "unassigned"; it becomes "replaced" by a later decision, or "declined" /
# "timed_out" when the technician said no or did not answer (business/dispatch/technician_jobs.py).
CURRENT_STATUSES = ("assigned", "accepted", "unassigned")


@dataclass(frozen=True)
class Booking:
    start: datetime
    end: datetime
    zip_code: str | None = None
    emergency: bool = False
    appointment_id: int | None = None


@dataclass(frozen=True)
class TechnicianState:
    id: int
    name: str
    skills: frozenset[str]
    home_zip: str | None = None
    status: str = "available"
    active: bool = True
    shifts: tuple[tuple[datetime, datetime], ...] = ()  # working intervals around the job
    bookings: tuple[Booking, ...] = ()


@dataclass(frozen=True)
class JobRequest:
    """Arrival any time from `earliest` to `latest` (equal for an exact time), every `step`."""

    skill: str
    duration: timedelta
    earliest: datetime
    latest: datetime
    buffer: timedelta
    step: timedelta
    tz: tzinfo
    zip_code: str | None = None
    emergency: bool = False
    after_hours: bool = False  # an emergency may fall outside the technician's shift
    # Business-wide busy time (the owner's calendar); emergencies are sent regardless.
    blocked: tuple[tuple[datetime, datetime], ...] = ()


@dataclass(frozen=True)
class Option:
    technician: TechnicianState
    start: datetime
    end: datetime
    miles: float
    from_where: str
    booked_hours: float
    displaced: tuple[Booking, ...] = ()

    @property
    def score(self) -> float:
        return round(self.miles + MILES_PER_BOOKED_HOUR * self.booked_hours, 3)


@dataclass(frozen=True)
class Decision:
    chosen: Option | None
    ranked: tuple[Option, ...]
    rejected: tuple[tuple[TechnicianState, str], ...]
    explanation: str
    candidates: list[dict] = field(default_factory=list)


def _overlaps(booking: Booking, start: datetime, end: datetime, buffer: timedelta) -> bool:
    return start < booking.end + buffer and booking.start < end + buffer


def _hhmm(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.hour}:{local.minute:02d}"


def place(tech: TechnicianState, job: JobRequest) -> tuple[datetime | None, str, tuple[Booking, ...]]:
    """The hard rules: the earliest start this technician can take the job at, or None and
    the reason he cannot; for emergencies also the routine jobs it would push aside."""
    if not tech.active:
        return None, "inactive", ()
    if tech.status == "off":
        return None, "off duty", ()
    if job.skill not in tech.skills:
        return None, f"lacks the {job.skill} skill", ()
    reason, busy = "not working then", None
    start = job.earliest
    while start <= job.latest:
        end = start + job.duration
        in_shift = any(s <= start and end <= e for s, e in tech.shifts)
        if not job.emergency and any(s < end and start < e for s, e in job.blocked):
            reason = "the business has that time blocked"
        elif in_shift or (job.emergency and job.after_hours):
            clashes = [b for b in tech.bookings if _overlaps(b, start, end, job.buffer)]
            blocking = [b for b in clashes if b.emergency or not job.emergency]
            if not blocking:
                return start, "", tuple(clashes)
            busy = min(blocking, key=lambda b: b.start)
            reason = ""
        start += job.step
    if not reason and busy is not None:
        # Worded only once it is final: availability searches call this thousands of times.
        reason = (f"busy {_hhmm(busy.start, job.tz)}-{_hhmm(busy.end, job.tz)} "
                  f"plus {int(job.buffer.total_seconds() // 60)} min travel buffer")
    return None, reason, ()


@lru_cache(maxsize=4096)
def _coordinates(zip_code: str | None) -> tuple[float, float] | None:
    if not zip_code:
        return None
    try:
        found = zipcodes.matching(zip_code[:5])
    except (TypeError, ValueError):
        return None
    if not found:
        return None
    return float(found[0]["lat"]), float(found[0]["long"])


def miles_between(zip_a: str | None, zip_b: str | None) -> float | None:
    """Great-circle (haversine) miles between two ZIP centres; None if either is unknown."""
    a, b = _coordinates(zip_a), _coordinates(zip_b)
    if a is None or b is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 3958.8 * 2 * math.asin(math.sqrt(h))


def _option(tech: TechnicianState, job: JobRequest, start: datetime, displaced: tuple[Booking, ...]) -> Option:
    local_day = start.astimezone(job.tz).date()
    same_day = [b for b in tech.bookings if b.start.astimezone(job.tz).date() == local_day]
    before = [b for b in same_day if b.end <= start and b not in displaced]
    if before:
        previous = max(before, key=lambda b: b.end)
        origin, from_where = previous.zip_code, f"their {_hhmm(previous.start, job.tz)} job"
    else:
        origin, from_where = tech.home_zip, f"home ZIP {tech.home_zip}"
    miles = miles_between(origin, job.zip_code)
    if miles is None:
        miles, from_where = UNKNOWN_MILES, f"distance from {from_where} unknown"
    booked = sum((b.end - b.start).total_seconds() for b in same_day) / 3600
    return Option(tech, start, start + job.duration, miles, from_where, round(booked, 1), displaced)


def _sort_key(option: Option, job: JobRequest) -> tuple:
    if job.emergency:
        # Whoever can be there first; then whoever disturbs the fewest booked jobs.
        return (option.start, len(option.displaced), option.score, option.technician.id)
    return (option.score, option.start, option.technician.id)


def describe(option: Option, job: JobRequest) -> str:
    tz = job.tz
    miles = "" if option.from_where.startswith("distance") else f"{option.miles:.1f} miles from "
    text = (f"{option.technician.name}: has the {job.skill} skill, free "
            f"{_hhmm(option.start, tz)}-{_hhmm(option.end, tz)}, {miles}{option.from_where}, "
            f"{option.booked_hours:g} h booked that day")
    if option.displaced:
        moved = ", ".join(f"{_hhmm(b.start, tz)}-{_hhmm(b.end, tz)}" for b in option.displaced)
        text += f"; their routine job(s) at {moved} need moving"
    return text


def decide(technicians: list[TechnicianState], job: JobRequest, keep_technician_id: int | None = None) -> Decision:
    """Ranks every technician who passes the hard rules and explains the choice in words.
    `keep_technician_id` (a rescheduled job's technician) stays first while still feasible."""
    ranked: list[Option] = []
    rejected: list[tuple[TechnicianState, str]] = []
    for tech in sorted(technicians, key=lambda t: t.id):
        start, reason, displaced = place(tech, job)
        if start is None:
            rejected.append((tech, reason))
        else:
            ranked.append(_option(tech, job, start, displaced))
    ranked.sort(key=lambda o: (o.technician.id != keep_technician_id, _sort_key(o, job)))
    chosen = ranked[0] if ranked else None
    lines = []
    if chosen is not None:
        why = "can be there first" if job.emergency else "nearest with the lightest day"
        if chosen.technician.id == keep_technician_id:
            why = "already assigned and still free"
        lines.append(f"Chosen: {describe(chosen, job)} ({why}).")
    else:
        lines.append("Nobody can take this job.")
    for option in ranked[1:]:
        lines.append(f"Not chosen: {describe(option, job)}.")
    for tech, reason in rejected:
        lines.append(f"Not chosen: {tech.name}: {reason}.")
    candidates = [
        {"technician_id": o.technician.id, "name": o.technician.name, "feasible": True,
         "start": o.start.isoformat(), "miles": round(o.miles, 1), "booked_hours": o.booked_hours,
         "score": o.score, "displaced": [b.appointment_id for b in o.displaced]}
        for o in ranked
    ] + [{"technician_id": t.id, "name": t.name, "feasible": False, "reason": r} for t, r in rejected]
    return Decision(chosen, tuple(ranked), tuple(rejected), "\n".join(lines), candidates)


# The database side: load technicians and bookings, record decisions.

class Roster:
    """Technicians and their active bookings over whole local days, loaded with two
    queries. `lock=True` takes row locks on the technicians (SELECT ... FOR UPDATE on
    PostgreSQL; SQLite is serialised by BEGIN IMMEDIATE in business.db) so two bookings
    racing for the same technicians run one after the other."""

    def __init__(self, *, session: Session, profile: BusinessProfile, first_day: date, last_day: date,
                 exclude_appointment_id: int | None = None, lock: bool = False) -> None:
        self.profile = profile
        self.tz = profile.tz
        query = select(Technician).order_by(Technician.id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        self.technicians = list(session.scalars(query))
        buffer = timedelta(minutes=profile.booking.travel_buffer_minutes)
        start = _midnight(first_day, self.tz) - buffer
        end = _midnight(last_day + timedelta(days=1), self.tz) + buffer
        rows = session.execute(
            select(Appointment.id, Appointment.technician_id, Appointment.start_at, Appointment.end_at,
                   Appointment.zip_code, Appointment.urgency)
            .where(Appointment.status.in_(ACTIVE_STATUSES), Appointment.technician_id.is_not(None),
                   Appointment.start_at < end, Appointment.end_at > start,
                   Appointment.id != (exclude_appointment_id or -1))
            .order_by(Appointment.start_at)
        )
        self.bookings: dict[int, list[Booking]] = {t.id: [] for t in self.technicians}
        for appt_id, tech_id, s, e, zip_code, urgency in rows:
            self.bookings.setdefault(tech_id, []).append(Booking(s, e, zip_code, urgency == "emergency", appt_id))
        self._starts = {tech_id: [b.start for b in items] for tech_id, items in self.bookings.items()}

    def states(self, start: datetime, end: datetime) -> list[TechnicianState]:
        """Each technician's shifts and bookings on the local days from `start` to `end`."""
        first = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        lo, hi = _midnight(first, self.tz), _midnight(last + timedelta(days=1), self.tz)
        states = []
        for tech in self.technicians:
            shifts = []
            day = first - timedelta(days=1)
            while day <= last:
                hours = (tech.working_hours or {}).get(WEEKDAYS[day.weekday()])
                if hours:
                    shifts.append((datetime.combine(day, parse_hhmm(hours[0]), tzinfo=self.tz),
                                   datetime.combine(day, parse_hhmm(hours[1]), tzinfo=self.tz)))
                day += timedelta(days=1)
            items = self.bookings.get(tech.id, [])
            # Jobs are shorter than a day, so none starting a day before `lo` reaches it.
            i = bisect_left(self._starts.get(tech.id, []), lo - timedelta(days=1))
            near = []
            while i < len(items) and items[i].start < hi:
                if items[i].end > lo:
                    near.append(items[i])
                i += 1
            states.append(TechnicianState(tech.id, tech.name, frozenset(tech.skills or ()), tech.home_zip,
                                          tech.status, tech.active, tuple(shifts), tuple(near)))
        return states


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def job_request(*, profile: BusinessProfile, service: Service, earliest: datetime, latest: datetime,
                zip_code: str | None, urgency: str) -> JobRequest:
    rules = profile.booking
    return JobRequest(
        skill=service.skill, duration=timedelta(minutes=service.duration_minutes),
        earliest=earliest, latest=latest, buffer=timedelta(minutes=rules.travel_buffer_minutes),
        step=timedelta(minutes=rules.slot_step_minutes), tz=profile.tz, zip_code=zip_code,
        emergency=urgency == "emergency", after_hours=urgency == "emergency" and rules.emergency_after_hours,
    )


def appointment_job(profile: BusinessProfile, appointment: Appointment) -> JobRequest:
    """The arrival range an existing appointment promises: its window, its exact time,
    or for an emergency anything from its time to the end of the emergency search."""
    rules = profile.booking
    earliest = latest = appointment.start_at
    if appointment.urgency == "emergency":
        latest = earliest + timedelta(hours=rules.emergency_search_hours)
    elif appointment.time_kind == "window" and appointment.window_start and appointment.window_end:
        earliest = appointment.window_start
        latest = max(earliest, appointment.window_end - timedelta(minutes=rules.slot_step_minutes))
    return job_request(profile=profile, service=appointment.service, earliest=earliest, latest=latest,
                       zip_code=appointment.zip_code, urgency=appointment.urgency)


def record_decision(*, session: Session, appointment: Appointment, decision: Decision,
                    job: JobRequest) -> DispatchRecord:
    """Assigns the chosen technician (and planned start) and stores the explanation."""
    # Declined and unanswered offers stay as they are: they say who must not get the job again.
    for old in session.scalars(select(DispatchRecord).where(
            DispatchRecord.appointment_id == appointment.id, DispatchRecord.status.in_(CURRENT_STATUSES))):
        old.status = "replaced"
    chosen = decision.chosen
    note = None
    if chosen is not None:
        # The relationship, not just the id, so code holding the appointment sees the change.
        appointment.technician = session.get(Technician, chosen.technician.id)
        appointment.start_at, appointment.end_at = chosen.start, chosen.end
        if chosen.displaced:
            ids = ", ".join(f"#{b.appointment_id}" for b in chosen.displaced)
            note = (f"Emergency {_hhmm(chosen.start, job.tz)}-{_hhmm(chosen.end, job.tz)} sent "
                    f"{chosen.technician.name}; their appointment(s) {ids} need moving or another technician.")
    else:
        appointment.technician = None
        note = "Nobody can take this job as booked; please assign a technician or call the customer."
    record = DispatchRecord(
        appointment_id=appointment.id, technician=appointment.technician,
        explanation=decision.explanation, candidates=decision.candidates, emergency=job.emergency,
        flagged_for_owner=note is not None, owner_note=note,
        status="assigned" if chosen is not None else "unassigned",
    )
    session.add(record)
    session.flush()
    return record


def dispatch_appointment(*, session: Session, profile: BusinessProfile, appointment: Appointment,
                         exclude_technician_ids: Sequence[int] = (), now: datetime | None = None) -> DispatchRecord:
    """(Re)assigns a booked appointment, e.g. after a technician declined it."""
    job = appointment_job(profile, appointment)
    if now is not None and job.emergency and job.earliest < now:
        job = replace(job, earliest=now, latest=max(now, job.latest))
    roster = Roster(session=session, profile=profile, first_day=job.earliest.astimezone(profile.tz).date(),
                    last_day=job.latest.astimezone(profile.tz).date(),
                    exclude_appointment_id=appointment.id, lock=True)
    excluded = set(exclude_technician_ids)
    states = roster.states(job.earliest, job.latest + job.duration)
    decision = decide([s for s in states if s.id not in excluded], job)
    if excluded:
        names = [s.name for s in states if s.id in excluded]
        decision = replace(decision, explanation=decision.explanation + "".join(
            f"\nNot chosen: {name}: declined or excluded." for name in names))
    return record_decision(session=session, appointment=appointment, decision=decision, job=job)


def latest_dispatch(*, session: Session, appointment_id: int) -> DispatchRecord | None:
    return session.scalar(select(DispatchRecord).where(DispatchRecord.appointment_id == appointment_id)
                          .order_by(DispatchRecord.id.desc()).limit(1))


def list_latest_dispatch_records(*, session: Session, appointment_ids: Sequence[int]) -> dict[int, DispatchRecord]:
    """The newest decision for each appointment, in one query (for lists and the calendar)."""
    newest = (select(func.max(DispatchRecord.id)).where(DispatchRecord.appointment_id.in_(list(appointment_ids)))
              .group_by(DispatchRecord.appointment_id))
    rows = session.scalars(select(DispatchRecord).where(DispatchRecord.id.in_(newest)))
    return {record.appointment_id: record for record in rows}


def update_technician_status(*, session: Session, technician: Technician, status: str) -> Technician:
    if status not in TECHNICIAN_STATUSES:
        raise ValueError(f"technician status must be one of {', '.join(TECHNICIAN_STATUSES)}")
    technician.status = status
    session.flush()
    return technician

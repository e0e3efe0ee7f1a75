"""Turns what a caller asked for ("tomorrow at 9", "Friday afternoon", "the first one")
into a concrete start time the scheduler can book."""
from __future__ import annotations

import re
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from business.understanding.duckling import TimeValue
from business.models import Service
from business.profile import BusinessProfile
from business.scheduling import Slot, search_availability


@dataclass(frozen=True)
class TimeRequest:
    start: datetime
    end: datetime | None  # set for a range: an interval or a whole day
    exact: bool           # a time of day was given


def slot_value_of(time: TimeValue) -> str | dict[str, str | None]:
    """A Duckling time as Rasa's Duckling extractor puts it in a slot, for parse_time_value."""
    if time.kind == "instant":
        return time.start.isoformat()
    return {"from": time.start.isoformat(), "to": time.end.isoformat() if time.end else None}


def parse_time_value(value: Any, profile: BusinessProfile) -> TimeRequest | None:
    """Reads a Duckling time value as Rasa stores it in a slot: an ISO string for an
    instant, or {"from": ..., "to": ...} for an interval ("tomorrow morning")."""
    tz = profile.tz
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        start, end = _iso(value.get("from"), tz), _iso(value.get("to"), tz)
        if start is None and end is None:
            return None
        if start is None:
            start = end - timedelta(hours=4)
        return TimeRequest(start=start, end=end, exact=False)
    moment = _iso(value, tz)
    if moment is None:
        return None
    if moment.hour == 0 and moment.minute == 0:
        # Duckling gives "tomorrow" as midnight with day grain; nobody books a plumber
        # for midnight, so read it as the whole day.
        return TimeRequest(start=moment, end=moment + timedelta(days=1), exact=False)
    return TimeRequest(start=moment, end=None, exact=True)


def _iso(value: Any, tz) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


FIRST = re.compile(r"\b(first|earlier|earliest|sooner|former|1st|one$)\b")
SECOND = re.compile(r"\b(second|later|latter|last|other|2nd)\b")
YES = re.compile(r"\b(yes|yeah|yep|sure|ok|okay|works|fine|great|perfect|please do)\b")


def choose_offered(text: str, offered: list[str]) -> str | None:
    """Which of the offered slots the caller picked: 'the first one', 'the later one',
    or a plain yes to a single offer."""
    lowered = (text or "").lower()
    if not offered:
        return None
    if SECOND.search(lowered) and len(offered) > 1:
        return offered[1]
    if FIRST.search(lowered) or YES.search(lowered):
        return offered[0]
    return None


@dataclass(frozen=True)
class TimeDecision:
    start: datetime | None        # bookable start, when one was found
    reason: str | None            # why the request itself cannot be met
    alternatives: list[Slot]


def decide_time(
    *,
    session: Session,
    profile: BusinessProfile,
    service: Service,
    request: TimeRequest,
    now: datetime,
    urgency: str = "routine",
    exclude_appointment_id: int | None = None,
    blocked: Sequence[tuple[datetime, datetime]] = (),
) -> TimeDecision:
    """An exact request is checked as asked (in windows mode: the window it falls in); a
    range takes its earliest free start. Otherwise the two nearest alternatives. `blocked`
    is the owner's busy calendar time."""
    found = search_availability(session=session, profile=profile, service=service,
                                preferred_from=request.start, preferred_to=request.end, urgency=urgency,
                                count=3, now=now, exclude_appointment_id=exclude_appointment_id, blocked=blocked)
    if found.reason is None and found.options:
        return TimeDecision(found.options[0].start, None, [])
    return TimeDecision(None, found.reason or "full", found.options[:2])

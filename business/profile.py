"""The business profile: hours, holidays, booking rules, service area and FAQ facts,
stored as settings rows so the owner can edit them from the dashboard."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from business.models import BusinessSetting

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


DEFAULT_WINDOWS = ((time(8), time(11)), (time(11), time(14)), (time(14), time(17)))
BOOKING_MODES = ("exact", "window")


@dataclass(frozen=True)
class BookingRules:
    mode: str = "exact"
    arrival_windows: tuple[tuple[time, time], ...] = DEFAULT_WINDOWS
    slot_step_minutes: int = 30
    travel_buffer_minutes: int = 30
    min_lead_minutes: int = 60
    max_horizon_days: int = 60
    # Emergencies: the soonest a technician can be there, how far ahead we look for one,
    # and whether technicians are called out beyond their working hours.
    emergency_lead_minutes: int = 30
    emergency_search_hours: int = 24
    emergency_after_hours: bool = True
    # A technician who neither accepts nor declines a job this long after it was sent
    # loses it to the next best technician.
    technician_reply_minutes: int = 15


@dataclass(frozen=True)
class BusinessProfile:
    name: str
    phone: str
    timezone: str
    hours: dict[str, tuple[time, time]]
    holidays: frozenset[date] = frozenset()
    booking: BookingRules = field(default_factory=BookingRules)
    service_area_zips: frozenset[str] = frozenset()
    faq: dict[str, str] = field(default_factory=dict)
    email: str | None = None
    owner_phone: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_on(self, day: date) -> tuple[time, time] | None:
        if day in self.holidays:
            return None
        return self.hours.get(WEEKDAYS[day.weekday()])

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BusinessProfile":
        booking = data.get("booking", {})
        if booking.get("mode", "exact") not in BOOKING_MODES:
            raise ValueError(f"booking mode must be one of {', '.join(BOOKING_MODES)}")
        return cls(
            name=data["name"],
            phone=data["phone"],
            timezone=data["timezone"],
            hours={d: (parse_hhmm(o), parse_hhmm(c)) for d, (o, c) in data.get("hours", {}).items()},
            holidays=frozenset(date.fromisoformat(str(d)) for d in data.get("holidays", [])),
            booking=BookingRules(
                mode=booking.get("mode", "exact"),
                arrival_windows=tuple(
                    (parse_hhmm(a), parse_hhmm(b)) for a, b in booking.get("arrival_windows", [])
                ) or DEFAULT_WINDOWS,
                slot_step_minutes=int(booking.get("slot_step_minutes", 30)),
                travel_buffer_minutes=int(booking.get("travel_buffer_minutes", 30)),
                min_lead_minutes=int(booking.get("min_lead_minutes", 60)),
                max_horizon_days=int(booking.get("max_horizon_days", 60)),
                emergency_lead_minutes=int(booking.get("emergency_lead_minutes", 30)),
                emergency_search_hours=int(booking.get("emergency_search_hours", 24)),
                emergency_after_hours=bool(booking.get("emergency_after_hours", True)),
                technician_reply_minutes=int(booking.get("technician_reply_minutes", 15)),
            ),
            service_area_zips=frozenset(str(z) for z in data.get("service_area_zips", [])),
            faq=dict(data.get("faq", {})),
            email=data.get("email"),
            owner_phone=data.get("owner_phone"),
        )


PROFILE_KEY = "business_profile"


def load_profile(*, session: Session) -> BusinessProfile:
    row = session.scalar(select(BusinessSetting).where(BusinessSetting.key == PROFILE_KEY))
    if row is None:
        raise LookupError("the business profile is not seeded yet: run `make seed`")
    return BusinessProfile.from_dict(row.value)


def save_profile_data(*, session: Session, data: dict[str, Any]) -> BusinessProfile:
    """Validate by parsing before storing, so a bad edit never replaces a good profile."""
    profile = BusinessProfile.from_dict(data)
    profile.tz  # raises for an unknown zone
    row = session.get(BusinessSetting, PROFILE_KEY)
    if row is None:
        session.add(BusinessSetting(key=PROFILE_KEY, value=data))
    else:
        row.value = data
    session.flush()
    return profile

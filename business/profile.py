"""The business profile: hours, holidays, booking rules, service area and FAQ facts,
stored as settings rows so the owner can edit them from the dashboard."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from business.holidays import DEFAULT_CLOSED_HOLIDAYS, us_holiday_name
from business.models import BusinessSetting

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


DEFAULT_GREETING = "Thanks for calling {name}, this is the virtual assistant. How can I help you today?"
DEFAULT_CLOSING = "Thanks for calling {name}. Have a good day."
# Events that alert the owner (business/notifications/events.py kinds) and how.
OWNER_ALERTS = {
    "owner_booking": "New booking",
    "owner_emergency": "Emergency booking",
    "owner_cancellation": "Cancellation",
    "owner_reschedule": "Reschedule",
    "owner_lead": "Call-back request (lead)",
    "owner_technician_change": "Technician declined or did not answer",
    "owner_sms_unanswered": "A text the assistant could not answer",
    "owner_assistant_failed": "The assistant failed in a conversation",
    "owner_call_unanswered": "A call the assistant could not answer",
}
ALERT_CHANNELS = ("sms", "email")

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
    # US public holidays (by the `holidays` package's name) the business closes on,
    # besides the owner's own `holidays`.
    closed_us_holidays: frozenset[str] = frozenset(DEFAULT_CLOSED_HOLIDAYS)
    greeting: str = DEFAULT_GREETING
    closing: str = DEFAULT_CLOSING
    # Owner alert kind -> the channels it goes out on; a kind missing means both.
    owner_alerts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or us_holiday_name(day) in self.closed_us_holidays

    def hours_on(self, day: date) -> tuple[time, time] | None:
        if self.is_holiday(day):
            return None
        return self.hours.get(WEEKDAYS[day.weekday()])

    def greeting_line(self) -> str:
        return self.greeting.replace("{name}", self.name)

    def closing_line(self) -> str:
        return self.closing.replace("{name}", self.name)

    def alerts_owner(self, kind: str, channel: str) -> bool:
        return channel in self.owner_alerts.get(kind, ALERT_CHANNELS)

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
            closed_us_holidays=frozenset(data.get("closed_us_holidays", DEFAULT_CLOSED_HOLIDAYS)),
            greeting=data.get("greeting") or DEFAULT_GREETING,
            closing=data.get("closing") or DEFAULT_CLOSING,
            owner_alerts={k: tuple(v) for k, v in (data.get("owner_alerts") or {}).items()},
        )


PROFILE_KEY = "business_profile"


def load_profile_data(*, session: Session) -> dict[str, Any]:
    """The stored profile as saved (what the settings forms edit). Read on every call, never
    cached across requests, so an edit reaches the next call, chat and text at once."""
    row = session.scalar(select(BusinessSetting).where(BusinessSetting.key == PROFILE_KEY))
    if row is None:
        raise LookupError("the business profile is not seeded yet: run `make seed`")
    return dict(row.value)


def load_profile(*, session: Session) -> BusinessProfile:
    return BusinessProfile.from_dict(load_profile_data(session=session))


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

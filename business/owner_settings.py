"""The settings the owner edits in the dashboard, validated in one place: a pydantic model
per section of the business profile, and the price book and technicians. `save_*` functions
validate, then store; a refused value raises SettingsRefused with a reason per field."""
from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, Literal

import zipcodes
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from business.customers.contacts import normalize_phone
from business.holidays import us_holiday_names
from business.models import Service, Technician
from business.profile import ALERT_CHANNELS, BOOKING_MODES, OWNER_ALERTS, WEEKDAYS, load_profile_data, save_profile_data


class SettingsRefused(ValueError):
    """`errors` maps a form field to the reason its value was refused."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        found.setdefault(field, error["msg"].removeprefix("Value error, "))
    return found


def _phone(value: str) -> str:
    phone = normalize_phone(value)
    if phone is None:
        raise ValueError("is not a phone number we can call")
    return phone


def _zip(value: str) -> str:
    if not re.fullmatch(r"\d{5}", value) or not zipcodes.is_real(value):
        raise ValueError(f"{value or 'an empty value'} is not a US ZIP code")
    return value


def _hhmm(value: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a time like 08:00") from None


def _day_hours(form: dict[str, Any], prefix: str) -> dict[str, list[str]]:
    """{day}_open/{day}_close pairs; both empty means closed that day."""
    hours = {}
    for day in WEEKDAYS:
        opens, closes = (str(form.get(f"{prefix}{day}_{edge}") or "").strip() for edge in ("open", "close"))
        if not opens and not closes:
            continue
        if not opens or not closes:
            raise ValueError(f"{day.title()}: give both the opening and the closing time, or neither")
        if _hhmm(closes) <= _hhmm(opens):
            raise ValueError(f"{day.title()}: closing time {closes} must be after opening time {opens}")
        hours[day] = [_hhmm(opens).strftime("%H:%M"), _hhmm(closes).strftime("%H:%M")]
    return hours


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _plain_text(value: Any) -> Any:
    """Refuses control characters anywhere in a submitted value (PostgreSQL cannot store NUL)."""
    texts = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    for text in texts:
        if isinstance(text, str) and CONTROL.search(text):
            raise ValueError("contains a control character")
        if isinstance(text, (dict, list)):
            _plain_text(text)
    return value


class Section(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    _no_control_characters = field_validator("*", mode="before")(lambda value: _plain_text(value))


class BusinessSection(Section):
    name: str = Field(min_length=1, max_length=120)
    phone: str
    email: str | None = None
    owner_phone: str | None = None

    _phones = field_validator("phone")(_phone)

    @field_validator("owner_phone")
    @classmethod
    def _owner_phone(cls, value: str | None) -> str | None:
        return _phone(value) if value else None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if not value:
            return None
        from email_validator import EmailNotValidError, validate_email
        try:
            return validate_email(value, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ValueError(str(exc)) from None


class HoursSection(Section):
    hours: dict[str, list[str]]
    closed_us_holidays: list[str] = []
    holidays: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _from_form(cls, form: Any) -> Any:
        if isinstance(form, dict) and "hours" not in form:
            try:
                hours = _day_hours(form, "")
            except ValueError as exc:
                raise ValueError(str(exc)) from None
            return {**form, "hours": hours}
        return form

    @field_validator("closed_us_holidays")
    @classmethod
    def _known_holidays(cls, names: list[str]) -> list[str]:
        unknown = set(names) - set(us_holiday_names())
        if unknown:
            raise ValueError(f"not a US holiday: {', '.join(sorted(unknown))}")
        return names

    @field_validator("holidays", mode="before")
    @classmethod
    def _own_days(cls, value: Any) -> list[str]:
        items = re.split(r"[\s,]+", value.strip()) if isinstance(value, str) else list(value or [])
        days = []
        for item in filter(None, items):
            try:
                days.append(date.fromisoformat(str(item)).isoformat())
            except ValueError:
                raise ValueError(f"{item} is not a date like 2027-03-17") from None
        return sorted(set(days))


class BookingSection(Section):
    mode: Literal[BOOKING_MODES]  # type: ignore[valid-type]
    slot_step_minutes: int = Field(ge=5, le=240)
    travel_buffer_minutes: int = Field(ge=0, le=240)
    min_lead_minutes: int = Field(ge=0, le=7 * 24 * 60)
    max_horizon_days: int = Field(ge=1, le=365)
    emergency_lead_minutes: int = Field(ge=0, le=24 * 60)
    emergency_search_hours: int = Field(ge=1, le=168)
    emergency_after_hours: bool = False
    technician_reply_minutes: int = Field(ge=1, le=24 * 60)


class AreaSection(Section):
    service_area_zips: list[str] = Field(min_length=1)

    @field_validator("service_area_zips", mode="before")
    @classmethod
    def _zips(cls, value: Any) -> list[str]:
        items = re.split(r"[\s,]+", value.strip()) if isinstance(value, str) else list(value or [])
        return sorted({_zip(str(z)) for z in items if z})


class FaqSection(Section):
    faq: dict[str, Annotated[str, Field(min_length=1, max_length=600)]]


class ScriptSection(Section):
    greeting: str = Field(min_length=10, max_length=300)
    closing: str = Field(min_length=5, max_length=300)


class AlertsSection(Section):
    owner_alerts: dict[str, list[Literal[ALERT_CHANNELS]]]  # type: ignore[valid-type]

    @field_validator("owner_alerts")
    @classmethod
    def _known_events(cls, alerts: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = set(alerts) - set(OWNER_ALERTS)
        if unknown:
            raise ValueError(f"unknown events: {', '.join(sorted(unknown))}")
        return {kind: alerts.get(kind, []) for kind in OWNER_ALERTS}


PROFILE_SECTIONS: dict[str, type[Section]] = {
    "business": BusinessSection, "hours": HoursSection, "booking": BookingSection, "area": AreaSection,
    "faq": FaqSection, "script": ScriptSection, "alerts": AlertsSection,
}


def save_profile_section(*, session: Session, section: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validates one section and stores it in the profile; the next request reads it."""
    try:
        parsed = PROFILE_SECTIONS[section].model_validate(values)
    except ValidationError as exc:
        raise SettingsRefused(_errors(exc)) from None
    data = load_profile_data(session=session)
    if section == "faq":
        unknown = set(parsed.faq) - set(data.get("faq", {}))
        if unknown:  # the assistant only recognises questions it was trained on
            raise SettingsRefused({"faq": f"unknown questions: {', '.join(sorted(unknown))}"})
        data["faq"] = {**data.get("faq", {}), **parsed.faq}
    elif section == "booking":
        data["booking"] = {**data.get("booking", {}), **parsed.model_dump()}
    else:
        data.update(parsed.model_dump())
    save_profile_data(session=session, data=data)
    return data


class ServiceEdit(Section):
    name: str = Field(min_length=2, max_length=120)
    skill: str = Field(pattern=r"^[a-z][a-z_]{1,59}$")
    duration_minutes: int = Field(ge=15, le=12 * 60)
    price_min: Decimal = Field(ge=0, le=100000, decimal_places=2)
    price_max: Decimal = Field(ge=0, le=100000, decimal_places=2)

    @model_validator(mode="after")
    def _range(self) -> "ServiceEdit":
        if self.price_max < self.price_min:
            raise ValueError("the highest price must be at least the lowest")
        return self


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60]


def save_service(*, session: Session, values: dict[str, Any], service: Service | None = None) -> Service:
    """Creates (service=None) or updates a price-book entry; both prices 0 means a free estimate."""
    try:
        parsed = ServiceEdit.model_validate(values)
    except ValidationError as exc:
        errors = _errors(exc)
        raise SettingsRefused({("price_max" if k == "form" else k): v for k, v in errors.items()}) from None
    if service is None:
        slug = _slug(parsed.name)
        if session.scalar(select(Service).where(Service.slug == slug)) is not None:
            raise SettingsRefused({"name": "a service with this name exists already"})
        service = Service(slug=slug, keywords=[], emergency=False)
        session.add(service)
    for key, value in parsed.model_dump().items():
        setattr(service, key, value)
    session.flush()
    return service


class TechnicianEdit(Section):
    name: str = Field(min_length=2, max_length=120)
    phone: str
    home_zip: str
    skills: list[str] = Field(min_length=1)
    working_hours: dict[str, list[str]]
    active: bool = False

    _phones = field_validator("phone")(_phone)
    _zips = field_validator("home_zip")(_zip)

    @model_validator(mode="before")
    @classmethod
    def _from_form(cls, form: Any) -> Any:
        if isinstance(form, dict) and "working_hours" not in form:
            return {**form, "working_hours": _day_hours(form, "")}
        return form


def save_technician(*, session: Session, values: dict[str, Any], technician: Technician | None = None) -> Technician:
    try:
        parsed = TechnicianEdit.model_validate(values)
    except ValidationError as exc:
        raise SettingsRefused(_errors(exc)) from None
    known_skills = set(session.scalars(select(Service.skill)))
    unknown = set(parsed.skills) - known_skills
    if unknown:
        raise SettingsRefused({"skills": f"no service needs {', '.join(sorted(unknown))}"})
    clash = session.scalar(select(Technician).where(Technician.name == parsed.name))
    if clash is not None and clash is not technician:
        raise SettingsRefused({"name": "another technician has this name"})
    if technician is None:
        technician = Technician(name=parsed.name)
        session.add(technician)
    for key, value in parsed.model_dump().items():
        setattr(technician, key, value)
    session.flush()
    return technician

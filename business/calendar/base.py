"""The calendar interface every calendar client implements (local, Google), and the
plain values that cross it: what we write for an appointment and what changed there."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from business.models import Appointment

Interval = tuple[datetime, datetime]


class CalendarError(Exception):
    """The calendar refused a request; the push is retried later with backoff.
    `status` is the HTTP status the calendar answered, if it answered."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CalendarUnavailable(CalendarError):
    """The calendar could not be reached, or answered 5xx/429: try again later."""


class SyncTokenExpired(CalendarError):
    """The incremental-sync token is no longer valid (410 Gone): resync in full."""


@dataclass(frozen=True)
class CalendarEntry:
    """An appointment as the calendar shows it; built inside a transaction and written
    outside one, so no database lock is held while waiting on the calendar."""

    appointment_id: int
    title: str
    location: str | None
    description: str
    start: datetime
    end: datetime
    cancelled: bool
    event_id: str | None = None

    @classmethod
    def from_appointment(cls, appointment: Appointment) -> "CalendarEntry":
        customer, service = appointment.customer, appointment.service
        technician = appointment.technician.name if appointment.technician else "unassigned"
        description = "\n".join([
            f"Phone: {customer.phone}",
            f"Problem: {appointment.problem or 'not given'}",
            f"Technician: {technician}",
            f"Appointment id: {appointment.id}",
        ])
        return cls(
            appointment_id=appointment.id,
            title=f"Plumbing: {service.name} - {customer.name}",
            location=appointment.address,
            description=description,
            start=appointment.start_at,
            end=appointment.end_at,
            cancelled=appointment.status == "cancelled",
            event_id=appointment.calendar_event_id,
        )


@dataclass(frozen=True)
class CalendarChange:
    """One of our appointments' events as the calendar now has it."""

    appointment_id: int | None  # None for a deleted event Google reports by id only
    event_id: str
    cancelled: bool
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class ChangeBatch:
    changes: list[CalendarChange] = field(default_factory=list)
    sync_token: str | None = None


class Calendar(ABC):
    """Where appointments show up and where the owner's busy time comes from."""

    name: str

    @abstractmethod
    def save(self, entry: CalendarEntry) -> str | None:
        """Create, update or (for a cancelled entry) remove the entry's event; returns
        its event id, or None when there is no event left. Safe to repeat."""

    @abstractmethod
    def busy_intervals(self, *, session: Session, start: datetime, end: datetime) -> list[Interval]:
        """Business-wide time no booking may use, merged and sorted."""

    @abstractmethod
    def list_changes(self, sync_token: str | None) -> ChangeBatch:
        """Our events changed in the calendar since `sync_token` (None: all of them)."""


def merge_intervals(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged

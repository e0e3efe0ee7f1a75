"""Keeps appointments and the calendar in step: pushes pending appointments (retrying
with exponential backoff), pulls the owner's moves and deletions back, refreshes busy
times. No database transaction is held open while waiting on the calendar."""
from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, selectinload

from business import scheduling
from business.calendar.accounts import get_calendar_account
from business.calendar.base import Calendar, CalendarChange, CalendarEntry, CalendarError, SyncTokenExpired
from business.calendar.google import BUSY_CACHE_DAYS, GoogleCalendar
from business.models import Appointment, AppointmentEvent, CalendarRetry, utcnow
from business.profile import BusinessProfile
from business.push.queue import queue_push
from business.repository import ACTIVE_STATUSES

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
CONFLICT = "calendar_conflict"
NOTIFICATIONS_PATH = "/settings/google/notifications"
WATCH_RENEW_BEFORE = timedelta(days=1)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... doubling up to an hour; never gives up."""
    # The exponent is capped so an outage of weeks cannot overflow timedelta.
    return min(BACKOFF_FIRST * 2 ** min(max(attempts - 1, 0), 20), BACKOFF_MAX)


def _due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    waiting = or_(CalendarRetry.appointment_id.is_(None), CalendarRetry.next_attempt_at <= now)
    # Cancelling an appointment leaves its event behind until the push removes it.
    cancelled_with_event = and_(Appointment.status == "cancelled", Appointment.calendar_event_id.is_not(None),
                                Appointment.calendar_state != CONFLICT)
    query = (
        select(Appointment.id)
        .outerjoin(CalendarRetry, CalendarRetry.appointment_id == Appointment.id)
        .where(or_(Appointment.calendar_state == "pending", cancelled_with_event), waiting)
        .order_by(Appointment.start_at)
        .limit(limit)
    )
    return list(session.scalars(query))


def _record_failure(session: Session, appointment_id: int, error: CalendarError, now: datetime) -> None:
    retry = session.get(CalendarRetry, appointment_id)
    if retry is None:
        retry = CalendarRetry(appointment_id=appointment_id, attempts=0)
        session.add(retry)
    retry.attempts += 1
    retry.next_attempt_at = now + backoff(retry.attempts)
    retry.last_error = str(error)[:500]


def push_pending(*, session: Session, calendar: Calendar, now: datetime | None = None, limit: int = 50) -> int:
    """Write every due appointment to the calendar; returns how many were written. Commits
    after each appointment, so one failure never undoes another's success."""
    now = now or utcnow()
    due = _due_ids(session, now, limit)
    session.commit()
    written = 0
    for appointment_id in due:
        appointment = session.scalar(
            select(Appointment).where(Appointment.id == appointment_id).options(
                selectinload(Appointment.customer), selectinload(Appointment.service),
                selectinload(Appointment.technician))
        )
        entry, stamp = CalendarEntry.from_appointment(appointment), appointment.updated_at
        session.commit()
        try:
            event_id = calendar.save(entry)
        except CalendarError as exc:
            log.warning("calendar push of appointment %s failed: %s", appointment_id, exc)
            _record_failure(session, appointment_id, exc, now)
            session.commit()
            continue
        unchanged = session.execute(
            update(Appointment).where(Appointment.id == appointment_id, Appointment.updated_at == stamp)
            .values(calendar_event_id=event_id, calendar_state="synced")
        ).rowcount
        if not unchanged:  # changed while we were writing: stays pending for another push
            session.execute(update(Appointment).where(Appointment.id == appointment_id)
                            .values(calendar_event_id=event_id))
        session.execute(delete(CalendarRetry).where(CalendarRetry.appointment_id == appointment_id))
        session.commit()
        written += 1
    return written


def _appointment_for(session: Session, change: CalendarChange) -> Appointment | None:
    if change.appointment_id is not None:
        appointment = session.get(Appointment, change.appointment_id)
        if appointment is not None and appointment.calendar_event_id in (None, change.event_id):
            return appointment
    return session.scalar(select(Appointment).where(Appointment.calendar_event_id == change.event_id))


def _conflict(session: Session, appointment: Appointment, note: str) -> None:
    appointment.calendar_state = CONFLICT
    event = AppointmentEvent(appointment_id=appointment.id, status=CONFLICT, note=note)
    session.add(event)
    session.flush()
    queue_push(session=session, event="calendar_conflict", kind="calendar_conflict", key=f"conflict:{event.id}",
               context={"appointment_id": appointment.id}, appointment_id=appointment.id)


def apply_change(*, session: Session, profile: BusinessProfile, change: CalendarChange,
                 now: datetime | None = None) -> bool:
    """Bring one appointment in line with its event; returns whether anything changed."""
    appointment = _appointment_for(session, change)
    if appointment is None or appointment.status not in ACTIVE_STATUSES:
        return False  # not ours, or cancelled here already (the push removes its event)
    if change.cancelled:
        scheduling.cancel_appointment(session=session, appointment=appointment, note="deleted in Google Calendar")
        appointment.calendar_event_id, appointment.calendar_state = None, "synced"
        session.flush()
        return True
    if appointment.calendar_state == "pending":
        return False  # our own newer change is on its way to the calendar and wins
    if change.start == appointment.start_at:
        if appointment.calendar_state == CONFLICT:  # the owner moved it back
            appointment.calendar_state = "synced"
            return True
        return False
    if change.start is None:
        _conflict(session, appointment, "made an all-day event in Google Calendar; kept our time")
        return True
    local = change.start.astimezone(profile.tz).strftime("%a %b %d %I:%M %p")
    try:
        with session.begin_nested():
            scheduling.reschedule_appointment(
                session=session, profile=profile, appointment=appointment, start=change.start,
                actor="google_calendar", now=now,
            )
    except scheduling.SlotUnavailable as exc:
        why = scheduling.REASONS.get(exc.reason, exc.reason).replace("{days}", str(profile.booking.max_horizon_days))
        _conflict(session, appointment, f"moved to {local} in Google Calendar, but {why}; kept our time")
    session.flush()
    return True


def pull_changes(*, session: Session, calendar: Calendar, profile: BusinessProfile,
                 now: datetime | None = None) -> int:
    """Apply the calendar's changes since the last pull; returns how many changed us."""
    account = get_calendar_account(session=session)
    if account is None or not isinstance(calendar, GoogleCalendar):
        return 0
    token = account.sync_token
    session.commit()
    try:
        batch = calendar.list_changes(token)
    except SyncTokenExpired:
        log.info("calendar sync token expired; syncing in full")
        batch = calendar.list_changes(None)
    applied = sum(apply_change(session=session, profile=profile, change=c, now=now) for c in batch.changes)
    account = get_calendar_account(session=session)
    if account is not None:  # unlinked meanwhile: nothing to remember
        account.sync_token = batch.sync_token
        account.last_pull_at = now or utcnow()
    session.commit()
    return applied


def refresh_busy(*, session: Session, calendar: Calendar, profile: BusinessProfile,
                 now: datetime | None = None) -> None:
    """Read the busy calendars for the whole booking horizon into the cache."""
    if not isinstance(calendar, GoogleCalendar):
        return
    now = now or utcnow()
    days = max(profile.booking.max_horizon_days, BUSY_CACHE_DAYS)
    calendar.refresh_busy(session=session, start=now, end=now + timedelta(days=days), now=now)
    session.commit()


def ensure_watch(*, session: Session, calendar: Calendar, public_base_url: str, now: datetime | None = None) -> bool:
    """Keep a Google push channel open on the booking calendar, so the owner's changes
    arrive within seconds rather than at the next poll. Google only calls https
    addresses; without one the worker's polling does the job. Returns whether it renewed."""
    if not isinstance(calendar, GoogleCalendar) or not public_base_url.startswith("https://"):
        return False
    now = now or utcnow()
    account = get_calendar_account(session=session)
    if account is None or (account.channel_expires_at and account.channel_expires_at > now + WATCH_RENEW_BEFORE):
        return False
    old = (account.channel_id, account.channel_resource_id)
    channel_id, token = str(uuid.uuid4()), secrets.token_urlsafe(32)
    session.commit()
    resource_id, expires = calendar.watch(channel_id=channel_id, token=token,
                                          address=public_base_url + NOTIFICATIONS_PATH)
    account = get_calendar_account(session=session)
    if account is not None:
        account.channel_id, account.channel_token = channel_id, token
        account.channel_resource_id, account.channel_expires_at = resource_id, expires
    session.commit()
    if old[0] and old[1]:
        try:
            calendar.stop_watch(channel_id=old[0], resource_id=old[1])
        except CalendarError as exc:  # it expires by itself; notifications for it are refused
            log.warning("could not stop the old calendar channel: %s", exc)
    return True


def is_our_channel(*, session: Session, channel_id: str, token: str) -> bool:
    """Whether a push notification names our open channel with its secret token."""
    account = get_calendar_account(session=session)
    if account is None or not account.channel_id or not account.channel_token:
        return False
    return hmac.compare_digest(channel_id.encode(), account.channel_id.encode()) and hmac.compare_digest(
        token.encode(), account.channel_token.encode())


@dataclass
class SyncReport:
    pushed: int = 0
    pulled: int = 0
    error: str | None = None


def sync_calendar(*, session: Session, calendar: Calendar, profile: BusinessProfile,
                  now: datetime | None = None, public_base_url: str = "") -> SyncReport:
    """Push, pull, refresh busy times and keep the push channel open: the worker's job
    and the "Sync now" button."""
    report = SyncReport(pushed=push_pending(session=session, calendar=calendar, now=now))
    try:
        report.pulled = pull_changes(session=session, calendar=calendar, profile=profile, now=now)
        refresh_busy(session=session, calendar=calendar, profile=profile, now=now)
        ensure_watch(session=session, calendar=calendar, public_base_url=public_base_url, now=now)
    except CalendarError as exc:
        session.rollback()
        report.error = str(exc)
        log.warning("calendar pull failed: %s", exc)
    account = get_calendar_account(session=session)
    if account is not None:
        account.last_error = report.error
        session.commit()
    return report


def list_calendar_pending(*, session: Session) -> list[tuple[Appointment, CalendarRetry | None]]:
    """Appointments not yet in the calendar or in conflict with it, for the settings page."""
    rows = session.execute(
        select(Appointment, CalendarRetry)
        .outerjoin(CalendarRetry, CalendarRetry.appointment_id == Appointment.id)
        .where(or_(Appointment.calendar_state.in_(("pending", CONFLICT)), CalendarRetry.appointment_id.is_not(None)))
        .options(selectinload(Appointment.customer), selectinload(Appointment.service))
        .order_by(Appointment.start_at)
    )
    return [(appointment, retry) for appointment, retry in rows]


def restore_appointment_time(*, session: Session, appointment: Appointment) -> None:
    """The owner keeps our time after a conflict: the next push moves the event back."""
    appointment.calendar_state = "pending"
    session.add(AppointmentEvent(appointment_id=appointment.id, status=appointment.status,
                                 note="kept our time; calendar event put back"))
    session.flush()

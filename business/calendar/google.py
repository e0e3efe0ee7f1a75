"""Google Calendar client: writes appointment events, reads the owner's busy time
(free/busy, cached in the database) and lists changed events with sync tokens."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.errors import HttpError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from business.calendar.base import (
    Calendar,
    CalendarChange,
    CalendarEntry,
    CalendarError,
    CalendarUnavailable,
    ChangeBatch,
    Interval,
    SyncTokenExpired,
    merge_intervals,
)
from business.calendar.blocks import list_calendar_blocks
from business.models import CalendarAccount, CalendarBusyTime, utcnow

log = logging.getLogger(__name__)

SCOPES = [
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
    # Only to list the owner's calendars so they can pick the booking and busy ones.
    "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
]
APPOINTMENT_KEY = "appointment_id"
BUSY_CACHE_TTL = timedelta(minutes=3)
BUSY_CACHE_DAYS = 60
# Google refuses free/busy ranges much longer than a month, so longer ones are split.
FREEBUSY_CHUNK = timedelta(days=30)
WATCH_TTL_SECONDS = 7 * 24 * 3600


def event_id_for(appointment_id: int) -> str:
    """The same appointment always gets the same event id, so a retried insert cannot
    create a second event (Google answers 409). Hex is valid base32hex, as Google needs."""
    return hashlib.sha256(f"lakeshore-appointment-{appointment_id}".encode()).hexdigest()[:40]


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat()


def _parse_time(value: dict[str, Any] | None) -> datetime | None:
    if not value or "dateTime" not in value:
        return None  # all-day events have only a date: no time we could book against
    return datetime.fromisoformat(value["dateTime"].replace("Z", "+00:00"))


class GoogleCalendar(Calendar):
    name = "google"

    def __init__(
        self,
        service: Any,
        *,
        booking_calendar_id: str = "primary",
        busy_calendar_ids: Sequence[str] = (),
        unavailable_reason: str | None = None,
        clock=utcnow,
    ) -> None:
        """`service` is `googleapiclient.discovery.build("calendar", "v3", ...)`; None with
        `unavailable_reason` when the stored tokens cannot be used (calls then fail and
        busy times come from the cache)."""
        self.service = service
        self.booking_calendar_id = booking_calendar_id
        self.busy_calendar_ids = list(busy_calendar_ids)
        self.unavailable_reason = unavailable_reason
        self.clock = clock

    # Requests

    def _execute(self, request_for) -> dict[str, Any]:
        if self.service is None:
            raise CalendarError(self.unavailable_reason or "Google Calendar is not usable")
        try:
            return request_for(self.service).execute(num_retries=0) or {}
        except HttpError as exc:
            status = exc.resp.status
            if status == 410:
                raise SyncTokenExpired("Google answered 410 Gone", status) from exc
            if status == 429 or status >= 500:
                raise CalendarUnavailable(f"Google answered {status}", status) from exc
            raise CalendarError(f"Google answered {status}: {exc.reason}", status) from exc
        except RefreshError as exc:
            raise CalendarError("Google refused the stored tokens; link the account again") from exc
        except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
            raise CalendarUnavailable(f"Google could not be reached: {type(exc).__name__}") from exc

    # Events

    def event_body(self, entry: CalendarEntry, event_id: str) -> dict[str, Any]:
        return {
            "id": event_id,
            "summary": entry.title,
            "location": entry.location or "",
            "description": entry.description,
            "start": {"dateTime": _rfc3339(entry.start)},
            "end": {"dateTime": _rfc3339(entry.end)},
            # Shown as free so free/busy over the same calendar returns only the owner's
            # own commitments; our database already counts the appointments themselves.
            "transparency": "transparent",
            "extendedProperties": {"private": {APPOINTMENT_KEY: str(entry.appointment_id)}},
        }

    def save(self, entry: CalendarEntry) -> str | None:
        event_id = entry.event_id or event_id_for(entry.appointment_id)
        calendar_id = self.booking_calendar_id
        if entry.cancelled:
            try:
                self._execute(lambda s: s.events().delete(calendarId=calendar_id, eventId=event_id))
            except CalendarError as exc:
                if exc.status not in (404, 410):  # already deleted in Google
                    raise
            return None
        body = self.event_body(entry, event_id)

        def insert(s):
            return s.events().insert(calendarId=calendar_id, body=body)

        def update(s):
            return s.events().update(calendarId=calendar_id, eventId=event_id, body=body)

        first, second, fallback_status = (update, insert, 404) if entry.event_id else (insert, update, 409)
        try:
            result = self._execute(first)
        except CalendarError as exc:
            # A retry after a lost answer (409: the insert did happen) or an event that is
            # gone from Google while we still have the booking (404): the other call fixes it.
            if exc.status != fallback_status:
                raise
            result = self._execute(second)
        return result.get("id", event_id)

    def list_changes(self, sync_token: str | None) -> ChangeBatch:
        changes: list[CalendarChange] = []
        page_token = None
        while True:
            params: dict[str, Any] = {"calendarId": self.booking_calendar_id, "showDeleted": True, "maxResults": 250}
            if sync_token:
                params["syncToken"] = sync_token
            if page_token:
                params["pageToken"] = page_token
            page = self._execute(lambda s: s.events().list(**params))
            changes.extend(filter(None, map(_change_from_event, page.get("items", []))))
            page_token = page.get("nextPageToken")
            if not page_token:
                return ChangeBatch(changes=changes, sync_token=page.get("nextSyncToken"))

    def watch(self, *, channel_id: str, token: str, address: str) -> tuple[str, datetime | None]:
        """Ask Google to POST to `address` when the booking calendar changes; returns the
        channel's resource id and expiry."""
        body = {"id": channel_id, "type": "web_hook", "address": address, "token": token,
                "params": {"ttl": str(WATCH_TTL_SECONDS)}}
        result = self._execute(lambda s: s.events().watch(calendarId=self.booking_calendar_id, body=body))
        expiration = result.get("expiration")
        expires = datetime.fromtimestamp(int(expiration) / 1000, tz=timezone.utc) if expiration else None
        return result["resourceId"], expires

    def stop_watch(self, *, channel_id: str, resource_id: str) -> None:
        try:
            self._execute(lambda s: s.channels().stop(body={"id": channel_id, "resourceId": resource_id}))
        except CalendarError as exc:
            if exc.status != 404:  # an expired channel is already gone
                raise

    def list_calendars(self) -> list[dict[str, Any]]:
        """The owner's calendars (id, summary, primary) for the settings page."""
        result = self._execute(lambda s: s.calendarList().list(minAccessRole="reader"))
        return [
            {"id": c["id"], "summary": c.get("summaryOverride") or c.get("summary") or c["id"],
             "primary": bool(c.get("primary"))}
            for c in result.get("items", [])
        ]

    # Busy time

    def query_busy(self, start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
        busy: list[tuple[str, datetime, datetime]] = []
        chunk_start = start
        while chunk_start < end:
            chunk_end = min(end, chunk_start + FREEBUSY_CHUNK)
            body = {
                "timeMin": _rfc3339(chunk_start),
                "timeMax": _rfc3339(chunk_end),
                "items": [{"id": calendar_id} for calendar_id in self.busy_calendar_ids],
            }
            result = self._execute(lambda s: s.freebusy().query(body=body))
            for calendar_id, found in result.get("calendars", {}).items():
                if found.get("errors"):
                    # One calendar removed or unshared must not stop the others counting.
                    reasons = ", ".join(e.get("reason", "?") for e in found["errors"])
                    log.warning("free/busy skipped calendar %s: %s", calendar_id, reasons)
                for item in found.get("busy", []):
                    busy.append((calendar_id, _parse_time({"dateTime": item["start"]}),
                                 _parse_time({"dateTime": item["end"]})))
            chunk_start = chunk_end
        return busy

    def refresh_busy(self, *, session: Session, start: datetime, end: datetime, now: datetime | None = None) -> None:
        """Replace the cached busy times with Google's answer for [start, end)."""
        account = session.scalar(select(CalendarAccount).where(CalendarAccount.provider == "google"))
        if account is None:
            return
        busy = self.query_busy(start, end) if self.busy_calendar_ids else []
        session.execute(delete(CalendarBusyTime))
        session.add_all(CalendarBusyTime(calendar_id=c, start_at=s, end_at=e) for c, s, e in busy)
        account.busy_from, account.busy_to, account.busy_fetched_at = start, end, now or self.clock()
        session.flush()

    def busy_intervals(self, *, session: Session, start: datetime, end: datetime) -> list[Interval]:
        account = session.scalar(select(CalendarAccount).where(CalendarAccount.provider == "google"))
        now = self.clock()
        fresh = (
            account is not None and account.busy_fetched_at is not None
            and account.busy_fetched_at > now - BUSY_CACHE_TTL
            and account.busy_from <= start and end <= account.busy_to
        )
        if account is not None and not fresh:
            # The worker keeps the cache fresh; this only runs when it has fallen behind.
            try:
                with session.begin_nested():
                    self.refresh_busy(session=session, start=min(start, now),
                                      end=max(end, now + timedelta(days=BUSY_CACHE_DAYS)))
            except CalendarError as exc:
                log.warning("free/busy unavailable (%s); using busy times fetched at %s",
                            exc, account.busy_fetched_at)
        cached = session.execute(
            select(CalendarBusyTime.start_at, CalendarBusyTime.end_at).where(
                CalendarBusyTime.start_at < end, CalendarBusyTime.end_at > start)
        ).all()
        blocks = list_calendar_blocks(session=session, start=start, end=end)
        return merge_intervals([(s, e) for s, e in cached] + [(b.start_at, b.end_at) for b in blocks])


def _change_from_event(event: dict[str, Any]) -> CalendarChange | None:
    private = (event.get("extendedProperties") or {}).get("private") or {}
    raw_id = private.get(APPOINTMENT_KEY, "")
    appointment_id = int(raw_id) if raw_id.isdigit() else None
    cancelled = event.get("status") == "cancelled"
    if appointment_id is None and not cancelled:
        return None  # the owner's own event; it counts through free/busy, not here
    return CalendarChange(
        appointment_id=appointment_id,
        event_id=event["id"],
        cancelled=cancelled,
        start=_parse_time(event.get("start")),
        end=_parse_time(event.get("end")),
    )

"""Calendars appointments are written to and busy time is read from: the local calendar
(the database) by default, Google Calendar once the owner links an account.
`calendar_for(session, settings)` picks the one in use."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httplib2
import requests
from google.auth.exceptions import GoogleAuthError
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from sqlalchemy.orm import Session

from business.calendar.accounts import get_calendar_account, load_credentials, refresh_credentials
from business.calendar.base import Calendar
from business.calendar.google import GoogleCalendar
from business.calendar.local import LocalCalendar
from business.calendar.tokens import TokenKeyError
from business.models import utcnow
from business.settings import Settings

log = logging.getLogger(__name__)
GOOGLE_TIMEOUT_SECONDS = 10


def build_service(http: Any) -> Any:
    # static_discovery: the discovery document shipped in the library, never fetched.
    return build("calendar", "v3", http=http, static_discovery=True, cache_discovery=False)


def calendar_for(
    session: Session, settings: Settings, *, api_http: Any = None, auth_http: requests.Session | None = None
) -> Calendar:
    """Google Calendar when an account is linked, else the local calendar. `api_http`
    (an httplib2-style object) and `auth_http` replace the network, for tests."""
    account = get_calendar_account(session=session)
    if account is None:
        return LocalCalendar()
    options = {"booking_calendar_id": account.booking_calendar_id, "busy_calendar_ids": account.busy_calendar_ids}
    try:
        credentials = refresh_credentials(session=session, account=account, settings=settings, http=auth_http)
    except TokenKeyError as exc:
        log.error("Google Calendar is linked but unusable: %s", exc)
        return GoogleCalendar(None, unavailable_reason=str(exc), **options)
    except (GoogleAuthError, requests.RequestException) as exc:
        # Refreshing failed (Google down, grant revoked): calls fail and are retried, and
        # busy times come from the cache until it works again.
        log.warning("could not refresh Google tokens: %s", type(exc).__name__)
        credentials = load_credentials(account, settings)
    return GoogleCalendar(service_for(credentials, api_http=api_http), **options)


def service_for(credentials: Credentials, *, api_http: Any = None) -> Any:
    """The Calendar API with these credentials (refreshed on 401 by AuthorizedHttp)."""
    if api_http is None:
        api_http = AuthorizedHttp(credentials, http=httplib2.Http(timeout=GOOGLE_TIMEOUT_SECONDS))
    return build_service(api_http)


__all__ = ["Calendar", "GoogleCalendar", "LocalCalendar", "calendar_for"]


def blocked_for_booking(*, session: Session, settings: Settings, horizon_days: int,
                        now: datetime | None = None) -> list[tuple[datetime, datetime]]:
    """Busy time in the calendars the owner chose (or the local blocks), over the whole
    booking horizon, for the scheduling engine's `blocked=`. Never raises: a calendar that
    cannot answer blocks nothing rather than stopping a booking."""
    now = now or utcnow()
    try:
        return calendar_for(session, settings).busy_intervals(
            session=session, start=now, end=now + timedelta(days=horizon_days + 1))
    except Exception:  # noqa: BLE001 - a broken calendar must not stop a caller's booking
        log.exception("busy times unavailable; booking without them")
        return []

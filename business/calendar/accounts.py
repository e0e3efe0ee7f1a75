"""Linking a Google account: the OAuth web flow, tokens stored Fernet-encrypted and
refreshed when stale, and unlinking (revoked at Google, then deleted here)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import Request
from google.oauth2.credentials import Credentials
from google_auth_oauthlib.flow import Flow
from oauthlib.oauth2 import OAuth2Error
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from business.calendar.google import SCOPES
from business.calendar.tokens import TokenKeyError, decrypt_tokens, encrypt_tokens
from business.models import Appointment, CalendarAccount, CalendarBusyTime, utcnow
from business.repository import ACTIVE_STATUSES
from business.settings import Settings

log = logging.getLogger(__name__)

AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
TOKEN_URI = "https://oauth2.googleapis.com/token"
REVOKE_URI = "https://oauth2.googleapis.com/revoke"
CALLBACK_PATH = "/settings/google/callback"
REFRESH_MARGIN = timedelta(minutes=5)


class LinkError(RuntimeError):
    """Linking cannot start or finish; the message is meant for the owner."""


def redirect_uri(settings: Settings) -> str:
    return f"{settings.public_base_url}{CALLBACK_PATH}"


def linking_problem(settings: Settings) -> str | None:
    """Why the owner cannot link an account with this configuration, or None."""
    if not settings.calendar_token_key:
        return "CALENDAR_TOKEN_KEY is not set, so Google tokens could not be stored encrypted."
    try:
        encrypt_tokens({}, key=settings.calendar_token_key)
    except TokenKeyError as exc:
        return f"{exc}."
    if not (settings.google_client_id and settings.google_client_secret):
        return "GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are not set."
    if not settings.public_base_url:
        return "PUBLIC_BASE_URL is not set, so Google has no address to send the owner back to."
    return None


def build_flow(
    settings: Settings,
    *,
    state: str | None = None,
    code_verifier: str | None = None,
    adapter: requests.adapters.BaseAdapter | None = None,
) -> Flow:
    """The OAuth web flow; `adapter` carries its HTTP (tests give one that answers locally)."""
    problem = linking_problem(settings)
    if problem:
        raise LinkError(problem)
    client_config = {"web": {
        "client_id": settings.google_client_id,
        "client_secret": settings.google_client_secret,
        "auth_uri": AUTH_URI,
        "token_uri": TOKEN_URI,
        "redirect_uris": [redirect_uri(settings)],
    }}
    flow = Flow.from_client_config(
        client_config, scopes=SCOPES, state=state, redirect_uri=redirect_uri(settings),
        code_verifier=code_verifier,
    )
    if adapter is not None:
        flow.oauth2session.mount("https://", adapter)
    return flow


def authorization_url(flow: Flow) -> tuple[str, str]:
    """(url, state); offline access and a consent prompt so Google hands a refresh token."""
    return flow.authorization_url(access_type="offline", prompt="consent", include_granted_scopes="true")


def exchange_code(flow: Flow, code: str) -> Credentials:
    try:
        flow.fetch_token(code=code)
    except Warning as exc:  # oauthlib warns by raising when fewer scopes were granted
        raise LinkError("Google granted fewer permissions than needed; link again and allow all of them.") from exc
    except (OAuth2Error, ValueError, requests.RequestException, GoogleAuthError) as exc:
        raise LinkError("Google did not accept the sign-in; please try again.") from exc
    return flow.credentials


def _token_data(credentials: Credentials) -> dict[str, Any]:
    expiry = credentials.expiry
    return {
        "token": credentials.token,
        "refresh_token": credentials.refresh_token,
        "expiry": expiry.replace(tzinfo=timezone.utc).isoformat() if expiry else None,
        "scopes": list(credentials.scopes or SCOPES),
    }


def get_calendar_account(*, session: Session) -> CalendarAccount | None:
    return session.scalar(select(CalendarAccount).where(CalendarAccount.provider == "google"))


def create_calendar_account(
    *, session: Session, settings: Settings, credentials: Credentials, calendars: list[dict[str, Any]]
) -> CalendarAccount:
    """Store (or replace) the linked account; future appointments become pending so the
    worker copies them into the booking calendar."""
    account = get_calendar_account(session=session)
    if account is None:
        account = CalendarAccount(provider="google")
        session.add(account)
    primary = next((c["id"] for c in calendars if c.get("primary")), "primary")
    account.account_email = primary if "@" in primary else None
    account.token_ciphertext = encrypt_tokens(_token_data(credentials), key=settings.calendar_token_key)
    account.calendar_choices = calendars
    account.booking_calendar_id = primary
    account.busy_calendar_ids = [primary]
    account.sync_token = None
    account.busy_fetched_at = account.busy_from = account.busy_to = None
    account.last_error = None
    account.linked_at = utcnow()
    for appointment in session.scalars(
        select(Appointment).where(Appointment.status.in_(ACTIVE_STATUSES), Appointment.end_at > utcnow())
    ):
        appointment.calendar_state = "pending"
    session.flush()
    return account


def update_calendar_account(
    *, session: Session, account: CalendarAccount, booking_calendar_id: str, busy_calendar_ids: list[str]
) -> CalendarAccount:
    known = {c["id"] for c in account.calendar_choices or []}
    if booking_calendar_id not in known or not set(busy_calendar_ids) <= known:
        raise ValueError("choose among the linked account's calendars")
    if booking_calendar_id != account.booking_calendar_id:
        account.booking_calendar_id = booking_calendar_id
        account.sync_token = None  # a new calendar has its own change history
        account.channel_expires_at = None  # and needs its own push channel
    account.busy_calendar_ids = list(busy_calendar_ids)
    account.busy_fetched_at = None  # busy times are read again on next use
    session.flush()
    return account


def load_credentials(account: CalendarAccount, settings: Settings) -> Credentials:
    data = decrypt_tokens(account.token_ciphertext, key=settings.calendar_token_key)
    expiry = data.get("expiry")

    return Credentials(
        token=data.get("token"),
        refresh_token=data.get("refresh_token"),
        token_uri=TOKEN_URI,
        client_id=settings.google_client_id,
        client_secret=settings.google_client_secret,
        scopes=data.get("scopes") or SCOPES,
        # google-auth compares expiry with a naive UTC clock.
        expiry=datetime.fromisoformat(expiry).astimezone(timezone.utc).replace(tzinfo=None) if expiry else None,
    )


def refresh_credentials(
    *, session: Session, account: CalendarAccount, settings: Settings, http: requests.Session | None = None
) -> Credentials:
    """The account's credentials, refreshed and stored again if they expire soon."""
    credentials = load_credentials(account, settings)
    expiry = credentials.expiry
    stale = credentials.token is None or (
        expiry is not None and expiry.replace(tzinfo=timezone.utc) - REFRESH_MARGIN <= utcnow()
    )
    if stale and credentials.refresh_token:
        credentials.refresh(Request(session=http))
        account.token_ciphertext = encrypt_tokens(_token_data(credentials), key=settings.calendar_token_key)
        session.flush()
    return credentials


def delete_calendar_account(
    *, session: Session, settings: Settings, http: requests.Session | None = None
) -> bool:
    """Revoke the grant at Google, then forget the tokens. Returns False when Google could
    not be told (the tokens are deleted here anyway; the owner can remove access in their
    Google account)."""
    account = get_calendar_account(session=session)
    if account is None:
        return True
    revoked = True
    try:
        data = decrypt_tokens(account.token_ciphertext, key=settings.calendar_token_key)
        token = data.get("refresh_token") or data.get("token")
        response = (http or requests.Session()).post(
            REVOKE_URI, data={"token": token}, timeout=10,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        # 400 invalid_token: the grant was already revoked in the Google account.
        if response.status_code != 400:
            response.raise_for_status()
    except (TokenKeyError, requests.RequestException) as exc:
        log.warning("could not revoke the Google grant: %s", type(exc).__name__)
        revoked = False
    session.execute(delete(CalendarBusyTime))
    session.delete(account)
    session.flush()
    return revoked

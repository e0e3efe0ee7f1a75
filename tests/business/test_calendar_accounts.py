"""Linked Google account: tokens encrypted at rest, refreshed when stale, revoked on
unlink, and the factory choosing the calendar by what is linked."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from googleapiclient.http import HttpMockSequence
from google.oauth2.credentials import Credentials
from sqlalchemy import text

from business.calendar import GoogleCalendar, LocalCalendar, calendar_for
from business.calendar.accounts import (
    REVOKE_URI,
    TOKEN_URI,
    create_calendar_account,
    delete_calendar_account,
    get_calendar_account,
    linking_problem,
    update_calendar_account,
)
from business.calendar.base import CalendarEntry, CalendarError
from business.calendar.tokens import TokenKeyError, decrypt_tokens, encrypt_tokens, generate_key
from business.models import CalendarBusyTime
from business.settings import Settings
from tests.google_transport import RecordingAdapter, session_with

KEY = generate_key()
SETTINGS = Settings(calendar_token_key=KEY, google_client_id="client-123.apps.googleusercontent.com",
                    google_client_secret="shh-client-secret", public_base_url="https://office.example.com")
CALENDARS = [{"id": "owner@example.com", "summary": "Owner", "primary": True},
             {"id": "family#contacts", "summary": "Family", "primary": False}]


def credentials(expiry: datetime | None) -> Credentials:
    return Credentials(token="ya29.access-token-secret", refresh_token="1//refresh-token-secret",
                       token_uri=TOKEN_URI, client_id=SETTINGS.google_client_id,
                       client_secret=SETTINGS.google_client_secret,
                       expiry=expiry.astimezone(timezone.utc).replace(tzinfo=None) if expiry else None)


def test_tokens_round_trip_only_with_the_right_key():
    sealed = encrypt_tokens({"token": "abc"}, key=KEY)
    assert "abc" not in sealed
    assert decrypt_tokens(sealed, key=KEY) == {"token": "abc"}
    with pytest.raises(TokenKeyError):
        decrypt_tokens(sealed, key=generate_key())
    with pytest.raises(TokenKeyError):
        encrypt_tokens({"token": "abc"}, key="")
    with pytest.raises(TokenKeyError):
        encrypt_tokens({"token": "abc"}, key="not-a-fernet-key")


@pytest.mark.parametrize(("overrides", "says"), [
    ({"calendar_token_key": ""}, "CALENDAR_TOKEN_KEY"),
    ({"calendar_token_key": "short"}, "CALENDAR_TOKEN_KEY"),
    ({"google_client_secret": ""}, "GOOGLE_CLIENT_SECRET"),
    ({"public_base_url": ""}, "PUBLIC_BASE_URL"),
])
def test_linking_is_refused_without_its_configuration(overrides, says):
    assert linking_problem(SETTINGS) is None
    assert says in linking_problem(SETTINGS.model_copy(update=overrides))


def test_settings_read_the_calendar_variables_from_the_environment():
    settings = Settings.from_env({"CALENDAR_TOKEN_KEY": KEY, "GOOGLE_CLIENT_ID": "id", "GOOGLE_CLIENT_SECRET": "s",
                                  "PUBLIC_BASE_URL": "https://office.example.com/"})
    assert (settings.calendar_token_key, settings.google_client_id, settings.google_client_secret) == (KEY, "id", "s")
    assert settings.public_base_url == "https://office.example.com"
    assert KEY not in repr(settings) and "'s'" not in repr(settings)


def test_tokens_are_stored_encrypted(session, database_url):
    create_calendar_account(session=session, settings=SETTINGS, credentials=credentials(None), calendars=CALENDARS)
    session.commit()
    query = text("select token_ciphertext, account_email, booking_calendar_id from calendar_accounts")
    raw = session.execute(query).one()
    assert "access-token-secret" not in raw[0] and "refresh-token-secret" not in raw[0]
    assert decrypt_tokens(raw[0], key=KEY)["refresh_token"] == "1//refresh-token-secret"
    assert raw[1:] == ("owner@example.com", "owner@example.com")


def test_choosing_calendars_accepts_only_the_accounts_own(session):
    account = create_calendar_account(session=session, settings=SETTINGS, credentials=credentials(None),
                                      calendars=CALENDARS)
    account.sync_token = "old"
    update_calendar_account(session=session, account=account, booking_calendar_id="family#contacts",
                            busy_calendar_ids=["owner@example.com", "family#contacts"])
    assert account.booking_calendar_id == "family#contacts" and account.sync_token is None
    with pytest.raises(ValueError):
        update_calendar_account(session=session, account=account, booking_calendar_id="stranger@example.com",
                                busy_calendar_ids=[])


def test_factory_uses_the_local_calendar_until_an_account_is_linked(session):
    assert isinstance(calendar_for(session, SETTINGS), LocalCalendar)
    create_calendar_account(session=session, settings=SETTINGS,
                            credentials=credentials(datetime.now(timezone.utc) + timedelta(hours=1)),
                            calendars=CALENDARS)
    calendar = calendar_for(session, SETTINGS, api_http=HttpMockSequence([]))
    assert isinstance(calendar, GoogleCalendar)
    assert (calendar.booking_calendar_id, calendar.busy_calendar_ids) == ("owner@example.com", ["owner@example.com"])


def test_stale_tokens_are_refreshed_and_stored_encrypted_again(session):
    account = create_calendar_account(session=session, settings=SETTINGS,
                                      credentials=credentials(datetime.now(timezone.utc) - timedelta(minutes=1)),
                                      calendars=CALENDARS)
    adapter = RecordingAdapter([(200, {"access_token": "ya29.fresh-token", "expires_in": 3600,
                                       "token_type": "Bearer"})])
    calendar_for(session, SETTINGS, api_http=HttpMockSequence([]), auth_http=session_with(adapter))
    [sent] = adapter.sent
    assert sent.method == "POST" and sent.url == TOKEN_URI
    assert adapter.form(0)["grant_type"] == "refresh_token"
    assert adapter.form(0)["refresh_token"] == "1//refresh-token-secret"
    stored = decrypt_tokens(account.token_ciphertext, key=KEY)
    assert stored["token"] == "ya29.fresh-token" and stored["refresh_token"] == "1//refresh-token-secret"
    assert datetime.fromisoformat(stored["expiry"]) > datetime.now(timezone.utc) + timedelta(minutes=50)


def test_fresh_tokens_are_not_refreshed(session):
    create_calendar_account(session=session, settings=SETTINGS,
                            credentials=credentials(datetime.now(timezone.utc) + timedelta(hours=1)),
                            calendars=CALENDARS)
    adapter = RecordingAdapter([])
    calendar_for(session, SETTINGS, api_http=HttpMockSequence([]), auth_http=session_with(adapter))
    assert adapter.sent == []


def test_a_changed_key_makes_google_unusable_rather_than_silently_local(session):
    create_calendar_account(session=session, settings=SETTINGS, credentials=credentials(None), calendars=CALENDARS)
    calendar = calendar_for(session, SETTINGS.model_copy(update={"calendar_token_key": generate_key()}))
    assert isinstance(calendar, GoogleCalendar)
    entry = CalendarEntry(appointment_id=1, title="t", location=None, description="d",
                          start=datetime.now(timezone.utc), end=datetime.now(timezone.utc), cancelled=False)
    with pytest.raises(CalendarError, match="CALENDAR_TOKEN_KEY"):
        calendar.save(entry)


@pytest.mark.parametrize(("status", "revoked"), [(200, True), (400, True), (503, False)])
def test_unlink_revokes_at_google_and_deletes_the_tokens(session, status, revoked):
    create_calendar_account(session=session, settings=SETTINGS, credentials=credentials(None), calendars=CALENDARS)
    session.add(CalendarBusyTime(calendar_id="owner@example.com", start_at=datetime.now(timezone.utc),
                                 end_at=datetime.now(timezone.utc) + timedelta(hours=1)))
    adapter = RecordingAdapter([(status, {})])
    assert delete_calendar_account(session=session, settings=SETTINGS, http=session_with(adapter)) is revoked
    [sent] = adapter.sent
    assert sent.method == "POST" and sent.url == REVOKE_URI
    assert adapter.form(0) == {"token": "1//refresh-token-secret"}
    session.commit()
    assert get_calendar_account(session=session) is None
    assert session.execute(text("select count(*) from calendar_busy_times")).scalar() == 0

"""Dashboard fixtures, flaskr style: app -> client -> auth helpers, each test on a fresh
seeded database on both SQLite and PostgreSQL (through `seeded_url`)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from business.db import session_scope
from business.profile import load_profile
from business.repository import add_turn, get_or_create_conversation, get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from dashboard import create_app
from dashboard.auth.accounts import create_user
from dashboard.db import get_session

CHICAGO = ZoneInfo("America/Chicago")
# Monday 23 November 2026, 09:00 in Chicago: every "now" and "today" in the app and the
# bookings below is pinned to it, so the suite does not depend on the day it runs.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CHICAGO).astimezone(timezone.utc)
# Tuesday 10:00 local (16:00 UTC): a weekday inside business hours and Mike's shift.
BOOKED_START = datetime(2026, 11, 24, 10, 0, tzinfo=CHICAGO)
USERNAME = "owner"
PASSWORD = "correct horse battery"
TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret-key", "WTF_CSRF_ENABLED": False}


@pytest.fixture
def make_app(seeded_url):
    """Builds an app on the test database; pass overrides such as WTF_CSRF_ENABLED."""

    def _make(**overrides):
        return create_app({**TEST_CONFIG, "DATABASE_URL": seeded_url, "CLOCK": lambda: NOW, **overrides})

    return _make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def owner(app) -> str:
    with app.app_context():
        create_user(session=get_session(), username=USERNAME, password=PASSWORD)
        get_session().commit()
    return USERNAME


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str = USERNAME, password: str = PASSWORD, next: str | None = None):
        query = {"next": next} if next is not None else None
        return self._client.post("/login", query_string=query, data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client, owner) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def logged_in(client, auth):
    response = auth.login()
    assert response.status_code == 302
    return client


@pytest.fixture
def booked(seeded_url) -> int:
    """A drain cleaning booked through the business package; returns the appointment id."""
    with session_scope(seeded_url) as session:
        profile = load_profile(session=session)
        customer = upsert_customer(
            session=session, phone="+13125550123", name="Dana Whitfield",
            address="233 S Wacker Dr, Chicago", zip_code="60606",
        )
        service = get_service_by_slug(session=session, slug="drain_cleaning")
        appointment = book_appointment(
            session=session, profile=profile, customer=customer, service=service,
            start=BOOKED_START.astimezone(timezone.utc), now=NOW, problem="kitchen sink backs up",
        )
        return appointment.id


@pytest.fixture
def conversation(seeded_url) -> int:
    """A phone call with two transcript turns; returns the conversation id."""
    with session_scope(seeded_url) as session:
        call = get_or_create_conversation(
            session=session, external_id="CA-test-1", channel="phone", caller="+13125550123",
            started_at=datetime(2026, 11, 23, 8, 30, tzinfo=CHICAGO),
        )
        call.intent, call.outcome = "book_appointment", "booked"
        add_turn(session=session, conversation=call, speaker="caller",
                 text="My kitchen sink is clogged", at=datetime(2026, 11, 23, 8, 30, 5, tzinfo=CHICAGO),
                 confidence=0.93, intent="book_appointment")
        add_turn(session=session, conversation=call, speaker="assistant",
                 text="I can send someone tomorrow at 10 a.m.", at=datetime(2026, 11, 23, 8, 30, 9, tzinfo=CHICAGO))
        return call.id

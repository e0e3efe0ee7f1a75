"""Server-side sessions: a session cookie (or remember-me cookie) is only as good as its row
in user_sessions, so a copy taken before sign-out, a password change or "Sign out
everywhere" stops working at once, while other browsers keep their own sessions."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_login.utils import encode_cookie
from sqlalchemy import create_engine, func, select

from business.db import session_scope
from business.models import Base, User, UserSession
from tests.dashboard.conftest import NOW, PASSWORD, USERNAME

COOKIE = "dashboard_session"
NEW_PASSWORD = "a brand new passphrase"


def copy_of(client, app):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return thief


def signed_in(client) -> bool:
    return client.get("/appointments/").status_code == 200


def sign_in(app):
    client = app.test_client()
    assert client.post("/login", data={"username": USERNAME, "password": PASSWORD}).status_code == 302
    return client


def session_rows(url: str) -> int:
    with session_scope(url) as db:
        return db.scalar(select(func.count()).select_from(UserSession))


def test_a_copied_cookie_works_only_until_sign_out(app, owner):
    browser = sign_in(app)
    thief = copy_of(browser, app)
    assert signed_in(thief)
    assert browser.post("/logout").status_code == 302
    assert not signed_in(thief)
    assert not signed_in(browser)


def test_signing_out_one_browser_leaves_the_others_signed_in(app, owner, seeded_url):
    laptop, phone = sign_in(app), sign_in(app)
    assert session_rows(seeded_url) == 2
    laptop.post("/logout")
    assert signed_in(phone) and not signed_in(laptop)
    assert session_rows(seeded_url) == 1


def test_a_copied_cookie_stops_working_after_a_password_change(app, owner):
    browser = sign_in(app)
    other = sign_in(app)
    thief = copy_of(browser, app)
    response = browser.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(browser)  # the browser that changed it stays in, on a new session
    assert not signed_in(thief) and not signed_in(other)
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": USERNAME, "password": PASSWORD}).status_code == 200
    assert fresh.post("/login", data={"username": USERNAME, "password": NEW_PASSWORD}).status_code == 302


def test_sign_out_everywhere_ends_every_session(app, owner, seeded_url):
    browser, phone = sign_in(app), sign_in(app)
    thief = copy_of(browser, app)
    response = browser.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not signed_in(browser) and not signed_in(phone) and not signed_in(thief)
    assert session_rows(seeded_url) == 0
    assert b"Signed out on every browser" in browser.get("/login").data


def test_a_remember_me_cookie_is_checked_against_the_same_session(app, owner):
    browser = sign_in(app)
    with browser.session_transaction() as cookie_session:
        token = cookie_session["_user_id"]
    with app.test_request_context():
        remember = encode_cookie(token)
    returning = app.test_client()
    returning.set_cookie("remember_token", remember)
    assert signed_in(returning)
    browser.post("/logout")
    stale = app.test_client()
    stale.set_cookie("remember_token", remember)
    assert not signed_in(stale)


def test_a_cookie_naming_only_the_user_id_is_refused(app, owner):
    """The old cookie format: the user's id alone, which no sign-out could take back."""
    client = app.test_client()
    with client.session_transaction() as cookie_session:
        cookie_session["_user_id"] = "1"
        cookie_session["_fresh"] = True
    assert not signed_in(client)
    with app.test_request_context():
        client.set_cookie("remember_token", encode_cookie("1"))
    assert not signed_in(client)


def test_a_session_ends_after_its_lifetime_even_with_a_valid_cookie(make_app, owner):
    now = [NOW]
    app = make_app(CLOCK=lambda: now[0])
    browser = sign_in(app)
    now[0] = NOW + app.permanent_session_lifetime - timedelta(minutes=1)
    assert signed_in(browser)
    now[0] = NOW + app.permanent_session_lifetime + timedelta(minutes=1)
    assert not signed_in(browser)


def test_the_token_is_stored_only_as_a_hash(app, owner, seeded_url):
    browser = sign_in(app)
    with browser.session_transaction() as cookie_session:
        token = cookie_session["_user_id"]
    with session_scope(seeded_url) as db:
        [row] = db.scalars(select(UserSession))
        assert token not in row.token_hash and len(row.token_hash) == 64


def test_deleting_a_user_deletes_their_sessions(app, owner, seeded_url):
    sign_in(app)
    with session_scope(seeded_url) as db:
        db.delete(db.scalar(select(User)))
    assert session_rows(seeded_url) == 0


# CSRF stays on for the new forms

@pytest.fixture
def csrf_app(make_app, owner):
    return make_app(WTF_CSRF_ENABLED=True)


def csrf_sign_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token}).status_code == 302
    return client


def test_password_change_needs_the_csrf_token(csrf_app):
    browser = csrf_sign_in(csrf_app)
    thief = copy_of(browser, csrf_app)
    response = browser.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert signed_in(thief)  # nothing changed
    fresh = csrf_app.test_client()
    page = fresh.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert fresh.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token}).status_code == 302


def test_sign_out_everywhere_needs_the_csrf_token(csrf_app):
    browser = csrf_sign_in(csrf_app)
    assert browser.post("/account/sign-out-everywhere").status_code == 400
    assert signed_in(browser)
    page = browser.get("/account/").get_data(as_text=True)
    form = page.split('action="/account/sign-out-everywhere"', 1)[1]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert browser.post("/account/sign-out-everywhere", data={"csrf_token": token}).status_code == 302
    assert not signed_in(browser)


# The migration

def test_migration_matches_the_model(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    finally:
        engine.dispose()
    assert [d for d in diffs if "user_sessions" in repr(d)] == []

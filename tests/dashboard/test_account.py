"""The Account page: changing the password (current one, new one twice, argon2, minimum
length, errors on the form) and the "Sign out everywhere" button."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from business.db import session_scope
from business.models import User
from tests.dashboard.conftest import PASSWORD, USERNAME

NEW_PASSWORD = "a brand new passphrase"


def stored_hash(url: str) -> str:
    with session_scope(url) as db:
        return db.scalar(select(User.password_hash).where(User.username == USERNAME))


def change(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm_password": new if confirm is None else confirm})


def test_account_page_needs_sign_in(client):
    response = client.get("/account/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_account_page_shows_both_forms_and_is_in_the_nav(logged_in):
    page = logged_in.get("/account/").get_data(as_text=True)
    assert 'action="/account/password"' in page and 'action="/account/sign-out-everywhere"' in page
    assert 'name="current_password"' in page and 'name="confirm_password"' in page
    assert 'href="/account/"' in logged_in.get("/appointments/").get_data(as_text=True)


def test_changing_the_password_stores_a_new_argon2_hash(logged_in, seeded_url):
    response = change(logged_in)
    assert response.status_code == 302 and response.headers["Location"] == "/account/"
    assert b"Your password has been changed" in logged_in.get("/account/").data
    stored = stored_hash(seeded_url)
    assert stored.startswith("$argon2id$") and PasswordHasher().verify(stored, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("not my password", NEW_PASSWORD, None, "The current password is not right."),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The new passwords do not match."),
        (PASSWORD, "short", None, "at least 10 characters"),
        (PASSWORD, PASSWORD, None, "different from the current one"),
        ("", NEW_PASSWORD, None, "This field is required."),
    ],
)
def test_a_refused_change_shows_why_on_the_form_and_changes_nothing(logged_in, seeded_url, current, new, confirm,
                                                                      message):
    before = stored_hash(seeded_url)
    response = change(logged_in, current, new, confirm)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and 'action="/account/password"' in page
    assert NEW_PASSWORD not in page and PASSWORD not in page  # passwords are never echoed back
    assert stored_hash(seeded_url) == before
    assert logged_in.get("/appointments/").status_code == 200  # still signed in


def test_account_forms_are_post_only(logged_in):
    assert logged_in.get("/account/password").status_code == 405
    assert logged_in.get("/account/sign-out-everywhere").status_code == 405


def test_guessing_the_current_password_draws_on_the_sign_in_limit(logged_in, client):
    """A stolen session must not buy unlimited password guesses through this form."""
    for _ in range(4):  # the sign-in was the fifth attempt this minute
        assert change(logged_in, current="guess " * 3).status_code == 200
    limited = change(logged_in)
    assert limited.status_code == 429 and b"Too many password attempts" in limited.data
    other = client.application.test_client()
    assert other.post("/login", data={"username": USERNAME, "password": PASSWORD}).status_code == 429

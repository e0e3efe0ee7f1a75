"""Sign-in, sign-out, the `next` redirect, cookie flags, CSRF and the create-user command."""
from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from business.db import session_scope
from business.models import User
from dashboard import create_app
from tests.dashboard.conftest import PASSWORD, USERNAME


def stored_users(url: str) -> dict[str, str]:
    with session_scope(url) as session:
        return {u.username: u.password_hash for u in session.scalars(select(User))}


# create-user

def test_create_user_from_stdin(runner, seeded_url):
    result = runner.invoke(args=["create-user", "alice", "--password-stdin"], input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    stored = stored_users(seeded_url)["alice"]
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, "a long enough secret")


def test_create_user_prompts_twice(runner, seeded_url):
    result = runner.invoke(args=["create-user", "bob"], input="another secret 1\nanother secret 1\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password") == 1 and "Repeat for confirmation" in result.output
    assert "another secret 1" not in result.output  # the prompt hides what is typed
    assert "bob" in stored_users(seeded_url)


def test_create_user_refuses_mismatched_passwords(runner, seeded_url):
    result = runner.invoke(args=["create-user", "carol"], input="first password 1\nsecond password 2\n")
    assert result.exit_code != 0
    assert "do not match" in result.output
    assert "carol" not in stored_users(seeded_url)


@pytest.mark.parametrize("password", ["short", "123456789", ""])
def test_create_user_refuses_short_password(runner, seeded_url, password):
    result = runner.invoke(args=["create-user", "dave", "--password-stdin"], input=password + "\n")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert "dave" not in stored_users(seeded_url)


def test_create_user_refuses_duplicate(runner, owner, seeded_url):
    before = stored_users(seeded_url)[USERNAME]
    result = runner.invoke(args=["create-user", USERNAME, "--password-stdin"], input="yet another secret\n")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert stored_users(seeded_url)[USERNAME] == before


@pytest.mark.parametrize("username", ["has space", "tab\tname", "x" * 81])
def test_create_user_refuses_bad_username(runner, seeded_url, username):
    result = runner.invoke(args=["create-user", username, "--password-stdin"], input="a long enough secret\n")
    assert result.exit_code == 1
    assert stored_users(seeded_url) == {}


def test_create_user_on_unmigrated_database_says_so(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "TESTING": True, "SECRET_KEY": "x"})
    result = app.test_cli_runner().invoke(args=["create-user", "erin", "--password-stdin"], input="a long enough secret\n")
    assert result.exit_code == 1
    assert "run `make seed` first" in result.output


def test_no_default_user(seeded_url, app):
    assert stored_users(seeded_url) == {}


# Signing in and out

def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data and b'name="password"' in response.data


def test_login_success_redirects_home_and_opens_pages(client, auth):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/today/"
    assert client.get("/appointments/").status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [(USERNAME, "wrong password!"), ("nobody", PASSWORD), (USERNAME, ""), ("", PASSWORD), ("nul\x00name", PASSWORD)],
)
def test_login_failure_is_generic(client, auth, username, password):
    response = auth.login(username, password)
    assert response.status_code == 200
    assert b"Invalid username or password." in response.data
    assert client.get("/appointments/").status_code == 302  # still signed out


def test_logged_in_user_visiting_login_is_redirected(logged_in):
    assert logged_in.get("/login").status_code == 302


def test_logout(logged_in, auth):
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert logged_in.get("/appointments/").status_code == 302
    assert b"You have signed out." in logged_in.get("/login").data


def test_logout_is_post_only(logged_in):
    assert logged_in.get("/logout").status_code == 405


def test_redirect_to_login_keeps_next_and_returns_there(client, auth):
    response = client.get("/calls/?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/calls/?x%3D1"
    response = auth.login(next="/calls/?x=1")
    assert response.headers["Location"] == "/calls/?x=1"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
     "evil.example", "/calls/\r\nSet-Cookie: x=1", "http:/evil.example", ""],
)
def test_next_only_redirects_to_local_paths(auth, target):
    response = auth.login(next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/today/"


def test_session_cookie_flags(client, auth):
    response = auth.login()
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("dashboard_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development: plain http on localhost must still work


def test_password_hash_never_reaches_the_session(logged_in, seeded_url):
    stored = stored_users(seeded_url)[USERNAME]
    with logged_in.session_transaction() as session:
        assert stored not in repr(dict(session))


# CSRF

def test_csrf_rejects_login_without_token(make_app, owner):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 400
    assert b"CSRF" in response.data
    assert client.get("/appointments/").status_code == 302


def test_csrf_accepts_login_with_token_and_guards_logout(make_app, owner):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": USERNAME, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.post("/logout").status_code == 400  # no token: still signed in
    assert client.get("/appointments/").status_code == 200

"""Every page and API route needs a signed-in user: pages redirect to the sign-in form,
the API answers 401 JSON. Only the sign-in form, /health and static files are public.
Which role may use which route, for every route in the URL map: test_roles.py."""
from __future__ import annotations

import pytest

from dashboard import create_app

PAGES = [("GET", "/"), ("GET", "/today/"), ("GET", "/appointments/"), ("GET", "/calendar/"), ("GET", "/calls/"), ("GET", "/calls/1"),
         ("GET", "/live/"), ("GET", "/live/events"), ("GET", "/talk/"),
         ("POST", "/logout"), ("GET", "/outbox/"), ("GET", "/outbox/templates/"), ("GET", "/outbox/templates/reminder"),
         ("GET", "/settings/"), ("POST", "/settings/sync"), ("GET", "/technicians/"),
         ("GET", "/account/"), ("POST", "/account/password"), ("POST", "/account/sign-out-everywhere"),
         ("GET", "/analytics/"), ("GET", "/analytics/jobs.json"), ("GET", "/analytics/jobs.csv"),
         ("GET", "/settings/business/hours"), ("GET", "/settings/services"), ("GET", "/settings/technicians"),
         ("GET", "/settings/technicians/1"),
         ("GET", "/notifications/"), ("POST", "/notifications/read"), ("GET", "/notifications/push"),
         ("POST", "/notifications/push/1/delete")]
# The push subscription views take JSON (an empty body is a 400: tests/dashboard/test_push_subscriptions.py).
SETTINGS_ACTIONS = [("POST", "/notifications/push/subscriptions"), ("POST", "/notifications/push/subscriptions/delete")]
# Settings actions that change something: signed out they go to the sign-in form too.
SETTINGS_ACTIONS += [("POST", "/settings/google/link"), ("GET", "/settings/google/callback?state=x&code=y"),
                    ("POST", "/settings/google/calendars"), ("POST", "/settings/google/unlink"),
                    ("POST", "/settings/blocks"), ("POST", "/settings/blocks/1/delete"),
                    ("POST", "/settings/appointments/1/keep-our-time"),
                    ("POST", "/technicians/jobs/1/accept"), ("POST", "/technicians/jobs/1/done"),
                    ("POST", "/settings/business/hours"), ("POST", "/settings/services/1"),
                    ("POST", "/settings/technicians/new")]
API = [("GET", "/api/appointments"), ("GET", "/api/conversations"), ("GET", "/api/conversations?limit=5"),
       ("GET", "/api/availability?service=drain_cleaning")]
@pytest.mark.parametrize(("method", "path"), PAGES + SETTINGS_ACTIONS)
def test_pages_redirect_to_login(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("method", "path"), API)
def test_api_answers_401_json(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 401
    assert response.is_json and "error" in response.get_json()
    assert "Location" not in response.headers


@pytest.mark.parametrize(("method", "path"), PAGES + API)
def test_signed_in_user_gets_through(logged_in, conversation, method, path):
    response = logged_in.open(path.replace("/calls/1", f"/calls/{conversation}"), method=method)
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # "/" goes to the appointments page, logout to sign-in
        assert not response.headers["Location"].startswith("/login?next")


def test_health_is_public(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_health_reports_database_down(tmp_path):
    # A directory is not a database file, so the first query fails.
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}", "TESTING": True, "SECRET_KEY": "x"})
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_login_page_and_static_are_public(client):
    assert client.get("/login").status_code == 200
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and b"font-family" in css.data
    css.close()


def test_security_headers(logged_in):
    response = logged_in.get("/appointments/")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]

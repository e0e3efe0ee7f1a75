"""Every page and API route needs a signed-in user: pages redirect to the sign-in form,
the API answers 401 JSON. Only the sign-in form, /health and static files are public."""
from __future__ import annotations

import pytest

from dashboard import create_app

PAGES = [("GET", "/"), ("GET", "/appointments/"), ("GET", "/calendar/"), ("GET", "/calls/"), ("GET", "/calls/1"),
         ("GET", "/live/"), ("GET", "/live/events"), ("GET", "/talk/"),
         ("POST", "/logout"), ("GET", "/outbox/"), ("GET", "/outbox/templates/"), ("GET", "/outbox/templates/reminder"),
         ("GET", "/settings/"), ("POST", "/settings/sync"), ("GET", "/technicians/"),
         ("GET", "/account/"), ("POST", "/account/password"), ("POST", "/account/sign-out-everywhere")]
# Settings actions that change something: signed out they go to the sign-in form too.
SETTINGS_ACTIONS = [("POST", "/settings/google/link"), ("GET", "/settings/google/callback?state=x&code=y"),
                    ("POST", "/settings/google/calendars"), ("POST", "/settings/google/unlink"),
                    ("POST", "/settings/blocks"), ("POST", "/settings/blocks/1/delete"),
                    ("POST", "/settings/appointments/1/keep-our-time"),
                    ("POST", "/technicians/jobs/1/accept"), ("POST", "/technicians/jobs/1/done")]
API = [("GET", "/api/appointments"), ("GET", "/api/conversations"), ("GET", "/api/conversations?limit=5"),
       ("GET", "/api/availability?service=drain_cleaning")]
# Google's push notifications carry a channel token instead of a login (tests/dashboard/test_settings_notifications.py).
PUBLIC_ENDPOINTS = {"auth.login", "health.health", "static", "settings.google_notification"}
# The chat widget's script and the demo business site are for anyone's browser (test_widget.py).
PUBLIC_ENDPOINTS |= {"widget.widget_script", "widget.demo_site"}
# Twilio's webhooks need no login: a valid X-Twilio-Signature instead (test_twilio_webhooks.py).
SIGNED_ENDPOINTS = {"twilio_webhooks.inbound_sms", "twilio_webhooks.message_status"}
# The endpoint each protected URL above reaches; checked against the app's URL map so a
# new route without a test here fails loudly.
PROTECTED_ENDPOINTS = {
    "appointments.index", "appointments.upcoming", "calendar.index", "calls.index", "calls.detail", "auth.logout",
    "live.index", "live.events", "talk.index", "account.index", "account.password", "account.sign_out_everywhere",
    "api.appointments", "api.availability", "api.conversations", "outbox.index", "outbox.resend",
    "outbox.templates", "outbox.edit_template",
    "settings.index", "settings.sync_now", "settings.google_link", "settings.google_callback",
    "settings.google_calendars", "settings.google_unlink", "settings.add_block", "settings.remove_block",
    "settings.keep_our_time", "technicians.index", "technicians.job_action",
}


def test_every_route_is_in_the_access_lists(sqlite_url):
    app = create_app({"DATABASE_URL": sqlite_url, "TESTING": True, "SECRET_KEY": "x"})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == PROTECTED_ENDPOINTS | PUBLIC_ENDPOINTS | SIGNED_ENDPOINTS


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

"""Push settings and the Notifications page through the dashboard: a signed-in user saves
this browser's subscription and events (checked before storing: https endpoints, RFC 8291
key sizes, known events, the CSRF header), removes only their own devices, and marks
system alerts read for themselves alone."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from business.db import session_scope
from business.models import Lead, Notification, PushSubscription
from business.notifications.events import lead_created
from dashboard.auth.accounts import create_user
from dashboard.db import get_session
from tests.dashboard.conftest import PASSWORD
from tests.push_service import BrowserKeys

ENDPOINT = "https://push.example.net/send/abc"


def subscription(endpoint: str = ENDPOINT, events=("new_booking", "emergency"), keys: BrowserKeys | None = None):
    return {**(keys or BrowserKeys()).subscription(endpoint), "events": list(events)}


def devices(url: str) -> list[tuple[str, list[str]]]:
    with session_scope(url) as session:
        return [(row.endpoint, row.events) for row in session.scalars(select(PushSubscription))]


def test_subscribe_saves_the_device_and_a_new_choice_replaces_the_old(logged_in, seeded_url):
    response = logged_in.post("/notifications/push/subscriptions", json=subscription())
    assert response.status_code == 201
    assert devices(seeded_url) == [(ENDPOINT, ["new_booking", "emergency"])]
    logged_in.post("/notifications/push/subscriptions", json=subscription(events=["lead_waiting"]))
    assert devices(seeded_url) == [(ENDPOINT, ["lead_waiting"])]
    page = logged_in.get("/notifications/push").get_data(as_text=True)
    assert "lead waiting" in page and 'data-public-key="B' in page


@pytest.mark.parametrize(("change", "error"), [
    ({"endpoint": "http://push.example.net/x"}, "endpoint must be an https URL"),
    ({"endpoint": "file:///etc/passwd"}, "endpoint must be an https URL"),
    ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "keys.p256dh has the wrong length"),
    ({"keys": None}, "keys.p256dh is missing"),
    ({"events": ["everything"]}, "events must be a list of"),
    ({"events": "new_booking"}, "events must be a list of"),
])
def test_bad_subscriptions_get_a_clear_400(logged_in, seeded_url, change, error):
    response = logged_in.post("/notifications/push/subscriptions", json={**subscription(), **change})
    assert response.status_code == 400 and response.get_json()["error"].startswith(error)
    assert devices(seeded_url) == []


def test_a_body_that_is_not_json_is_a_400(logged_in):
    response = logged_in.post("/notifications/push/subscriptions", data="endpoint=x")
    assert response.status_code == 400


def test_subscribing_needs_the_csrf_header(make_app, seeded_url):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_user(session=get_session(), username="office", password=PASSWORD)
        get_session().commit()
    client = app.test_client()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))[1]
    client.post("/login", data={"username": "office", "password": PASSWORD, "csrf_token": token})
    assert client.post("/notifications/push/subscriptions", json=subscription()).status_code == 400
    push_page = client.get("/notifications/push").get_data(as_text=True)
    header = push_page.split('data-csrf="')[1].split('"')[0]
    response = client.post("/notifications/push/subscriptions", json=subscription(), headers={"X-CSRFToken": header})
    assert response.status_code == 201


def test_users_remove_only_their_own_devices(app, logged_in, seeded_url):
    with session_scope(seeded_url) as session:
        other = create_user(session=session, username="tech", password=PASSWORD)
        session.add(PushSubscription(user_id=other.id, endpoint="https://push.example.net/theirs",
                                     p256dh="x", auth="y", events=["job_assigned"]))
    logged_in.post("/notifications/push/subscriptions", json=subscription())
    logged_in.post("/notifications/push/subscriptions/delete", json={"endpoint": "https://push.example.net/theirs"})
    with session_scope(seeded_url) as session:
        theirs = session.scalar(select(PushSubscription.id).where(PushSubscription.user_id == other.id))
    logged_in.post(f"/notifications/push/{theirs}/delete")
    assert sorted(endpoint for endpoint, _ in devices(seeded_url)) == [ENDPOINT, "https://push.example.net/theirs"]
    assert logged_in.post("/notifications/push/subscriptions/delete", json={"endpoint": ENDPOINT}).get_json() == {
        "deleted": 1}
    assert [endpoint for endpoint, _ in devices(seeded_url)] == ["https://push.example.net/theirs"]


def test_alerts_are_listed_once_and_marked_read_per_user(client, auth, seeded_url):
    with session_scope(seeded_url) as session:
        lead = Lead(name="Pat Doyle", phone="+13125550142", reason="wants a quote")
        session.add(lead)
        session.flush()
        lead_created(session=session, lead=lead)  # a text and an email to the owner: one alert
        create_user(session=session, username="office", password=PASSWORD)
        failed = Notification(channel="sms", recipient="+13125550100", kind="reminder", idempotency_key="r1",
                              body="Reminder", status="failed", last_error="Twilio 400 error 21211")
        session.add(failed)
    auth.login()
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count("A caller asked for a call back") == 1
    assert "A text could not be sent" in page and "Twilio 400 error 21211" in page
    assert "2 unread" in page
    key = page.split('class="alert card unread" data-key="')[1].split('"')[0]
    client.post("/notifications/read", data={"alert": key})
    assert "1 unread" in client.get("/notifications/").get_data(as_text=True)
    auth.logout()
    auth.login(username="office")
    assert "2 unread" in client.get("/notifications/").get_data(as_text=True)

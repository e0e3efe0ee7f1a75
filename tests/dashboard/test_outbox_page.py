"""The outbox page: signed-in only, every message with its status and a masked preview,
a clear banner in local mode, and resend for failed messages only (CSRF-protected)."""
from __future__ import annotations

import re

import pytest

from business.db import session_scope
from business.models import Notification
from business.notifications.config import NotificationSettings
from business.notifications.outbox import create_notification
from tests.dashboard.conftest import NOW


def add(url: str, key: str, **values) -> int:
    with session_scope(url) as session:
        row = create_notification(
            session=session, channel=values.pop("channel", "sms"), recipient=values.pop("recipient", "+13125550123"),
            kind=values.pop("kind", "booking_confirmation"), key=key,
            body=values.pop("body", "Hi Dana, call (312) 555-0123 or mail dana@example.com about 1420 N Lake Shore Dr"),
        )
        for name, value in values.items():
            setattr(row, name, value)
        session.flush()
        return row.id


def test_login_is_required(client, seeded_url):
    row_id = add(seeded_url, "k1", status="failed")
    assert client.get("/outbox/").headers["Location"].startswith("/login")
    assert client.post(f"/outbox/{row_id}/resend").headers["Location"].startswith("/login")
    with session_scope(seeded_url) as session:
        assert session.get(Notification, row_id).status == "failed"


def test_lists_every_message_with_status_and_a_masked_preview(logged_in, seeded_url):
    add(seeded_url, "k1", status="held_local")
    add(seeded_url, "k2", status="failed", last_error="Twilio 400 error 21211", kind="owner_booking")
    page = logged_in.get("/outbox/").get_data(as_text=True)
    assert "held local" in page and "failed" in page and "Twilio 400 error 21211" in page
    assert "booking confirmation" in page and "owner booking" in page
    assert "+13125550123" in page  # the recipient column
    assert "555-0123" not in page and "dana@example.com" not in page  # the preview is masked
    assert "•••23" in page and "•••@•••" in page
    assert page.count(">Resend</button>") == 1


def test_local_mode_is_clearly_shown(make_app, owner, seeded_url):
    client = make_app(NOTIFY=NotificationSettings()).test_client()
    client.post("/login", data={"username": "owner", "password": "correct horse battery"})
    assert "Local outbox:" in client.get("/outbox/").get_data(as_text=True)
    live = make_app(NOTIFY=NotificationSettings(
        twilio_account_sid="AC" + "1" * 32, twilio_auth_token="t", twilio_from_number="+13125550100",
        smtp_host="mail.example.com", smtp_from="office@example.com")).test_client()
    live.post("/login", data={"username": "owner", "password": "correct horse battery"})
    assert "Local outbox:" not in live.get("/outbox/").get_data(as_text=True)


def test_filter_by_status(logged_in, seeded_url):
    add(seeded_url, "k1", status="held_local", kind="reminder")
    add(seeded_url, "k2", status="failed", kind="owner_lead")
    page = logged_in.get("/outbox/?status=failed").get_data(as_text=True)
    assert "owner lead" in page and ">reminder<" not in page
    assert logged_in.get("/outbox/?status=%3Cscript%3E").status_code == 400


def test_resend_requeues_a_failed_message(logged_in, seeded_url):
    row_id = add(seeded_url, "k1", status="failed", attempts=3, last_error="Twilio 400 error 21211")
    response = logged_in.post(f"/outbox/{row_id}/resend", follow_redirects=True)
    assert f"Message #{row_id} is queued to be sent again." in response.get_data(as_text=True)
    with session_scope(seeded_url) as session:
        row = session.get(Notification, row_id)
        assert (row.status, row.attempts, row.next_attempt_at) == ("queued", 0, NOW)


@pytest.mark.parametrize("status", ["sent", "held_local", "queued"])
def test_only_failed_messages_can_be_resent(logged_in, seeded_url, status):
    row_id = add(seeded_url, "k1", status=status, attempts=1)
    response = logged_in.post(f"/outbox/{row_id}/resend", follow_redirects=True)
    assert "only failed messages can be resent" in response.get_data(as_text=True)
    with session_scope(seeded_url) as session:
        assert session.get(Notification, row_id).status == status


def test_resend_needs_the_csrf_token(make_app, owner, seeded_url):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
    client.post("/login", data={"username": "owner", "password": "correct horse battery", "csrf_token": token})
    row_id = add(seeded_url, "k1", status="failed")
    assert client.post(f"/outbox/{row_id}/resend").status_code == 400
    page = client.get("/outbox/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/outbox/{row_id}/resend", data={"csrf_token": token}).status_code == 302
    with session_scope(seeded_url) as session:
        assert session.get(Notification, row_id).status == "queued"


def test_unknown_message_is_404(logged_in):
    assert logged_in.post("/outbox/424242/resend").status_code == 404
    assert logged_in.post("/outbox/99999999999/resend").status_code == 404


# Templates

def test_the_owner_rewords_a_message_and_bookings_use_it(logged_in, seeded_url, booked):
    page = logged_in.get("/outbox/templates/").get_data(as_text=True)
    assert "booking confirmation" in page and "edited" not in page
    form = logged_in.get("/outbox/templates/booking_confirmation").get_data(as_text=True)
    assert "$first_name" in form and "Reply YES to confirm, NO to cancel." in form
    response = logged_in.post("/outbox/templates/booking_confirmation", data={
        "sms": "$first_name, we'll see you $when. Reply YES to confirm, NO to cancel.",
        "subject": "See you $when", "email": "Hi $first_name,\n\nSee you $when.\n\n$business",
    }, follow_redirects=True)
    assert "Template saved." in response.get_data(as_text=True)
    with session_scope(seeded_url) as session:
        from business.models import Appointment
        from business.notifications.events import appointment_booked
        # The booking queued its messages in the old wording; queue them again in the new one.
        session.execute(Notification.__table__.delete())
        appointment_booked(session=session, appointment=session.get(Appointment, booked), now=NOW)
    with session_scope(seeded_url) as session:
        from sqlalchemy import select
        sms = session.scalars(select(Notification).where(
            Notification.kind == "booking_confirmation", Notification.channel == "sms")).one()
        assert sms.body == "Dana, we'll see you tomorrow, Tuesday November 24 at 10 a.m. Reply YES to confirm, NO to cancel."
    assert "edited" in logged_in.get("/outbox/templates/").get_data(as_text=True)
    reset = logged_in.post("/outbox/templates/booking_confirmation", data={
        "sms": "x", "subject": "x", "email": "x", "reset": "Back to the default wording"}, follow_redirects=True)
    assert "Default wording restored." in reset.get_data(as_text=True)
    assert "edited" not in logged_in.get("/outbox/templates/").get_data(as_text=True)


def test_a_template_with_an_unknown_placeholder_is_refused_and_nothing_changes(logged_in, seeded_url):
    response = logged_in.post("/outbox/templates/reminder", data={
        "sms": "Reminder: $when", "subject": "Reminder", "email": "Your card number is $card_number"})
    assert response.status_code == 200
    assert "unknown placeholders: card_number" in response.get_data(as_text=True)
    from business.notifications.templates import load_overrides
    with session_scope(seeded_url) as session:
        assert load_overrides(session=session) == {}


def test_unknown_template_is_404(logged_in):
    assert logged_in.get("/outbox/templates/launch_codes").status_code == 404

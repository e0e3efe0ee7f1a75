"""Web Push as a channel of the outbox, on both databases, end to end against a push
service of our own on localhost (tests/push_service.py): a booking over the phone queues a
push in its transaction, the sender encrypts and signs it with the real pywebpush, and the
test decrypts it with http_ece as the browser would and checks the VAPID signature. A 404
or 410 from the push service removes the subscription; a 5xx is retried with backoff."""
from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from business.calendar.base import CalendarChange
from business.calendar.sync import apply_change
from business.db import get_engine, session_scope
from business.models import Appointment, Base, Notification, PushSubscription, User
from business.notifications.config import NotificationSettings
from business.notifications.email import LocalEmail
from business.notifications.push import TTL_SECONDS, WebPush
from business.notifications.sender import OutboxSender
from business.notifications.outbox import create_notification
from business.notifications.sms import LocalSms, TwilioSms
from business.notifications.vapid import new_private_key
from business.profile import load_profile
from business.push.subscriptions import save_push_subscription
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from business.settings import Settings
from business.worker import Job, run
from tests.business.twilio_http import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, RecordingHttpClient, error_json
from tests.push_service import BrowserKeys, start_push_service, verify_vapid

CHI = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=CHI).astimezone(timezone.utc)  # Monday
START = datetime(2026, 11, 25, 10, 0, tzinfo=CHI).astimezone(timezone.utc)  # Wednesday 10 a.m.
SUBJECT = "mailto:owner@lakeshoreplumbing.example"


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def push_service():
    service, server = start_push_service()
    yield service
    server.shutdown()


@pytest.fixture
def vapid() -> NotificationSettings:
    return NotificationSettings(vapid_private_key=new_private_key(), vapid_subject=SUBJECT)


def add_user(url: str, username: str = "owner") -> int:
    with session_scope(url) as session:
        user = User(username=username, password_hash="not used here")
        session.add(user)
        session.flush()
        return user.id


def subscribe(url: str, user_id: int, endpoint: str, keys: BrowserKeys, events: list[str]) -> int:
    with session_scope(url) as session:
        return save_push_subscription(session=session, user_id=user_id, endpoint=endpoint, p256dh=keys.p256dh,
                                      auth=keys.subscription(endpoint)["keys"]["auth"], events=events).id


def book_by_phone(url: str, urgency: str = "routine") -> int:
    with session_scope(url) as session:
        customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller",
                                   address="1420 N Lake Shore Dr", zip_code="60610")
        appointment = book_appointment(
            session=session, profile=load_profile(session=session), customer=customer,
            service=get_service_by_slug(session=session, slug="drain_cleaning"), start=START, now=NOW,
            source_channel="phone", urgency=urgency, problem="kitchen sink backs up",
        )
        return appointment.id


def sender(url: str, settings: NotificationSettings, clock=None) -> OutboxSender:
    return OutboxSender(url, sms=LocalSms(), email=LocalEmail(), push=WebPush(settings), clock=clock or Clock(NOW))


def push_rows(url: str) -> list[Notification]:
    with session_scope(url) as session:
        return list(session.scalars(select(Notification).where(Notification.channel == "push")
                                    .order_by(Notification.id)))


def test_migration_creates_the_push_tables(database_url):
    with get_engine(database_url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diffs if "push_subscriptions" in str(d) or "alert_reads" in str(d)] == []


def test_booking_pushes_only_to_browsers_subscribed_to_bookings(seeded_url, push_service):
    owner = add_user(seeded_url)
    wants = subscribe(seeded_url, owner, f"{push_service.url}/sub/a", BrowserKeys(), ["new_booking"])
    subscribe(seeded_url, owner, f"{push_service.url}/sub/b", BrowserKeys(), ["emergency"])
    appointment_id = book_by_phone(seeded_url)
    rows = push_rows(seeded_url)
    assert [(row.recipient, row.kind, row.status) for row in rows] == [(str(wants), "owner_booking", "queued")]
    payload = json.loads(rows[0].body)
    assert payload["title"] == f"New booking #{appointment_id}"
    assert payload["body"].startswith("Drain cleaning, ")
    # No more than the notification shows: never the customer's name, number, address or problem.
    for private in ("Jessica", "Miller", "555", "Lake Shore", "60610", "sink"):
        assert private not in rows[0].body


def test_push_end_to_end_encrypted_signed_and_timed(seeded_url, push_service, vapid):
    """The worker's own loop sends it, as in production, so the time printed includes its
    polling interval."""
    keys = BrowserKeys()
    subscribe(seeded_url, add_user(seeded_url), f"{push_service.url}/sub/phone", keys, ["new_booking", "emergency"])
    outbox = sender(seeded_url, vapid)
    stop = threading.Event()
    loop = threading.Thread(target=run, args=(stop, Settings(database_url=seeded_url),
                                              [Job("notifications", outbox, interval=2.0)]), daemon=True)
    loop.start()
    try:
        time.sleep(0.5)  # the worker has had its first, empty pass and is waiting
        booked_at = time.monotonic()
        appointment_id = book_by_phone(seeded_url, urgency="emergency")
        [request] = push_service.wait_for(1, timeout=30)
    finally:
        stop.set()
        loop.join(timeout=10)
    print(f"\nbooking by phone committed to push received (worker loop): {(request.at - booked_at) * 1000:.0f} ms")

    assert request.path == "/sub/phone"
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert request.headers["Ttl"] == str(TTL_SECONDS)
    claims = verify_vapid(request.headers["Authorization"], vapid.application_server_key)
    assert claims["aud"] == push_service.url and claims["sub"] == SUBJECT
    assert claims["exp"] > time.time()
    payload = keys.decrypt(request.body)
    assert payload["title"] == f"Emergency booking #{appointment_id}"
    assert payload["url"] == "/today/" and payload["tag"].startswith(f"booked:{appointment_id}:")
    [row] = push_rows(seeded_url)
    assert row.status == "sent" and row.provider_id.endswith("/messages/1")
    # Sent once: a second run finds nothing due.
    assert sender(seeded_url, vapid).send_due() == 0
    assert len(push_service.received) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_deleted(seeded_url, push_service, vapid, status):
    owner = add_user(seeded_url)
    gone = subscribe(seeded_url, owner, f"{push_service.url}/status/{status}/x", BrowserKeys(), ["new_booking"])
    kept = subscribe(seeded_url, owner, f"{push_service.url}/sub/kept", BrowserKeys(), ["new_booking"])
    book_by_phone(seeded_url)
    sender(seeded_url, vapid).send_due()
    push_service.wait_for(2)
    with session_scope(seeded_url) as session:
        assert [row.id for row in session.scalars(select(PushSubscription))] == [kept]
    statuses = {row.recipient: (row.status, row.last_error) for row in push_rows(seeded_url)}
    assert statuses[str(kept)][0] == "sent"
    assert statuses[str(gone)] == ("suppressed", f"push service {status}: the subscription is gone")


def test_push_service_outage_is_retried_with_backoff(seeded_url, push_service, vapid):
    subscribe(seeded_url, add_user(seeded_url), f"{push_service.url}/status/503/x", BrowserKeys(), ["new_booking"])
    book_by_phone(seeded_url)
    sender(seeded_url, vapid).send_due()
    [row] = push_rows(seeded_url)
    assert (row.status, row.attempts, row.last_error) == ("queued", 1, "push service 503")
    assert row.next_attempt_at == NOW + timedelta(seconds=30)


def test_an_unsubscribed_browser_gets_nothing_queued_for_it(seeded_url, push_service, vapid):
    sub = subscribe(seeded_url, add_user(seeded_url), f"{push_service.url}/sub/a", BrowserKeys(), ["new_booking"])
    book_by_phone(seeded_url)
    with session_scope(seeded_url) as session:
        session.delete(session.get(PushSubscription, sub))
    sender(seeded_url, vapid).send_due()
    assert push_service.received == []
    assert [row.status for row in push_rows(seeded_url)] == ["cancelled"]


def test_a_text_that_fails_for_good_is_pushed_to_who_asked(seeded_url, push_service, vapid):
    keys = BrowserKeys()
    subscribe(seeded_url, add_user(seeded_url), f"{push_service.url}/sub/office", keys, ["message_failed"])
    with session_scope(seeded_url) as session:
        failing = create_notification(session=session, channel="sms", recipient="+13125550199", kind="reminder",
                                      key="reminder:1", body="Reminder: drain cleaning tomorrow").id
    twilio = NotificationSettings(twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                                  twilio_from_number=FROM_NUMBER)
    http = RecordingHttpClient([error_json(400, 21211, "bad number")])
    outbox = OutboxSender(seeded_url, sms=TwilioSms(twilio, http), email=LocalEmail(), push=WebPush(vapid),
                          clock=Clock(NOW))
    outbox.send_due()  # the text fails and queues the push
    outbox.send_due()  # the push goes out
    [request] = push_service.wait_for(1)
    assert keys.decrypt(request.body) == {
        "title": "A text could not be sent", "body": f"Message #{failing}: Twilio 400 error 21211",
        "url": "/outbox/", "tag": f"failed:{failing}:1",
    }


def test_a_calendar_conflict_is_pushed(seeded_url, push_service):
    keys = BrowserKeys()
    sub = subscribe(seeded_url, add_user(seeded_url), f"{push_service.url}/sub/a", keys, ["calendar_conflict"])
    appointment_id = book_by_phone(seeded_url)
    with session_scope(seeded_url) as session:
        appointment = session.get(Appointment, appointment_id)
        appointment.calendar_event_id, appointment.calendar_state = "ev1", "synced"  # in Google already
        # An all-day event in Google Calendar cannot be a booking: our time is kept, and flagged.
        assert apply_change(session=session, profile=load_profile(session=session), now=NOW,
                            change=CalendarChange(appointment_id=appointment_id, event_id="ev1", cancelled=False))
    [row] = push_rows(seeded_url)
    assert (row.recipient, row.kind) == (str(sub), "calendar_conflict")
    assert json.loads(row.body)["title"] == f"Calendar conflict on job #{appointment_id}"

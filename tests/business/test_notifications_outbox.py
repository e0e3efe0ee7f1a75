"""The outbox on both databases: events queue rows in the caller's transaction, the sender
delivers each once through the real Twilio SDK (recorded HTTP), retries provider outages
with backoff on an injected clock, never retries permanent errors, and survives a crash
between sending and recording."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, select

from business.db import get_engine, session_scope
from business.models import Base, Notification
from business.notifications.config import NotificationSettings
from business.notifications.email import LocalEmail
from business.notifications.events import appointment_booked
from business.notifications.opt_outs import is_opted_out
from business.notifications.outbox import LEASE, claim_due, create_notification
from business.notifications.sender import OutboxSender
from business.notifications.sms import LocalSms, TwilioSms
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from tests.business.twilio_http import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, RecordingHttpClient, error_json

CHI = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=CHI).astimezone(timezone.utc)  # Monday
START = datetime(2026, 11, 25, 10, 0, tzinfo=CHI).astimezone(timezone.utc)  # Wednesday 10 a.m.
CUSTOMER = "+13125550199"
CALLBACK = "https://receptionist.example.com/twilio/status"
OWN_TABLES = {"notifications", "leads", "sms_opt_outs"}


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def twilio_settings() -> NotificationSettings:
    return NotificationSettings(
        twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN, twilio_from_number=FROM_NUMBER,
        public_base_url="https://receptionist.example.com",
    )


def book(url: str, *, email: str | None = "jessica@example.com", start: datetime = START,
         now: datetime = NOW) -> int:
    with session_scope(url) as session:
        customer = upsert_customer(session=session, phone=CUSTOMER, name="Jessica Miller", email=email,
                                   address="1420 N Lake Shore Dr", zip_code="60610")
        appointment = book_appointment(
            session=session, profile=load_profile(session=session), customer=customer,
            service=get_service_by_slug(session=session, slug="drain_cleaning"), start=start, now=now,
        )
        appointment_booked(session=session, appointment=appointment, now=now)
        return appointment.id


def rows(url: str, **filters) -> list[Notification]:
    with session_scope(url) as session:
        query = select(Notification).order_by(Notification.id)
        for name, value in filters.items():
            query = query.where(getattr(Notification, name) == value)
        return list(session.scalars(query))


def sms_sender(url, http, clock) -> OutboxSender:
    return OutboxSender(url, sms=TwilioSms(twilio_settings(), http), email=LocalEmail(),
                        status_callback=CALLBACK, clock=clock)


def test_migration_creates_what_the_models_declare(database_url):
    engine = get_engine(database_url)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diffs if _table_of(d) in OWN_TABLES]
    assert ours == []
    reflected = MetaData()
    reflected.reflect(engine)
    columns = {c.name for c in reflected.tables["notifications"].columns}
    assert {"html_body", "next_attempt_at", "claimed_until", "delivery_status"} <= columns
    assert OWN_TABLES <= set(reflected.tables)


def _table_of(diff) -> str:
    """The table an Alembic autogenerate difference is about."""
    operation, *args = diff[0] if isinstance(diff, list) else diff
    if operation.startswith(("add_column", "remove_column", "modify_")):
        return args[1]
    target = args[0]
    return target.name if operation.endswith("_table") else target.table.name


def test_booking_queues_confirmation_owner_alert_and_reminder(seeded_url):
    appointment_id = book(seeded_url)
    queued = {(r.kind, r.channel, r.recipient) for r in rows(seeded_url)}
    assert queued == {
        ("booking_confirmation", "sms", CUSTOMER), ("booking_confirmation", "email", "jessica@example.com"),
        ("owner_booking", "sms", "+13125550101"), ("owner_booking", "email", "office@lakeshoreplumbing.example"),
        ("reminder", "sms", CUSTOMER), ("reminder", "email", "jessica@example.com"),
        ("technician_dispatch", "sms", "+13125550111"),  # the dispatched technician's job text
    }
    confirmation = rows(seeded_url, kind="booking_confirmation", channel="sms")[0]
    assert confirmation.appointment_id == appointment_id
    assert "Wednesday November 25 at 10 a.m." in confirmation.body
    assert "Your technician is Mike." in confirmation.body
    assert "1420 N Lake Shore Dr" in confirmation.body
    assert "reply RESCHEDULE" in confirmation.body and confirmation.body.endswith("Reply YES to confirm, NO to cancel.")
    email = rows(seeded_url, kind="booking_confirmation", channel="email")[0]
    assert email.subject == "Your drain cleaning appointment, Wednesday November 25 at 10 a.m."
    assert "<h2>Lakeshore Plumbing</h2>" in email.html_body
    reminder = rows(seeded_url, kind="reminder", channel="sms")[0]
    assert reminder.next_attempt_at == START - timedelta(hours=24)
    assert "tomorrow, Wednesday November 25 at 10 a.m." in reminder.body


def test_repeated_event_queues_nothing_new_and_rollback_queues_nothing(seeded_url):
    appointment_id = book(seeded_url)
    before = len(rows(seeded_url))
    with session_scope(seeded_url) as session:
        from business.models import Appointment
        appointment_booked(session=session, appointment=session.get(Appointment, appointment_id), now=NOW)
    assert len(rows(seeded_url)) == before
    with pytest.raises(RuntimeError):
        with session_scope(seeded_url) as session:
            create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="x", key="rolled-back",
                                body="never")
            raise RuntimeError("the booking failed")
    assert rows(seeded_url, idempotency_key="rolled-back") == []


def test_local_mode_holds_every_message_on_this_machine(seeded_url):
    book(seeded_url)
    sender = OutboxSender(seeded_url, sms=LocalSms(), email=LocalEmail(), clock=Clock(NOW))
    assert sender.send_due() == 5  # the two reminders are not due yet
    held = rows(seeded_url, status="held_local")
    assert len(held) == 5 and all(r.provider_id.startswith("local:") for r in held)
    assert {r.status for r in rows(seeded_url, kind="reminder")} == {"queued"}


def test_twilio_gets_the_exact_message_and_the_sid_is_recorded(seeded_url):
    book(seeded_url, email=None)
    http = RecordingHttpClient()
    sender = sms_sender(seeded_url, http, Clock(NOW))
    sender.send_due()
    creates = http.creates
    assert len(creates) == 3  # customer, owner, technician
    confirmation = rows(seeded_url, kind="booking_confirmation")[0]
    call = next(c for c in creates if c["data"]["To"] == CUSTOMER)
    assert call["uri"] == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert call["data"] == {"To": CUSTOMER, "From": FROM_NUMBER, "Body": confirmation.body,
                            "StatusCallback": f"{CALLBACK}?n={confirmation.id}"}
    assert confirmation.status == "sent" and confirmation.provider_id.startswith("SM")
    assert confirmation.attempts == 1


class OutageHttp(RecordingHttpClient):
    """Twilio down until `until` on the test clock: 503, 429, connection refused, 500 in turn."""

    ERRORS = [error_json(503, None), error_json(429, 20429), requests.exceptions.ConnectionError("refused"),
              error_json(500, None)]

    def __init__(self, clock: Clock, until: datetime):
        super().__init__()
        self.clock, self.until = clock, until

    def request(self, method, uri, **kwargs):
        if self.clock.now < self.until:
            self.script = [self.ERRORS[len(self.requests) % len(self.ERRORS)]]
        return super().request(method, uri, **kwargs)


def test_an_hour_long_outage_delivers_every_message_once_afterwards(seeded_url):
    with session_scope(seeded_url) as session:
        for n in range(3):
            create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key=f"k{n}",
                                body=f"hello {n}")
    clock = Clock(NOW)
    http = OutageHttp(clock, until=NOW + timedelta(hours=1))
    sender = sms_sender(seeded_url, http, clock)
    for _ in range(4 * 120):  # the worker ticking every 30 seconds for four hours
        sender.send_due()
        clock.advance(seconds=30)
    sent = rows(seeded_url, kind="test")
    assert [r.status for r in sent] == ["sent"] * 3
    assert all(r.attempts > 5 for r in sent)
    # Accepted once each, within one backoff step of Twilio coming back.
    assert sorted(m["body"] for m in http.sent) == ["hello 0", "hello 1", "hello 2"]
    assert all(http.until <= r.sent_at <= http.until + timedelta(minutes=31) for r in sent)
    assert len([c for c in http.creates if c["data"]["Body"] == "hello 0"]) == sent[0].attempts


def test_retries_wait_with_exponential_backoff(seeded_url):
    with session_scope(seeded_url) as session:
        create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key="k1", body="hi")
    http = RecordingHttpClient([error_json(500, None)] * 3)
    clock = Clock(NOW)
    sender = sms_sender(seeded_url, http, clock)
    gaps = []
    for _ in range(3):
        sender.send_due()
        row = rows(seeded_url, idempotency_key="k1")[0]
        gaps.append(row.next_attempt_at - clock.now)
        clock.now = row.next_attempt_at - timedelta(seconds=1)
        assert sender.send_due() == 0  # not due yet
        clock.now = row.next_attempt_at
    assert gaps == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert rows(seeded_url, idempotency_key="k1")[0].last_error == "Twilio 500"


@pytest.mark.parametrize(("code", "opted_out"), [(21211, False), (21610, True)])
def test_permanent_errors_are_not_retried(seeded_url, code, opted_out):
    with session_scope(seeded_url) as session:
        create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key="k1", body="hi")
        create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key="k2", body="again")
    http = RecordingHttpClient([error_json(400, code, "bad number")])
    clock = Clock(NOW)
    sender = sms_sender(seeded_url, http, clock)
    sender.send_due()
    first, second = rows(seeded_url, idempotency_key="k1")[0], rows(seeded_url, idempotency_key="k2")[0]
    assert first.status == "failed" and first.last_error == f"Twilio 400 error {code}"
    clock.advance(hours=2)
    sender.send_due()
    assert len([c for c in http.creates if c["data"]["Body"] == "hi"]) == 1
    with session_scope(seeded_url) as session:
        assert is_opted_out(session=session, phone=CUSTOMER) is opted_out
    assert second.status == ("suppressed" if opted_out else "sent")


def test_a_crash_between_send_and_record_never_sends_twice(seeded_url):
    with session_scope(seeded_url) as session:
        create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key="k1", body="once")
    http = RecordingHttpClient()
    clock = Clock(NOW)
    sender = sms_sender(seeded_url, http, clock)
    with session_scope(seeded_url) as session:
        claims = claim_due(session=session, now=clock.now)
    row = rows(seeded_url, idempotency_key="k1")[0]
    # The worker dies here, after Twilio accepted the message and before recording it:
    sender.transports["sms"].send(sender._outgoing(row))
    assert len(claims) == 1 and len(http.creates) == 1
    clock.advance(seconds=1)
    assert sender.send_due() == 0  # the lease still holds
    clock.now += LEASE
    assert sender.send_due() == 1
    row = rows(seeded_url, idempotency_key="k1")[0]
    assert len(http.creates) == 1
    assert [r["method"] for r in http.requests] == ["POST", "GET"]
    assert http.requests[1]["params"]["To"] == CUSTOMER
    assert row.status == "sent" and row.provider_id == http.sent[0]["sid"]


def test_a_timeout_is_checked_with_twilio_before_retrying(seeded_url):
    with session_scope(seeded_url) as session:
        create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key="k1", body="hi")
    http = RecordingHttpClient([requests.exceptions.ReadTimeout("slow")])
    clock = Clock(NOW)
    sender = sms_sender(seeded_url, http, clock)
    sender.send_due()
    row = rows(seeded_url, idempotency_key="k1")[0]
    assert row.status == "unconfirmed"
    clock.advance(minutes=1)
    sender.send_due()
    # Twilio had not taken it (the list was empty), so it is sent now, once.
    assert [r["method"] for r in http.requests] == ["POST", "GET", "POST"]
    assert rows(seeded_url, idempotency_key="k1")[0].status == "sent" and len(http.sent) == 1


def test_opted_out_numbers_are_never_texted(seeded_url):
    from business.notifications.opt_outs import update_opt_out
    with session_scope(seeded_url) as session:
        update_opt_out(session=session, phone=CUSTOMER, opted_out=True, keyword="STOP")
        create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key="k1", body="hi")
    http = RecordingHttpClient()
    sms_sender(seeded_url, http, Clock(NOW)).send_due()
    assert http.requests == []
    assert rows(seeded_url, idempotency_key="k1")[0].status == "suppressed"


def test_two_senders_at_once_send_each_message_once(seeded_url):
    with session_scope(seeded_url) as session:
        for n in range(40):
            create_notification(session=session, channel="sms", recipient=CUSTOMER, kind="test", key=f"k{n}",
                                body=f"message {n}")
    http = RecordingHttpClient()
    senders = [OutboxSender(seeded_url, sms=TwilioSms(twilio_settings(), http), email=LocalEmail(),
                            clock=Clock(NOW), batch=5) for _ in range(2)]
    handled = [0, 0]

    def drain(index: int) -> None:
        while (done := senders[index].send_due()):
            handled[index] += done

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    bodies = sorted(c["data"]["Body"] for c in http.creates)
    assert bodies == sorted(f"message {n}" for n in range(40))
    assert sum(handled) == 40
    assert {r.status for r in rows(seeded_url, kind="test")} == {"sent"}


def test_the_worker_runs_the_sender_in_local_mode_without_credentials(seeded_url, tmp_path, monkeypatch):
    from business.settings import Settings
    from business.worker import jobs

    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env({"DATABASE_URL": seeded_url, "RASA_TRACKER_URL": f"sqlite:///{tmp_path}/t.db"})
    job = next(j for j in jobs(settings) if j.name == "notifications")
    # The worker sends by the real clock: book a Wednesday 10 a.m. days ahead of it, so the
    # 24-hour reminder is not yet due whatever day the suite runs.
    now = datetime.now(timezone.utc)
    day = now.astimezone(CHI).date() + timedelta(days=3)
    while day.weekday() != 2:
        day += timedelta(days=1)
    book(seeded_url, start=datetime(day.year, day.month, day.day, 10, tzinfo=CHI).astimezone(timezone.utc), now=now)
    assert job.run(settings) == 5
    assert {r.status for r in rows(seeded_url) if r.kind != "reminder"} == {"held_local"}

"""Event functions and reminders on both databases: what each event queues and to whom,
reminders due a day ahead (never twice, not for cancelled visits, anew after a move),
leads alerting the owner, and owner-edited templates."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from business.db import session_scope
from business.customers.leads import create_lead
from business.models import Appointment, Lead, Notification, Technician
from business.notifications import events
from business.notifications.email import LocalEmail
from business.notifications.reminders import queue_missing_reminders
from business.notifications.sender import OutboxSender
from business.notifications.sms import LocalSms
from business.notifications.templates import render, update_template
from business.profile import load_profile
from business.scheduling import cancel_appointment
from tests.business.test_notifications_outbox import CUSTOMER, NOW, START, Clock, book, rows


def kinds(url: str, **filters) -> set[tuple[str, str, str]]:
    return {(r.kind, r.channel, r.status) for r in rows(url, **filters)}


def run_sender(url: str, clock: Clock) -> OutboxSender:
    sender = OutboxSender(url, sms=LocalSms(), email=LocalEmail(), clock=clock)
    sender.send_due()
    return sender


def test_cancellation_withdraws_the_reminder_and_tells_customer_and_owner(seeded_url):
    appointment_id = book(seeded_url)
    with session_scope(seeded_url) as session:
        appointment = session.get(Appointment, appointment_id)
        # Cancelling queues the messages itself; a second event call adds nothing.
        cancel_appointment(session=session, appointment=appointment, note="customer called", actor="the customer")
        events.appointment_cancelled(session=session, appointment=appointment, actor="the customer", now=NOW)
    assert kinds(seeded_url, kind="reminder") == {("reminder", "sms", "cancelled"), ("reminder", "email", "cancelled")}
    owner = rows(seeded_url, kind="owner_cancellation", channel="sms")
    assert len(owner) == 1
    assert owner[0].recipient == "+13125550101" and "by the customer" in owner[0].body
    assert rows(seeded_url, kind="cancellation_confirmation", channel="sms")[0].recipient == CUSTOMER
    clock = Clock(START)
    run_sender(seeded_url, clock)
    assert {r.status for r in rows(seeded_url, kind="reminder")} == {"cancelled"}


def test_reminder_goes_out_once_at_its_due_time(seeded_url):
    book(seeded_url, email=None)
    due = START - timedelta(hours=24)
    clock = Clock(due - timedelta(minutes=1))
    sender = run_sender(seeded_url, clock)
    assert rows(seeded_url, kind="reminder")[0].status == "queued"
    clock.now = due
    sender.send_due()
    clock.advance(hours=3)
    sender.send_due()
    sender.queue_missing_reminders()
    sender.send_due()
    reminders = rows(seeded_url, kind="reminder")
    assert len(reminders) == 1 and reminders[0].status == "held_local" and reminders[0].sent_at == due


def test_a_rescheduled_visit_gets_a_new_reminder_and_the_old_one_never_goes(seeded_url):
    appointment_id = book(seeded_url, email=None)
    new_start = START + timedelta(days=2)
    with session_scope(seeded_url) as session:
        appointment = session.get(Appointment, appointment_id)
        appointment.start_at, appointment.end_at = new_start, appointment.end_at + timedelta(days=2)
        events.appointment_rescheduled(session=session, appointment=appointment, previous_start=START, now=NOW)
    reminders = rows(seeded_url, kind="reminder")
    assert [(r.status, r.next_attempt_at) for r in reminders] == [
        ("cancelled", START - timedelta(hours=24)), ("queued", new_start - timedelta(hours=24))]
    owner = rows(seeded_url, kind="owner_reschedule", channel="sms")[0]
    assert "from Wednesday November 25 at 10 a.m. to Friday November 27 at 10 a.m." in owner.body
    assert "moved to Friday November 27 at 10 a.m." in rows(seeded_url, kind="reschedule_confirmation")[0].body


def test_a_reminder_for_a_visit_moved_without_the_event_is_not_sent(seeded_url):
    appointment_id = book(seeded_url, email=None)
    with session_scope(seeded_url) as session:
        appointment = session.get(Appointment, appointment_id)
        appointment.start_at += timedelta(days=2)
        appointment.end_at += timedelta(days=2)
    run_sender(seeded_url, Clock(START - timedelta(hours=24)))
    assert rows(seeded_url, kind="reminder")[0].status == "cancelled"
    with session_scope(seeded_url) as session:
        assert queue_missing_reminders(session=session, profile=load_profile(session=session), now=NOW) == 1


def test_no_reminder_for_a_visit_less_than_a_day_away(seeded_url):
    book(seeded_url, start=NOW + timedelta(hours=6))
    assert rows(seeded_url, kind="reminder") == []


def test_technician_dispatch_en_route_and_review_request(seeded_url, monkeypatch):
    monkeypatch.setenv("REVIEW_URL", "https://g.page/r/lakeshore/review")
    appointment_id = book(seeded_url, email=None)
    with session_scope(seeded_url) as session:
        appointment = session.get(Appointment, appointment_id)
        tech = session.scalars(select(Technician).where(Technician.name == "Sarah Chen")).one()
        events.technician_assigned(session=session, appointment=appointment, technician=tech, now=NOW)
        events.technician_en_route(session=session, appointment=appointment, now=NOW)
        events.job_completed(session=session, appointment=appointment, now=NOW)
    # Booking texted the dispatched technician (Mike); the explicit assignment texts Sarah.
    dispatch = rows(seeded_url, kind="technician_dispatch")
    assert [(d.channel, d.recipient) for d in dispatch] == [("sms", "+13125550111"), ("sms", "+13125550112")]
    assert dispatch[1].body.startswith(f"New job #{appointment_id}: drain cleaning, Wednesday November 25 at 10 a.m.")
    assert "Jessica Miller, (312) 555-0199, 1420 N Lake Shore Dr" in dispatch[1].body
    en_route = rows(seeded_url, kind="en_route")[0]
    assert en_route.recipient == CUSTOMER and en_route.body.startswith("Mike from Lakeshore Plumbing is on the way")
    assert "https://g.page/r/lakeshore/review" in rows(seeded_url, kind="review_request")[0].body


def test_emergency_alerts_the_owner_once_as_an_emergency(seeded_url):
    appointment_id = book(seeded_url, email=None)
    with session_scope(seeded_url) as session:
        session.execute(Notification.__table__.delete())
        appointment = session.get(Appointment, appointment_id)
        appointment.urgency = "emergency"
        events.appointment_booked(session=session, appointment=appointment, now=NOW)
        events.appointment_booked(session=session, appointment=appointment, now=NOW)  # a retried action
    owner = rows(seeded_url, kind="owner_emergency")
    assert [o.channel for o in owner] == ["sms", "email"] and owner[0].body.startswith("EMERGENCY")
    assert rows(seeded_url, kind="owner_booking") == []
    assert len(rows(seeded_url, kind="booking_confirmation")) == 1


def test_a_lead_is_stored_and_the_owner_alerted(seeded_url):
    with session_scope(seeded_url) as session:
        lead = create_lead(session=session, name="Ray Park", phone="+13125550144", reason="wants a quote for a remodel")
        lead_id = lead.id
    with session_scope(seeded_url) as session:
        stored = session.get(Lead, lead_id)
        assert (stored.name, stored.status, stored.created_at is not None) == ("Ray Park", "new", True)
    alerts = rows(seeded_url, kind="owner_lead")
    assert [(a.channel, a.recipient) for a in alerts] == [
        ("sms", "+13125550101"), ("email", "office@lakeshoreplumbing.example")]
    assert alerts[0].body == ("Call-back request: Ray Park (+13125550144) wants a person. "
                              "Reason: wants a quote for a remodel.")


def test_the_owner_edits_a_template(seeded_url):
    with session_scope(seeded_url) as session:
        update_template(session=session, kind="booking_confirmation", field="sms",
                        text="$first_name, see you $when! Reply YES to confirm, NO to cancel.")
        with pytest.raises(ValueError, match="unknown placeholders: password"):
            update_template(session=session, kind="booking_confirmation", field="sms", text="$password")
        with pytest.raises(ValueError, match=r"\$\$"):
            update_template(session=session, kind="booking_confirmation", field="sms", text="costs $ 5")
    book(seeded_url, email=None)
    assert rows(seeded_url, kind="booking_confirmation")[0].body == (
        "Jessica, see you Wednesday November 25 at 10 a.m.! Reply YES to confirm, NO to cancel.")
    with session_scope(seeded_url) as session:
        update_template(session=session, kind="booking_confirmation", field="sms", text=None)


def test_html_email_escapes_what_customers_typed(session):
    rendered = render(session=session, kind="booking_confirmation", context={
        "first_name": "<script>alert(1)</script>", "business": "Lakeshore Plumbing", "address": "1 A & B St"})
    assert "<script>" not in rendered.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "1 A &amp; B St" in rendered.html
    assert rendered.text.startswith("Hi <script>alert(1)</script>,")  # plain text stays as typed

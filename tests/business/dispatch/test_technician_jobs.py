"""The technician's side of a job on both engines: accept, decline (the job moves on and
the owner hears), on my way, arrived, done (service history and review request), the
unanswered-offer timeout with an injected clock, and the property that nobody who
refused a job ever gets it back."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from business.db import session_factory, session_scope
from business.dispatch.engine import latest_dispatch
from business.customers.identity import last_visit
from business.models import Appointment, AppointmentEvent, DispatchRecord, Notification, utcnow
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import SlotUnavailable, book_appointment, cancel_appointment
from business.settings import Settings
from business.dispatch.technician_jobs import (
    JobActionError,
    accept_job,
    apply_job_action,
    complete_job,
    decline_job,
    get_technician_job,
    list_refused_technician_ids,
    redispatch_unanswered,
)
from business.worker import jobs

CHI = ZoneInfo("America/Chicago")
# A Monday morning after today, so the worker's real-clock time-outs meet a future job.
_MONDAY = datetime.now(CHI).date() + timedelta(days=1)
while _MONDAY.weekday() != 0:
    _MONDAY += timedelta(days=1)
NOW = datetime(_MONDAY.year, _MONDAY.month, _MONDAY.day, 8, 0, tzinfo=CHI)
START = NOW + timedelta(days=1, hours=2)  # Tuesday 10 a.m.: all three technicians work


def book(session, profile, start=START, phone="+13125550199", slug="leak_repair", now=NOW):
    customer = upsert_customer(session=session, phone=phone, name="Jessica Miller",
                               address="1420 N Lake Shore Dr", zip_code="60610", email="jessica@example.com")
    return book_appointment(session=session, profile=profile, customer=customer,
                            service=get_service_by_slug(session=session, slug=slug), start=start, now=now)


def sent(session, kind, recipient=None):
    query = select(Notification).where(Notification.kind == kind)
    if recipient is not None:
        query = query.where(Notification.recipient == recipient)
    return session.scalars(query.order_by(Notification.id)).all()


def history(session, appointment):
    return [e.status for e in session.scalars(select(AppointmentEvent).where(
        AppointmentEvent.appointment_id == appointment.id).order_by(AppointmentEvent.id))]


def test_accept_marks_the_offer_accepted_and_the_technician_assigned(session, profile):
    appointment = book(session, profile)
    tech = appointment.technician
    assert get_technician_job(session=session, technician=tech).id == appointment.id
    record = accept_job(session=session, appointment=appointment, technician=tech)
    assert record.status == "accepted" and tech.status == "assigned"
    assert history(session, appointment) == ["scheduled", "accepted"]
    # An accepted offer never times out.
    assert redispatch_unanswered(session=session, now=record.created_at + timedelta(hours=3)) == 0


def test_decline_moves_the_job_on_and_tells_the_owner(session, profile):
    appointment = book(session, profile)
    first = appointment.technician
    decline_job(session=session, appointment=appointment, technician=first, now=NOW)
    second = appointment.technician
    assert second is not None and second.id != first.id
    assert latest_dispatch(session=session, appointment_id=appointment.id).technician_id == second.id
    assert list_refused_technician_ids(session=session, appointment_id=appointment.id) == [first.id]
    assert len(sent(session, "technician_dispatch", second.phone)) == 1
    alerts = sent(session, "owner_technician_change")
    assert {a.channel for a in alerts} == {"sms", "email"}
    assert f"{first.name} declined" in alerts[0].body and second.name in alerts[0].body
    # The one who declined can no longer act on it.
    with pytest.raises(JobActionError):
        accept_job(session=session, appointment=appointment, technician=first)
    assert get_technician_job(session=session, technician=first) is None


def test_when_everyone_declines_the_job_is_flagged_for_the_owner(session, profile):
    appointment = book(session, profile)
    refused = []
    while appointment.technician is not None:
        refused.append(appointment.technician.id)
        decline_job(session=session, appointment=appointment, technician=appointment.technician, now=NOW)
    record = latest_dispatch(session=session, appointment_id=appointment.id)
    assert record.status == "unassigned" and record.flagged_for_owner
    assert len(refused) == len(set(refused)) == 3  # leak repair: every seeded technician can do it
    assert appointment.status == "scheduled"  # the customer keeps the booking; the owner steps in


def test_on_my_way_arrived_and_done(session, profile):
    appointment = book(session, profile)
    tech = appointment.technician
    customer_phone = appointment.customer.phone
    apply_job_action(session=session, action="en_route", appointment=appointment, technician=tech, now=NOW)
    assert tech.status == "en_route"
    (on_the_way,) = sent(session, "en_route", customer_phone)
    assert tech.name.split()[0] in on_the_way.body
    apply_job_action(session=session, action="arrived", appointment=appointment, technician=tech, now=NOW)
    assert tech.status == "on_site"
    done_at = START + timedelta(hours=2)
    complete_job(session=session, appointment=appointment, technician=tech, now=done_at)
    assert tech.status == "done" and appointment.status == "completed"
    assert history(session, appointment) == ["scheduled", "accepted", "en_route", "on_site", "completed"]
    assert {n.channel for n in sent(session, "review_request")} == {"sms", "email"}
    # The completed job is the customer's service history for the next call's greeting.
    assert last_visit(session=session, customer=appointment.customer, now=done_at).id == appointment.id
    # A closed job takes no more actions, and the technician has no open job left.
    with pytest.raises(JobActionError):
        complete_job(session=session, appointment=appointment, technician=tech, now=done_at)
    assert get_technician_job(session=session, technician=tech) is None


def test_a_cancelled_job_takes_no_actions(session, profile):
    appointment = book(session, profile)
    cancel_appointment(session=session, appointment=appointment, note="test")
    with pytest.raises(JobActionError):
        accept_job(session=session, appointment=appointment, technician=appointment.technician)


def test_an_unanswered_offer_moves_on_after_the_configured_time(session, profile):
    appointment = book(session, profile)
    first = appointment.technician
    sent_at = latest_dispatch(session=session, appointment_id=appointment.id).created_at
    minutes = profile.booking.technician_reply_minutes
    assert minutes == 15
    assert redispatch_unanswered(session=session, now=sent_at + timedelta(minutes=minutes - 1)) == 0
    assert appointment.technician_id == first.id
    assert redispatch_unanswered(session=session, now=sent_at + timedelta(minutes=minutes)) == 1
    assert appointment.technician_id not in (None, first.id)
    statuses = [r.status for r in session.scalars(select(DispatchRecord).where(
        DispatchRecord.appointment_id == appointment.id).order_by(DispatchRecord.id))]
    assert statuses == ["timed_out", "assigned"]
    (alert, *_) = sent(session, "owner_technician_change")
    assert f"{first.name} did not answer within 15 minutes" in alert.body
    # The new technician's time runs from the re-dispatch, not from the original offer.
    later = sent_at + timedelta(minutes=minutes)
    assert redispatch_unanswered(session=session, now=later + timedelta(minutes=minutes - 1)) == 0
    assert redispatch_unanswered(session=session, now=later + timedelta(minutes=minutes)) == 1


def test_the_timeout_is_read_from_the_profile(session, profile):
    appointment = book(session, profile)
    sent_at = latest_dispatch(session=session, appointment_id=appointment.id).created_at
    patient = replace(profile, booking=replace(profile.booking, technician_reply_minutes=60))
    assert redispatch_unanswered(session=session, now=sent_at + timedelta(minutes=30), profile=patient) == 0
    assert redispatch_unanswered(session=session, now=sent_at + timedelta(minutes=60), profile=patient) == 1


def test_past_and_cancelled_jobs_do_not_time_out(session, profile):
    appointment = book(session, profile)
    cancel_appointment(session=session, appointment=appointment, note="test")
    assert redispatch_unanswered(session=session, now=START + timedelta(minutes=30)) == 0
    other = book(session, profile, phone="+13125550198")
    assert redispatch_unanswered(session=session, now=other.end_at + timedelta(minutes=1)) == 0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.integers(1, 4), hour=st.integers(8, 14), slug=st.sampled_from(["leak_repair", "drain_cleaning"]),
       steps=st.lists(st.sampled_from(["decline", "timeout"]), min_size=1, max_size=4))
def test_a_technician_who_refused_is_never_given_the_job_again(session, profile, day, hour, slug, steps):
    try:
        try:
            on = NOW + timedelta(days=day)  # Tuesday to Friday of that week
            appointment = book(session, profile, start=on.replace(hour=hour), slug=slug)
        except SlotUnavailable:
            assume(False)
        clock = NOW
        # The booking's offer went out at the test's "now", not the machine's clock.
        latest_dispatch(session=session, appointment_id=appointment.id).created_at = clock
        for step in steps:
            tech = appointment.technician
            if tech is None:
                break
            if step == "decline":
                decline_job(session=session, appointment=appointment, technician=tech, now=clock)
            else:
                clock += timedelta(minutes=profile.booking.technician_reply_minutes)
                assert redispatch_unanswered(session=session, now=clock) == 1
            refused = list_refused_technician_ids(session=session, appointment_id=appointment.id)
            assert tech.id in refused
            assert appointment.technician_id not in refused
            record = latest_dispatch(session=session, appointment_id=appointment.id)
            assert record.technician_id not in refused
            assert all(c["technician_id"] not in refused for c in record.candidates)
    finally:
        session.rollback()


def test_accepting_the_next_job_keeps_a_technician_on_the_way(session, profile):
    first = book(session, profile)
    tech = first.technician
    apply_job_action(session=session, action="en_route", appointment=first, technician=tech, now=NOW)
    second = book(session, profile, start=START + timedelta(hours=3), phone="+13125550198")
    assert second.technician_id == tech.id  # the nearest, lightest day is still his
    accept_job(session=session, appointment=second, technician=tech)
    assert tech.status == "en_route"


def test_the_worker_job_moves_on_offers_left_unanswered(seeded_url):
    with session_scope(seeded_url) as session:
        profile = load_profile(session=session)
        # The worker uses the real clock: a Tuesday two to three weeks from today.
        day = datetime.now(CHI).date() + timedelta(days=14)
        day += timedelta(days=(1 - day.weekday()) % 7)
        appointment = book(session, profile, start=datetime(day.year, day.month, day.day, 10, tzinfo=CHI),
                           now=utcnow())
        first, appointment_id = appointment.technician_id, appointment.id
        # Sent 16 minutes ago, before a worker restart: the due time is in the database.
        latest_dispatch(session=session, appointment_id=appointment_id).created_at = utcnow() - timedelta(minutes=16)
    settings = Settings(database_url=seeded_url)
    (job,) = [j for j in jobs(settings) if j.name == "unanswered_jobs"]
    assert job.run(settings) == 1
    assert job.run(settings) == 0
    with session_scope(seeded_url) as session:
        assert list_refused_technician_ids(session=session, appointment_id=appointment_id) == [first]
        assert latest_dispatch(session=session, appointment_id=appointment_id).technician_id not in (None, first)


# PostgreSQL only: SQLite runs write transactions one at a time (BEGIN IMMEDIATE), so
# nothing can interleave there.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_timeout_skips_an_offer_a_reply_is_answering(seeded_url):
    with session_scope(seeded_url) as session:
        appointment_id = book(session, load_profile(session=session)).id
    later = NOW + timedelta(days=1)
    with session_factory(seeded_url)() as replying, session_factory(seeded_url)() as worker:
        appointment = replying.get(Appointment, appointment_id)
        accept_job(session=replying, appointment=appointment, technician=appointment.technician)  # holds the row
        assert redispatch_unanswered(session=worker, now=later) == 0
        worker.rollback()
        replying.commit()
        assert redispatch_unanswered(session=worker, now=later) == 0
    with session_scope(seeded_url) as session:
        assert latest_dispatch(session=session, appointment_id=appointment_id).status == "accepted"

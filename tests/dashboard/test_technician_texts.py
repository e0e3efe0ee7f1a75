"""Technicians' texts through the signed /twilio/sms webhook: ACCEPT, DECLINE, OMW, ARRIVED,
DONE (with or without a job number) change the job and answer in TwiML; unknown words get
the list of commands; a forged signature changes nothing."""
from __future__ import annotations

from sqlalchemy import select

from business.db import session_scope
from business.models import Appointment, DispatchRecord, Notification, Technician
from tests.dashboard.test_twilio_webhooks import (  # noqa: F401  (fixtures)
    notify,
    rasa_server,
    replies,
    signed,
    text,
    webhook_client,
)


def job(url: str, appointment_id: int) -> tuple[Appointment, Technician, list[str]]:
    with session_scope(url) as session:
        appointment = session.get(Appointment, appointment_id)
        tech = appointment.technician
        statuses = list(session.scalars(select(DispatchRecord.status).where(
            DispatchRecord.appointment_id == appointment_id).order_by(DispatchRecord.id)))
        session.expunge_all()
        return appointment, tech, statuses


def kinds(url: str, recipient: str | None = None) -> list[str]:
    with session_scope(url) as session:
        query = select(Notification.kind).order_by(Notification.id)
        if recipient:
            query = query.where(Notification.recipient == recipient)
        return list(session.scalars(query))


def test_accept_then_on_my_way_arrived_done(webhook_client, booked, seeded_url, rasa_server):
    _, tech, _ = job(seeded_url, booked)
    (reply,) = replies(text(webhook_client, "Accept", sender=tech.phone))
    assert reply == (f"Thanks, {tech.name.split()[0]}! Job #{booked} is yours: drain cleaning, tomorrow, "
                     "Tuesday November 24 at 10 a.m. Reply OMW when you head out.")
    assert job(seeded_url, booked)[2] == ["accepted"]
    (reply,) = replies(text(webhook_client, "omw", sender=tech.phone))
    assert reply == f"Thanks, {tech.name.split()[0]}. We've told Dana you're on the way."
    assert "en_route" in kinds(seeded_url, "+13125550123")
    assert replies(text(webhook_client, "ARRIVED", sender=tech.phone))[0].startswith("Got it: you're on site")
    (reply,) = replies(text(webhook_client, f"DONE #{booked}", sender=tech.phone))
    assert reply == f"Great work, {tech.name.split()[0]}! Job #{booked} is marked done."
    appointment, tech, _ = job(seeded_url, booked)
    assert appointment.status == "completed" and tech.status == "done"
    assert "review_request" in kinds(seeded_url, "+13125550123")
    assert rasa_server.received == []


def test_decline_sends_the_job_to_the_next_technician(webhook_client, booked, seeded_url):
    _, first, _ = job(seeded_url, booked)
    (reply,) = replies(text(webhook_client, "DECLINE", sender=first.phone))
    assert reply.startswith(f"OK, {first.name.split()[0]}, job #{booked}")
    _, second, statuses = job(seeded_url, booked)
    assert second.id != first.id and statuses == ["declined", "assigned"]
    assert kinds(seeded_url, second.phone) == ["technician_dispatch"]
    assert "owner_technician_change" in kinds(seeded_url)
    # The first technician has nothing left to act on.
    assert replies(text(webhook_client, "ACCEPT", sender=first.phone))[0].startswith("You don't have an open job")


def test_unknown_words_and_other_job_numbers(webhook_client, booked, seeded_url):
    _, tech, _ = job(seeded_url, booked)
    (reply,) = replies(text(webhook_client, "running late sorry", sender=tech.phone))
    assert reply.startswith("Reply ACCEPT or DECLINE to a new job, OMW when you head out")
    (reply,) = replies(text(webhook_client, "DONE 999999", sender=tech.phone))
    assert reply.startswith("You don't have job #999999 with us right now.")
    assert job(seeded_url, booked)[0].status == "scheduled"


def test_a_forged_technician_text_changes_nothing(webhook_client, booked, seeded_url):
    _, tech, _ = job(seeded_url, booked)
    original = {"From": tech.phone, "Body": "ACCEPT"}
    forged = {**original, "Body": "DECLINE"}
    response = webhook_client.post("/twilio/sms", data=forged, headers=signed("/twilio/sms", original))
    assert response.status_code == 403
    assert job(seeded_url, booked)[2] == ["assigned"]


def test_the_job_text_says_how_to_answer(booked, seeded_url):
    _, tech, _ = job(seeded_url, booked)
    with session_scope(seeded_url) as session:
        body = session.scalar(select(Notification.body).where(Notification.kind == "technician_dispatch",
                                                              Notification.recipient == tech.phone))
    assert body.startswith(f"New job #{booked}: drain cleaning") and body.endswith("Reply ACCEPT or DECLINE.")

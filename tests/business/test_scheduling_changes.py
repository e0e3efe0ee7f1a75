"""Booking, rescheduling, cancelling and emergencies on a real database, with the dispatch
records they leave behind."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from business.dispatch.engine import dispatch_appointment, latest_dispatch, update_technician_status
from business.models import Appointment, DispatchRecord, Technician
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import (
    SlotUnavailable,
    book_appointment,
    cancel_appointment,
    earliest_emergency_slot,
    reschedule_appointment,
)

CHI = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=CHI)  # Monday morning


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CHI)


def caller(session, n: int = 0, zip_code: str = "60610"):
    return upsert_customer(session=session, phone=f"+1312555{2000 + n:04d}", name=f"Caller {n}",
                           address="1 Main St", zip_code=zip_code)


def tech(session, name: str) -> Technician:
    return session.scalars(select(Technician).where(Technician.name == name)).one()


def book(session, profile, slug, start, n=0, now=NOW, **kw):
    return book_appointment(session=session, profile=profile, customer=caller(session, n, kw.pop("zip_code", "60610")),
                            service=get_service_by_slug(session=session, slug=slug), start=start, now=now, **kw)


def test_booking_is_pending_for_the_calendar_and_explained(session, profile):
    appt = book(session, profile, "drain_cleaning", at(24, 9), zip_code="60640")
    assert appt.calendar_state == "pending" and appt.time_kind == "exact"
    record = latest_dispatch(session=session, appointment_id=appt.id)
    # Sarah lives in Uptown (60640), Mike in Lincoln Park: the nearer one goes.
    assert appt.technician.name == record.technician.name == "Sarah Chen"
    assert record.status == "assigned" and not record.flagged_for_owner and not record.emergency
    assert record.explanation.startswith("Chosen: Sarah Chen: has the drains skill, free 9:00-10:00, ")
    assert "Not chosen: Mike Alvarez: has the drains skill" in record.explanation
    assert "Not chosen: Tom Okafor: lacks the drains skill." in record.explanation
    assert {c["name"]: c["feasible"] for c in record.candidates} == {
        "Sarah Chen": True, "Mike Alvarez": True, "Tom Okafor": False}


def test_reschedule_keeps_the_id_and_technician_and_history(session, profile):
    appt = book(session, profile, "drain_cleaning", at(24, 9))
    first_tech = appt.technician_id
    appt.calendar_state = "synced"
    moved = reschedule_appointment(session=session, profile=profile, appointment=appt, start=at(24, 9, 30),
                                   actor="caller", now=NOW)
    assert moved.id == appt.id and moved.technician_id == first_tech  # its own old time is no conflict
    assert moved.start_at.astimezone(CHI) == at(24, 9, 30) and moved.calendar_state == "pending"
    assert [(e.status, e.actor) for e in moved.history] == [("scheduled", "web"), ("rescheduled", "caller")]
    assert moved.history[1].note == "moved from 2026-11-24 09:00 to 2026-11-24 09:30"
    records = session.scalars(select(DispatchRecord).where(DispatchRecord.appointment_id == appt.id)
                              .order_by(DispatchRecord.id)).all()
    assert [r.status for r in records] == ["replaced", "assigned"]
    assert "already assigned and still free" in records[1].explanation


def test_reschedule_into_a_full_time_changes_nothing_and_offers_alternatives(session, profile):
    for other in ("Sarah Chen", "Tom Okafor"):
        tech(session, other).active = False
    taken = book(session, profile, "drain_cleaning", at(24, 13))
    appt = book(session, profile, "drain_cleaning", at(24, 9), n=1)
    with pytest.raises(SlotUnavailable) as full:
        reschedule_appointment(session=session, profile=profile, appointment=appt, start=at(24, 13),
                               actor="owner", now=NOW)
    assert full.value.reason == "full"
    assert full.value.alternatives and all(
        not (s.start < taken.end_at + timedelta(minutes=30) and taken.start_at < s.end + timedelta(minutes=30))
        for s in full.value.alternatives)
    assert appt.start_at.astimezone(CHI) == at(24, 9) and [e.status for e in appt.history] == ["scheduled"]


def test_reschedule_moves_to_another_technician_when_needed(session, profile):
    appt = book(session, profile, "drain_cleaning", at(24, 9), zip_code="60640")  # Sarah
    book(session, profile, "leak_repair", at(27, 10, 30), n=1, zip_code="60640")  # Sarah's Friday, 10:30-12
    moved = reschedule_appointment(session=session, profile=profile, appointment=appt, start=at(27, 11),
                                   actor="owner", now=NOW)
    assert moved.technician.name == "Mike Alvarez"


def test_cancel_frees_the_time_and_the_calendar_hears_of_it(session, profile):
    for other in ("Sarah Chen", "Tom Okafor"):
        tech(session, other).active = False
    appt = book(session, profile, "drain_cleaning", at(24, 9))
    cancel_appointment(session=session, appointment=appt, note="caller cancelled", actor="caller")
    assert appt.calendar_state == "pending" and appt.history[-1].actor == "caller"
    assert book(session, profile, "drain_cleaning", at(24, 9), n=1).technician.name == "Mike Alvarez"


def test_declined_job_goes_to_the_next_technician(session, profile):
    appt = book(session, profile, "drain_cleaning", at(24, 9), zip_code="60640")
    sarah = appt.technician_id
    record = dispatch_appointment(session=session, profile=profile, appointment=appt,
                                  exclude_technician_ids=[sarah], now=NOW)
    assert record.technician.name == "Mike Alvarez" and appt.technician.name == "Mike Alvarez"
    assert "Not chosen: Sarah Chen: declined or excluded." in record.explanation
    again = dispatch_appointment(session=session, profile=profile, appointment=appt,
                                 exclude_technician_ids=[sarah, record.technician_id], now=NOW)
    assert again.technician_id is None and again.status == "unassigned" and again.flagged_for_owner
    assert appt.technician_id is None


def test_technician_status_is_validated_and_off_means_no_jobs(session, profile):
    mike = tech(session, "Mike Alvarez")
    with pytest.raises(ValueError, match="must be one of"):
        update_technician_status(session=session, technician=mike, status="napping")
    for name in ("Mike Alvarez", "Sarah Chen"):
        update_technician_status(session=session, technician=tech(session, name), status="off")
    with pytest.raises(SlotUnavailable) as off:
        book(session, profile, "drain_cleaning", at(24, 9))
    assert off.value.reason == "full" and off.value.alternatives == []
    update_technician_status(session=session, technician=mike, status="en_route")
    assert book(session, profile, "drain_cleaning", at(24, 9)).technician_id == mike.id


def test_emergency_at_night_books_the_earliest_arrival(session, profile):
    sunday_night = at(29, 22)
    slot = earliest_emergency_slot(session=session, profile=profile,
                                   service=get_service_by_slug(session=session, slug="burst_pipe"), now=sunday_night)
    assert slot.start.astimezone(CHI) == at(29, 22, 30)  # 30 minutes' emergency lead
    appt = book(session, profile, "burst_pipe", slot.start, now=sunday_night, urgency="emergency")
    assert appt.start_at == slot.start and appt.urgency == "emergency"
    record = latest_dispatch(session=session, appointment_id=appt.id)
    assert record.emergency and "(can be there first)" in record.explanation


def test_emergency_pushes_routine_work_aside_and_flags_the_owner(session, profile):
    routine = [book(session, profile, slug, at(24, 9), n=n) for n, slug in
               enumerate(("drain_cleaning", "drain_cleaning", "sump_pump"))]
    assert {a.technician.name for a in routine} == {"Mike Alvarez", "Sarah Chen", "Tom Okafor"}
    emergency = book(session, profile, "burst_pipe", at(24, 9, 30), n=9, now=at(24, 8, 50), urgency="emergency")
    assert emergency.start_at.astimezone(CHI) == at(24, 9, 30)
    record = latest_dispatch(session=session, appointment_id=emergency.id)
    assert record.flagged_for_owner
    displaced = next(a for a in routine if a.technician_id == emergency.technician_id)
    assert f"#{displaced.id}" in record.owner_note and "need moving" in record.owner_note
    flagged = session.scalars(select(DispatchRecord).where(DispatchRecord.flagged_for_owner.is_(True),
                                                           DispatchRecord.status != "replaced")).all()
    assert flagged == [record]
    # A second emergency cannot share the first one's technician at the same time.
    second = book(session, profile, "burst_pipe", at(24, 9, 30), n=10, now=at(24, 8, 50), urgency="emergency")
    assert second.technician_id != emergency.technician_id and second.start_at == emergency.start_at


def test_appointments_are_read_back_with_their_window(session, profile):
    from dataclasses import replace
    profile = replace(profile, booking=replace(profile.booking, mode="window"))
    appt = book(session, profile, "drain_cleaning", at(24, 12))
    session.commit()
    session.expire_all()
    stored = session.get(Appointment, appt.id)
    assert (stored.window_start.astimezone(CHI), stored.window_end.astimezone(CHI)) == (at(24, 11), at(24, 14))
    assert stored.window_start <= stored.start_at < stored.window_end

"""Booking form validation: services, names, phones, addresses and times."""
from __future__ import annotations

from datetime import datetime, timedelta

from actions.forms import ActionAskAppointmentTime, ActionAskBookingConfirmed, ValidateAppointmentForm
from business.db import session_factory
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from business.models import Technician
from sqlalchemy import select
from tests.actions.conftest import CHI, make_tracker, next_tuesday_at, said

form = ValidateAppointmentForm()


def test_problem_maps_to_catalog_and_emergency(actions_db, dispatcher):
    result = form.validate_problem("my kitchen faucet is leaking", dispatcher, make_tracker(), {})
    assert result == {"problem": "my kitchen faucet is leaking", "service_slug": "faucet_repair", "urgency": "routine"}
    result = form.validate_problem("a burst pipe in the basement", dispatcher, make_tracker(), {})
    assert (result["service_slug"], result["urgency"]) == ("burst_pipe", "emergency")
    result = form.validate_problem("something weird with the plumbing", dispatcher, make_tracker(), {})
    assert result["service_slug"] == "general_repair"


def test_name_and_phone(actions_db, dispatcher):
    assert form.validate_customer_name("um my name is jessica miller", dispatcher, make_tracker(), {}) == {
        "customer_name": "Jessica Miller"}
    assert form.validate_phone("3125550199", dispatcher, make_tracker(), {}) == {"phone": "+13125550199"}
    assert form.validate_phone("five five five", dispatcher, make_tracker(), {}) == {"phone": None}
    assert "area code" in said(dispatcher)


def test_address_inside_and_outside_area(actions_db, dispatcher):
    ok = form.validate_address("1420 north lake shore drive chicago 60610", dispatcher, make_tracker(), {})
    assert ok == {"address": "1420 North Lake Shore Drive, Chicago, 60610", "zip_code": "60610"}
    outside = form.validate_address("9 main street 90210", dispatcher, make_tracker(), {})
    assert outside == {"address": None}
    assert "90210 is outside the area" in said(dispatcher)


def test_free_time_is_accepted(actions_db, dispatcher):
    start = next_tuesday_at(9)
    tracker = make_tracker({"service_slug": "faucet_repair"}, text="tuesday at 9")
    result = form.validate_appointment_time(start.isoformat(), dispatcher, tracker, {})
    assert datetime.fromisoformat(result["appointment_time"]) == start


def test_full_time_offers_nearest_and_first_one_is_picked(actions_db, dispatcher):
    start = next_tuesday_at(9)
    with session_factory(actions_db).begin() as session:
        profile = load_profile(session=session)
        for tech in session.scalars(select(Technician).where(Technician.name != "Mike Alvarez")):
            tech.active = False
        who = upsert_customer(session=session, phone="+13125550142", name="Robert Brown")
        book_appointment(session=session, profile=profile, customer=who,
                         service=get_service_by_slug(session=session, slug="faucet_repair"), start=start)
    tracker = make_tracker({"service_slug": "faucet_repair"}, text="tuesday at 9am")
    result = form.validate_appointment_time(start.isoformat(), dispatcher, tracker, {})
    assert result["appointment_time"] is None
    offered = [datetime.fromisoformat(o).astimezone(CHI) for o in result["offered_times"]]
    assert offered[0] == start + timedelta(minutes=90)  # 60-minute job plus 30-minute buffer
    assert "won't work: we're fully booked then" in said(dispatcher)

    pick = make_tracker({"service_slug": "faucet_repair", "offered_times": result["offered_times"]},
                        text="the first one please")
    chosen = form.validate_appointment_time("the first one please", dispatcher, pick, {})
    assert datetime.fromisoformat(chosen["appointment_time"]) == offered[0]
    later = form.validate_appointment_time("the later one", dispatcher, make_tracker(
        {"service_slug": "faucet_repair", "offered_times": result["offered_times"]}, text="the later one"), {})
    assert datetime.fromisoformat(later["appointment_time"]) == offered[1]


def test_interval_takes_first_free_start_inside_it(actions_db, dispatcher):
    tuesday = next_tuesday_at(0)
    interval = {"from": tuesday.replace(hour=12).isoformat(), "to": tuesday.replace(hour=19).isoformat()}
    tracker = make_tracker({"service_slug": "drain_cleaning"}, text="tuesday afternoon")
    result = form.validate_appointment_time(interval, dispatcher, tracker, {})
    assert datetime.fromisoformat(result["appointment_time"]) == tuesday.replace(hour=12)


def test_sunday_is_refused_with_reason(actions_db, dispatcher):
    sunday = next_tuesday_at(10) + timedelta(days=5)
    tracker = make_tracker({"service_slug": "drain_cleaning"}, text="sunday at 10")
    result = form.validate_appointment_time(sunday.isoformat(), dispatcher, tracker, {})
    assert result["appointment_time"] is None and result["offered_times"]
    assert "we're closed that day" in said(dispatcher)


def test_deny_at_confirmation_asks_what_to_change(actions_db, dispatcher):
    result = form.validate_booking_confirmed(False, dispatcher, make_tracker(text="no"), {})
    assert result == {"booking_confirmed": None}
    assert "What should I change" in said(dispatcher)


def test_questions_read_offers_and_details_aloud(actions_db, dispatcher):
    start = next_tuesday_at(9)
    ActionAskAppointmentTime().run(dispatcher, make_tracker({"offered_times": [start.isoformat()]}), {})
    assert f"{start:%A} {start:%B} {start.day} at 9 a.m." in said(dispatcher)
    dispatcher.messages.clear()
    slots = {"service_slug": "faucet_repair", "customer_name": "Jessica Miller", "phone": "+13125550199",
             "address": "1420 North Lake Shore Drive, Chicago, 60610", "appointment_time": start.isoformat()}
    ActionAskBookingConfirmed().run(dispatcher, make_tracker(slots), {})
    text = said(dispatcher)
    assert "Faucet repair or replacement for Jessica Miller" in text
    assert "(312) 555-0199" in text and "Shall I book it?" in text


def test_repeated_entities_arrive_as_lists(actions_db, dispatcher):
    result = form.validate_problem(["faucet", "dripping"], dispatcher, make_tracker(), {})
    assert (result["problem"], result["service_slug"]) == ("faucet dripping", "faucet_repair")
    assert form.validate_customer_name(["Jessica Miller", "Chicago"], dispatcher, make_tracker(), {}) == {
        "customer_name": "Jessica Miller"}
    assert form.validate_phone(["555", "312 555 0199"], dispatcher, make_tracker(), {}) == {"phone": "+13125550199"}

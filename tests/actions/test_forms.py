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
from tests.actions.conftest import CHI, make_tracker, next_tuesday_at, said, signed_metadata

form = ValidateAppointmentForm()


def test_problem_maps_to_catalog_and_emergency(actions_db, dispatcher):
    result = form.validate_problem("my kitchen faucet is leaking", dispatcher, make_tracker(), {})
    assert result == {"problem": "my kitchen faucet is leaking", "service_slug": "faucet_repair", "urgency": "routine",
                      "service_candidates": None}
    result = form.validate_problem("a burst pipe in the basement", dispatcher, make_tracker(), {})
    assert (result["service_slug"], result["urgency"]) == ("burst_pipe", "emergency")
    result = form.validate_problem("something weird with the plumbing", dispatcher, make_tracker(), {})
    assert result["service_slug"] == "general_repair"


def test_name_and_phone(actions_db, dispatcher):
    assert form.validate_customer_name("um my name is jessica miller", dispatcher, make_tracker(), {}) == {
        "customer_name": "Jessica Miller"}
    assert form.validate_phone("3125550199", dispatcher, make_tracker(), {}) == {"phone": "+13125550199"}
    missed = form.validate_phone("five five five", dispatcher, make_tracker(), {})
    assert missed == {"phone": None, "failed_attempts": {"phone": 1}}
    assert "area code" in said(dispatcher)


def test_address_inside_and_outside_area(actions_db, dispatcher):
    ok = form.validate_address("1420 north lake shore drive chicago 60610", dispatcher, make_tracker(), {})
    assert (ok["address"], ok["zip_code"]) == ("1420 North Lake Shore Drive, Chicago, 60610", "60610")
    outside = form.validate_address("9 main street 90210", dispatcher, make_tracker(), {})
    assert outside["address"] is None and outside["failed_attempts"] == {"out_of_area": "90210"}
    assert "90210 is outside the area" in said(dispatcher)
    # The second answer out of the area (or "no") hands off instead of asking again.
    again = form.validate_address("no that's the only place", dispatcher, make_tracker(
        known={"failed_attempts": {"out_of_area": "90210"}}), {})
    assert again == {"address": None, "needs_human": True}


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
    assert result["booking_confirmed"] is None
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


def _validate(slots: dict, text: str, requested: str, intent: str = "inform", form_validator=form,
              known: dict | None = None):
    """One form turn through the validator's run(), as the action server runs it."""
    from rasa_sdk.executor import CollectingDispatcher

    from tests.actions.conftest import run_action

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, text=text, intent=intent, requested_slot=requested, known=known)
    events = run_action(form_validator, tracker, dispatcher)
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, said(dispatcher)


def test_two_hints_then_the_form_gives_up_and_offers_a_person(actions_db):
    slots = {"problem": "leaking faucet", "customer_name": "Jessica Miller"}
    hints = []
    for attempt in range(3):
        result, text = _validate({**slots, "phone": "five five five"}, "five five five", "phone")
        slots["failed_attempts"] = result["failed_attempts"]
        hints.append(text)
    assert slots["failed_attempts"] == {"phone": 3}
    assert [bool(h) for h in hints] == [True, True, False]  # the third miss is answered by the offer rule
    assert result["needs_human"] is True and result["requested_slot"] is None  # the form ends


def test_hold_on_waits_without_counting_a_miss(actions_db):
    result, text = _validate({"problem": "leak", "customer_name": "Dave Novak", "phone": "hold on let me check"},
                             "hold on let me check", "phone")
    assert text == "Sure, take your time."
    assert result == {"phone": None}


def test_said_number_with_matching_name_confirms_address_on_file(actions_db, dispatcher):
    with session_factory(actions_db)() as session:
        upsert_customer(session=session, phone="+13125550199", name="Jessica Miller",
                        address="1200 West Addison Street, Chicago, 60613", zip_code="60613")
        session.commit()
    # A phone caller (caller ID withheld) who says the number and the name on file.
    phone_call = signed_metadata("phone", None)
    stranger = form.validate_phone("312 555 0199", dispatcher,
                                   make_tracker({"customer_name": "Tom Becker"}, metadata=phone_call), {})
    assert stranger == {"phone": "+13125550199"}  # a number alone reveals nothing
    known = form.validate_phone("312 555 0199", dispatcher,
                                make_tracker({"customer_name": "jessica miller"}, metadata=phone_call), {})
    assert known["address"] == "1200 West Addison Street, Chicago, 60613" and known["address_from_file"] is True
    on_file = {"problem": "leak", "customer_name": "Jessica Miller", "phone": "+13125550199",
               "address": known["address"], "zip_code": "60613", "address_from_file": True}
    result, _ = _validate({"appointment_time": next_tuesday_at(9).isoformat()}, "tuesday at nine",
                          "appointment_time", known=on_file)
    # The address is not asked for; confirming it comes next. (Rasa asks it: the list is the domain's.)
    assert result["appointment_time"] == next_tuesday_at(9).isoformat() and "requested_slot" not in result
    fresh = {k: v for k, v in on_file.items() if k not in {"address", "zip_code", "address_from_file"}}
    result, _ = _validate({"appointment_time": next_tuesday_at(9).isoformat()}, "tuesday at nine",
                          "appointment_time", known=fresh)
    assert result["requested_slot"] == "address"  # no address on file: ask for it, never to confirm one


def test_web_visitor_with_the_name_and_number_on_file_hears_nothing_on_file(actions_db, dispatcher):
    with session_factory(actions_db)() as session:
        upsert_customer(session=session, phone="+13125550199", name="Jessica Miller",
                        address="1200 West Addison Street, Chicago, 60613", zip_code="60613")
        session.commit()
    web = form.validate_phone("312 555 0199", dispatcher, make_tracker({"customer_name": "jessica miller"}), {})
    assert web == {"phone": "+13125550199"}
    assert "Addison" not in said(dispatcher) and "found you" not in said(dispatcher)


def test_address_confirmation_yes_keeps_no_asks_and_new_address_replaces(actions_db, dispatcher):
    assert form.validate_address_confirmed(True, dispatcher, make_tracker(), {}) == {"address_confirmed": True}
    no = form.validate_address_confirmed(False, dispatcher, make_tracker(), {})
    assert no["address"] is None and no["address_from_file"] is False
    moved = form.validate_address_confirmed("88 west schiller street chicago 60610", dispatcher,
                                            make_tracker(requested_slot="address_confirmed"), {})
    assert moved["address"] == "88 West Schiller Street, Chicago, 60610" and moved["address_confirmed"] is True
    assert moved["address_from_file"] is False
    # When the form starts it re-checks the address on file; that is not a new address.
    on_file = form.validate_address("88 West Schiller Street, Chicago, 60610", dispatcher,
                                    make_tracker({"address_from_file": True}), {})
    assert on_file == {"address": "88 West Schiller Street, Chicago, 60610", "zip_code": "60610"}


def test_emergency_is_offered_the_earliest_slot(actions_db, dispatcher):
    from actions.forms import ActionAskAppointmentTime

    events = ActionAskAppointmentTime().run(
        dispatcher, make_tracker({"urgency": "emergency", "service_slug": "gas_leak"}), {})
    offered = events[0]["value"]
    assert len(offered) == 1 and "The earliest I can get a plumber to you is" in said(dispatcher)
    result = form.validate_appointment_time("yes send someone", dispatcher,
                                            make_tracker({"offered_times": offered, "service_slug": "gas_leak",
                                                          "urgency": "emergency"}, text="yes send someone"), {})
    assert datetime.fromisoformat(result["appointment_time"]) == datetime.fromisoformat(offered[0])


def test_gas_smell_is_an_emergency_not_routine_gas_work(actions_db, dispatcher):
    smell = form.validate_problem("i smell gas in the kitchen", dispatcher, make_tracker(), {})
    assert (smell["service_slug"], smell["urgency"]) == ("gas_leak", "emergency")
    hookup = form.validate_problem("hook up a gas dryer", dispatcher, make_tracker(), {})
    assert (hookup["service_slug"], hookup["urgency"]) == ("gas_line", "routine")


def test_window_mode_speaks_arrival_windows(actions_db, dispatcher):
    from actions.forms import offer_sentence
    from business.profile import save_profile_data
    from business.models import BusinessSetting, utcnow
    from business.profile import PROFILE_KEY

    with session_factory(actions_db).begin() as session:
        data = dict(session.get(BusinessSetting, PROFILE_KEY).value)
        save_profile_data(session=session, data={**data, "booking": {**data["booking"], "mode": "window"}})
    with session_factory(actions_db)() as session:
        profile = load_profile(session=session)
    start = next_tuesday_at(8)
    text = offer_sentence([start.isoformat(), next_tuesday_at(11).isoformat()], profile, utcnow())
    assert "between 8 a.m. and 11 a.m., or" in text and "between 11 a.m. and 2 p.m." in text


def test_owner_blocked_time_is_not_offered(actions_db, dispatcher):
    """A block in the local calendar ("dentist 9-11") keeps callers out of that time."""
    from business.calendar.blocks import create_calendar_block

    tuesday = next_tuesday_at(9)
    with session_factory(actions_db).begin() as session:
        create_calendar_block(session=session, start=tuesday, end=tuesday.replace(hour=11), title="Dentist")
    tracker = make_tracker({"service_slug": "drain_cleaning"}, text="tuesday at 9")
    result = form.validate_appointment_time(tuesday.isoformat(), dispatcher, tracker, {})
    assert result["appointment_time"] is None
    offered = [datetime.fromisoformat(o).astimezone(CHI) for o in result["offered_times"]]
    duration = timedelta(minutes=60)  # drain cleaning
    assert offered and all(o >= tuesday.replace(hour=11) or o + duration <= tuesday for o in offered), offered


def test_address_confirmation_in_other_words(actions_db, dispatcher):
    on_file = make_tracker(requested_slot="address_confirmed")
    assert form.validate_address_confirmed("yep same place", dispatcher, on_file, {}) == {"address_confirmed": True}
    moved = form.validate_address_confirmed("no we moved", dispatcher, on_file, {})
    assert moved["address_confirmed"] is False and moved["address"] is None
    new = form.validate_address_confirmed("it's 2250 west chicago avenue 60622 now", dispatcher, on_file, {})
    assert new["address_confirmed"] is True and new["zip_code"] == "60622"
    unclear = form.validate_address_confirmed("what", dispatcher, on_file, {})
    assert unclear["address_confirmed"] is None and "Yes or no?" in said(dispatcher)

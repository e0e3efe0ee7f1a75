"""Corrections at any question and the ways out of a loop: a name, ZIP, house number or
phone said in passing changes that slot only and the read-back is repeated; a yes with more
words is a yes; two services that fit get one question; a form that gives up, an
out-of-area address or two unplaceable turns hand off with a lead and an owner alert."""
from __future__ import annotations

from sqlalchemy import select

from actions.forms import ActionAskProblem, ValidateAppointmentForm
from actions.handoff import ActionHandOff, ActionNotUnderstood
from business.db import session_factory
from business.models import Conversation, Lead, Notification
from tests.actions.conftest import make_tracker, said, signed_metadata

form = ValidateAppointmentForm()
READ_BACK = {"customer_name": "Maria Lopez", "phone": "+17735550111", "problem": "faucet leaking",
             "address": "2250 North Clark Street, 60614", "zip_code": "60614", "service_slug": "faucet_repair"}


def at_read_back(text: str, intent: str = "deny"):
    return make_tracker(text=text, intent=intent, known=READ_BACK, requested_slot="booking_confirmed")


def test_a_name_said_at_the_read_back_changes_the_name_only(dispatcher):
    tracker = at_read_back("no, my name is maria gonzalez")
    assert form.extract_customer_name(dispatcher, tracker, {}) == {"customer_name": "Maria Gonzalez"}
    assert form.extract_address(dispatcher, tracker, {}) == {}
    assert form.extract_phone(dispatcher, tracker, {}) == {}
    assert form.extract_booking_confirmed(dispatcher, tracker, {}) == {}


def test_a_zip_or_house_number_correction_changes_the_address(dispatcher):
    zip_fix = at_read_back("the zip is 60613 not 60614")
    assert form.extract_address(dispatcher, zip_fix, {}) == {"address": "2250 North Clark Street, 60613"}
    assert form.extract_customer_name(dispatcher, zip_fix, {}) == {}
    house = at_read_back("actually it's twenty two oh five not twenty two fifty")
    assert form.extract_address(dispatcher, house, {}) == {"address": "2205 North Clark Street, 60614"}


def test_a_phone_correction_at_another_question(dispatcher):
    tracker = make_tracker(text="oh and my number is three one two five five five zero one four two",
                           known=READ_BACK, requested_slot="appointment_time")
    assert form.extract_phone(dispatcher, tracker, {}) == {"phone": "+13125550142"}


def test_the_read_back_is_repeated_after_a_correction(actions_db, dispatcher):
    tracker = make_tracker({"customer_name": "Maria Gonzalez", "booking_confirmed": False},
                           text="no, my name is maria gonzalez", known=READ_BACK, requested_slot="booking_confirmed")
    assert form.validate_booking_confirmed(False, dispatcher, tracker, {}) == {"booking_confirmed": None}
    assert said(dispatcher) == ""  # no "what should I change?": the read-back comes again


def test_a_yes_with_more_words_is_a_yes(dispatcher):
    for text in ("yes go ahead and book it", "yeah that's right thanks", "uh yes please"):
        tracker = at_read_back(text, intent="cancel_appointment")
        assert form.extract_booking_confirmed(dispatcher, tracker, {}) == {"booking_confirmed": True}, text
    assert form.extract_booking_confirmed(dispatcher, at_read_back("yes but make it thursday"), {}) == {}


def test_the_opening_lines_full_name_is_kept(dispatcher):
    tracker = make_tracker(text="hi this is maria lopez my kitchen faucet is leaking", intent="book_appointment")
    assert form.extract_customer_name(dispatcher, tracker, {}) == {"customer_name": "Maria Lopez"}


def test_two_close_services_get_one_question_then_the_answer_decides(actions_db, dispatcher):
    first = form.validate_problem("the toilet is clogged and the sink is backed up", dispatcher,
                                  make_tracker(text="the toilet is clogged and the sink is backed up"), {})
    assert first["problem"] is None
    assert sorted(first["service_candidates"]["slugs"]) == ["drain_cleaning", "toilet_repair"]
    ActionAskProblem().run(dispatcher, make_tracker(known={"service_candidates": first["service_candidates"]}), {})
    assert said(dispatcher).startswith("Just so I send the right plumber: is this mainly")
    answer = form.validate_problem("mostly the toilet", dispatcher, make_tracker(
        text="mostly the toilet", known={"service_candidates": first["service_candidates"]}), {})
    assert answer["service_slug"] == "toilet_repair" and answer["service_candidates"] is None
    assert answer["problem"] == "the toilet is clogged and the sink is backed up"


def test_urgency_comes_from_what_is_described_not_the_service(actions_db, dispatcher):
    backed_up = form.validate_problem("my sink is backed up", dispatcher, make_tracker(text="my sink is backed up"), {})
    assert (backed_up["service_slug"], backed_up["urgency"]) == ("drain_cleaning", "routine")
    ceiling = form.validate_problem("water is coming through the ceiling", dispatcher,
                                    make_tracker(text="water is coming through the ceiling"), {})
    assert (ceiling["service_slug"], ceiling["urgency"]) == ("leak_repair", "emergency")


def test_a_form_that_gives_up_hands_off_with_a_lead_and_an_alert(actions_db, dispatcher):
    tracker = make_tracker({"needs_human": True}, known={**READ_BACK, "failed_attempts": {"appointment_time": 3}},
                           metadata=signed_metadata("phone", "+17735550111"))
    ActionHandOff().run(dispatcher, tracker, {})
    assert "call you back at (773) 555-0111" in said(dispatcher)
    with session_factory(actions_db)() as session:
        lead = session.scalars(select(Lead)).one()
        assert lead.name == "Maria Lopez" and "problem: faucet leaking" in lead.reason
        assert "address: 2250 North Clark Street, 60614" in lead.reason
        assert session.scalars(select(Conversation)).one().outcome == "handed_off"
        assert session.scalars(select(Notification).where(Notification.kind == "owner_lead")).all()


def test_out_of_area_ends_as_out_of_area_with_a_lead(actions_db, dispatcher):
    tracker = make_tracker({"needs_human": True}, known={"customer_name": "Lee Park", "phone": "+13125550100",
                                                        "failed_attempts": {"out_of_area": "90210"}})
    ActionHandOff().run(dispatcher, tracker, {})
    assert "can't send a plumber to 90210" in said(dispatcher)
    with session_factory(actions_db)() as session:
        assert "outside the service area (ZIP 90210)" in session.scalars(select(Lead)).one().reason
        assert session.scalars(select(Conversation)).one().outcome == "out_of_area"


def test_two_unplaceable_turns_in_a_row_hand_off(actions_db, dispatcher):
    fallback = {"intent": {"name": "nlu_fallback"}}
    once = make_tracker(text="blorp", intent="nlu_fallback", metadata=signed_metadata("phone", "+13125550188"))
    ActionNotUnderstood().run(dispatcher, once, {})
    assert dispatcher.messages[-1]["response"] == "utter_please_rephrase"
    twice = make_tracker(text="flarn", intent="nlu_fallback", metadata=signed_metadata("phone", "+13125550188"))
    twice.events.insert(0, {"event": "user", "text": "blorp", "parse_data": fallback})
    ActionNotUnderstood().run(dispatcher, twice, {})
    assert "passed everything you told me to the office" in said(dispatcher)
    with session_factory(actions_db)() as session:
        assert session.scalars(select(Lead)).one().phone == "+13125550188"


def test_the_whole_form_run_applies_a_correction_at_the_read_back(actions_db, dispatcher):
    from tests.actions.conftest import run_action

    tracker = make_tracker({"booking_confirmed": False}, text="no, my name is maria gonzalez", intent="deny",
                           known=READ_BACK, requested_slot="booking_confirmed")
    events = {e["name"]: e["value"] for e in run_action(form, tracker, dispatcher) if e.get("event") == "slot"}
    assert events["customer_name"] == "Maria Gonzalez"
    assert events["booking_confirmed"] is None
    assert "address" not in events and "phone" not in events


def test_the_whole_answer_beats_a_partial_name_tag(dispatcher):
    tracker = make_tracker({"customer_name": "chen"}, text="it's victor chen", requested_slot="customer_name")
    assert form.validate_customer_name("chen", dispatcher, tracker, {}) == {"customer_name": "Victor Chen"}


def test_an_unplaceable_opening_that_names_a_job_starts_the_booking(actions_db, dispatcher):
    tracker = make_tracker(text="hi the kitchen sink is backed up", intent="nlu_fallback")
    events = ActionNotUnderstood().run(dispatcher, tracker, {})
    assert {"event": "slot", "name": "problem", "value": "the kitchen sink is backed up", "timestamp": None} in events
    assert any(e.get("event") == "followup" and e.get("name") == "appointment_form" for e in events)
    assert dispatcher.messages == []
    flood = ActionNotUnderstood().run(dispatcher, make_tracker(text="uh a pipe burst and water is everywhere",
                                                               intent="nlu_fallback"), {})
    assert dispatcher.messages[-1]["response"] == "utter_emergency_safety"
    assert any(e.get("event") == "followup" for e in flood)


def test_digits_said_in_passing_do_not_replace_the_phone_or_the_zip(actions_db, dispatcher):
    from actions.corrections import address_zip

    tracker = make_tracker({"phone": "60610 not 60601", "zip_code": "3125550199"}, text="the zip is 60610 not 60601",
                           known=READ_BACK, requested_slot="booking_confirmed")
    assert form.validate_phone("60610 not 60601", dispatcher, tracker, {}) == {"phone": "+17735550111"}
    assert said(dispatcher) == ""
    assert address_zip(tracker) == "60614"


def test_a_correction_tagged_as_a_problem_keeps_the_problem_and_service(actions_db, dispatcher):
    tracker = make_tracker({"problem": "60614 not 60613"}, text="the zip is 60614 not 60613",
                           known={**READ_BACK, "problem": "the water heater is leaking"},
                           requested_slot="booking_confirmed")
    assert form.validate_problem("60614 not 60613", dispatcher, tracker, {}) == {
        "problem": "the water heater is leaking"}

"""The pure dispatch core: hard rules as properties (hypothesis), and the explanation and
emergency choice as examples."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from business.dispatch.engine import (
    TECHNICIAN_STATUSES,
    Booking,
    JobRequest,
    TechnicianState,
    decide,
    miles_between,
    place,
)

CHI = ZoneInfo("America/Chicago")
DAY = datetime(2026, 11, 24, tzinfo=CHI)  # a Tuesday
SKILLS = ("general", "drains", "water_heaters", "sewer")
ZIPS = ("60614", "60640", "60608", "60610", "60657", None)
BUFFER = timedelta(minutes=30)
STEP = timedelta(minutes=30)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


def job(start: datetime, latest: datetime | None = None, *, skill="general", minutes=60, zip_code="60610",
        emergency=False, after_hours=False, blocked=()) -> JobRequest:
    return JobRequest(skill=skill, duration=timedelta(minutes=minutes), earliest=start, latest=latest or start,
                      buffer=BUFFER, step=STEP, tz=CHI, zip_code=zip_code, emergency=emergency,
                      after_hours=after_hours, blocked=blocked)


half_hours = st.integers(min_value=0, max_value=40).map(lambda n: at(5) + n * STEP)


@st.composite
def bookings(draw):
    start = draw(half_hours)
    return Booking(start, start + draw(st.sampled_from([timedelta(minutes=m) for m in (30, 60, 90, 180)])),
                   draw(st.sampled_from(ZIPS)), draw(st.booleans()), draw(st.integers(1, 10_000)))


@st.composite
def technicians(draw):
    count = draw(st.integers(min_value=0, max_value=5))
    techs = []
    for tech_id in range(1, count + 1):
        shift_start = draw(st.integers(5, 12))
        shift = (at(shift_start), at(shift_start + draw(st.integers(2, 10))))
        techs.append(TechnicianState(
            id=tech_id, name=f"Tech {tech_id}",
            skills=frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=3))),
            home_zip=draw(st.sampled_from(ZIPS)),
            status=draw(st.sampled_from(TECHNICIAN_STATUSES)), active=draw(st.booleans()),
            shifts=(shift,) if draw(st.booleans()) else (),
            bookings=tuple(sorted(draw(st.lists(bookings(), max_size=4)), key=lambda b: b.start)),
        ))
    return techs


@st.composite
def jobs(draw):
    start = draw(half_hours)
    latest = start + draw(st.integers(0, 6)) * STEP
    return job(start, latest, skill=draw(st.sampled_from(SKILLS)), minutes=draw(st.sampled_from([30, 60, 120, 180])),
               zip_code=draw(st.sampled_from(ZIPS)), emergency=draw(st.booleans()), after_hours=draw(st.booleans()))


def clashes(tech: TechnicianState, start: datetime, end: datetime, emergency: bool) -> bool:
    return any(start < b.end + BUFFER and b.start < end + BUFFER
               for b in tech.bookings if b.emergency or not emergency)


@settings(max_examples=300, deadline=None)
@given(technicians(), jobs())
def test_never_assigns_an_unskilled_off_duty_or_double_booked_technician(techs, request):
    decision = decide(techs, request)
    for option in decision.ranked:
        tech = option.technician
        assert request.skill in tech.skills and tech.active and tech.status != "off"
        assert request.earliest <= option.start <= request.latest
        assert option.end - option.start == request.duration
        assert not clashes(tech, option.start, option.end, request.emergency)
        if not (request.emergency and request.after_hours):
            assert any(s <= option.start and option.end <= e for s, e in tech.shifts)
    # Everyone left out really cannot take the job at any allowed start.
    for tech, reason in decision.rejected:
        assert reason
        start = request.earliest
        while start <= request.latest:
            end = start + request.duration
            in_shift = any(s <= start and end <= e for s, e in tech.shifts) or (
                request.emergency and request.after_hours)
            assert not (request.skill in tech.skills and tech.active and tech.status != "off"
                        and in_shift and not clashes(tech, start, end, request.emergency))
            start += STEP
    assert len(decision.ranked) + len(decision.rejected) == len(techs)
    assert (decision.chosen is None) == (not decision.ranked)


@settings(max_examples=200, deadline=None)
@given(technicians(), jobs())
def test_same_input_same_decision_whatever_the_order(techs, request):
    first = decide(techs, request)
    again = decide(list(reversed(techs)), request)
    assert first.explanation == again.explanation and first.candidates == again.candidates
    assert (first.chosen and first.chosen.technician.id) == (again.chosen and again.chosen.technician.id)


@settings(max_examples=200, deadline=None)
@given(technicians(), jobs())
def test_emergency_goes_to_whoever_arrives_first(techs, request):
    emergency = job(request.earliest, request.latest, skill=request.skill, emergency=True, after_hours=True)
    decision = decide(techs, emergency)
    if decision.chosen is not None:
        assert decision.chosen.start == min(o.start for o in decision.ranked)


MIKE = TechnicianState(1, "Mike Alvarez", frozenset({"general", "water_heaters"}), "60614",
                       shifts=((at(7), at(17)),), bookings=(Booking(at(8), at(9), "60610", False, 11),))
TOM = TechnicianState(2, "Tom Okafor", frozenset({"general", "water_heaters"}), "60608",
                      shifts=((at(7), at(16)),))
SARAH = TechnicianState(3, "Sarah Chen", frozenset({"general", "sewer"}), "60640", shifts=((at(8), at(18)),))


def test_explanation_names_skill_time_distance_workload_and_why_not_the_others():
    decision = decide([SARAH, TOM, MIKE], job(at(11), at(13), skill="water_heaters", minutes=120, zip_code="60611"))
    assert decision.chosen.technician.name == "Mike Alvarez"
    lines = decision.explanation.splitlines()
    distance = miles_between("60610", "60611")
    assert lines[0] == (f"Chosen: Mike Alvarez: has the water_heaters skill, free 11:00-13:00, "
                        f"{distance:.1f} miles from their 8:00 job, 1 h booked that day (nearest with the lightest day).")
    assert lines[1].startswith("Not chosen: Tom Okafor: has the water_heaters skill, free 11:00-13:00, ")
    assert "from home ZIP 60608, 0 h booked that day" in lines[1]
    assert lines[2] == "Not chosen: Sarah Chen: lacks the water_heaters skill."
    assert [c["name"] for c in decision.candidates] == ["Mike Alvarez", "Tom Okafor", "Sarah Chen"]


def test_workload_balances_when_distances_are_close():
    busy = TechnicianState(1, "Busy", frozenset({"general"}), "60610", shifts=((at(7), at(18)),),
                           bookings=(Booking(at(7), at(10), "60610"), Booking(at(14), at(17), "60610")))
    idle = TechnicianState(2, "Idle", frozenset({"general"}), "60611", shifts=((at(7), at(18)),))
    decision = decide([busy, idle], job(at(11), zip_code="60610"))
    assert decision.chosen.technician.name == "Idle"  # about a mile farther but 6 h less booked


def test_travel_buffer_and_blocked_time_are_hard_rules():
    start, reason, _ = place(MIKE, job(at(9), at(12)))
    assert start == at(9, 30)  # his 8-9 job plus the 30 minute buffer
    assert place(MIKE, job(at(9)))[1] == "busy 8:00-9:00 plus 30 min travel buffer"
    assert place(TOM, job(at(9), blocked=((at(8), at(10)),)))[1] == "the business has that time blocked"
    assert place(TOM, job(at(16)))[1] == "not working then"
    assert place(TechnicianState(4, "Off", frozenset({"general"}), status="off", shifts=((at(7), at(17)),)),
                 job(at(9)))[1] == "off duty"


def test_emergency_takes_the_first_arrival_and_flags_the_displaced_job():
    decision = decide([MIKE, TOM], job(at(8, 30), at(20), skill="water_heaters", emergency=True, zip_code="60610"))
    # Mike is nearer and on a routine job: an emergency may push that aside, and both can
    # be there at 8:30, so the tie goes to whoever disturbs nothing.
    assert decision.chosen.technician.name == "Tom Okafor" and decision.chosen.start == at(8, 30)
    night = decide([MIKE], job(at(22), at(23), skill="water_heaters", emergency=True, after_hours=True))
    assert night.chosen.start == at(22)
    pushed = decide([MIKE], job(at(8, 30), at(20), skill="water_heaters", emergency=True))
    assert pushed.chosen.start == at(8, 30)
    assert [b.appointment_id for b in pushed.chosen.displaced] == [11]
    assert "their routine job(s) at 8:00-9:00 need moving" in pushed.explanation


def test_distances_come_from_the_offline_zip_table():
    assert 2.0 < miles_between("60614", "60640") < 4.0  # Lincoln Park to Uptown
    assert miles_between("60614", "00000") is None and miles_between(None, "60614") is None

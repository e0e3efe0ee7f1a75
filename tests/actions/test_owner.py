"""Owner requests: honoured on the signed owner channel or the owner's verified phone,
refused for anyone else with nothing revealed."""
from __future__ import annotations


from sqlalchemy import select

from actions.owner import NOT_OWNER, ActionOwnerBookForCustomer, ActionOwnerCancelForCustomer, ActionOwnerCheckSchedule
from business.db import session_factory
from business.models import Appointment
from business.profile import load_profile
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment
from tests.actions.conftest import make_tracker, next_tuesday_at, said, signed_metadata


def _time_entity(moment):
    return {"entity": "time", "value": moment.isoformat(), "extractor": "DucklingEntityExtractor"}


def _booked_day(url):
    with session_factory(url)() as session:
        customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
        book_appointment(session=session, profile=load_profile(session=session), customer=customer,
                         service=get_service_by_slug(session=session, slug="faucet_repair"), start=next_tuesday_at(9))
        session.commit()


def test_schedule_is_read_only_to_the_owner(actions_db, dispatcher):
    _booked_day(actions_db)
    day = next_tuesday_at(0)
    ask = dict(text="what's on for tuesday", intent="owner_check_schedule", entities=[_time_entity(day)])
    ActionOwnerCheckSchedule().run(dispatcher, make_tracker(**ask, metadata=signed_metadata("owner", None)), {})
    assert "You have 1 job" in said(dispatcher) and "9 a.m., faucet repair or replacement for Jessica Miller" in said(dispatcher)
    for metadata in ({"channel": "owner"}, signed_metadata("phone", "+17735550123"), {}):
        stranger = type(dispatcher)()
        ActionOwnerCheckSchedule().run(stranger, make_tracker(**ask, metadata=metadata), {})
        assert said(stranger) == NOT_OWNER


def test_owner_phone_can_ask_about_one_technician(actions_db, dispatcher):
    _booked_day(actions_db)
    tracker = make_tracker(text="who is sarah seeing tuesday", intent="owner_check_schedule",
                           entities=[_time_entity(next_tuesday_at(0))], metadata=signed_metadata("phone", "+13125550101"))
    ActionOwnerCheckSchedule().run(dispatcher, tracker, {})
    assert said(dispatcher).startswith("Sarah has")


def test_owner_books_and_cancels_for_a_customer(actions_db, dispatcher):
    with session_factory(actions_db)() as session:
        upsert_customer(session=session, phone="+13125550777", name="John Doe")
        session.commit()
    owner = signed_metadata("owner", None)
    start = next_tuesday_at(14)
    book = make_tracker(text="schedule john doe for a drain cleaning tuesday at 2pm", intent="owner_book_for_customer",
                        entities=[{"entity": "PERSON", "value": "John Doe"}, _time_entity(start)], metadata=owner)
    ActionOwnerBookForCustomer().run(dispatcher, book, {})
    assert "Booked drain cleaning for John Doe" in said(dispatcher)
    with session_factory(actions_db)() as session:
        appointment = session.scalars(select(Appointment)).one()
        assert appointment.start_at == start and appointment.source_channel == "owner"
    anonymous = make_tracker(text="cancel the john doe job", intent="owner_cancel_for_customer",
                             entities=[{"entity": "PERSON", "value": "John Doe"}])
    ActionOwnerCancelForCustomer().run(dispatcher, anonymous, {})
    cancel = make_tracker(text="cancel the john doe job", intent="owner_cancel_for_customer",
                          entities=[{"entity": "PERSON", "value": "John Doe"}], metadata=owner)
    ActionOwnerCancelForCustomer().run(dispatcher, cancel, {})
    with session_factory(actions_db)() as session:
        assert session.scalars(select(Appointment.status)).one() == "cancelled"
    assert said(dispatcher).count(NOT_OWNER) == 1


def test_owner_cancels_by_surname_without_a_recognised_name(actions_db, dispatcher):
    """Lowercase speech often has no PERSON entity: the surname said is enough when it is unique."""
    _booked_day(actions_db)
    with session_factory(actions_db)() as session:
        upsert_customer(session=session, phone="+13125550778", name="Ann Miller-Ross")
        session.commit()
    cancel = make_tracker(text="cancel the miller job", intent="owner_cancel_for_customer",
                          metadata=signed_metadata("owner", None))
    ActionOwnerCancelForCustomer().run(dispatcher, cancel, {})
    assert "Cancelled Jessica Miller's faucet repair" in said(dispatcher)
    with session_factory(actions_db)() as session:
        assert session.scalars(select(Appointment.status)).one() == "cancelled"

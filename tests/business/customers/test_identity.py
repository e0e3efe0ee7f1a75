"""Matching a caller to a customer: caller ID alone when verified, otherwise the name on
file must come with the number."""
from __future__ import annotations

from datetime import timedelta

import pytest

from business.customers.identity import customer_for_booking, identify_customer, last_visit, names_match, next_appointment
from business.repository import get_service_by_slug, upsert_customer
from business.scheduling import book_appointment, cancel_appointment
from tests.actions.conftest import next_tuesday_at


@pytest.mark.parametrize("said, expected", [
    ("jessica miller", True), ("Miller, Jessica", True), ("um it's jessica miller", True),
    ("jessica", False), ("miller", False), ("jessica smith", False), ("", False),
])
def test_names_match_needs_first_and_last_name(said, expected):
    assert names_match("Jessica Miller", said) is expected


def test_identify_by_caller_id_or_by_name_and_number(session):
    customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
    assert identify_customer(session=session, phone="+13125550199", caller_id_trusted=True) == customer
    assert identify_customer(session=session, phone="+13125550199", name="jessica miller") == customer
    assert identify_customer(session=session, phone="+13125550199") is None
    assert identify_customer(session=session, phone="+13125550199", name="tom becker") is None
    assert identify_customer(session=session, phone="+17735550123", name="jessica miller") is None


def test_next_appointment_and_last_visit(session, profile):
    customer = upsert_customer(session=session, phone="+13125550199", name="Jessica Miller")
    faucet = get_service_by_slug(session=session, slug="faucet_repair")
    first, second = next_tuesday_at(9), next_tuesday_at(9) + timedelta(days=7)
    booked = [book_appointment(session=session, profile=profile, customer=customer, service=faucet, start=start,
                               now=first - timedelta(days=1)) for start in (first, second)]
    assert next_appointment(session=session, customer=customer, now=first - timedelta(days=1)) == booked[0]
    assert next_appointment(session=session, customer=customer, now=first + timedelta(hours=3)) == booked[1]
    assert last_visit(session=session, customer=customer, now=first + timedelta(hours=3)) == booked[0]
    cancel_appointment(session=session, appointment=booked[0])
    assert next_appointment(session=session, customer=customer, now=first - timedelta(days=1)) == booked[1]
    assert last_visit(session=session, customer=customer, now=first + timedelta(hours=3)) is None


def test_a_booking_keeps_a_real_email_and_drops_a_misheard_one(session):
    kept = customer_for_booking(session=session, phone="+13125550401", name="Maria Lopez",
                                email=" Maria.Lopez@Example.com ")
    dropped = customer_for_booking(session=session, phone="+13125550402", name="Tom Reed", email="tom at gmail")
    assert (kept.email, dropped.email) == ("Maria.Lopez@example.com", None)


def test_an_unverified_caller_never_takes_over_a_number_on_file(session):
    upsert_customer(session=session, phone="+13125550403", name="Jessica Miller", address="1420 N Lake Shore Dr")
    assert customer_for_booking(session=session, phone="+13125550403", name="Someone Else",
                                address="9 Elm St") is None
    same = customer_for_booking(session=session, phone="+13125550403", name="jessica miller", email="j@example.com")
    assert (same.name, same.address, same.email) == ("Jessica Miller", "1420 N Lake Shore Dr", "j@example.com")

"""Addresses parsed with usaddress and checked against the service area."""
import pytest

from business.customers.addresses import in_service_area, parse_address


@pytest.mark.parametrize("raw, street, zip_code", [
    ("1420 north lake shore drive chicago 60610", "1420 North Lake Shore Drive", "60610"),
    ("1420 N Lake Shore Dr, Chicago, IL 60610", "1420 N Lake Shore Dr", "60610"),
    ("it is 55 west wacker drive apartment 4 60601", "55 West Wacker Drive Apartment 4", "60601"),
    ("my address is 742 evergreen terrace", "742 Evergreen Terrace", None),
])
def test_parse_address(raw, street, zip_code):
    address = parse_address(raw)
    assert address is not None
    assert (address.street, address.zip_code) == (street, zip_code)


@pytest.mark.parametrize("raw", ["my kitchen", "", "x" * 400, "yes"])
def test_not_an_address(raw):
    assert parse_address(raw) is None


def test_service_area(profile):
    assert in_service_area(profile, "60610")
    assert not in_service_area(profile, "90210")
    assert not in_service_area(profile, None)

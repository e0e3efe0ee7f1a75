"""Spoken numbers as recognizers write them become digits for phone, ZIP, address and time."""
import pytest

from business.customers.addresses import parse_address
from business.customers.contacts import normalize_phone
from business.understanding.spoken_numbers import normalize_spoken_numbers, spoken_digits


@pytest.mark.parametrize(("said", "mode", "written"), [
    ("three one two five five five zero one four two", "digits", "3125550142"),
    ("six oh six one four", "digits", "60614"),
    ("double five", "digits", "55"),
    ("triple seven", "digits", "777"),
    ("twenty twenty two", "digits", "2022"),
    ("nineteen", "digits", "19"),
    ("one hundred and five", "digits", "105"),
    ("twenty two fifty north clark street", "address", "2250 north clark street"),
    ("apartment four six oh six oh one", "address", "apartment 4 60601"),
    ("seven thirty pm tomorrow", "time", "7:30 pm tomorrow"),
    ("ten o five in the morning", "time", "10:05 in the morning"),
    ("from two to five", "time", "from 2 to 5"),
    # Words that only sound like digits stay words away from other numbers.
    ("it is for two people", "digits", "it is for 2 people"),
    ("oh no", "digits", "oh no"),
    ("double check it", "digits", "double check it"),
    ("the zip is 60614 not 60641", "address", "the zip is 60614 not 60641"),
    ("apartment 4 60601", "address", "apartment 4 60601"),
    ("", "digits", ""),
])
def test_spoken_numbers_are_written_as_digits(said, mode, written):
    assert normalize_spoken_numbers(said, mode=mode) == written


@pytest.mark.parametrize(("said", "digits"), [
    ("uh it's three one two, um, five five five, oh one four two", "3125550142"),
    ("three one two double five five oh one four two", "3125550142"),
    ("three one for two", "3142"),  # "for" between digits is a recognizer's four
    ("312 five five five 0142", "3125550142"),
    ("six zero six one four", "60614"),
])
def test_spoken_digits_mixes_words_and_digits(said, digits):
    assert spoken_digits(said) == digits


@pytest.mark.parametrize(("said", "e164"), [
    ("three one two five five five zero one four two", "+13125550142"),
    ("my number is three one two, double five five, oh one four two", "+13125550142"),
    ("uh seven seven three, two oh two, triple five oh", "+17732025550"),
    ("(312) 555-0142", "+13125550142"),
    ("three one two five five five", None),  # too short: still refused
    ("hello there", None),
])
def test_phone_numbers_said_in_words(said, e164):
    assert normalize_phone(said) == e164


@pytest.mark.parametrize(("said", "street", "zip_code"), [
    ("twenty two fifty north clark street chicago six oh six one four", "2250 North Clark Street", "60614"),
    ("one four two oh west addison street six oh six one three", "1420 West Addison Street", "60613"),
    ("it's one hundred twenty three main street six zero six zero one", "123 Main Street", "60601"),
])
def test_addresses_said_in_words(said, street, zip_code):
    address = parse_address(said)
    assert address is not None
    assert (address.street, address.zip_code) == (street, zip_code)

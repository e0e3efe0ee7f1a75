"""Phone, email and name normalisation for what callers say."""
import pytest

from business.customers.contacts import normalize_email, normalize_name, normalize_phone, spoken_phone


@pytest.mark.parametrize("raw, expected", [
    ("312 555 0199", "+13125550199"),
    ("(312) 555-0199", "+13125550199"),
    ("+1 312 555 0199", "+13125550199"),
    ("3125550199", "+13125550199"),
    ("555 0199", None),
    ("call me maybe", None),
    ("", None),
])
def test_normalize_phone(raw, expected):
    assert normalize_phone(raw) == expected


def test_spoken_phone_reads_in_groups():
    assert spoken_phone("+13125550199") == "(312) 555-0199"


@pytest.mark.parametrize("raw, expected", [
    ("um my name is jessica miller", "Jessica Miller"),
    ("this is Robert Brown", "Robert Brown"),
    ("Jessica", "Jessica"),
    ("1420 lake shore", None),
    ("", None),
    ("a b c d e f g", None),
    ("um, jessica miller", "Jessica Miller"),
    ("Jessica Miller, thank you.", "Jessica Miller"),
    ("hi it's Grace", "Grace"),
])
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected


@pytest.mark.parametrize("raw", [
    "Yes", "yes.", "no", "Okay!", "ok", "sure", "yeah", "yep", "nope", "hello", "hi", "um", "uh",
    "thanks", "thank you", "yes please", "uh huh", "no thanks", "okay sure", "um yeah okay", "my name is yes",
])
def test_answers_that_are_only_non_name_words_are_not_names(raw):
    assert normalize_name(raw) is None


@pytest.mark.parametrize("raw, expected", [
    ("Will", "Will"), ("grace", "Grace"), ("Hope Jones", "Hope Jones"), ("Will Sure", "Will Sure"),
    ("Joy", "Joy"), ("yes, Noah", "Noah"),
])
def test_real_names_that_look_like_words_are_kept(raw, expected):
    assert normalize_name(raw) == expected


def test_normalize_email():
    assert normalize_email(" Jessica.Miller@Example.com ") == "Jessica.Miller@example.com"
    assert normalize_email("jessica at example") is None

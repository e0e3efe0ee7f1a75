"""How long the bridge keeps listening, judged from the words so far."""
from __future__ import annotations

import pytest

from voice_bridge.turn_taking import Patience, reading_out_digits

PATIENCE = Patience(finished=300, unsure=500, unfinished=1000)


@pytest.mark.parametrize("text", [
    "What are your hours on Saturday?",
    "My zip code is 60614.",
    "Can someone come at 9.",
    "My number is 312-555-0199.",
    "Yes!",
])
def test_a_finished_sentence_ends_the_turn_soonest(text):
    assert PATIENCE.after(text) == 300


@pytest.mark.parametrize("text", [
    "I need a plumber and",
    "My name is, um",
    "so",
    "the address is 1420",
    "my number is 312 555",
    "It's 312-555.",
    "I was wondering if...",
])
def test_a_filler_conjunction_or_half_read_number_buys_more_time(text):
    assert PATIENCE.after(text) == 1000


@pytest.mark.parametrize("text", [None, "", "  ", "Jessica Miller", "yeah that works", "Do you fix water heaters,"])
def test_without_a_transcript_or_closing_punctuation_the_default_applies(text):
    assert PATIENCE.after(text) == 500


def test_zip_codes_and_whole_phone_numbers_are_not_half_read():
    assert not reading_out_digits("it's 60614")
    assert not reading_out_digits("3125550199")
    assert reading_out_digits("three one two 555")  # only the digits count: 3
    assert not reading_out_digits("at 9")

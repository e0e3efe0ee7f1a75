"""A handful of bench/dialogue_eval.py's scripted calls in the test suite: recognizer-style
callers (digits as words, corrections, a yes with more words, a hang-up mid-form, an
out-of-area address) over the REST channel, each checked in the database afterwards."""
from __future__ import annotations

import pytest

from bench.dialogue_eval import run
from bench.dialogue_scenarios import scenarios
from tests.e2e.conftest import SECRET_KEY

pytestmark = pytest.mark.e2e

CHOSEN = ("T02-book-digits", "T06-fix-name", "T11-ceiling", "T18-cancel-yes-words", "T24-out-of-area",
          "T25-hangup")


@pytest.mark.parametrize("scenario_id", CHOSEN)
def test_scripted_call_ends_in_the_right_record(stack, scenario_id):
    [scenario] = [s for s in scenarios() if s.id == scenario_id]
    # The shared stack keeps its one plumber on duty (other tests count on it); these
    # scenarios need only his skills.
    [result] = run(stack, [scenario], SECRET_KEY, staff=False)
    transcript = "\n".join(f"{who}: {text}" for who, text in result.transcript)
    assert result.passed, f"{result.problems}\n{transcript}"
    assert result.caller_turns <= 16

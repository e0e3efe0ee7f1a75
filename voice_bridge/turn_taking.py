"""How long to keep listening after the caller goes quiet, judged from what they said so
far. "…on Friday." is finished; "my number is three one two…", "and um" are not. A finished
sentence ends the turn early; a trailing "and" or "um" buys the caller more time."""
from __future__ import annotations

import re
from dataclasses import dataclass

# Words nobody ends a request on: fillers, conjunctions, articles, prepositions.
UNFINISHED_ENDINGS = frozenset(
    "um uh er erm hmm and or but so because the a an my our your is are was it's its to at on in "
    "for of with from like about then if that this".split()
)
LAST_WORD = re.compile(r"([A-Za-z']+|\d+)\W*$")
# Digits at the end, in groups: "312 555", "312-555-01".
TRAILING_DIGITS = re.compile(r"(\d[\d\s-]*)\W*$")


@dataclass(frozen=True)
class Patience:
    """Silence, in ms, that ends a turn."""

    finished: int = 300  # the words so far end a sentence
    unsure: int = 500  # no transcript yet, or it could go either way
    unfinished: int = 1000  # a filler, a conjunction, a number being read out

    def after(self, text: str | None) -> int:
        if not text or not text.strip():
            return self.unsure
        stripped = text.strip()
        word = LAST_WORD.search(stripped)
        last = word.group(1).lower() if word else ""
        # Whisper's own trailing comma is weak evidence; an ellipsis or a dash is not.
        if last in UNFINISHED_ENDINGS or stripped.endswith(("...", "-")):
            return self.unfinished
        if last.isdigit() and reading_out_digits(stripped):
            return self.unfinished
        return self.finished if stripped.endswith((".", "?", "!")) else self.unsure


def reading_out_digits(text: str) -> bool:
    """A phone number or house number cut short: 3-9 digits at the end, not a ZIP code."""
    run = TRAILING_DIGITS.search(text)
    digits = re.sub(r"\D", "", run.group(1)) if run else ""
    return 3 <= len(digits) <= 9 and len(digits) != 5

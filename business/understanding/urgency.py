"""Whether a caller's problem is an emergency, decided on its own from what they describe
(water actively flowing, sewage in the house, a gas smell, no water at all, no heat in
winter, or the caller saying so), never as a side effect of which service matched."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from business.understanding.service_matching import similar

# Each reason lists word sequences heard in order (other words may sit between them, at
# most two); "*" stands for any one word.
SIGNALS: dict[str, list[str]] = {
    "water flowing": [
        "water everywhere", "pouring", "gushing", "spraying", "flooding", "flooded", "flood",
        "burst", "bursted", "busted pipe", "pipe broke", "water won't stop", "won't stop leaking",
        "won't stop pouring", "can't shut", "cant shut", "can't turn off", "won't shut off",
        "through the ceiling", "from the ceiling", "ceiling is dripping", "ceiling leaking",
        "coming through ceiling", "water is rising", "overflowing",
    ],
    "sewage in the house": [
        "sewage", "sewer backing", "sewer coming", "sewer basement", "sewer water",
        "poop water", "raw sewage", "toilet water floor",
        # Every drain at once is the main line, so sewage is on its way in.
        "every drain backed", "all drains backed", "all the drains backed", "every drain backing",
    ],
    "gas smell": [
        "smell gas", "smells gas", "smelling gas", "gas smell", "gas leak", "leaking gas",
        "rotten egg", "smell like gas", "smells like gas", "gas odor", "hissing gas",
    ],
    "no water at all": [
        "no water", "no running water", "water stopped", "nothing comes out", "nothing coming out",
        "water is off", "water's off", "don't have water", "dont have water", "lost water", "without water",
    ],
    "no heat in winter": ["no heat", "heat is out", "heat went out", "boiler died", "boiler broke",
                          "boiler not working", "heat not working", "freezing cold house"],
    "caller says so": ["emergency", "urgent", "right away", "asap"],
}
# Reasons that only hold in the cold months (a broken boiler in July can wait a day).
WINTER_ONLY = {"no heat in winter"}
WINTER_MONTHS = {11, 12, 1, 2, 3}
# "not an emergency", "no hot water" (hot water is a water-heater job, not no water).
NEGATIONS = ("not an emergency", "not urgent", "no emergency", "isn't an emergency", "isnt an emergency",
             "not really an emergency", "no hot water", "no water pressure problem")


@dataclass(frozen=True)
class Urgency:
    level: str            # "emergency" or "routine"
    reason: str | None    # which signal decided, for the owner's summary


def _tokens(text: str) -> list[str]:
    return (text or "").lower().replace("’", "'").replace(",", " ").replace(".", " ").split()


def _heard_in_order(signal: list[str], heard: list[str], *, gap: int = 2) -> bool:
    """The signal's words appear in this order with at most `gap` other words between them."""
    for start, word in enumerate(heard):
        if signal[0] != "*" and similar(word, signal[0]) == 0.0:
            continue
        position, ok = start, True
        for wanted in signal[1:]:
            window = heard[position + 1: position + 2 + gap]
            hit = next((i for i, w in enumerate(window) if wanted == "*" or similar(w, wanted) > 0.0), None)
            if hit is None:
                ok = False
                break
            position += 1 + hit
        if ok:
            return True
    return False


def assess_urgency(text: str, *, now: datetime | None = None) -> Urgency:
    lowered = " ".join(_tokens(text))
    for negation in NEGATIONS:
        lowered = lowered.replace(negation, " ")
    # Hot water missing is a water-heater job; only plain water missing is "no water".
    lowered = lowered.replace("hot water", "hot-water")
    heard = lowered.split()
    month = (now or datetime.now()).month
    for reason, signals in SIGNALS.items():
        if reason in WINTER_ONLY and month not in WINTER_MONTHS:
            continue
        if any(_heard_in_order(signal.split(), heard) for signal in signals):
            return Urgency("emergency", reason)
    return Urgency("routine", None)

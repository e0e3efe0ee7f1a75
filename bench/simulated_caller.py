"""A scripted caller for bench/dialogue_eval.py: answers whatever the assistant asks from
its persona's facts, the way a speech recognizer writes speech (lowercase, fillers, digits
as words, misspellings), with the corrections and mid-form questions its scenario asks for."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

DIGITS = "zero one two three four five six seven eight nine".split()
# What recognizers really write for plumbing words (Vosk and Whisper transcripts).
MISHEARD = {"faucet": "fawcet", "disposal": "dispozal", "heater": "heeter", "toilet": "toilit",
            "clogged": "clogd", "leaking": "leakin", "sewer": "sower", "drain": "drane"}
FILLERS = ("um", "uh", "yeah", "so", "okay")
# A ZIP misheard as a neighbouring one that is also served, corrected at the read-back.
WRONG_ZIP = {"60614": "60613", "60613": "60614", "60610": "60601", "60622": "60612", "60640": "60660"}


@dataclass
class Persona:
    name: str
    phone: str           # ten digits
    street: str          # "2250 north clark street"
    zip_code: str
    problem: str         # the caller's own description
    when: str            # "tomorrow at 10 am"


@dataclass
class Scenario:
    id: str
    kind: str            # book, emergency, check, cancel, reschedule, faq, price, area, callback,
    #                      hangup, out_of_area, gibberish, owner_check, owner_book, owner_cancel
    persona: Persona
    expect: dict
    channel: str = "phone"          # phone (signed caller ID), web (anonymous), owner
    opening: str | None = None      # the first thing said; default from the kind
    quirks: frozenset = frozenset()  # see SimulatedCaller
    held_out: bool = False
    setup: str | None = None         # "appointment": the persona already has one booked


def spoken_digits(digits: str, rng: random.Random) -> str:
    """'3125550142' -> 'three one two double five five oh one four two' (sometimes)."""
    words, i = [], 0
    while i < len(digits):
        d = int(digits[i])
        if i + 1 < len(digits) and digits[i + 1] == digits[i] and rng.random() < 0.4:
            words += ["double", DIGITS[d]]
            i += 2
            continue
        words.append("oh" if d == 0 and rng.random() < 0.5 else DIGITS[d])
        i += 1
    return " ".join(words)


def spoken_house_number(number: str) -> str:
    """'2250' -> 'twenty two fifty', '420' -> 'four twenty', as people say house numbers."""
    tens = "twenty thirty forty fifty sixty seventy eighty ninety".split()
    teens = ("ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen").split()

    def two(n: int) -> str:
        if n < 10:
            return f"oh {DIGITS[n]}"
        if n < 20:
            return teens[n - 10]
        return tens[n // 10 - 2] + ("" if n % 10 == 0 else f" {DIGITS[n % 10]}")

    if len(number) == 4 and number[0] != "0":
        return f"{two(int(number[:2]))} {two(int(number[2:]))}"
    if len(number) == 3:
        return f"{DIGITS[int(number[0])]} {two(int(number[1:]))}"
    return " ".join(DIGITS[int(c)] for c in number)


@dataclass
class SimulatedCaller:
    """Quirks: digits (numbers as words), misspell, fillers, opening_name, fix_name, fix_zip,
    fix_time, faq_midform, yes_words, hangup_after_phone, unsure_time."""

    scenario: Scenario
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    said_goal: bool = False
    corrected: bool = False
    asked_faq: bool = False
    done: bool = False
    was_unsure: bool = False
    turns: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.scenario.id)
        self.name = self.scenario.persona.name
        if "fix_name" in self.scenario.quirks:
            # First says a name the recognizer got wrong, then corrects it at the read-back.
            self.name = self.name.split()[0] + " " + "Lopes"

    # How this caller talks
    def _talk(self, text: str) -> str:
        text = text.lower()
        if "misspell" in self.scenario.quirks:
            text = " ".join(MISHEARD.get(w, w) for w in text.split())
        if "fillers" in self.scenario.quirks and self.rng.random() < 0.5:
            text = f"{self.rng.choice(FILLERS)} {text}"
        return re.sub(r"[^\w\s'-]", "", text)

    def _number(self, digits: str) -> str:
        return spoken_digits(digits, self.rng) if "digits" in self.scenario.quirks else digits

    def _address(self) -> str:
        p = self.scenario.persona
        number, rest = p.street.split(" ", 1)
        house = spoken_house_number(number) if "digits" in self.scenario.quirks else number
        zip_code = WRONG_ZIP[p.zip_code] if "fix_zip" in self.scenario.quirks else p.zip_code
        return f"{house} {rest} {self._number(zip_code)}"

    def opening(self) -> str:
        s, p = self.scenario, self.scenario.persona
        if s.opening:
            return self._talk(s.opening)
        self.said_goal = s.kind in {"book", "emergency", "hangup", "out_of_area"}
        if s.kind in {"book", "emergency", "hangup", "out_of_area"}:
            intro = f"hi this is {p.name} " if "opening_name" in s.quirks else "hi "
            return self._talk(f"{intro}{p.problem}")
        return self._talk("hi")

    def reply(self, bot: str) -> str | None:
        """The caller's next words, or None to hang up."""
        self.turns += 1
        s, p = self.scenario, self.scenario.persona
        b = bot.lower()
        if self.done:
            return None
        if "hangup_after_phone" in s.quirks and ("what day and time" in b or "nearest free time" in b
                                                  or "i can do" in b or "earliest" in b):
            return None  # the line drops once the details are given
        if self.said_goal and "?" not in bot and ("call you back" in b or "call the office" in b or "call you at" in b):
            self.done = True  # handed off: the caller says goodbye
            return self._talk("okay thanks bye")
        if s.kind == "gibberish" and self.said_goal:
            return self.gibberish() if "have a good day" not in b else None
        if any(w in b for w in ("have a good day", "thanks for calling lakeshore plumbing. have")):
            return None
        if "faq_midform" in s.quirks and not self.asked_faq and ("phone number" in b or "what day" in b):
            self.asked_faq = True
            return self._talk("wait how much do you charge to come out")
        if "say it another way" in b or "how can i help you today" in b:
            # A real caller rephrases plainly, or says what they came for.
            self.said_goal = True
            if s.kind in {"book", "emergency", "hangup", "out_of_area"}:
                return self._talk(f"i need a plumber {p.problem}")
            return self._goal()
        if "is this mainly" in b:
            return self._talk(f"it's the {p.problem.split()[-1]}")
        if "first and last name" in b or "what name is the appointment under" in b:
            return self._talk(f"it's {self.name}" if self.rng.random() < 0.5 else self.name)
        if "phone number" in b or "number to reach" in b or "number for the office" in b or "what number" in b \
                or "area code" in b:
            return self._talk(f"it's {self._number(p.phone)}")
        if "going on with your plumbing" in b or "didn't catch that. what's going on" in b:
            return self._talk(p.problem)
        if "should the plumber come to" in b:
            return self._talk("yes same place")
        if "zip code" in b and "outside" not in b:
            return self._talk(self._number(p.zip_code))
        if "outside the area" in b or "different address" in b:
            return self._talk("no that's the only address")
        if "address" in b and ("where you need" in b or "street number" in b):
            return self._talk(self._address())
        if "what day and time" in b or "earliest time someone" in b or "what day and time would suit" in b:
            if "unsure_time" in s.quirks and not self.was_unsure:
                self.was_unsure = True  # one vague answer, then a real time
                return self._talk("whenever really")
            return self._talk(s.expect.get("move_to", p.when))
        if "shall i book it" in b or "shall i make that change" in b:
            return self._read_back(b)
        if any(k in b for k in ("nearest free time", "i can do", "earliest i can get", "does that work",
                                "which works better")):
            return self._talk("yeah the first one works")
        if "would you like me to cancel it" in b:
            return self._talk("yes go ahead and cancel that" if "yes_words" in s.quirks else "yes please")
        if "anything else" in b or "what else can i help" in b:
            if not self.said_goal:
                return self._goal()
            self.done = True
            return self._talk("no that's all thanks bye")
        if not self.said_goal:
            return self._goal()
        if s.kind == "gibberish":
            return self.gibberish()
        if "?" not in bot and s.kind in {"faq", "price", "area", "check", "owner_check", "owner_book",
                                         "owner_cancel"}:
            self.done = True  # the question was answered
            return self._talk("okay thanks that's all bye")
        if "?" not in bot and s.kind in {"book", "emergency"} and "call you" not in b:
            return self._talk("okay can i book someone to come out for that")
        if "call you" in b or "call the office" in b or "office will call" in b:
            self.done = True
            return self._talk("okay thanks bye")
        return self._talk("sorry what was that")

    def _read_back(self, bot: str) -> str:
        s, p = self.scenario, self.scenario.persona
        if not self.corrected:
            if "fix_name" in s.quirks:
                self.corrected, self.name = True, p.name
                return self._talk(f"no my name is {p.name}")
            if "fix_zip" in s.quirks:
                self.corrected = True
                return self._talk(f"the zip is {self._number(p.zip_code)} not {self._number(WRONG_ZIP[p.zip_code])}")
            if "fix_time" in s.quirks:
                self.corrected = True
                return self._talk(s.expect.get("fix_time_words", "no wait make it thursday at 2 pm instead"))
        return self._talk("yes go ahead and book it" if "yes_words" in s.quirks else "yes")

    def _goal(self) -> str:
        """What the caller came for, once the assistant asks how it can help."""
        self.said_goal = True
        s, p = self.scenario, self.scenario.persona
        goals = {
            "check": "when is my appointment", "cancel": "i need to cancel my appointment",
            "reschedule": "i need to move my appointment", "faq": "what are your hours",
            "price": "how much is a drain cleaning", "area": f"do you come out to {p.zip_code}",
            "callback": "i just want someone to call me back", "gibberish": "blorp zzz flarn",
            "owner_check": "what's on the schedule tomorrow",
            "owner_book": f"schedule {p.name} for a drain cleaning {p.when}",
            "owner_cancel": f"cancel {p.name}'s appointment",
        }
        return self._talk(goals.get(s.kind, p.problem))

    def gibberish(self) -> str:
        return self.rng.choice(["hmm blorp the the", "zzz krrk", "mmm fnord wibble", "ah eh oh"])

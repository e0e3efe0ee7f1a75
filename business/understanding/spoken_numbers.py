"""Numbers as speech recognizers write them ("six oh six one four", "double five",
"twenty twenty two") turned into digits before phone, ZIP, address and time validation.
text2num's alpha2digit does the arithmetic; this module only finds the spoken runs."""
from __future__ import annotations

import re

from text_to_num import alpha2digit

UNITS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9}
NUMBER_WORDS = set(UNITS) | {
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand",
}
# Recognizer homophones of digits, trusted only next to other number words ("for" alone
# is a preposition; "three one for two" is a digit string).
HOMOPHONES = {"oh": "zero", "o": "zero", "owe": "zero", "won": "one", "to": "two", "too": "two",
              "tree": "three", "for": "four", "fore": "four", "ate": "eight", "nein": "nine",
              "fourty": "forty"}
REPEATS = {"double": 2, "triple": 3}
FILLERS = {"uh", "um", "umm", "uhm", "er", "erm", "like"}
# Joiners that may sit inside one spoken number ("one hundred and five", "three-one-two").
TOKEN = re.compile(r"[a-z]+|\d+|[^\sa-z\d]+|\s+", re.I)


def _kind(word: str) -> str:
    lowered = word.lower()
    if word.isdigit():
        return "digits"
    if lowered in NUMBER_WORDS:
        return "number"
    if lowered in HOMOPHONES:
        return "homophone"
    if lowered in REPEATS:
        return "repeat"
    if lowered in FILLERS:
        return "filler"
    if lowered == "and":
        return "and"
    return "other"


def _runs(text: str, mode: str) -> list[tuple[bool, list[str]]]:
    """Splits text into (is_spoken_number, tokens) pieces. A spoken run holds number words,
    homophones next to number words, double/triple before a number, and fillers, spaces,
    commas and hyphens between them."""
    tokens = TOKEN.findall(text)
    words = [(i, _kind(t)) for i, t in enumerate(tokens) if not t.isspace() and t not in {",", "-", "."}]
    numeric = {i for i, kind in words if kind in {"number", "digits"}}
    # "oh" counts next to a number ("six oh six", "oh five"); another homophone only between
    # two numbers ("three one for two", not "for two people"), and never in a time
    # ("from two to five").
    changed = True
    while changed:
        changed = False
        for pos, (i, kind) in enumerate(words):
            if i in numeric or kind not in {"homophone", "repeat"}:
                continue
            neighbours = [words[p][0] for p in (pos - 1, pos + 1, pos - 2, pos + 2) if 0 <= p < len(words)
                          and (abs(p - pos) == 1 or words[(p + pos) // 2][1] == "filler")]
            lowered = tokens[i].lower()
            if kind == "repeat":
                # "double five": only before a number.
                hit = any(n in numeric for n in neighbours if n > i)
            elif HOMOPHONES[lowered] == "zero":
                hit = any(n in numeric for n in neighbours)
            else:
                hit = mode != "time" and any(n < i for n in neighbours if n in numeric) \
                    and any(n > i for n in neighbours if n in numeric)
            if hit:
                numeric.add(i)
                changed = True
    spoken_only = {i for i in numeric if not tokens[i].isdigit()}
    pieces: list[tuple[bool, list[str]]] = []
    for i, token in enumerate(tokens):
        inside = i in spoken_only or (
            pieces and pieces[-1][0] and (token.isspace() or token in {",", "-"} or _kind(token) in {"filler", "and"})
        )
        if pieces and pieces[-1][0] == bool(inside):
            pieces[-1][1].append(token)
        else:
            pieces.append((bool(inside), [token]))
    # Trailing separators belong outside ("five five five, and then").
    result: list[tuple[bool, list[str]]] = []
    for spoken, toks in pieces:
        if spoken:
            tail = []
            while toks and (toks[-1].isspace() or toks[-1] in {",", "-"} or _kind(toks[-1]) in {"filler", "and"}):
                tail.insert(0, toks.pop())
            result.append((True, toks))
            if tail:
                result.append((False, tail))
        else:
            result.append((False, toks))
    return result


def _groups(tokens: list[str]) -> list[str]:
    """The digit groups one spoken run says: "double five oh" -> ["5", "5", "0"]."""
    words: list[str] = []
    repeat = 1
    for token in tokens:
        kind = _kind(token)
        if token.isspace() or token in {",", "-"} or kind == "filler":
            continue
        lowered = token.lower()
        if kind == "repeat":
            repeat = REPEATS[lowered]
            continue
        word = HOMOPHONES.get(lowered, lowered)
        if repeat > 1 and word in UNITS:
            # "double five" is two digits, never "five five" read as fifty-five.
            words.extend(["|", word] * repeat)
            words.append("|")
        else:
            words.append(word)
        repeat = 1
    groups: list[str] = []
    for chunk in " ".join(words).split("|"):
        if chunk.strip():
            groups.extend(alpha2digit(chunk.strip(), "en", threshold=0).split())
    return [g for g in groups if g.isdigit()]


def _join(groups: list[str], mode: str) -> str:
    if mode == "time" and len(groups) == 2 and 1 <= int(groups[0]) <= 12 and len(groups[1]) == 2 \
            and int(groups[1]) < 60:
        return f"{int(groups[0])}:{groups[1]}"  # "seven thirty" -> 7:30
    joined = "".join(groups)
    if mode == "address" and 6 <= len(joined) <= 10:
        # "apartment four six oh six one four": the last five spoken digits are the ZIP.
        return f"{joined[:-5]} {joined[-5:]}"
    return joined


def normalize_spoken_numbers(text: str, *, mode: str = "digits") -> str:
    """The text with every spoken number written in digits. Digits said one by one and
    groups said in a row are one number ("three one two" -> 312, "twenty two fifty" -> 2250).
    mode "time" writes an hour and minutes as 7:30; mode "address" keeps a ZIP run
    on after a unit number apart. Digits already typed are left as they are."""
    if not text:
        return text
    out: list[str] = []
    for spoken, tokens in _runs(text, mode):
        if not spoken:
            out.append("".join(tokens))
            continue
        groups = _groups(tokens)
        out.append(_join(groups, mode) if groups else "".join(tokens))
    return "".join(out)


def spoken_digits(text: str) -> str:
    """Only the digits of a number said or typed in any mix ("three one two, 555 oh one
    four two" -> "3125550142"): for phone numbers and ZIP codes."""
    return re.sub(r"\D", "", normalize_spoken_numbers(text))

"""Which service a caller's own words ask for: scored phrase matching over each service's
phrases in data/services.yaml, tolerant of recognizer spellings ("fawcet", "water heeter")
through rapidfuzz, the most specific phrase winning, and a question when two are close."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from collections.abc import Iterable, Sequence

from rapidfuzz.distance import Levenshtein

# Words that carry no meaning about the job; everything else in a phrase must be heard.
STOPWORDS = frozenset("""
    a an the my our is are was were be been it its it's this that there of in on at to for
    with from by and or i we you me us some any just really very so um uh like have has had
    got get getting i'm i've we're we've
""".split())
WORD = re.compile(r"[a-z0-9']+")
# A second service this close to the best one (as a share of the best score) is a tie
# worth one question.
CLOSE = 0.85
FALLBACK_SLUG = "general_repair"


def words(text: str) -> list[str]:
    return [w for w in WORD.findall((text or "").lower().replace("’", "'")) if w not in STOPWORDS]


def similar(heard: str, known: str) -> float:
    """1.0 for the same word, 0.9 for an inflection ("leaking"/"leak") or a recognizer's
    misspelling ("fawcet"/"faucet": one edit, two for long words), else 0."""
    if heard == known:
        return 1.0
    shorter, longer = sorted((heard, known), key=len)
    if longer.startswith(shorter) and _inflection(shorter, longer[len(shorter):]):
        return 0.9
    if len(shorter) < 4 or len(longer) - len(shorter) > 2 or (len(shorter) < 5 and len(longer) != len(shorter)):
        return 0.0  # short words: a changed letter ("leek") yes, a dropped one ("rain") no
    allowed = 1 if len(shorter) <= 6 else 2
    return 0.9 if Levenshtein.distance(heard, known, score_cutoff=allowed) <= allowed else 0.0


def best_similarity(known: str, heard: Sequence[str]) -> float:
    return max((similar(h, known) for h in heard), default=0.0)


INFLECTIONS = ("s", "es", "ed", "d", "ing", "y")


def _inflection(stem: str, ending: str) -> bool:
    """"leak"+"ing", "clog"+"ged", "egg"+"s"; not "heat"+"er", a different thing."""
    if ending[:1] == stem[-1:] and ending[1:] in {"ed", "ing", "y"}:
        return True  # doubled consonant: clogged, dripping
    return ending in INFLECTIONS and (len(stem) >= 4 or ending == "s")


@dataclass(frozen=True)
class Phrase:
    slug: str
    text: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class ServiceMatch:
    slug: str | None              # the best service, None when nothing matched
    score: float
    phrase: str | None            # the phrase that decided, for logs and tests
    runner_up: str | None = None  # a close second: ask the caller which

    @property
    def ambiguous(self) -> bool:
        return self.runner_up is not None


class ServiceMatcher:
    """Built once from (slug, phrases) pairs; words shared by many services' phrases
    ("water", "leak", "pipe") weigh less than words only one service uses ("faucet")."""

    def __init__(self, catalog: Iterable[tuple[str, Iterable[str]]]):
        self.phrases: list[Phrase] = []
        for slug, phrases in catalog:
            for text in phrases:
                tokens = tuple(words(str(text)))
                if tokens:
                    self.phrases.append(Phrase(slug, str(text), tokens))
        services_using: dict[str, set[str]] = {}
        for phrase in self.phrases:
            for token in phrase.words:
                services_using.setdefault(token, set()).add(phrase.slug)
        self.weight = {token: 1.0 / len(slugs) for token, slugs in services_using.items()}

    def score_phrase(self, phrase: Phrase, heard: Sequence[str], *, partial: bool = False) -> float:
        """Every word of the phrase must be heard (with `partial`, any word counts: the
        short answer to "the faucet or a pipe?"); longer phrases score more."""
        total = 0.0
        for token in phrase.words:
            similarity = best_similarity(token, heard)
            if similarity == 0.0 and not partial:
                return 0.0
            total += similarity * self.weight[token]
        if partial:
            return total
        # The most specific phrase wins: each extra word is worth a little on its own.
        return total + 0.1 * (len(phrase.words) - 1)

    def match(self, text: str, *, among: Iterable[str] | None = None) -> ServiceMatch:
        heard = words(text)
        allowed = set(among) if among is not None else None
        best: dict[str, tuple[float, str]] = {}
        for phrase in self.phrases:
            if allowed is not None and phrase.slug not in allowed:
                continue
            score = self.score_phrase(phrase, heard, partial=allowed is not None)
            if score > best.get(phrase.slug, (0.0, ""))[0]:
                best[phrase.slug] = (score, phrase.text)
        ranked = sorted(best.items(), key=lambda item: item[1][0], reverse=True)
        if not ranked:
            return ServiceMatch(None, 0.0, None)
        slug, (score, phrase) = ranked[0]
        runner_up = None
        if len(ranked) > 1 and FALLBACK_SLUG not in (slug, ranked[1][0]) and ranked[1][1][0] >= CLOSE * score:
            runner_up = ranked[1][0]
        return ServiceMatch(slug, score, phrase, runner_up)


def matcher_for(services: Iterable) -> ServiceMatcher:
    """From Service rows: the phrases are the catalog's `phrases` (stored in keywords), and
    the service's own name and slug words."""
    return ServiceMatcher((s.slug, [*s.keywords, s.name]) for s in services)


def match_service(*, session, text: str, among: Iterable[str] | None = None):
    """The Service the words ask for, or None. An exact slug (a button's payload) wins."""
    from business.repository import get_service_by_slug, list_services

    services = list_services(session=session)
    exact = next((s for s in services if s.slug == (text or "").strip().lower()), None)
    if exact is not None:
        return exact
    found = matcher_for(services).match(text, among=among)
    return get_service_by_slug(session=session, slug=found.slug) if found.slug else None

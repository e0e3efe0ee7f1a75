"""Answers from the business's own records: FAQ facts, price ranges, the service area."""
from __future__ import annotations

import re

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import note_outcome
from actions.database import unit_of_work
from business.customers.addresses import ZIP
from business.understanding.spoken_numbers import normalize_spoken_numbers
from business.profile import load_profile
from business.repository import list_services
from business.understanding.service_matching import match_service

FAQ_FALLBACK = "I don't have that answer handy, but I can have someone from the office call you back."


def faq_key(tracker: Tracker) -> str | None:
    selector = tracker.latest_message.get("response_selector", {})
    key = (selector.get("faq", {}).get("response", {}) or {}).get("intent_response_key") or ""
    return key.split("/", 1)[1] if "/" in key else None


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        key = faq_key(tracker)
        with unit_of_work() as session:
            facts = load_profile(session=session).faq
        if key in facts:
            dispatcher.utter_message(text=facts[key])
        elif key:
            # Facts the owner has not written (e.g. why we ask for an address) come from the domain.
            dispatcher.utter_message(response=f"utter_faq/{key}")
        else:
            dispatcher.utter_message(text=FAQ_FALLBACK)
        note_outcome(tracker, "information")
        return []


def price_sentence(name: str, low, high) -> str:
    if not high:
        return f"For {name.lower()} we give a free estimate on site, since every house is different."
    return f"{name} usually runs {int(low)} to {int(high)} dollars, depending on parts."


class ActionAnswerPrice(Action):
    def name(self) -> str:
        return "action_answer_price"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        text = " ".join(filter(None, [tracker.get_slot("problem"), tracker.latest_message.get("text", "")]))
        with unit_of_work() as session:
            service = match_service(session=session, text=text)
            facts = load_profile(session=session).faq
            if service is not None:
                dispatcher.utter_message(text=price_sentence(service.name, service.price_min, service.price_max))
            else:
                examples = [s for s in list_services(session=session) if s.price_max][:3]
                dispatcher.utter_message(text="It depends on the job. For example: " + " ".join(
                    price_sentence(s.name, s.price_min, s.price_max) for s in examples))
        if "estimate_fee" in facts:
            dispatcher.utter_message(text=facts["estimate_fee"])
        note_outcome(tracker, "information")
        return []


class ActionCheckServiceArea(Action):
    def name(self) -> str:
        return "action_check_service_area"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        candidates = [tracker.get_slot("zip_code") or "", tracker.latest_message.get("text", "")]
        zip_code = next((m.group(1) for c in candidates
                         if (m := ZIP.search(re.sub(r"(?<=\d) (?=\d)", "", normalize_spoken_numbers(c, mode="address"))))),
                        None)
        with unit_of_work() as session:
            profile = load_profile(session=session)
        if zip_code is None:
            dispatcher.utter_message(text="We cover most of Chicago. What's your ZIP code?")
        elif zip_code in profile.service_area_zips:
            dispatcher.utter_message(text=f"Yes, we serve {zip_code}.")
        else:
            dispatcher.utter_message(text=f"I'm sorry, {zip_code} is outside our service area.")
        note_outcome(tracker, "information")
        return []

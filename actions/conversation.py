"""The conversation's record: each action that settles something notes the outcome, and
saying goodbye closes the conversation with its summary."""
from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.channel import caller_context
from actions.database import unit_of_work
from business.conversations.outcome import Facts, record_outcome
from business.models import Service
from business.profile import load_profile
from business.repository import get_service_by_slug


def facts_from(tracker: Tracker, session, when: str | None = None) -> Facts:
    slug = tracker.get_slot("service_slug")
    service: Service | None = get_service_by_slug(session=session, slug=slug) if slug else None
    problem = tracker.get_slot("problem")
    return Facts(
        channel=caller_context(tracker).channel,
        customer_name=tracker.get_slot("customer_name"),
        phone=tracker.get_slot("phone"),
        problem=" ".join(problem) if isinstance(problem, list) else problem,
        service_name=service.name if service else None,
        when=when,
        address=tracker.get_slot("address"),
        urgency=tracker.get_slot("urgency"),
    )


def note_outcome(tracker: Tracker, outcome: str, *, when: str | None = None, ended: bool = False) -> None:
    context = caller_context(tracker)
    customer_id = tracker.get_slot("customer_id")
    with unit_of_work() as session:
        record_outcome(
            session=session, external_id=tracker.sender_id, outcome=outcome,
            facts=facts_from(tracker, session, when), intent=_first_intent(tracker),
            customer_id=int(customer_id) if customer_id else None, caller=context.caller_phone, ended=ended,
        )


def _first_intent(tracker: Tracker) -> str | None:
    """What the caller came for: the first intent that is more than small talk."""
    small_talk = {"greet", "affirm", "deny", "thank", "goodbye", "inform", "nlu_fallback", "bot_challenge"}
    for event in tracker.events:
        if event.get("event") == "user":
            name = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if name and name not in small_talk:
                return name
    return None


class ActionGoodbye(Action):
    def name(self) -> str:
        return "action_goodbye"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict]:
        with unit_of_work() as session:
            dispatcher.utter_message(text=load_profile(session=session).closing_line())
        # A booking left half-way is abandoned; anything else was a question answered.
        in_progress = any(tracker.get_slot(s) for s in ("problem", "appointment_time"))
        note_outcome(tracker, "abandoned" if in_progress else "information", ended=True)
        return []

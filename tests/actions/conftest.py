"""Action tests: real action classes, rasa-sdk trackers built from events, a real seeded
database the actions reach through DATABASE_URL, exactly as the action server does."""
from __future__ import annotations

import functools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import database
from business.settings import ROOT

CHI = ZoneInfo("America/Chicago")


@pytest.fixture
def actions_db(seeded_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", seeded_url)
    database.settings.cache_clear()
    yield seeded_url
    database.settings.cache_clear()


def next_tuesday_at(hour: int, minute: int = 0) -> datetime:
    """A Tuesday at least two days out: open, staffed, and past the lead time."""
    day = datetime.now(CHI).date() + timedelta(days=2)
    while day.weekday() != 1:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHI)


def make_tracker(slots: dict | None = None, text: str = "", intent: str = "inform",
                 metadata: dict | None = None, sender: str = "test-sender", requested_slot: str | None = None,
                 response_selector: dict | None = None, form: str = "appointment_form",
                 entities: list[dict] | None = None, known: dict | None = None) -> Tracker:
    """`slots` were set this turn (the form validates them); `known` were set earlier."""
    known = known or {}
    slots = {**(slots or {}), "requested_slot": requested_slot}
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []}
    if response_selector:
        latest["response_selector"] = response_selector
    events = [{"event": "slot", "name": k, "value": v} for k, v in known.items() if v is not None]
    events += [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in slots.items() if v is not None]
    return Tracker(sender, {**known, **slots}, latest, events, False, None,
                   {"name": form} if requested_slot else {}, "action_listen")


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def said(dispatcher: CollectingDispatcher) -> str:
    return " ".join(m.get("text") or m.get("response") or "" for m in dispatcher.messages)


def signed_metadata(channel: str, caller: str | None, sender: str = "test-sender") -> dict:
    """Metadata as the voice bridge, SMS webhook or dashboard send it: signed with SECRET_KEY."""
    from channels.trust import sign_channel

    signature = sign_channel(database.settings().secret_key, channel=channel, caller=caller, sender_id=sender)
    return {"channel": channel, "caller": caller, "signature": signature}


def run_action(action, tracker, dispatcher) -> list[dict]:
    """Run a rasa-sdk action or form validator the way the action server does."""
    import asyncio
    import inspect

    result = action.run(dispatcher, tracker, domain())
    return asyncio.run(result) if inspect.isawaitable(result) else result


@functools.lru_cache(maxsize=1)
def domain() -> dict:
    """The real domain, as the Rasa server sends it to the action server."""
    return yaml.safe_load((ROOT / "rasa_project" / "domain.yml").read_text())

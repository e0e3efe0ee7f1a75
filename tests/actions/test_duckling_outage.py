"""Duckling (our reader of dates and times) down: the caller hears why instead of being
asked again as if they had said no time, the miss is not counted against them, the owner
is told once, and once Duckling is back the same words are understood."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from actions import database
from actions.forms import TIME_READER_DOWN, ValidateAppointmentForm
from business.db import session_factory
from business.models import Notification
from tests.actions.conftest import CHI, make_tracker, said
from tests.duckling_server.test_live_server import base_url, free_port  # noqa: F401 - fixture

form = ValidateAppointmentForm()


def _alerts(url: str) -> int:
    with session_factory(url)() as session:
        return session.scalar(select(func.count(Notification.id)).where(Notification.kind == "owner_assistant_failed"))


def test_outage_is_not_the_callers_miss(actions_db, dispatcher, monkeypatch):
    monkeypatch.setenv("DUCKLING_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    database.settings.cache_clear()
    tracker = make_tracker({"service_slug": "faucet_repair", "failed_attempts": {"appointment_time": 1}},
                           text="tuesday at nine in the morning", requested_slot="appointment_time")
    for _ in range(3):
        result = form.validate_appointment_time(None, dispatcher, tracker, {})
        assert result == {"appointment_time": None}  # failed_attempts untouched: no hand-off
    assert TIME_READER_DOWN in said(dispatcher)
    assert _alerts(actions_db) >= 1
    before = _alerts(actions_db)
    form.validate_appointment_time(None, dispatcher, tracker, {})
    assert _alerts(actions_db) == before  # one alert per conversation


def test_words_are_read_directly_when_rasa_found_no_time(actions_db, dispatcher, monkeypatch, base_url):  # noqa: F811
    monkeypatch.setenv("DUCKLING_URL", base_url)
    database.settings.cache_clear()
    tracker = make_tracker({"service_slug": "faucet_repair"}, text="next tuesday at 9am",
                           requested_slot="appointment_time")
    result = form.validate_appointment_time(None, dispatcher, tracker, {})
    start = datetime.fromisoformat(result["appointment_time"]).astimezone(CHI)
    assert (start.weekday(), start.hour) == (1, 9), result

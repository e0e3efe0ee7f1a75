"""`business.understanding.duckling` time helpers on real Duckling output (the compiled library, no HTTP)."""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from business.understanding.duckling import DucklingClient, TimeValue, time_value
from duckling_server.parser import parse_json

CHICAGO = ZoneInfo("America/Chicago")
WINTER = datetime(2024, 1, 11, 13, 6, 40, tzinfo=CHICAGO)
SUMMER = datetime(2024, 7, 10, 13, 6, 40, tzinfo=CHICAGO)


def duckling(text: str, reftime: datetime = WINTER, dims: tuple[str, ...] = ("time",)) -> dict:
    [entity] = json.loads(parse_json(
        text, locale_name="en_US", tz="America/Chicago", dims=list(dims),
        reftime_ms=int(reftime.timestamp() * 1000),
    ))
    return entity


def as_rasa_entity(entity: dict) -> dict:
    """The shape Rasa's DucklingEntityExtractor gives actions (convert_duckling_format_to_rasa)."""
    value = entity["value"]
    if value["type"] == "interval":
        plain = {"to": value.get("to", {}).get("value"), "from": value.get("from", {}).get("value")}
    else:
        plain = value["value"]
    return {"start": entity["start"], "end": entity["end"], "text": entity["body"], "value": plain,
            "confidence": 1.0, "additional_info": value, "entity": entity["dim"]}


def test_tomorrow_at_9am_is_an_instant_with_hour_grain():
    value = time_value(duckling("tomorrow at 9am"))
    assert value == TimeValue("instant", datetime(2024, 1, 12, 9, tzinfo=CHICAGO), None, "hour")
    assert value.start.utcoffset() == timedelta(hours=-6)


def test_offset_follows_daylight_saving_time():
    value = time_value(duckling("tomorrow at 9am", reftime=SUMMER))
    assert value.start == datetime(2024, 7, 11, 9, tzinfo=CHICAGO)
    assert value.start.utcoffset() == timedelta(hours=-5)


def test_tomorrow_morning_is_an_interval_with_exclusive_end():
    value = time_value(duckling("tomorrow morning"))
    assert value.kind == "interval"
    assert (value.start, value.end) == (datetime(2024, 1, 12, 0, tzinfo=CHICAGO), datetime(2024, 1, 12, 12, tzinfo=CHICAGO))
    assert value.grain == "hour"


def test_open_ended_interval_has_no_end():
    value = time_value(duckling("after 5pm"))
    assert (value.kind, value.start, value.end) == ("interval", datetime(2024, 1, 11, 17, tzinfo=CHICAGO), None)


def test_day_grain():
    value = time_value(duckling("next tuesday"))
    assert (value.kind, value.start, value.grain) == ("instant", datetime(2024, 1, 16, tzinfo=CHICAGO), "day")


@pytest.mark.parametrize("text", ["tomorrow at 9am", "tomorrow morning", "after 5pm", "next tuesday"])
def test_rasa_entities_read_the_same(text):
    entity = duckling(text)
    assert time_value(as_rasa_entity(entity)) == time_value(entity)


def test_interval_without_start_is_refused():
    with pytest.raises(ValueError, match="no start"):
        time_value(duckling("before noon tomorrow"))


def test_other_dimensions_are_refused():
    with pytest.raises(ValueError, match="phone-number"):
        time_value(duckling("312 555 0199", dims=("phone-number",)))


def test_time_value_is_frozen():
    value = time_value(duckling("tomorrow at 9am"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.grain = "day"


def test_client_refuses_a_naive_reftime():
    client = DucklingClient("http://127.0.0.1:9", timezone="America/Chicago")
    with pytest.raises(ValueError, match="timezone-aware"):
        client.parse("tomorrow", reftime=datetime(2024, 1, 11, 13))

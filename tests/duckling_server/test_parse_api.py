"""The Duckling service's `/parse` and `/health` through Flask's test client, on the real library."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import duckling
import pytest

from duckling_server.app import create_app
from duckling_server.config import Settings

CHICAGO = ZoneInfo("America/Chicago")
WINTER_MS = int(datetime(2024, 1, 11, 13, 6, 40, tzinfo=CHICAGO).timestamp() * 1000)
SUMMER_MS = int(datetime(2024, 7, 10, 13, 6, 40, tzinfo=CHICAGO).timestamp() * 1000)
RASA_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8"


@pytest.fixture(scope="module")
def client():
    return create_app(Settings()).test_client()


def parse(client, **fields):
    return client.post("/parse", data=fields)


def entities(client, **fields) -> list[dict]:
    response = parse(client, **fields)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/json"
    return response.get_json()


def library_parse(text, *, dims, tz="America/Chicago", locale="en_US", reftime_ms=WINTER_MS, latent=False):
    """What the library itself answers, called the way its own documentation shows."""
    tzdb = duckling.load_time_zones("/usr/share/zoneinfo")
    lang = duckling.parse_lang(locale.split("_")[0].upper())
    context = duckling.Context(
        duckling.parse_ref_time(tzdb, tz, reftime_ms // 1000),
        duckling.parse_locale(locale, duckling.default_locale_lang(lang)),
    )
    return duckling.parse(text, context, duckling.parse_dimensions(dims), latent)


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_tomorrow_at_9am_in_winter_is_central_standard_time(client):
    [found] = entities(client, text="tomorrow at 9am", tz="America/Chicago", reftime=WINTER_MS, dims='["time"]')
    assert found["body"] == "tomorrow at 9am"
    assert (found["start"], found["end"], found["dim"], found["latent"]) == (0, 15, "time", False)
    assert found["value"]["type"] == "value"
    assert found["value"]["grain"] == "hour"
    assert found["value"]["value"] == "2024-01-12T09:00:00.000-06:00"


def test_tomorrow_at_9am_in_summer_is_central_daylight_time(client):
    [found] = entities(client, text="tomorrow at 9am", tz="America/Chicago", reftime=SUMMER_MS, dims='["time"]')
    assert found["value"]["value"] == "2024-07-11T09:00:00.000-05:00"


def test_time_zone_defaults_to_the_configured_one_and_can_be_chosen(client):
    [default] = entities(client, text="tomorrow at 9am", reftime=WINTER_MS)
    [berlin] = entities(client, text="tomorrow at 9am", reftime=WINTER_MS, tz="Europe/Berlin")
    assert default["value"]["value"] == "2024-01-12T09:00:00.000-06:00"
    assert berlin["value"]["value"] == "2024-01-12T09:00:00.000+01:00"


def test_tomorrow_morning_is_an_interval(client):
    [found] = entities(client, text="tomorrow morning", reftime=WINTER_MS, dims='["time"]')
    assert found["value"]["type"] == "interval"
    assert found["value"]["from"] == {"grain": "hour", "value": "2024-01-12T00:00:00.000-06:00"}
    assert found["value"]["to"] == {"grain": "hour", "value": "2024-01-12T12:00:00.000-06:00"}


@pytest.mark.parametrize(
    ("text", "dim", "value"),
    [
        ("call me at 312 555 0199", "phone-number", {"type": "value", "value": "3125550199"}),
        ("write to bob@example.com please", "email", {"type": "value", "value": "bob@example.com"}),
        ("is it $150?", "amount-of-money", {"type": "value", "unit": "$", "value": 150}),
    ],
)
def test_other_dimensions(client, text, dim, value):
    [found] = entities(client, text=text, reftime=WINTER_MS, dims=json.dumps([dim]))
    assert (found["dim"], found["value"]) == (dim, value)


def test_dims_limits_the_dimensions(client):
    text = "tomorrow at 9am call 312 555 0199 about the $150 quote"
    every = entities(client, text=text, reftime=WINTER_MS)
    phones = entities(client, text=text, reftime=WINTER_MS, dims='["phone-number"]')
    assert {"time", "phone-number", "amount-of-money"} <= {found["dim"] for found in every}
    assert [found["dim"] for found in phones] == ["phone-number"]


@pytest.mark.parametrize("dims", ["null", "[]", ""])
def test_no_dims_means_all_of_them(client, dims):
    # Rasa sends "null" when its config leaves `dimensions` out.
    text = "tomorrow at 9am call 312 555 0199"
    assert entities(client, text=text, reftime=WINTER_MS, dims=dims) == entities(client, text=text, reftime=WINTER_MS)


def test_locale_changes_how_dates_read(client):
    [us] = entities(client, text="3/4/2024", locale="en_US", reftime=WINTER_MS, dims='["time"]')
    [gb] = entities(client, text="3/4/2024", locale="en_GB", reftime=WINTER_MS, dims='["time"]')
    assert us["value"]["value"].startswith("2024-03-04")
    assert gb["value"]["value"].startswith("2024-04-03")


def test_form_as_rasa_encodes_it(client):
    body = "text=tomorrow+at+9am&locale=en_US&tz=America%2FChicago&dims=%5B%22time%22%5D&reftime=" + str(WINTER_MS)
    response = client.post("/parse", data=body, content_type=RASA_CONTENT_TYPE)
    assert response.status_code == 200
    assert response.get_json()[0]["value"]["value"] == "2024-01-12T09:00:00.000-06:00"


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("tomorrow at 9am call 312 555 0199", {"dims": ["time", "phone-number"]}),
        ("tomorrow morning or friday afternoon", {"dims": ["time"], "reftime_ms": SUMMER_MS}),
        ("next tuesday at 3:30pm for $150, 2 hours, bob@example.com", {"dims": []}),
        ("at 9", {"dims": ["time"], "latent": True}),
        ("9", {"dims": ["time"], "latent": True}),
        ("the 3rd of march at noon", {"dims": ["time"], "tz": "Europe/Berlin", "locale": "en_GB"}),
        ("mañana a las 9 de la mañana, 150 dólares", {"dims": [], "locale": "es_MX"}),
    ],
)
def test_answer_equals_the_library_output(client, text, fields):
    form = {"text": text, "dims": json.dumps(fields["dims"]), "reftime": fields.get("reftime_ms", WINTER_MS)}
    form.update({key: fields[key] for key in ("tz", "locale") if key in fields})
    if fields.get("latent"):
        form["latent"] = "true"
    expected = library_parse(text, **fields)
    assert expected, "the case should find something"
    assert entities(client, **form) == expected


@pytest.mark.parametrize(
    ("request_kwargs", "status", "mentions"),
    [
        pytest.param({"data": "", "content_type": RASA_CONTENT_TYPE}, 400, "'text'", id="empty-body"),
        pytest.param({"data": {"tz": "UTC"}}, 400, "'text'", id="missing-text"),
        pytest.param({"data": {"text": ""}}, 400, "'text'", id="empty-text"),
        pytest.param({"data": {"text": "   "}}, 400, "'text'", id="blank-text"),
        pytest.param({"data": {"text": "a" * 2001}}, 413, "2000", id="text-too-long"),
        pytest.param({"data": {"text": "hi", "foo": "1", "bar": "2"}}, 400, "bar, foo", id="unknown-fields"),
        pytest.param({"data": "text=hi&text=ho", "content_type": RASA_CONTENT_TYPE}, 400, "text", id="repeated-field"),
        pytest.param({"data": {"text": "hi", "dims": '["time"'}}, 400, "dims", id="dims-not-json"),
        pytest.param({"data": {"text": "hi", "dims": '{"time": 1}'}}, 400, "dims", id="dims-not-a-list"),
        pytest.param({"data": {"text": "hi", "dims": "[1]"}}, 400, "dims", id="dims-not-names"),
        pytest.param({"data": {"text": "hi", "dims": '["time", "bogus"]'}}, 400, "'bogus'", id="unknown-dim"),
        pytest.param({"data": {"text": "hi", "dims": '["time\\u0000"]'}}, 400, "dimension", id="dim-with-nul"),
        pytest.param({"data": {"text": "hi", "tz": "Mars/Olympus"}}, 400, "Mars/Olympus", id="unknown-tz"),
        pytest.param({"data": {"text": "hi", "tz": "america/chicago"}}, 400, "time zone", id="tz-wrong-case"),
        pytest.param({"data": {"text": "hi", "tz": "posix/America/Chicago"}}, 400, "time zone", id="tz-not-loaded"),
        pytest.param({"data": {"text": "hi", "reftime": "soon"}}, 400, "reftime", id="reftime-not-numeric"),
        pytest.param({"data": {"text": "hi", "reftime": "1.7e12"}}, 400, "reftime", id="reftime-not-integer"),
        pytest.param({"data": {"text": "hi", "reftime": "9" * 20}}, 400, "reftime", id="reftime-out-of-range"),
        pytest.param({"data": {"text": "hi", "latent": "maybe"}}, 400, "latent", id="latent-not-boolean"),
        pytest.param({"data": {"text": "hi", "locale": "en-US"}}, 400, "locale", id="locale-malformed"),
        pytest.param({"data": {"text": "hi", "locale": "xx_YY"}}, 400, "language", id="locale-unknown-language"),
        pytest.param({"data": {"text": "tomorrow\x00at 9"}}, 400, "NUL", id="text-with-nul"),
        pytest.param({"data": b"text=\xff\xfe", "content_type": RASA_CONTENT_TYPE}, 400, "UTF-8", id="raw-bytes-not-utf8"),
        pytest.param({"data": "text=%FF%FE", "content_type": RASA_CONTENT_TYPE}, 400, "UTF-8", id="escaped-not-utf8"),
        pytest.param({"json": {"text": "tomorrow"}}, 415, "form-encoded", id="json-body"),
        pytest.param({"data": "text=tomorrow"}, 415, "form-encoded", id="no-content-type"),
        pytest.param({"data": {"text": "hi"}, "content_type": "multipart/form-data"}, 415, "form-encoded", id="multipart"),
        pytest.param({"data": "text=hi", "content_type": "application/x-www-form-urlencoded; charset=latin-1"}, 415,
                     "UTF-8", id="not-utf8-charset"),
        pytest.param({"data": "text=hi&pad=" + "x" * 70_000, "content_type": RASA_CONTENT_TYPE}, 413, "",
                     id="body-over-64k"),
        pytest.param({"data": {"text": "hi"}, "query_string": {"tz": "UTC"}}, 400, "query string", id="query-string"),
    ],
)
def test_bad_input_gets_a_json_4xx(client, request_kwargs, status, mentions):
    response = client.post("/parse", **request_kwargs)
    assert response.status_code == status
    assert response.is_json
    error = response.get_json()["error"]
    assert isinstance(error, str) and error
    assert mentions in error


def test_get_parse_is_not_allowed(client):
    response = client.get("/parse")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.get_json()["error"]


def test_unknown_route_is_a_json_404(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.get_json()["error"]


def test_empty_fields_fall_back_to_the_defaults(client):
    [found] = entities(client, text="tomorrow at 9am", tz="", locale="", reftime=WINTER_MS, dims='["time"]')
    assert found["value"]["value"] == "2024-01-12T09:00:00.000-06:00"


def test_lang_is_accepted_like_duckling_does(client):
    [found] = entities(client, text="mañana a las 9", lang="ES", reftime=WINTER_MS, dims='["time"]')
    assert found["value"]["value"] == "2024-01-12T09:00:00.000-06:00"


def test_bad_default_settings_fail_at_start_up():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        create_app(Settings(default_tz="Mars/Olympus"))
    with pytest.raises(ValueError, match="en-US"):
        create_app(Settings(default_locale="en-US"))


def test_settings_read_from_the_environment():
    settings = Settings.from_env({"DUCKLING_DEFAULT_TZ": "Europe/Berlin", "DUCKLING_MAX_TEXT": "50"})
    assert (settings.default_tz, settings.default_locale, settings.max_text) == ("Europe/Berlin", "en_US", 50)
    with pytest.raises(ValueError, match="DUCKLING_MAX_TEXT"):
        Settings.from_env({"DUCKLING_MAX_TEXT": "lots"})

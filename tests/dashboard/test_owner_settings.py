"""Settings the owner edits in the dashboard: each section saves, bad values are refused on
the form with the reason (and nothing is stored), and an edit reaches the real action
server (`python -m actions.server` on the same database) on its very next request."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from business.db import session_scope
from business.models import Service, Technician
from business.profile import load_profile, load_profile_data
from business.settings import ROOT
from voice_bridge.call_log import CallLog

TOKEN = "test-action-server-token-123"
CHI = ZoneInfo("America/Chicago")


@pytest.fixture
def action_server(seeded_url, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "ACTION_SERVER_TOKEN": TOKEN, "VAR_DIR": str(tmp_path), "APP_ENV": "test",
           "SECRET_KEY": "test-secret", "DATABASE_URL": seeded_url}
    log = (tmp_path / "actions.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=5).ok:
                break
        except requests.ConnectionError:
            assert process.poll() is None, (tmp_path / "actions.log").read_text()
        time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=30)


def call_action(url: str, action: str, text: str = "", slots: dict | None = None, events: list | None = None,
                intent: str = "inform", extra: dict | None = None) -> str:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": [], **(extra or {})}
    body = {"next_action": action, "sender_id": "settings-test", "version": "3.6.2", "domain": _domain(),
            "tracker": {"sender_id": "settings-test", "slots": slots or {}, "latest_message": latest,
                        "events": [{"event": "user", "text": text, "parse_data": latest}] + (events or []),
                        "paused": False, "followup_action": None,
                        "active_loop": {"name": "appointment_form"} if action.startswith("validate_") else {},
                        "latest_action_name": "action_listen"}}
    reply = requests.post(f"{url}/webhook", json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert reply.status_code == 200, reply.text
    return " ".join(r.get("text") or r.get("response") or "" for r in reply.json()["responses"])


def _domain() -> dict:
    import yaml
    return yaml.safe_load((ROOT / "rasa_project" / "domain.yml").read_text())


def next_weekday(weekday: int, weeks_out: int = 1) -> date:
    day = datetime.now(CHI).date() + timedelta(days=7 * weeks_out)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def test_edits_reach_the_running_action_server_on_the_next_request(logged_in, seeded_url, action_server):
    with session_scope(seeded_url) as session:
        drain = session.scalars(select(Service).where(Service.slug == "drain_cleaning")).one()
        drain_id = drain.id
    ask_price = lambda: call_action(action_server, "action_answer_price", "how much is a drain cleaning",  # noqa: E731
                                    intent="price_inquiry")
    assert "Drain cleaning usually runs 125 to 300 dollars" in ask_price()
    response = logged_in.post(f"/settings/services/{drain_id}", data={
        "name": "Drain cleaning", "skill": "drains", "duration_minutes": "60", "price_min": "140", "price_max": "320"})
    assert response.status_code == 302
    assert "Drain cleaning usually runs 140 to 320 dollars" in ask_price()

    # A Tuesday two weeks out is open; the owner takes it off; the next request says closed.
    tuesday = next_weekday(1, weeks_out=2)
    at_ten = datetime(tuesday.year, tuesday.month, tuesday.day, 10, tzinfo=CHI).isoformat()

    def ask_for_tuesday() -> str:
        return call_action(action_server, "validate_appointment_form", f"{tuesday} at 10",
                           slots={"service_slug": "drain_cleaning", "requested_slot": "appointment_time"},
                           events=[{"event": "slot", "name": "appointment_time", "value": at_ten}])

    assert "closed" not in ask_for_tuesday()
    hours = {f"{d}_{e}": v for d, (o, c) in load_profile_data_for(seeded_url)["hours"].items()
             for e, v in (("open", o), ("close", c))}
    response = logged_in.post("/settings/business/hours", data={
        **hours, "closed_us_holidays": ["Thanksgiving Day", "Christmas Day"], "holidays": tuesday.isoformat()})
    assert response.status_code == 302
    assert "we're closed that day" in ask_for_tuesday()

    # The greeting and the closing line.
    response = logged_in.post("/settings/business/script", data={
        "greeting": "Lakeshore Plumbing, Dana's assistant speaking. What can I do for you?",
        "closing": "Thanks, and stay dry!"})
    assert response.status_code == 302
    assert call_action(action_server, "action_greet", "hi", intent="greet") == \
        "Lakeshore Plumbing, Dana's assistant speaking. What can I do for you?"
    assert call_action(action_server, "action_goodbye", "bye", intent="goodbye") == "Thanks, and stay dry!"
    # The voice bridge greets each new call with the line as it is now.
    assert CallLog(seeded_url).start("CA-settings", "phone", "+13125550123") == \
        "Lakeshore Plumbing, Dana's assistant speaking. What can I do for you?"


def load_profile_data_for(url: str) -> dict:
    with session_scope(url) as session:
        return load_profile_data(session=session)


SECTION_POSTS = {
    "business": {"name": "Lakeshore Plumbing & Heating", "phone": "(312) 555-0100", "email": "owner@example.com",
                 "owner_phone": "312-555-0101"},
    "booking": {"mode": "window", "slot_step_minutes": "60", "travel_buffer_minutes": "15", "min_lead_minutes": "120",
                "max_horizon_days": "30", "emergency_lead_minutes": "45", "emergency_search_hours": "12",
                "technician_reply_minutes": "10"},
    "area": {"service_area_zips": "60610, 60614\n60657"},
    "script": {"greeting": "Hello from {name}, how can I help?", "closing": "Bye from {name}."},
    "alerts": {"alert_owner_booking": ["email"], "alert_owner_lead": ["sms", "email"]},
}


@pytest.mark.parametrize("section", SECTION_POSTS)
def test_each_section_saves(logged_in, seeded_url, section):
    assert logged_in.get(f"/settings/business/{section}").status_code == 200
    response = logged_in.post(f"/settings/business/{section}", data=SECTION_POSTS[section])
    assert response.status_code == 302
    with session_scope(seeded_url) as session:
        profile = load_profile(session=session)
    if section == "business":
        assert (profile.name, profile.phone, profile.owner_phone) == (
            "Lakeshore Plumbing & Heating", "+13125550100", "+13125550101")
    elif section == "booking":
        assert (profile.booking.mode, profile.booking.slot_step_minutes, profile.booking.emergency_after_hours) == (
            "window", 60, False)
    elif section == "area":
        assert profile.service_area_zips == {"60610", "60614", "60657"}
    elif section == "script":
        assert profile.greeting_line() == "Hello from Lakeshore Plumbing, how can I help?"
    else:
        assert profile.alerts_owner("owner_booking", "email") and not profile.alerts_owner("owner_booking", "sms")
        assert not profile.alerts_owner("owner_cancellation", "sms")


def test_faq_answers_are_edited_in_place(logged_in, seeded_url):
    faq = load_profile_data_for(seeded_url)["faq"]
    data = {f"faq_{k}": v for k, v in faq.items()}
    data["faq_warranty"] = "Two years on labor, and the maker's warranty on parts."
    assert logged_in.post("/settings/business/faq", data=data).status_code == 302
    assert load_profile_data_for(seeded_url)["faq"]["warranty"] == "Two years on labor, and the maker's warranty on parts."


REFUSED = [
    ("business", {"name": "", "phone": "12"}, ["String should have at least 1 character",
                                                "is not a phone number we can call"]),
    ("hours", {"mon_open": "18:00", "mon_close": "07:00"}, ["Mon: closing time 07:00 must be after opening time 18:00"]),
    ("hours", {"mon_open": "08:00", "mon_close": "17:00", "holidays": "next friday"},
     ["next is not a date like 2027-03-17"]),
    ("booking", {"mode": "whenever", "slot_step_minutes": "2", "travel_buffer_minutes": "0", "min_lead_minutes": "0",
                 "max_horizon_days": "0", "emergency_lead_minutes": "0", "emergency_search_hours": "1",
                 "technician_reply_minutes": "5"},
     ["Input should be &#39;exact&#39; or &#39;window&#39;", "greater than or equal to 5", "greater than or equal to 1"]),
    ("area", {"service_area_zips": "60610 00000"}, ["00000 is not a US ZIP code"]),
    ("script", {"greeting": "Hi", "closing": "Bye now"}, ["String should have at least 10 characters"]),
    ("faq", {"faq_warranty": ""}, ["String should have at least 1 character"]),
    ("business", {"name": "Lake\x00shore", "phone": "3125550100"}, ["contains a control character"]),
]


@pytest.mark.parametrize(("section", "data", "reasons"), REFUSED)
def test_bad_values_are_refused_on_the_form_with_the_reason(logged_in, seeded_url, section, data, reasons):
    before = load_profile_data_for(seeded_url)
    response = logged_in.post(f"/settings/business/{section}", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    for reason in reasons:
        assert reason in page
    assert load_profile_data_for(seeded_url) == before


def test_a_price_range_upside_down_is_refused(logged_in, seeded_url):
    response = logged_in.post("/settings/services/new", data={
        "name": "Shower valve", "skill": "fixtures", "duration_minutes": "90", "price_min": "300", "price_max": "100"})
    assert response.status_code == 400
    assert "the highest price must be at least the lowest" in response.get_data(as_text=True)
    response = logged_in.post("/settings/services/new", data={
        "name": "Shower valve", "skill": "fixtures", "duration_minutes": "90", "price_min": "150", "price_max": "400"})
    assert response.status_code == 302
    with session_scope(seeded_url) as session:
        valve = session.scalars(select(Service).where(Service.slug == "shower_valve")).one()
        assert (valve.name, int(valve.price_min), int(valve.price_max)) == ("Shower valve", 150, 400)


def test_technicians_are_added_edited_and_deactivated(logged_in, seeded_url):
    form = {"name": "Rosa Diaz", "phone": "312 555 0114", "home_zip": "60622", "skills": ["drains", "fixtures"],
            "mon_open": "08:00", "mon_close": "16:00", "active": "on"}
    assert logged_in.post("/settings/technicians/new", data={**form, "home_zip": "12"}).status_code == 400
    assert logged_in.post("/settings/technicians/new", data={**form, "skills": ["juggling"]}).status_code == 400
    assert logged_in.post("/settings/technicians/new", data=form).status_code == 302
    with session_scope(seeded_url) as session:
        rosa = session.scalars(select(Technician).where(Technician.name == "Rosa Diaz")).one()
        assert (rosa.phone, rosa.skills, rosa.working_hours, rosa.active) == (
            "+13125550114", ["drains", "fixtures"], {"mon": ["08:00", "16:00"]}, True)
        rosa_id = rosa.id
    assert "Rosa Diaz" in logged_in.get("/settings/technicians").get_data(as_text=True)
    assert logged_in.get(f"/settings/technicians/{rosa_id}").status_code == 200
    form.pop("active")  # unticked: deactivated
    assert logged_in.post(f"/settings/technicians/{rosa_id}", data={**form, "tue_open": "09:00",
                                                                    "tue_close": "17:00"}).status_code == 302
    with session_scope(seeded_url) as session:
        rosa = session.get(Technician, rosa_id)
        assert not rosa.active and rosa.working_hours["tue"] == ["09:00", "17:00"]
    for ref in ("999999", "99999999999", "²", "-1", "abc"):
        assert logged_in.get(f"/settings/technicians/{ref}").status_code == 404
        assert logged_in.post(f"/settings/services/{ref}", data={}).status_code == 404

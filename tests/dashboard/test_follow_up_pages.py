"""Today, Leads and the calls list's search: who waits for a call back, failed calls shown
red, emergencies first, filters paginated in SQL, and forms that show their errors."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from business.db import session_scope
from business.customers.leads import create_lead
from business.models import Conversation, Lead
from business.repository import add_turn, get_or_create_conversation
from tests.dashboard.conftest import CHICAGO

CALL_TIME = datetime(2026, 11, 23, 8, 0, tzinfo=CHICAGO)


def add_call(url: str, external_id: str, *, caller: str | None = "+13125550177", outcome: str | None = None,
             intent: str | None = None, channel: str = "phone", started: datetime = CALL_TIME,
             text: str = "hello", summary: str | None = None) -> int:
    with session_scope(url) as session:
        call = get_or_create_conversation(session=session, external_id=external_id, channel=channel, caller=caller,
                                          started_at=started)
        call.outcome, call.intent, call.status, call.summary = outcome, intent, "completed", summary
        call.ended_at, call.duration_seconds = started + timedelta(minutes=2), 125.0
        add_turn(session=session, conversation=call, speaker="caller", text=text, at=started)
        return call.id


def test_failed_calls_wait_for_a_call_back_in_red(logged_in, seeded_url):
    missed = add_call(seeded_url, "CA-missed", outcome="abandoned", summary="Caller hung up before booking.")
    add_call(seeded_url, "CA-booked", caller="+13125550188", outcome="booked")
    emergency = add_call(seeded_url, "CA-flood", caller="+13125550199", outcome="handed_off",
                         intent="emergency_request", started=CALL_TIME - timedelta(hours=3))
    page = logged_in.get("/today/").get_data(as_text=True)
    assert "Needs a call back" in page and "+13125550177" in page and "Caller hung up" in page
    assert "+13125550188" not in page  # booked: nothing to do
    assert 'class="badge badge-abandoned"' in page
    emergencies = page[page.index('id="emergencies"'):page.index('id="call-back"')]
    assert f"/calls/{emergency}" in emergencies
    # The calls list's "needs a call back" filter agrees, and the detail page offers the button.
    listed = logged_in.get("/calls/?outcome=needs_call_back").get_data(as_text=True)
    assert f"/calls/{missed}" in listed and f"/calls/{emergency}" in listed and "+13125550188" not in listed
    assert logged_in.post(f"/calls/{missed}/called-back").status_code == 302
    today = logged_in.get("/today/").get_data(as_text=True)
    assert "+13125550177" not in today[today.index('id="call-back"'):]
    detail = logged_in.get(f"/calls/{missed}").get_data(as_text=True)
    assert "Called back by owner" in detail
    assert logged_in.post(f"/calls/{missed}/called-back").status_code == 409


def test_a_call_without_an_outcome_is_not_shown_as_completed(logged_in, seeded_url):
    call = add_call(seeded_url, "CA-blank", outcome=None)
    listed = logged_in.get("/calls/").get_data(as_text=True)
    assert 'badge-no_outcome">no outcome' in listed and "badge-completed" not in listed
    assert 'badge-no_outcome">no outcome' in logged_in.get(f"/calls/{call}").get_data(as_text=True)


def test_today_shows_jobs_by_technician_and_live_calls(logged_in, booked, seeded_url):
    with session_scope(seeded_url) as session:
        live = get_or_create_conversation(session=session, external_id="CA-live", channel="phone",
                                          caller="+13125550155", started_at=CALL_TIME + timedelta(minutes=58))
        live.status = "in-progress"
    page = logged_in.get("/today/").get_data(as_text=True)
    tomorrow = page[page.index('id="jobs-2"'):]
    assert "Dana Whitfield" in tomorrow and "10:00 AM" in tomorrow and "Drain cleaning" in tomorrow
    assert "+13125550155" in page[page.index('id="live-now"'):]


def test_search_filters_and_pages(logged_in, seeded_url):
    for i in range(30):
        add_call(seeded_url, f"CA-{i}", caller=f"+1312555{i:04d}", outcome="information",
                 started=CALL_TIME - timedelta(days=i), channel="sms" if i % 2 else "phone",
                 text="my water heater is leaking" if i == 7 else "what are your hours")
    first = logged_in.get("/calls/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "30 in all" in first
    second = logged_in.get("/calls/?page=2").get_data(as_text=True)
    assert "+13125550029" in second and "+13125550000" not in second
    keyword = logged_in.get("/calls/?q=WATER+heater").get_data(as_text=True)
    assert "+13125550007" in keyword and "+13125550008" not in keyword
    assert "+13125550012" in logged_in.get("/calls/?phone=(312)+555-0012").get_data(as_text=True)
    sms = logged_in.get("/calls/?channel=sms").get_data(as_text=True)
    assert "+13125550001" in sms and "+13125550002" not in sms
    dated = logged_in.get("/calls/?start=2026-11-20&end=2026-11-21").get_data(as_text=True)
    assert "+13125550002" in dated and "+13125550003" in dated and "+13125550004" not in dated
    assert "+13125550001" not in dated


@pytest.mark.parametrize("query", ["start=2026-11-22&end=2026-11-01", "start=yesterday", "channel=fax",
                                   "outcome=won", "q=" + "x" * 101])
def test_bad_filters_show_the_form_with_its_error(logged_in, query):
    response = logged_in.get(f"/calls/?{query}")
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)


def test_calls_link_to_customer_and_appointment(logged_in, booked, conversation, seeded_url):
    with session_scope(seeded_url) as session:
        call = session.get(Conversation, conversation)
        from business.models import Appointment
        appointment = session.get(Appointment, booked)
        appointment.conversation_id, call.customer_id = call.id, appointment.customer_id
        call.slots = {"service": "drain_cleaning", "problem": "kitchen sink backs up", "empty": None}
        call.summary = "Dana booked a drain cleaning."
    page = logged_in.get(f"/calls/{conversation}").get_data(as_text=True)
    assert page.index("Dana booked a drain cleaning.") < page.index("Transcript")
    assert "kitchen sink backs up" in page and "empty" not in page
    assert f"#{booked}" in page and "/customers/" in page


def _lead(url: str, name: str = "Pat Doyle", reason: str = "wants a quote for a new water heater") -> int:
    with session_scope(url) as session:
        return create_lead(session=session, name=name, phone="+13125550144", reason=reason).id


def test_leads_page_status_and_who_handled_it(logged_in, seeded_url):
    lead_id = _lead(seeded_url)
    page = logged_in.get("/leads/").get_data(as_text=True)
    assert "Pat Doyle" in page and "wants a quote for a new water heater" in page and "nobody yet" in page
    assert "Pat Doyle" in logged_in.get("/today/").get_data(as_text=True)  # waits on Today too
    assert logged_in.post(f"/leads/{lead_id}/status", data={"status": "called"}).status_code == 302
    with session_scope(seeded_url) as session:
        lead = session.get(Lead, lead_id)
        assert (lead.status, lead.handled_by) == ("called", "owner")
    assert "Pat Doyle" in logged_in.get("/leads/?status=called").get_data(as_text=True)
    assert "Pat Doyle" not in logged_in.get("/leads/?status=new").get_data(as_text=True)
    assert logged_in.post(f"/leads/{lead_id}/status", data={"status": "won"}).status_code == 302
    with session_scope(seeded_url) as session:
        assert session.get(Lead, lead_id).status == "called"  # refused, unchanged
    assert logged_in.get("/leads/?status=won").status_code == 400
    assert logged_in.get("/leads/?page=0").status_code == 400
    assert logged_in.post("/leads/999999/status", data={"status": "lost"}).status_code == 404

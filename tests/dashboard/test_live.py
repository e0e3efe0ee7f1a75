"""The Live calls stream and the push-to-talk page: what the stream sends for calls in
progress and recently ended, and the signed token the talk page hands to the browser."""
from __future__ import annotations

import json
from datetime import timedelta

from business.db import session_scope
from business.repository import add_turn, get_or_create_conversation, update_conversation
from channels.talk_token import verify_token
from tests.dashboard.conftest import NOW


def stream_events(response) -> list[dict]:
    body = response.get_data(as_text=True)
    return [json.loads(block.split("data: ", 1)[1]) for block in body.split("\n\n") if "event: calls" in block]


def make_call(url: str, sid: str, status: str | None, ended_ago: timedelta | None = None) -> None:
    now = NOW  # the app's pinned clock
    with session_scope(url) as session:
        call = get_or_create_conversation(session=session, external_id=sid, channel="phone", caller="+13125550199")
        update_conversation(session=session, conversation=call, status=status, intent="book_appointment",
                            slots={"problem": "leaking faucet", "address": None},
                            ended_at=now - ended_ago if ended_ago else None)
        add_turn(session=session, conversation=call, speaker="caller", text="my faucet is leaking",
                 confidence=0.91, intent="book_appointment", stt_confidence=0.84)
        turn = add_turn(session=session, conversation=call, speaker="assistant", text="What is the address?")
        turn.interrupted = True


def test_stream_sends_calls_in_progress_with_turns_and_slots(logged_in, seeded_url):
    make_call(seeded_url, "CA-live", "in-progress")
    make_call(seeded_url, "CA-old", "completed", ended_ago=timedelta(hours=2))
    make_call(seeded_url, "web-chat", None)  # not a call the bridge handled
    response = logged_in.get("/live/events")
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    [calls] = stream_events(response)
    assert [c["caller"] for c in calls] == ["+13125550199"] and calls[0]["status"] == "in-progress"
    assert calls[0]["intent"] == "book_appointment" and calls[0]["slots"] == {"problem": "leaking faucet"}
    caller, assistant = calls[0]["turns"]
    assert (caller["text"], caller["stt_confidence"], caller["confidence"]) == ("my faucet is leaking", 0.84, 0.91)
    assert assistant["interrupted"] is True and caller["interrupted"] is False


def test_recently_ended_calls_stay_on_the_page(logged_in, seeded_url):
    make_call(seeded_url, "CA-done", "completed", ended_ago=timedelta(minutes=3))
    [calls] = stream_events(logged_in.get("/live/events"))
    assert [c["status"] for c in calls] == ["completed"]


def test_each_answer_is_complete_and_unchanged_calls_are_not_sent_again(logged_in, seeded_url):
    make_call(seeded_url, "CA-live", "in-progress")
    first = logged_in.get("/live/events").get_data(as_text=True)
    assert first.startswith("retry: 1000\n\n")
    event_id = first.split("id: ", 1)[1].split("\n", 1)[0]
    again = logged_in.get("/live/events", headers={"Last-Event-ID": event_id}).get_data(as_text=True)
    assert again == "retry: 1000\n\n"  # nothing new: the browser just asks again later
    add_turn_to(seeded_url, "CA-live", "my address is 1420 north lake shore drive")
    changed = logged_in.get("/live/events", headers={"Last-Event-ID": event_id})
    [calls] = stream_events(changed)
    assert calls[0]["turns"][-1]["text"] == "my address is 1420 north lake shore drive"


def add_turn_to(url: str, sid: str, text: str) -> None:
    with session_scope(url) as session:
        call = get_or_create_conversation(session=session, external_id=sid)
        add_turn(session=session, conversation=call, speaker="caller", text=text)


def test_live_page_loads_its_script(logged_in):
    page = logged_in.get("/live/").get_data(as_text=True)
    assert 'src="/static/js/live.js?v=' in page and 'data-events-url="/live/events"' in page


def test_talk_page_hands_out_a_token_the_bridge_accepts(logged_in, app):
    response = logged_in.get("/talk/")
    page = response.get_data(as_text=True)
    token = page.split('data-token="', 1)[1].split('"', 1)[0]
    assert verify_token(app.config["SECRET_KEY"], token) == "owner"
    assert 'data-socket-url="ws://127.0.0.1:8081/talk"' in page or "/talk\"" in page
    assert "connect-src 'self' ws://" in response.headers["Content-Security-Policy"]


def make_chat(url: str, sid: str, last_message_ago: timedelta, name: str | None = None) -> None:
    with session_scope(url) as session:
        chat = get_or_create_conversation(session=session, external_id=sid, channel="web")
        update_conversation(session=session, conversation=chat, slots={"customer_name": name})
        add_turn(session=session, conversation=chat, speaker="caller", text="my sink is clogged",
                 at=NOW - last_message_ago)


def test_a_website_chat_shows_while_the_visitor_writes_with_their_name(logged_in, seeded_url):
    make_chat(seeded_url, "web:recent", timedelta(minutes=1), name="Dana Scully")
    make_chat(seeded_url, "web:quiet", timedelta(hours=1))
    [calls] = stream_events(logged_in.get("/live/events"))
    assert [(c["channel"], c["name"], c["status"]) for c in calls] == [("web", "Dana Scully", "chatting")]

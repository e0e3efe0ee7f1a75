"""Conversations: the list page, a transcript page and the API, all with local times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from business.db import session_scope
from business.repository import add_turn, get_or_create_conversation


def test_calls_page_lists_conversation(logged_in, conversation):
    page = logged_in.get("/calls/").get_data(as_text=True)
    assert "Calls and chats" in page
    for text in ("Mon Nov 23 2026, 08:30 AM CST", "phone", "+13125550123", "book_appointment", "booked"):
        assert text in page
    assert f'href="/calls/{conversation}"' in page


def test_calls_page_empty(logged_in):
    assert "No calls yet." in logged_in.get("/calls/").get_data(as_text=True)


def test_call_detail_shows_transcript(logged_in, conversation):
    response = logged_in.get(f"/calls/{conversation}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Transcript" in page
    assert "My kitchen sink is clogged" in page and "I can send someone tomorrow at 10 a.m." in page
    assert "08:30:05 AM" in page and "08:30:09 AM" in page
    assert "93%" in page
    assert page.index("My kitchen sink") < page.index("I can send someone")


def test_call_detail_escapes_transcript_text(logged_in, seeded_url):
    with session_scope(seeded_url) as session:
        call = get_or_create_conversation(session=session, external_id="web-xss", caller="<b>x</b>")
        add_turn(session=session, conversation=call, speaker="caller", text="<script>alert(1)</script>")
        call_id = call.id
    page = logged_in.get(f"/calls/{call_id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>x</b>" not in page


def test_call_detail_missing_is_404_html(logged_in):
    response = logged_in.get("/calls/999999")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_api_conversations_with_turns(logged_in, conversation):
    body = logged_in.get("/api/conversations").get_json()
    [call] = body["conversations"]
    assert call["id"] == conversation
    assert call["channel"] == "phone" and call["caller"] == "+13125550123"
    assert call["started_at"] == "2026-11-23T08:30:00-06:00"
    assert call["intent"] == "book_appointment" and call["outcome"] == "booked"
    assert [(t["seq"], t["speaker"], t["text"]) for t in call["turns"]] == [
        (1, "caller", "My kitchen sink is clogged"),
        (2, "assistant", "I can send someone tomorrow at 10 a.m."),
    ]
    assert call["turns"][0]["at"] == "2026-11-23T08:30:05-06:00"
    assert call["turns"][0]["confidence"] == 0.93
    assert call["turns"][1]["confidence"] is None


def test_api_conversations_limit(logged_in, seeded_url):
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    with session_scope(seeded_url) as session:
        for n in range(3):
            get_or_create_conversation(session=session, external_id=f"c{n}", started_at=start + timedelta(hours=n))
    body = logged_in.get("/api/conversations?limit=2").get_json()
    assert [c["external_id"] for c in body["conversations"]] == ["c2", "c1"]  # newest first


def test_calls_page_names_a_website_visitor_once_given(logged_in, seeded_url):
    from business.db import session_scope
    from business.repository import get_or_create_conversation, update_conversation

    with session_scope(seeded_url) as session:
        chat = get_or_create_conversation(session=session, external_id="web:abc", channel="web")
        update_conversation(session=session, conversation=chat, slots={"customer_name": "Dana Scully"})
        get_or_create_conversation(session=session, external_id="web:anonymous", channel="web")
    page = logged_in.get("/calls/").get_data(as_text=True)
    assert '<td data-label="Channel">web</td>' in page
    assert '<td data-label="Caller">Dana Scully</td>' in page and '<td data-label="Caller">Unknown</td>' in page


def test_a_web_chat_shows_the_name_and_number_the_caller_gave(logged_in, seeded_url):
    with session_scope(seeded_url) as session:
        chat = get_or_create_conversation(session=session, external_id="web-named", channel="web")
        chat.slots = {"customer_name": "Ana Ruiz", "phone": "+17735550123"}
        get_or_create_conversation(session=session, external_id="web-nameless", channel="web")
    page = logged_in.get("/calls/").get_data(as_text=True)
    assert "Ana Ruiz, +17735550123" in page
    assert "Unknown" in page  # the chat that gave nothing

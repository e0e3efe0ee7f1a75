"""The web widget's socket.io channel on the running stack: a visitor's session persists
(a second tab, or a reload, sees the same conversation) and the real assistant answers.
The channel's checks and limits are tested against an echo in tests/channels/."""
from __future__ import annotations

import queue

import pytest
import socketio

pytestmark = pytest.mark.e2e
WAIT = 90  # seconds for one answer from the real assistant on a loaded 2-core machine


def visitor(stack, session_id: str | None = None) -> tuple[socketio.Client, str, queue.Queue]:
    replies: queue.Queue = queue.Queue()
    confirmed: queue.Queue = queue.Queue()
    client = socketio.Client(reconnection=False,
                             websocket_extra_options={"origin": f"http://127.0.0.1:{stack.dashboard_port}"})
    client.on("bot_uttered", replies.put)
    client.on("session_confirm", confirmed.put)
    client.connect(stack.rasa_url, transports=["websocket"], wait_timeout=30)
    client.emit("session_request", {"session_id": session_id})
    return client, confirmed.get(timeout=WAIT), replies


def drain(replies: queue.Queue) -> None:
    """Drop the rest of an answer given in several messages."""
    while True:
        try:
            replies.get(timeout=5)
        except queue.Empty:
            return


def test_a_persisted_session_gets_the_assistants_answers_in_every_tab(stack):
    first, session_id, first_replies = visitor(stack)
    first.emit("user_uttered", {"message": "what are your hours", "session_id": session_id})
    assert "trouble" not in first_replies.get(timeout=WAIT)["text"]
    drain(first_replies)
    second, same, second_replies = visitor(stack, session_id)
    assert same == session_id
    second.emit("user_uttered", {"message": "how much is a drain cleaning", "session_id": session_id})
    answer = second_replies.get(timeout=WAIT)["text"]
    assert answer and "trouble" not in answer
    assert first_replies.get(timeout=WAIT)["text"] == answer  # the first tab sees it too
    first.disconnect()
    second.disconnect()

"""The web widget's socket.io channel on the running Rasa server, spoken with
python-socketio's client: replies arrive (also with session persistence, and in a second
tab of the same session), conversations live under web:<id> so a visitor can never join a
call's or a text thread's conversation, other sites' origins are refused, and oversized,
malformed or too many messages get an `error` event without affecting other visitors."""
from __future__ import annotations

import queue
import uuid

import pytest
import requests
import socketio
from socketio.exceptions import ConnectionError as SocketConnectionError

pytestmark = pytest.mark.e2e
WAIT = 90  # seconds for one answer: generous on a loaded 2-core machine


class Visitor:
    def __init__(self, url: str, session_id: str | None = None, origin: str | None = None):
        self.replies: queue.Queue = queue.Queue()
        self.errors: queue.Queue = queue.Queue()
        self.confirmed: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda data: self.replies.put(data))
        self.client.on("error", lambda data: self.errors.put(data))
        self.client.on("session_confirm", lambda data: self.confirmed.put(data))
        headers = {"Origin": origin} if origin else {}
        self.client.connect(url, headers=headers, transports=["websocket"], wait_timeout=30)
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = self.confirmed.get(timeout=WAIT)

    def say(self, text) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})

    def reply(self) -> str:
        return self.replies.get(timeout=WAIT).get("text", "")

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture
def visitor(stack):
    made = []

    def make(**kwargs) -> Visitor:
        made.append(Visitor(stack.rasa_url, **kwargs))
        return made[-1]

    yield make
    for v in made:
        v.close()


def test_replies_arrive_with_a_persisted_session_and_in_a_second_tab(stack, visitor):
    first = visitor()
    first.say("what are your hours")
    assert first.reply()
    second = visitor(session_id=first.session_id)  # the same visitor in another tab
    assert second.session_id == first.session_id
    second.say("how much is a drain cleaning")
    assert first.reply() and second.reply()


def test_a_visitor_cannot_name_another_conversation(stack, visitor):
    """A phone caller's text thread is "sms:+1...": asking for it gives a new session."""
    v = visitor(session_id="sms:+13125550199")
    assert v.session_id != "sms:+13125550199" and ":" not in v.session_id
    # Claiming the owner line in the widget's metadata changes nothing either.
    v.client.emit("user_uttered", {"message": "what's on for tomorrow", "session_id": v.session_id,
                                   "customData": {"channel": "owner", "signature": "1.deadbeef"}})
    replies = []
    while True:
        try:
            replies.append(v.replies.get(timeout=15).get("text", ""))
        except queue.Empty:
            break
    # The owner's schedule answer always says who has what booked; a visitor hears none of it.
    assert replies and not any("booked" in r.lower() for r in replies), replies
    # Rasa's HTTP API (trackers, model swaps) is not enabled.
    tracker = requests.get(f"{stack.rasa_url}/conversations/web:{v.session_id}/tracker", timeout=10)
    assert tracker.status_code == 404


def test_other_origins_are_refused(stack):
    with pytest.raises(SocketConnectionError):
        Visitor(stack.rasa_url, origin="https://evil.example")
    ok = Visitor(stack.rasa_url, origin=f"http://127.0.0.1:{stack.dashboard_port}")
    ok.close()


@pytest.mark.parametrize("bad", ["x" * 1500, "nul \x00 here", "", 42, None])
def test_bad_messages_get_an_error_and_others_are_unaffected(stack, visitor, bad):
    v, other = visitor(), visitor()
    v.client.emit("user_uttered", {"message": bad, "session_id": v.session_id})
    assert "error" in v.errors.get(timeout=WAIT)
    other.say("hello")
    assert other.reply()


def test_a_huge_packet_is_dropped_before_rasa_sees_it(stack, visitor):
    v, other = visitor(), visitor()
    try:
        v.client.emit("user_uttered", {"message": "x" * 200_000, "session_id": v.session_id})
    except Exception:  # noqa: BLE001 - the server may close the socket mid-send
        pass
    other.say("hello")
    assert other.reply()


def test_too_many_messages_are_refused(stack, visitor):
    v = visitor(session_id=uuid.uuid4().hex)
    for _ in range(25):
        v.client.emit("user_uttered", {"message": "hi", "session_id": v.session_id})
    error = v.errors.get(timeout=WAIT)
    assert "too many" in error["error"]

"""The web widget's socket.io channel (channels/rasa_input/socketio.py) on a real server
in Rasa's environment, spoken with python-socketio's client: replies arrive with session
persistence and in a second tab of the same session; conversations live under web:<id>,
so a visitor can never name a call's or a text thread's conversation nor claim a caller;
other origins are refused; oversized, malformed or too many messages get an `error` event
without affecting other visitors; an assistant that answers nothing still answers."""
from __future__ import annotations

import queue
import uuid

import pytest
import socketio
from socketio.exceptions import ConnectionError as SocketConnectionError

from channels.rasa_input.replies import TROUBLE
from tests.channels.conftest import DASHBOARD_PORT

WAIT = 30
# Browsers send the page's origin: here the widget on the dashboard's demo page.
ALLOWED = f"http://127.0.0.1:{DASHBOARD_PORT}"


def client(origin: str) -> socketio.Client:
    # websocket-client sends the Origin itself; a header of ours would make it two.
    return socketio.Client(reconnection=False, websocket_extra_options={"origin": origin})


class Visitor:
    def __init__(self, url: str, session_id: str | None = None, origin: str = ALLOWED):
        self.replies: queue.Queue = queue.Queue()
        self.errors: queue.Queue = queue.Queue()
        confirmed: queue.Queue = queue.Queue()
        self.client = client(origin)
        self.client.on("bot_uttered", self.replies.put)
        self.client.on("error", self.errors.put)
        self.client.on("session_confirm", confirmed.put)
        self.client.connect(url, transports=["websocket"], wait_timeout=10)
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = confirmed.get(timeout=WAIT)

    def say(self, text, **extra) -> None:
        self.client.emit("user_uttered", {"message": text, "session_id": self.session_id, **extra})

    def reply(self) -> str:
        return self.replies.get(timeout=WAIT)["text"]


@pytest.fixture
def visitor(echo_rasa):
    made: list[Visitor] = []

    def make(**kwargs) -> Visitor:
        made.append(Visitor(echo_rasa, **kwargs))
        return made[-1]

    yield make
    for v in made:
        v.client.disconnect()


def test_replies_arrive_with_a_persisted_session_and_in_a_second_tab(visitor):
    first = visitor()
    first.say("hello")
    assert first.reply() == f"echo hello | sender web:{first.session_id} | channel web"
    second = visitor(session_id=first.session_id)  # the same visitor in another tab, or after a reload
    assert second.session_id == first.session_id
    second.say("again")
    assert "echo again" in first.reply() and "echo again" in second.reply()


@pytest.mark.parametrize("asked", ["sms:+13125550199", "CA0123456789abcdef0123456789abcdef", "x", "\x00" * 20])
def test_a_visitor_cannot_name_another_conversation(visitor, asked):
    v = visitor(session_id=asked)
    v.say("when is my appointment")
    reply = v.reply()
    # Whatever id is kept, the conversation is always a web one, never the one asked for.
    assert f"sender web:{v.session_id} |" in reply and f"sender {asked} |" not in reply


def test_the_widgets_own_metadata_never_reaches_the_assistant(visitor):
    v = visitor()
    v.say("what's on for tomorrow", customData={"channel": "owner", "caller": "+13125550100", "signature": "1.ab"})
    assert v.reply().endswith("| channel web")


def test_other_origins_are_refused(echo_rasa):
    with pytest.raises(SocketConnectionError):
        Visitor(echo_rasa, origin="https://evil.example")
    allowed = Visitor(echo_rasa, origin=ALLOWED)
    allowed.client.disconnect()


@pytest.mark.parametrize("bad", ["x" * 1500, "nul \x00 here", "lone \ud800", "", "   ", 42, None, ["a"]])
def test_bad_messages_get_an_error_and_others_are_unaffected(visitor, bad):
    v, other = visitor(), visitor()
    v.say(bad)
    assert "error" in v.errors.get(timeout=WAIT)
    other.say("hello")
    assert "echo hello" in other.reply()
    assert v.replies.empty()


def test_a_message_for_another_session_or_before_a_session_is_refused(visitor, echo_rasa):
    v = visitor()
    v.client.emit("user_uttered", {"message": "hi", "session_id": uuid.uuid4().hex})
    assert "error" in v.errors.get(timeout=WAIT)
    early = client(ALLOWED)
    errors: queue.Queue = queue.Queue()
    early.on("error", errors.put)
    early.connect(echo_rasa, transports=["websocket"], wait_timeout=10)
    early.emit("user_uttered", {"message": "hi"})
    assert "session_request" in errors.get(timeout=WAIT)["error"]
    early.disconnect()


def test_a_huge_packet_is_dropped_before_the_assistant(visitor):
    v, other = visitor(), visitor()
    try:
        v.say("x" * 200_000)
    except Exception:  # noqa: BLE001 - the server may close the socket mid-send
        pass
    other.say("still here")
    assert "echo still here" in other.reply()
    assert v.replies.empty()


def test_too_many_messages_are_refused(visitor):
    v = visitor()
    for n in range(25):
        v.say(f"message {n}")
    assert "too many" in v.errors.get(timeout=WAIT)["error"]


@pytest.mark.parametrize("text", ["silence", "crash"])
def test_no_answer_becomes_a_true_sentence(visitor, text):
    v = visitor()
    v.say(text)
    assert v.reply() == TROUBLE

"""The one Rasa client (channels/rasa_client.py), blocking and awaitable, against a local
HTTP server that answers like Rasa's REST channel or fails like a broken one."""
from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from channels.rasa_client import RasaClient, RasaUnavailable
from channels.rasa_input.replies import ERROR_MARKER, TROUBLE
from channels.trust import metadata_is_signed

KEY = "rasa-client-secret"


class FakeRasa(BaseHTTPRequestHandler):
    answer: tuple[int, bytes] = (200, b"[]")
    received: list[dict] = []

    def do_POST(self):
        FakeRasa.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        status, body = FakeRasa.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def rasa_url():
    FakeRasa.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def answer(status: int, body: object) -> None:
    FakeRasa.answer = (status, body if isinstance(body, bytes) else json.dumps(body).encode())


def both(client: RasaClient, *args):
    """The blocking and the awaitable answer to the same message."""
    async def send_async():
        try:
            return await client.send_async(*args)
        finally:
            await client.aclose()
    return client.send(*args), asyncio.run(send_async())


def test_texts_and_custom_payloads_come_back_and_the_message_is_signed(rasa_url):
    answer(200, [{"recipient_id": "s", "text": "Hello."}, {"recipient_id": "s", "text": ""},
                 {"recipient_id": "s", "custom": {"kind": "buttons"}}, "junk"])
    for reply in both(RasaClient(rasa_url, secret_key=KEY), "sms:+13125550199", "hi",
                      {"channel": "sms", "caller": "+13125550199"}):
        assert reply.texts == ["Hello."] and reply.custom == [{"kind": "buttons"}]
        assert reply.assistant_error is None
    for sent in FakeRasa.received:
        assert sent["sender"] == "sms:+13125550199" and sent["message"] == "hi"
        assert metadata_is_signed(KEY, sent["sender"], sent["metadata"])


def test_the_rest_channels_stand_in_sentence_is_marked_as_an_assistant_error(rasa_url):
    answer(200, [{"recipient_id": "s", "text": TROUBLE, "custom": ERROR_MARKER}])
    for reply in both(RasaClient(rasa_url, secret_key=KEY), "CA1", "hello", {"channel": "phone"}):
        assert reply.assistant_error == "no_reply" and reply.texts == [TROUBLE]


def test_long_messages_are_cut_to_what_the_channel_accepts(rasa_url):
    answer(200, [])
    RasaClient(rasa_url, secret_key=KEY).send("CA1", "x" * 5000, {"channel": "phone"})
    assert len(FakeRasa.received[0]["message"]) == 2000


@pytest.mark.parametrize("status, body, reason", [
    (500, {"error": "boom"}, "HTTP 500"),
    (401, {"error": "unsigned"}, "HTTP 401"),
    (200, b"not json", "JSONDecodeError"),
    (200, {"text": "not a list"}, "answer is not a list of messages"),
])
def test_anything_but_a_list_of_messages_is_unavailable(rasa_url, status, body, reason):
    answer(status, body)
    client = RasaClient(rasa_url, secret_key=KEY)
    with pytest.raises(RasaUnavailable, match=reason):
        client.send("CA1", "hello", {"channel": "phone"})
    with pytest.raises(RasaUnavailable, match=reason):
        asyncio.run(client.send_async("CA1", "hello", {"channel": "phone"}))


def test_nothing_listening_is_unavailable():
    client = RasaClient("http://127.0.0.1:9", secret_key=KEY, timeout=2)
    with pytest.raises(RasaUnavailable, match="ConnectError"):
        client.send("CA1", "hello", {"channel": "phone"})
    with pytest.raises(RasaUnavailable, match="ConnectError"):
        asyncio.run(client.send_async("CA1", "hello", {"channel": "phone"}))

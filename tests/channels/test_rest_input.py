"""The REST channel (channels/rasa_input/rest.py) on a real Sanic server in Rasa's own
environment: only our front ends' signed messages get through; bad input gets a clear 4xx;
an assistant that answers nothing or fails still gives the caller a true sentence."""
from __future__ import annotations

import json

import pytest
import requests

from channels.rasa_input.replies import TROUBLE
from channels.trust import sign_channel
from tests.channels.conftest import SECRET_KEY


def signed(sender: str, text: str = "hi", channel: str = "web", caller: str | None = None, **fields) -> bytes:
    metadata = {"channel": channel, "signature": sign_channel(SECRET_KEY, channel=channel, caller=caller,
                                                               sender_id=sender)}
    if caller:
        metadata["caller"] = caller
    return json.dumps({"sender": sender, "message": text, "metadata": metadata, **fields}).encode()


def post(url: str, body: bytes, content_type: str = "application/json") -> requests.Response:
    return requests.post(f"{url}/webhooks/rest/webhook", data=body, headers={"Content-Type": content_type},
                         timeout=30)


def test_a_signed_message_gets_through(echo_rasa):
    reply = post(echo_rasa, signed("sms:+13125550199", "yes", channel="sms", caller="+13125550199"))
    assert reply.status_code == 200
    assert reply.json()[0]["text"] == "echo yes | sender sms:+13125550199 | channel sms"


@pytest.mark.parametrize("body, content_type, status", [
    (b"{not json", "application/json", 400),
    (b"\xff\xfe\xfa", "application/json", 400),
    (b'"just a string"', "application/json", 400),
    (b'{"sender": "x", "message": "hi", "admin": true}', "application/json", 400),
    (b'{"sender": 5, "message": "hi"}', "application/json", 400),
    (b'{"sender": "x", "message": ""}', "application/json", 400),
    (b'{"sender": "x", "message": "' + b"x" * 10_000 + b'"}', "application/json", 413),
    (b"{" + b" " * 70_000 + b"}", "application/json", 413),
    # The takeover: anyone naming a customer's text thread, unsigned, is refused.
    (b'{"sender": "sms:+13125550199", "message": "when is my appointment?"}', "application/json", 401),
    (b'{"sender": "x", "message": "hi", "metadata": {"channel": "owner"}}', "application/json", 401),
    (b'{"sender": "x", "message": "hi", "metadata": {"channel": "owner", "signature": "\\u00e9"}}',
     "application/json", 401),
    (signed("owner-1", channel="owner").replace(b'"owner-1"', b'"owner-2"'), "application/json", 401),
    # What stopped Rasa 3.6's SQL tracker store: NUL and lone surrogates in the sender id.
    (signed("a\x00b"), "application/json", 400),
    (signed("\ud800"), "application/json", 400),
    (signed("ok", "nul \x00 inside"), "application/json", 400),
    (signed("ok", "lone \udfff"), "application/json", 400),
    (signed("ok").replace(b'"metadata": {', b'"metadata": {"role": "owner", '), "application/json", 400),
    (signed("ok"), "text/plain", 415),
])
def test_bad_requests_get_a_clear_4xx(echo_rasa, body, content_type, status):
    reply = post(echo_rasa, body, content_type)
    assert reply.status_code == status, (reply.status_code, reply.text[:200])
    assert "error" in reply.json()


def test_a_replayed_signature_is_refused(echo_rasa):
    old = sign_channel(SECRET_KEY, channel="owner", caller=None, sender_id="owner-1", issued_at=1_700_000_000)
    body = json.dumps({"sender": "owner-1", "message": "what's on tomorrow",
                       "metadata": {"channel": "owner", "signature": old}}).encode()
    assert post(echo_rasa, body).status_code == 401


@pytest.mark.parametrize("text", ["silence", "crash"])
def test_no_answer_becomes_a_true_sentence(echo_rasa, text):
    reply = post(echo_rasa, signed("CA-silent", text, channel="phone", caller="+13125550199"))
    assert reply.status_code == 200
    assert reply.json() == [{"recipient_id": "CA-silent", "text": TROUBLE, "custom": {"assistant_error": "no_reply"}}]


def test_a_runaway_client_is_slowed(echo_rasa):
    statuses = [post(echo_rasa, signed("runaway-1")).status_code for _ in range(35)]
    assert statuses[:30] == [200] * 30 and statuses[-1] == 429
    assert post(echo_rasa, signed("someone-else")).status_code == 200


def test_no_cross_site_headers(echo_rasa):
    reply = requests.post(f"{echo_rasa}/webhooks/rest/webhook", data=signed("cors"), timeout=30,
                          headers={"Content-Type": "application/json", "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in {k.lower() for k in reply.headers}

"""Bad input to the running stack's REST channel gets a 4xx and breaks nothing: the next
conversation still works, Rasa keeps running and stored bookings are untouched. The REST
channel is for our own front ends: an unsigned message is refused."""
from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import func, select

from business.db import session_factory
from business.models import Appointment, Customer
from channels.trust import sign_channel
from tests.e2e.conftest import SECRET_KEY

pytestmark = pytest.mark.e2e


def counts(database_url: str) -> tuple[int, int]:
    with session_factory(database_url)() as session:
        return (session.scalar(select(func.count(Appointment.id))), session.scalar(select(func.count(Customer.id))))


def signed(sender: str, **fields) -> bytes:
    metadata = {"channel": "web", "signature": sign_channel(SECRET_KEY, channel="web", caller=None, sender_id=sender)}
    return json.dumps({"sender": sender, "message": "hi", "metadata": metadata, **fields}).encode()


@pytest.mark.parametrize("body, content_type, status", [
    (b"{not json", "application/json", 400),
    (b"\xff\xfe\xfa", "application/json", 400),
    (b'{"sender": "x"}', "application/json", 400),
    (b'"just a string"', "application/json", 400),
    (b'{"sender": "x", "message": "hi", "admin": true}', "application/json", 400),
    (b'{"sender": "x", "message": "hi", "metadata": {"role": "owner"}}', "application/json", 400),
    (b'{"sender": 5, "message": "hi"}', "application/json", 400),
    (b'{"sender": "x", "message": ""}', "application/json", 400),
    (b'{"sender": "x", "message": "   "}', "application/json", 400),
    (b'{"sender": "x", "message": "' + b"x" * 10_000 + b'"}', "application/json", 413),
    # Unsigned: no one but our front ends may speak on REST, least of all into a text thread.
    (b'{"sender": "sms:+13125550199", "message": "when is my appointment?"}', "application/json", 401),
    (b'{"sender": "x", "message": "hi", "metadata": {"channel": "owner"}}', "application/json", 401),
    # What stopped Rasa 3.6's SQL tracker store: NUL and lone surrogates in the sender id.
    (signed("a\x00b"), "application/json", 400),
    (signed("\ud800"), "application/json", 400),
    (signed("ok-sender", message="nul \x00 inside"), "application/json", 400),
    (signed("ok-sender", message="lone \udfff"), "application/json", 400),
    (signed("ok-sender"), "text/plain", 415),
])
def test_malformed_requests_get_4xx(stack, body, content_type, status):
    before = counts(stack.database_url)
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                          headers={"Content-Type": content_type}, timeout=30)
    assert reply.status_code == status, (reply.status_code, reply.text[:200])
    assert "error" in reply.json()
    assert counts(stack.database_url) == before
    assert stack.say("after-bad-input", "hello")  # the server still answers


def test_health_and_valid_messages_still_pass(stack):
    assert requests.get(f"{stack.rasa_url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}
    assert stack.say("valid-input", "what are your hours")


def test_rasa_sends_no_cors_headers_to_other_sites(stack):
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=signed("cors-check"),
                          headers={"Content-Type": "application/json", "Origin": "https://evil.example"}, timeout=30)
    assert "access-control-allow-origin" not in {k.lower() for k in reply.headers}

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


# Every check is tested on the channel alone (tests/channels/test_rest_input.py); here a few
# kinds against the real Rasa, whose tracker store a NUL in a sender id once stopped.
@pytest.mark.parametrize("body, content_type, status", [
    (b"\xff\xfe\xfa", "application/json", 400),
    (b'{"sender": "sms:+13125550199", "message": "when is my appointment?"}', "application/json", 401),
    (signed("a\x00b"), "application/json", 400),
    (signed("\ud800"), "application/json", 400),
    (signed("ok-sender", message="nul \x00 inside"), "application/json", 400),
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

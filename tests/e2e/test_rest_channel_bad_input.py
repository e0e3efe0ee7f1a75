"""Bad input to the running stack's REST channel gets a 4xx and breaks nothing: the next
conversation still works and stored bookings are untouched."""
from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from business.db import session_factory
from business.models import Appointment, Customer

pytestmark = pytest.mark.e2e


def counts(database_url: str) -> tuple[int, int]:
    with session_factory(database_url)() as session:
        return (session.scalar(select(func.count(Appointment.id))), session.scalar(select(func.count(Customer.id))))


@pytest.mark.parametrize("body, content_type", [
    (b"{not json", "application/json"),
    (b"\xff\xfe\xfa", "application/json"),
    (b'{"sender": "x"}', "application/json"),
    (b'"just a string"', "application/json"),
    (b'{"sender": "x", "message": "hi", "admin": true}', "application/json"),
    (b'{"sender": "x", "message": "hi", "metadata": {"role": "owner"}}', "application/json"),
    (b'{"sender": 5, "message": "hi"}', "application/json"),
    (b'{"sender": "x", "message": ""}', "application/json"),
    (b'{"sender": "x", "message": "   "}', "application/json"),
    (b'{"sender": "x", "message": "' + b"x" * 10_000 + b'"}', "application/json"),
])
def test_malformed_requests_get_4xx(stack, body, content_type):
    before = counts(stack.database_url)
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                          headers={"Content-Type": content_type}, timeout=30)
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:200])
    assert "error" in reply.json()
    assert counts(stack.database_url) == before
    assert stack.say("after-bad-input", "hello")  # the server still answers


def test_health_and_valid_messages_still_pass(stack):
    assert requests.get(f"{stack.rasa_url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}
    assert stack.say("valid-input", "what are your hours", {"channel": "web"})

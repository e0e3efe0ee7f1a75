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
])
def test_malformed_requests_get_4xx(stack, body, content_type):
    before = counts(stack.database_url)
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=body,
                          headers={"Content-Type": content_type}, timeout=30)
    assert 400 <= reply.status_code < 500, (reply.status_code, reply.text[:200])
    assert counts(stack.database_url) == before
    assert stack.say("after-bad-input", "hello")  # the server still answers


@pytest.mark.parametrize("message", ["", " ", "x" * 10_000])
def test_empty_and_huge_messages(stack, message):
    before = counts(stack.database_url)
    reply = requests.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                          json={"sender": "odd-input", "message": message}, timeout=60)
    assert reply.status_code < 500, (reply.status_code, reply.text[:200])
    assert counts(stack.database_url) == before
    assert stack.say("after-odd-input", "hello")
